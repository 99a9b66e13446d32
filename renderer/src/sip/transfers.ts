import { i18n } from '../i18n';
import JsSIP from 'jssip';
import type { RTCSession } from 'jssip/lib/RTCSession';
import { liveCalls, type Call, type CallEndReason, type CallEvent, type CallOrigin, type CallsState, type Party } from './callMachine';
import {
  ConversationIdSchema,
  decodeHandoff,
  encodeHandoff,
  handoffHeaders,
  handoffText,
  parseTransferCount,
  type HandoffNote,
} from '../../../common/transfer';
import { base64 } from './handoff';
import { displaySafe } from '../../../common/displayText';
import { sipCallIdOf } from './jssipInternals';
import { causeText, sipAnswerText } from './causes';
import { whyNotTaken, type Refusal } from './refusal';
import { telHeaderAsSip } from './telUri';

/**
 * Transfers, both ways, on top of the SIP engine: warm (consultation call, then REFER with
 * Replaces) and blind (REFER) transfers this desk starts, the handoff note that goes ahead of the
 * caller, and what arrives here (a note on an INVITE or in a SIP MESSAGE, an INVITE with Replaces,
 * a REFER this desk follows). The engine owns the calls and their media; this module decides what
 * happens to them during a transfer and asks the engine to do it through `TransferHost`.
 *
 * Every way a transfer does not happen ends in `bringBack`: the caller is taken off hold with the
 * microphone live.
 */

/** A text message (SIP MESSAGE) that reached this desk: a colleague's handoff note or any other text. */
export interface TextMessage {
  id: string;
  from: Party;
  body: string;
  at: number;
  /** The structured note when the sender was Frontdesk. */
  note: HandoffNote | null;
  /** The call it belongs to, once known. */
  callId: string | null;
}

/** What the transfer logic needs from the engine. */
export interface TransferHost {
  calls(): CallsState;
  session(id: string): RTCSession | undefined;
  dispatch(event: CallEvent): void;
  now(): number;
  /** Decides how a call ends (read when it does), instead of JsSIP's cause. */
  endAs(id: string, reason: CallEndReason, cause: string): void;
  account(): { user: string; domain: string } | null;
  ua(): JsSIP.UA | null;
  ringTimeoutS(): number;
  dial(target: string, displayName: string | null, extra: { extraHeaders?: string[]; origin?: CallOrigin }): string | null;
  hangup(id: string): void;
  /** The caller is back with the agent: unmuted and off hold, microphone live. */
  bringBack(id: string): void;
  newId(prefix: 'call' | 'msg'): string;
  /** Follows a session this desk placed (as the engine does for its own dials). */
  trackOutgoing(id: string, session: RTCSession): void;
  mediaOptions(): object;
  addMessage(message: TextMessage): void;
}

/** How a finished call ended, as the transfer logic needs it. */
export interface CallEnding {
  reason: CallEndReason;
  cause: string;
  originator: string;
  /** The final response, when the far end refused the call. */
  refusal: Refusal | null;
}

/** How long a note that came as a SIP MESSAGE waits for the transferred call it announces. */
const pendingNoteMs = 120_000;
/** How long the caller's phone has to report a transfer's outcome (NOTIFY) after REFER. */
const referReportTimeoutMs = 15_000;

/** "Sales (1001)", or the number alone. */
const targetLabel = (p: Party) => (p.displayName ? `${p.displayName} (${p.number})` : p.number);

/** JsSIP's 'refer' event on a session, as used here. */
export interface ReferEvent {
  request: { refer_to?: { uri?: { user?: string } }; getHeader(name: string): string | undefined };
  accept(initCallback: (session: RTCSession) => void, options: object): void;
  reject(): void;
}

/** The parts of a JsSIP incoming request read here. */
export interface IncomingRequest {
  body?: unknown;
  from?: { uri?: { user?: string }; display_name?: string };
  getHeader(name: string): string | undefined;
}

