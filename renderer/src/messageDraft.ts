import type { Client } from '../../common/directory';
import { MessageDraftSchema, type MessageDraft, type MessageRecipient } from '../../common/messages';
import type { HandoffNote } from '../../common/transfer';
import type { Call } from './sip/callMachine';

/** Where the form was opened from, and what it already knows. */
export interface MessageStart {
  agent: { user: string; name: string };
  /** The colleague(s) the message is for, when known (a failed transfer's colleague). */
  recipients?: MessageRecipient[];
  /** The call it is taken on (ringing, talking, a failed transfer's caller, a History row). */
  call?: Pick<Call, 'sipCallId' | 'conversationId' | 'startedAt' | 'subject'> | null;
  /** The handoff note written for a transfer that did not happen. */
  note?: HandoffNote | null;
  /** A History row: the call's history id. */
  callRecordId?: string | null;
  now?: Date;
}

const newId = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/** A new message, prefilled from the call and the note; the client card fills in more when it answers (`withClient`). */
export function startDraft(start: MessageStart): MessageDraft {
  const now = start.now ?? new Date();
  const call = start.call ?? null;
  const note = start.note ?? null;
  const number = note?.callerNumber || call?.subject.number || '';
  const name = note?.callerName || (call?.subject.displayName && call.subject.displayName !== call.subject.number ? call.subject.displayName : '');
  return MessageDraftSchema.parse({
    id: newId(),
    recipients: start.recipients ?? [],
    caller: { name, position: '', company: note?.company ?? '', phones: /\d/.test(number) ? [number] : [], email: '' },
    subject: [note?.reason, note?.identifiers].filter(Boolean).join('; ').slice(0, 300),
    text: note?.text ?? '',
    asks: ['call-back'],
    takenBy: { user: start.agent.user, name: start.agent.name },
    takenAt: now.toISOString(),
    call: call
      ? { sipCallId: call.sipCallId, conversationId: call.conversationId, startedAt: new Date(call.startedAt).toISOString(), callId: start.callRecordId ?? null, recordingId: null }
      : start.callRecordId
        ? { callId: start.callRecordId }
        : null,
  });
}

/** What the client card (with what the call script saved on it) adds to a draft: only fields still empty. */
export function withClient(draft: MessageDraft, client: Client): MessageDraft {
  const phones = draft.caller.phones.length ? draft.caller.phones : client.phones.map((p) => p.number).slice(0, 2);
  return {
    ...draft,
    clientId: draft.clientId ?? client.id,
    caller: {
      name: draft.caller.name || client.name || '',
      position: draft.caller.position || client.position || '',
      company: draft.caller.company || client.company || '',
      phones,
      email: draft.caller.email || client.emails[0] || '',
    },
    subject: draft.subject || (client.request ?? '').slice(0, 300),
  };
}
