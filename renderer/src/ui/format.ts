import type { TFunction } from 'i18next';
import { formatClock } from '../../../common/i18n';
import { formatNumber } from '../../../common/phone';
import type { Call, CallPhase, Party } from '../sip/callMachine';

export { formatNumber };

/** A party as the agent reads it: "Accounting, 1002", "+7 495 123 45 67" (the name only when it says more than the number). */
export function partyText(party: Party, region: string): string {
  const number = formatNumber(party.number, region);
  return party.displayName && party.displayName !== party.number ? `${party.displayName}, ${number}` : number;
}

/** A running call's duration: "0:07", "12:34", "1:02:03". */
export const formatDuration = (ms: number, locale: string): string => formatClock(ms, locale);

/** A call's state in words. */
export const phaseLabel = (t: TFunction, phase: CallPhase): string => t(`phase.${phase}`);

/** How a call ended, with the PBX's or the engine's detail where it says more. */
export function endLabel(t: TFunction, call: Call): string {
  const base = call.endReason ? t(`end.${call.endReason}`) : t('phase.ended');
  if (call.endReason === 'transferred' && call.endCause) return call.endCause;
  return call.endCause && (call.endReason === 'rejected' || call.endReason === 'failed' || call.endReason === 'no-answer') ? `${base} (${call.endCause})` : base;
}
