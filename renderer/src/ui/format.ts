import { formatNumber } from '../../../common/phone';
import type { Call, CallPhase, Party } from '../sip/callMachine';

export { formatNumber };

/** A party as the agent reads it: "Accounting, 1002", "+7 495 123 45 67" (the name only when it says more than the number). */
export function partyText(party: Party, region: string): string {
  const number = formatNumber(party.number, region);
  return party.displayName && party.displayName !== party.number ? `${party.displayName}, ${number}` : number;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  const ss = String(s).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export const phaseLabel: Record<CallPhase, string> = {
  'ringing-in': 'Incoming call',
  answering: 'Connecting…',
  dialing: 'Calling…',
  'ringing-out': 'Ringing…',
  active: 'Connected',
  held: 'On hold',
  'remote-held': 'Held by the other side',
  ending: 'Hanging up…',
  ended: 'Call ended',
};

const endLabels: Record<NonNullable<Call['endReason']>, string> = {
  'hangup-local': 'You hung up',
  'hangup-remote': 'The other side hung up',
  declined: 'Declined',
  missed: 'Missed: the caller hung up',
  'answered-elsewhere': 'Answered on another device',
  rejected: 'Not reached',
  'no-answer': 'No answer',
  cancelled: 'Cancelled',
  transferred: 'Transferred',
  replaced: 'The caller was put through to you',
  failed: 'Call failed',
};

export function endLabel(call: Call): string {
  const base = call.endReason ? endLabels[call.endReason] : 'Call ended';
  if (call.endReason === 'transferred' && call.endCause) return call.endCause;
  return call.endCause && (call.endReason === 'rejected' || call.endReason === 'failed' || call.endReason === 'no-answer') ? `${base} (${call.endCause})` : base;
}
