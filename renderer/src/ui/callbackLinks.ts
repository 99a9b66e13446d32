import { useSyncExternalStore } from 'react';
import type { FollowUp } from '../../../common/wrapUp';
import { Listeners } from '../store';

/**
 * Which follow-up each call made from the Call back list is for, by the engine's call id: the side
 * panel picks the outbound script by its source and fills {followUp.*}, and the call's wrap-up
 * closes it. (The services keep the same link by the SIP call, so a wrap-up after a reload still
 * closes it.)
 */
const links = new Map<string, FollowUp>();
const listeners = new Listeners();

export function linkCallback(callId: string, followUp: FollowUp): void {
  links.set(callId, followUp);
  listeners.notify();
}

/** The follow-up a call was dialled for from the Call back list, or null. */
export function useCallbackOf(callId: string | null): FollowUp | null {
  return useSyncExternalStore(listeners.subscribe, () => (callId === null ? null : (links.get(callId) ?? null)));
}
