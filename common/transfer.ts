import { z } from 'zod';

/**
 * Transfers: the handoff note an agent gives a colleague before the colleague takes a caller, and
 * what travels with a transferred call. Pure TypeScript (zod only), shared by the SIP engine (which
 * sends and reads it), the UI and the call history.
 *
 * ## How the note reaches the colleague (and why)
 * Three channels, each for a reason; the colleague's side merges whatever arrives:
 *
 * 1. **A plain-text SIP MESSAGE** (RFC 3428, text/plain; charset=UTF-8) to the colleague's
 *    extension, sent *before* the consultation call. Any SIP phone that shows text messages
 *    (desk phones, baresip, other softphones) shows it, and a PBX that forwards MESSAGE (Kamailio
 *    does, out of dialog, by the registrar) delivers it even when the colleague's phone is not
 *    Frontdesk. It also serves a blind transfer, where there is no call of ours to the colleague
 *    at all. The MESSAGE carries `X-Frontdesk-Conversation` and `X-Frontdesk-Caller`, so a
 *    Frontdesk receiving it ties it to the call it belongs to instead of showing it twice.
 * 2. **Headers on the consultation INVITE** (`X-Frontdesk-Handoff`: the structured note as
 *    base64url JSON; `X-Frontdesk-Conversation`; `X-Frontdesk-Transfers`): a Frontdesk colleague
 *    has the note and the caller's card on screen while the consultation call rings, bound to
 *    that very call, with no race between two requests. PBXs relay unknown X- headers; if one
 *    strips them, channel 1 still delivers the text.
 * 3. **Inheritance on Replaces**: when the transfer completes, the caller's phone sends the
 *    colleague an INVITE with Replaces. That INVITE comes from the caller's phone, which knows
 *    nothing of our headers, so the colleague's Frontdesk carries the note, the card, the
 *    conversation id and the transfer count over from the consultation call it replaces.
 *
 * In-dialog INFO was rejected: it needs the consultation call to be answered first, which is
 * too late ("before they take the caller").
 */

export const handoffHeaders = {
  /** The caller's journey across agents: the same id on every leg (and in every history). */
  conversation: 'X-Frontdesk-Conversation',
  /** How many times this caller has been transferred so far, this transfer included. */
  transfers: 'X-Frontdesk-Transfers',
  /** The structured note, base64url-encoded JSON (see `encodeHandoff`). */
  handoff: 'X-Frontdesk-Handoff',
  /** On the SIP MESSAGE: the caller's number, so a blind-transferred call can be matched to its note. */
  caller: 'X-Frontdesk-Caller',
} as const;

/** From this many transfers on, the agent is warned before transferring again. */
export const transferWarningAt = 2;

const text = (max: number) => z.string().trim().max(max, `must be at most ${max} characters`).default('');

/** The handoff note: what the colleague must know before taking the caller. */
export const HandoffNoteSchema = z.strictObject({
  callerName: text(200),
  /** The caller's number as the PBX gave it (the colleague's card is looked up by it). */
  callerNumber: text(64),
  company: text(200),
  /** Why they call, in a line. */
  reason: text(500),
  /** Account, order, contract or ticket numbers. */
  identifiers: text(500),
  /** Anything else, free text. */
  text: text(2000),
  /** The agent handing over: extension and name. */
  fromUser: text(64),
  fromName: text(200),
});
export type HandoffNote = z.infer<typeof HandoffNoteSchema>;
export type HandoffNoteInput = z.input<typeof HandoffNoteSchema>;

export const emptyNote: HandoffNote = HandoffNoteSchema.parse({});

/** True when the note says something beyond who hands over. */
export function noteHasContent(note: HandoffNote): boolean {
  return Boolean(note.callerName || note.callerNumber || note.company || note.reason || note.identifiers || note.text);
}

/**
 * The note as a plain-text SIP MESSAGE body: readable on a desk phone's small screen, most
 * important first (who, from where, why, numbers), one item per line.
 */
export function handoffText(note: HandoffNote, kind: 'warm' | 'blind'): string {
  const from = [note.fromName, note.fromUser && `(${note.fromUser})`].filter(Boolean).join(' ') || 'a colleague';
  const caller = [note.callerName, note.callerNumber].filter(Boolean).join(', ');
  const lines = [
    `${kind === 'warm' ? 'Transfer' : 'Call transferred to you'} from ${from}${caller ? `: ${caller}` : ''}`,
    note.company && `Company: ${note.company}`,
    note.reason && `Reason: ${note.reason}`,
    note.identifiers && `Ref: ${note.identifiers}`,
    note.text && `Note: ${note.text}`,
  ];
  return lines.filter(Boolean).join('\n');
}

/** A conversation id as it may travel in a SIP header: short, no spaces or separators. */
export const ConversationIdSchema = z.string().regex(/^[A-Za-z0-9._-]{8,80}$/, 'must be 8 to 80 letters, digits, ".", "_" or "-"');

/** The transfer count from a header value; anything unusable counts as none. */
export function parseTransferCount(value: string | undefined | null): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= 0 && n < 100 ? n : 0;
}

/** The longest encoded note sent in a header; a longer one loses the end of its free text. */
export const maxHandoffHeader = 3000;

/**
 * Encodes a note for the `X-Frontdesk-Handoff` header (base64url of UTF-8 JSON, no padding).
 * `utf8ToBase64` turns a string's UTF-8 bytes into standard base64 (see renderer/src/sip/handoff.ts);
 * it is passed in so this module stays free of DOM and Node types.
 */
export interface Base64Codec {
  utf8ToBase64(text: string): string;
  /** Throws when the bytes are not valid UTF-8. */
  base64ToUtf8(base64: string): string;
}

export function encodeHandoff(note: HandoffNote, codec: Base64Codec): string {
  let current = note;
  for (;;) {
    const encoded = codec.utf8ToBase64(JSON.stringify(current)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    if (encoded.length <= maxHandoffHeader || current.text.length === 0) return encoded;
    current = { ...current, text: `${current.text.slice(0, Math.floor(current.text.length * 0.7))}…` };
  }
}

/** Decodes an `X-Frontdesk-Handoff` value; null when it is not a valid note. */
export function decodeHandoff(value: string, codec: Base64Codec): HandoffNote | null {
  if (!/^[A-Za-z0-9_-]{1,8000}$/.test(value)) return null;
  try {
    const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
    const json = codec.base64ToUtf8(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const parsed = HandoffNoteSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