/** Who a Referred-By header names ("Accounting" <sip:1002@pbx>), or null when there is none or it does not parse. */
export function referringParty(headers: Record<string, { raw?: string }[]> | undefined): Party | null {
  const raw = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'referred-by' || name.toLowerCase() === 'b')?.[1][0]?.raw;
  if (!raw) return null;
  // A gateway may name the transferor by a tel: URI, which JsSIP's grammar does not read (telUri.ts).
  const header = raw.trim();
  const parsed = JsSIP.NameAddrHeader.parse(telHeaderAsSip(header, 'invalid') ?? header) as { uri?: { user?: string }; display_name?: string } | undefined;
  const number = parsed?.uri?.user;
  return number ? { number, displayName: parsed.display_name || null } : null;
}

export class Transfers {
  /** Notes that came as SIP MESSAGE for a call not here yet (a blind transfer), by the caller's digits. */
  private readonly pendingNotes = new Map<string, { note: HandoffNote; conversationId: string | null; transfers: number; at: number; messageId: string }>();
  /** Timers of transfers in progress (ring timeout, NOTIFY timeout), by the caller's call id. */
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly host: TransferHost) {}

  private call(id: string): Call | undefined {
    return this.host.calls().calls[id];
  }

  // ---- what arrives with an incoming call ----

  /** What an incoming call brings along: a handoff note on the INVITE, or one that came ahead as a SIP MESSAGE. */
  originOf(remote: Party, headers: Record<string, string>): CallOrigin {
    const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const conversation = ConversationIdSchema.safeParse(header(handoffHeaders.conversation));
    const transfers = parseTransferCount(header(handoffHeaders.transfers));
    const encoded = header(handoffHeaders.handoff);
    const note = encoded ? decodeHandoff(encoded, base64) : null;
    if (note) {
      return {
        conversationId: conversation.success ? conversation.data : undefined,
        transfers,
        handoff: { note, kind: 'warm', via: 'invite' },
        subject: note.callerNumber ? { number: note.callerNumber, displayName: note.callerName || null } : remote,
      };
    }
    // A blind transfer: the caller's own INVITE, announced by a MESSAGE with the caller's number.
    const digits = remote.number.replace(/\D+/g, '');
    const pending = digits ? this.pendingNotes.get(digits) : undefined;
    if (pending && this.host.now() - pending.at < pendingNoteMs) {
      this.pendingNotes.delete(digits);
      return {
        conversationId: pending.conversationId ?? (conversation.success ? conversation.data : undefined),
        transfers: Math.max(pending.transfers, transfers),
        handoff: { note: pending.note, kind: 'blind', via: 'message' },
      };
    }
    return { conversationId: conversation.success ? conversation.data : undefined, transfers };
  }

  /** The caller who replaces a consultation call inherits its note, card, conversation and count. */
  originReplacing(replaced: Call): CallOrigin {
    return {
      conversationId: replaced.conversationId,
      transfers: replaced.transfers,
      subject: replaced.subject,
      handoff: replaced.handoff ? { ...replaced.handoff, via: 'replaces' } : null,
      replaced: replaced.id,
    };
  }

  /** A SIP MESSAGE: a colleague's handoff note (bound to its call when it is here) or plain text. */
  onTextMessage(request: IncomingRequest) {
    const header = (name: string) => request.getHeader(name)?.trim() || undefined;
    const from: Party = { number: request.from?.uri?.user ?? 'unknown', displayName: request.from?.display_name ? displaySafe(request.from.display_name) : null };
    // Shown as text: control characters and bidirectional overrides do not reach the screen.
    const body = typeof request.body === 'string' ? displaySafe(request.body.slice(0, 10_000)) : '';
    const encoded = header(handoffHeaders.handoff);
    const note = encoded ? decodeHandoff(encoded, base64) : null;
    const conversation = ConversationIdSchema.safeParse(header(handoffHeaders.conversation));
    const conversationId = conversation.success ? conversation.data : null;
    const transfers = parseTransferCount(header(handoffHeaders.transfers));
    const messageId = this.host.newId('msg');
    let callId: string | null = null;
    if (note) {
      const live = liveCalls(this.host.calls());
      const callerDigits = (header(handoffHeaders.caller) ?? note.callerNumber).replace(/\D+/g, '');
      // The consultation call it announces may already ring here (same conversation)…
      const match =
        live.find((c) => conversationId !== null && c.conversationId === conversationId) ??
        live.find((c) => c.phase === 'ringing-in' && callerDigits !== '' && c.remote.number.replace(/\D+/g, '') === callerDigits);
      if (match) {
        callId = match.id;
        this.host.dispatch({
          type: 'handoff',
          id: match.id,
          handoff: { note, kind: match.remote.number === from.number ? 'warm' : 'blind', via: 'message' },
          conversationId: conversationId ?? undefined,
          transfers,
        });
      } else if (callerDigits) {
        // …or the caller will arrive on their own (a blind transfer): keep it for them.
        this.pendingNotes.set(callerDigits, { note, conversationId, transfers, at: this.host.now(), messageId });
      }
    }
    this.host.addMessage({ id: messageId, from, body, at: this.host.now(), note, callId });
  }

  /**
   * A REFER on one of our calls (a colleague or the PBX transfers us elsewhere): JsSIP has
   * answered 202; we follow it with a new call that keeps the conversation, and JsSIP reports
   * its progress to the referrer (NOTIFY).
   */
  onReferReceived(id: string, e: ReferEvent) {
    const call = this.call(id);
    const target = e.request.refer_to?.uri?.user;
    if (!call || call.phase === 'ended' || !target) {
      e.reject();
      return;
    }
    const newId = this.host.newId('call');
    const party: Party = { number: target, displayName: null };
    const by = call.remote.displayName ?? call.remote.number;
    this.host.dispatch({ type: 'notice', id, text: `${by} transferred this call to ${target}` });
    // RFC 3892: the call the REFER asks for carries the REFER's Referred-By, so the far end knows who sent it.
    const referredBy = e.request.getHeader('Referred-By')?.replace(/[\r\n]/g, '');
    e.accept(
      (s: RTCSession) => {
        this.host.dispatch({
          type: 'dial',
          id: newId,
          remote: party,
          at: this.host.now(),
          sipCallId: sipCallIdOf(s),
          origin: { conversationId: call.conversationId, transfers: call.transfers + 1, subject: call.direction === 'inbound' ? call.subject : party },
        });
        this.host.trackOutgoing(newId, s);
      },
      { ...this.host.mediaOptions(), extraHeaders: referredBy ? [`Referred-By: ${referredBy}`] : [] },
    );
  }

  // ---- transfers this desk makes ----

  /**
   * Starts a transfer of call `callId` (the caller) to a colleague's extension.
   * Warm: the note goes ahead as a SIP MESSAGE, the caller is held and the colleague is called
   * with the note on the INVITE. Blind: the note goes as a SIP MESSAGE and the caller's phone is
   * sent to the colleague at once (REFER).
   */
  start(callId: string, kind: 'warm' | 'blind', target: Party, note: HandoffNote): boolean {
    const call = this.call(callId);
    const session = this.host.session(callId);
    if (!call || !session?.isEstablished()) return false;
    const before = this.host.calls();
    this.host.dispatch({ type: 'transfer-start', id: callId, kind, target, note, at: this.host.now() });
    if (this.host.calls() === before) return false;
    const headers = this.headersFor(call, note);
    // The MESSAGE carries the structured note too: a blind-transferred caller arrives with none.
    this.sendNote(callId, target.number, note, kind, headers);
    if (kind === 'blind') {
      this.refer(callId, null);
      return true;
    }
    const consultId = this.host.dial(target.number, target.displayName, {
      extraHeaders: headers,
      origin: { conversationId: call.conversationId, transfers: call.transfers, subject: call.subject, consultFor: callId },
    });
    if (!consultId) {
      this.fail(callId, i18n.t('sip.colleagueNoAccount'), false);
      return false;
    }
    this.host.dispatch({ type: 'transfer-consult', id: callId, consultId });
    const ringS = Math.max(5, this.host.ringTimeoutS());
    this.timers.set(
      callId,
      setTimeout(() => {
        const consult = this.call(consultId);
        if (consult && (consult.phase === 'dialing' || consult.phase === 'ringing-out')) {
          this.host.endAs(consultId, 'no-answer', i18n.t('sip.noAnswerSeconds', { s: ringS }));
          this.host.session(consultId)?.terminate();
        }
      }, ringS * 1000),
    );
    return true;
  }

  /** Completes a warm transfer: REFER with Replaces to the caller; the agent drops out when it reports success. */
  complete(callId: string) {
    const t = this.call(callId)?.transfer;
    if (!t || t.stage !== 'consulting' || !t.consultId) return;
    const consult = this.host.session(t.consultId);
    if (!consult) return;
    if (!consult.isEstablished()) {
      // Replaces only matches an answered call: while the colleague's phone still rings, the
      // caller is sent there unattended instead, and the ringing consultation is withdrawn.
      this.host.dispatch({ type: 'notice', id: callId, text: `${t.target.displayName ?? t.target.number} had not answered yet: the caller is sent there directly` });
      this.host.dispatch({ type: 'transfer-completing', id: callId, at: this.host.now() });
      this.host.endAs(t.consultId, 'cancelled', i18n.t('sip.transferDoneWhileRinging'));
      consult.terminate();
      this.refer(callId, null);
      return;
    }
    this.refer(callId, consult);
  }

  /** The agent gives up a transfer: the consultation ends and the caller is back, resumed. */
  cancel(callId: string) {
    const call = this.call(callId);
    const t = call?.transfer;
    if (!call || !t) return;
    const consultId = t.consultId;
    if (t.stage === 'failed') {
      // "Keep the caller" after a refused REFER, or dismissing a failed transfer.
      this.host.dispatch({ type: 'transfer-clear', id: callId });
      if (consultId && this.host.session(consultId)) this.host.hangup(consultId);
    } else {
      this.clearTimer(callId);
      this.host.dispatch({ type: 'transfer-failed', id: callId, problem: i18n.t('sip.transferCancelled'), at: this.host.now() });
      this.host.dispatch({ type: 'transfer-clear', id: callId });
      const consult = consultId ? this.host.session(consultId) : undefined;
      if (consultId && consult) {
        this.host.endAs(consultId, this.call(consultId)?.answeredAt ? 'hangup-local' : 'cancelled', i18n.t('sip.transferCancelled'));
        consult.terminate();
      }
    }
    this.host.bringBack(callId);
  }

  /** After the caller's phone refused REFER with Replaces: try an unattended REFER instead. */
  blindInstead(callId: string) {
    const t = this.call(callId)?.transfer;
    if (!t || t.stage !== 'failed') return;
    const consultId = t.consultId;
    this.host.dispatch({ type: 'transfer-clear', id: callId });
    this.host.dispatch({ type: 'transfer-start', id: callId, kind: 'blind', target: t.target, note: t.note, at: this.host.now() });
    if (consultId && this.host.session(consultId)) this.host.hangup(consultId);
    this.refer(callId, null);
  }

  /** Dismisses a failed transfer's message. */
  clear(callId: string) {
    this.host.dispatch({ type: 'transfer-clear', id: callId });
  }

  /** A call ended: if it was a consultation or a caller being transferred, the transfer hears of it. */
  onCallEnded(call: Call, ending: CallEnding) {
    if (call.consultFor) this.onConsultEnded(call, ending);
    if (call.transfer && call.transfer.stage !== 'failed') this.onTransferredCallEnded(call, ending.reason);
  }

  /** REFER to the caller's phone (with Replaces for a warm transfer), with our own timeout for its report. */
  private refer(callId: string, consult: RTCSession | null) {
    const call = this.call(callId);
    const t = call?.transfer;
    const session = this.host.session(callId);
    const account = this.host.account();
    if (!call || !t || !session || !account) return;
    this.clearTimer(callId);
    if (t.stage !== 'completing') this.host.dispatch({ type: 'transfer-completing', id: callId, at: this.host.now() });
    const target = `sip:${t.target.number}@${account.domain}`;
    const done = () => {
      this.clearTimer(callId);
      const now = this.call(callId);
      if (!now || now.phase === 'ended' || now.transfer?.stage !== 'completing') return;
      const to = targetLabel(t.target);
      this.host.endAs(callId, 'transferred', i18n.t(consult ? 'sip.transferredTo' : 'sip.transferredBlindTo', { to }));
      const consultId = now.transfer.consultId;
      const consultSession = consultId ? this.host.session(consultId) : undefined;
      if (consultId && consultSession) {
        this.host.endAs(consultId, 'transferred', i18n.t('sip.handedOverTo', { to }));
        try {
          consultSession.terminate();
        } catch {
          // already ending (the colleague's side ended it on Replaces)
        }
      }
      try {
        session.terminate();
      } catch {
        // the caller's phone already hung up on us
      }
    };
    const failed = (problem: string, referRefused: boolean) => {
      this.clearTimer(callId);
      this.fail(callId, problem, false, referRefused);
    };
    try {
      session.refer(target, {
        ...(consult ? { replaces: consult } : {}),
        extraHeaders: [`Referred-By: <sip:${account.user}@${account.domain}>`],
        eventHandlers: {
          requestFailed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) => {
            const why = e.response?.status_code ? sipAnswerText(i18n.t, e.response.status_code, e.response.reason_phrase) : e.cause ? causeText(i18n.t, e.cause) : i18n.t('sip.noteNoAnswer');
            failed(i18n.t('sip.referRefused', { why }), true);
          },
          // A blind transfer is done once the caller's phone takes the REFER: the caller now rings
          // the colleague, and the agent moves on (the colleague has the note). A warm one waits for
          // the caller's phone to report the colleague answered (or for the consultation to be replaced).
          requestSucceeded: () => {
            if (!consult) done();
          },
          accepted: done,
          failed: (e: { status_line?: { status_code?: number; reason_phrase?: string } }) => {
            const sl = e.status_line;
            failed(i18n.t('sip.referUnreached', { number: t.target.number, sip: sl?.status_code ? ` (${sipAnswerText(i18n.t, sl.status_code, sl.reason_phrase)})` : '' }), false);
          },
        },
      } as never);
    } catch (error) {
      failed(i18n.t('sip.referNotSent', { error: (error as Error).message }), true);
      return;
    }
    this.timers.set(
      callId,
      setTimeout(() => failed(i18n.t('sip.referNoReport', { s: referReportTimeoutMs / 1000 }), false), referReportTimeoutMs),
    );
  }

  /** The transfer did not happen: the caller comes back off hold, microphone live, and the agent is told why. */
  private fail(callId: string, problem: string, offerMessage: boolean, referRefused = false) {
    this.clearTimer(callId);
    const call = this.call(callId);
    if (!call || !call.transfer || call.transfer.stage === 'failed') return;
    const consultLive = call.transfer.consultId ? this.host.session(call.transfer.consultId) !== undefined : false;
    this.host.dispatch({ type: 'transfer-failed', id: callId, problem, offerMessage, referRefused, at: this.host.now() });
    // While the agent still talks to the colleague (REFER refused), the caller stays on hold.
    if (!consultLive) this.host.bringBack(callId);
  }

  /** A consultation call ended: unless the transfer is completing, it did not happen. */
  private onConsultEnded(consult: Call, { reason, cause, originator, refusal }: CallEnding) {
    const callerId = consult.consultFor!;
    const t = this.call(callerId)?.transfer;
    if (!t || t.consultId !== consult.id) return;
    if (t.stage === 'completing') {
      // The colleague's phone ends the consultation when the caller arrives with Replaces:
      // that is the transfer working, even before the caller's phone reports it.
      if (originator === 'remote' && reason !== 'failed' && consult.answeredAt !== null) {
        this.host.endAs(callerId, 'transferred', i18n.t('sip.transferredTo', { to: targetLabel(t.target) }));
        this.clearTimer(callerId);
        try {
          this.host.session(callerId)?.terminate();
        } catch {
          // gone already
        }
      }
      return;
    }
    if (t.stage !== 'consulting') return;
    const name = t.target.displayName ?? t.target.number;
    let problem: string;
    let offer = true;
    switch (reason) {
      case 'rejected':
        problem = whyNotTaken(name, refusal ?? { status: null });
        break;
      case 'no-answer':
        problem = i18n.t('sip.colleagueNoAnswer', { name, cause: causeText(i18n.t, cause) });
        break;
      case 'cancelled':
      case 'hangup-local':
        problem = i18n.t('sip.transferCancelled');
        offer = false;
        break;
      case 'hangup-remote':
        problem = i18n.t('sip.colleagueHungUp', { name });
        break;
      default:
        problem = refusal ? whyNotTaken(name, refusal) : i18n.t('sip.colleagueCallFailed', { name, cause: causeText(i18n.t, cause) });
    }
    this.fail(callerId, problem, offer);
  }

  /** The caller's leg ended while a transfer of it was under way (caller hung up, or the transfer worked). */
  private onTransferredCallEnded(caller: Call, reason: CallEndReason) {
    this.clearTimer(caller.id);
    if (reason === 'transferred') return;
    const consultId = caller.transfer?.consultId;
    const consult = consultId ? this.call(consultId) : undefined;
    if (!consultId || !consult || consult.phase === 'ended') return;
    this.host.dispatch({ type: 'notice', id: consultId, text: i18n.t('sip.callerGoneWhileWaiting') });
    // Still ringing at the colleague's: withdraw it; if they talk, the agent ends it.
    if (consult.phase === 'dialing' || consult.phase === 'ringing-out') {
      this.host.endAs(consultId, 'cancelled', i18n.t('sip.callerGoneBeforeTransfer'));
      this.host.session(consultId)?.terminate();
    }
  }

  /** Sends the note as a plain-text SIP MESSAGE (any phone shows it; a Frontdesk binds it to the call). */
  private sendNote(callId: string, target: string, note: HandoffNote, kind: 'warm' | 'blind', headers: string[]) {
    const ua = this.host.ua();
    const account = this.host.account();
    if (!ua || !account) return;
    try {
      ua.sendMessage(`sip:${target}@${account.domain}`, handoffText(note, kind), {
        contentType: 'text/plain;charset=UTF-8',
        extraHeaders: [...headers, `${handoffHeaders.caller}: ${note.callerNumber.replace(/[^0-9+*#]/g, '') || 'unknown'}`],
        eventHandlers: {
          succeeded: () => this.tell(callId, i18n.t('sip.noteDelivered')),
          failed: (e: { response?: { status_code?: number; reason_phrase?: string }; cause?: string }) =>
            this.tell(
              callId,
              i18n.t(kind === 'warm' ? 'sip.noteRefusedWarm' : 'sip.noteRefused', { why: e.response?.status_code ? sipAnswerText(i18n.t, e.response.status_code, e.response.reason_phrase) : e.cause ? causeText(i18n.t, e.cause) : i18n.t('sip.noteNoAnswer') }),
            ),
        },
      });
    } catch (error) {
      this.tell(callId, i18n.t('sip.noteNotSent', { error: (error as Error).message }));
    }
  }

  private tell(callId: string, text: string) {
    const call = this.call(callId);
    if (call && call.phase !== 'ended') this.host.dispatch({ type: 'notice', id: callId, text });
  }

  private headersFor(call: Call, note: HandoffNote): string[] {
    return [
      `${handoffHeaders.conversation}: ${call.conversationId}`,
      `${handoffHeaders.transfers}: ${call.transfers + 1}`,
      `${handoffHeaders.handoff}: ${encodeHandoff(note, base64)}`,
    ];
  }

  private clearTimer(callId: string) {
    const t = this.timers.get(callId);
    if (t) clearTimeout(t);
    this.timers.delete(callId);
  }
}
