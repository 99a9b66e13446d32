import type { TFunction } from 'i18next';
import { en } from '../../../common/i18n/en';

/**
 * Why a call ended or failed, in the UI's language. What the engine keeps (and the history stores)
 * is language-neutral: JsSIP's cause ("Busy", "Request Timeout"), a SIP answer ("486 Busy Here")
 * or a text the engine already wrote with t(). It is put into words when shown, so a call ended
 * yesterday reads in today's language too. Pure (no JsSIP): the English strings of `cause` are
 * JsSIP.C.causes' own values (a unit test holds them equal), so they name the cause they read.
 */

type CauseName = keyof typeof en.cause;
const causeNames = new Map<string, CauseName>(Object.entries(en.cause).map(([name, value]) => [value, name as CauseName]));

/** The SIP answers a person meets, by code; other codes keep the PBX's own words. */
export const namedSipStatuses = [400, 403, 404, 408, 410, 480, 484, 486, 487, 488, 500, 502, 503, 504, 600, 603, 604] as const;
type NamedStatus = (typeof namedSipStatuses)[number];
const isNamed = (code: number): code is NamedStatus => (namedSipStatuses as readonly number[]).includes(code);

/** "486 Busy Here" → "486 Занято" in Russian; an unknown code keeps the PBX's phrase. */
export function sipAnswerText(t: TFunction, status: number, phrase?: string | null): string {
  if (isNamed(status)) return `${status} ${t(`sipStatus.${status}`)}`;
  return `${status} ${phrase ?? ''}`.trim();
}

/** A call's end cause as kept by the engine, in the UI's language. */
export function causeText(t: TFunction, cause: string): string {
  const name = causeNames.get(cause);
  if (name) return t(`cause.${name}`);
  const sip = /^(\d{3})(?:\s+(.*))?$/.exec(cause);
  if (sip) return sipAnswerText(t, Number(sip[1]), sip[2]);
  return cause;
}
