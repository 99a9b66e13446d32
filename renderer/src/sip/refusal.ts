import { i18n } from '../i18n';

/**
 * A call that was not taken, read as a person would: "Sales declined the call", "Sales is busy",
 * with the SIP response in brackets for whoever needs it. Pure (no JsSIP), unit-tested.
 *
 * A 486 Busy Here alone cannot tell "on another call" from "pressed Decline": many phones send
 * 486 for both. The Reason header (RFC 3326) with a Q.850 cause can: 21 is "call rejected" (a
 * person declined), 17 "user busy". Frontdesk puts one on every refusal it sends (see
 * `refusalReason`), as FreeSWITCH and many desk phones do.
 */

/** What a refusal sent from this desk carries in its Reason header. */
export const refusalReason = {
  /** The agent pressed Decline. */
  declined: 'Reason: Q.850;cause=21;text="Call rejected"',
  /** Do not disturb is on. */
  doNotDisturb: 'Reason: Q.850;cause=17;text="Do not disturb"',
  /** Every line of the desk is taken. */
  allLinesBusy: 'Reason: Q.850;cause=17;text="All lines busy"',
} as const;

/** The Q.850 cause and text of a Reason header value (several may be comma-separated), or null. */
export function q850Of(reasonHeader: string | null | undefined): { cause: number; text: string } | null {
  if (!reasonHeader) return null;
  for (const part of reasonHeader.split(/,(?=\s*[A-Za-z0-9.]+\s*;)/)) {
    const protocol = part.trim().split(';', 1)[0]?.trim().toUpperCase();
    if (protocol !== 'Q.850') continue;
    const cause = /;\s*cause\s*=\s*(\d+)/i.exec(part);
    if (!cause) continue;
    const text = /;\s*text\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(part);
    return { cause: Number(cause[1]), text: text?.[1]?.replace(/\\(.)/g, '$1') ?? '' };
  }
  return null;
}

export interface Refusal {
  /** The SIP status code of the final response (null: no response, e.g. a timeout of ours). */
  status: number | null;
  reasonPhrase?: string | null;
  /** The response's Reason header, when it had one. */
  reasonHeader?: string | null;
}

/** "486 Busy Here" */
export function sipStatusText(r: Refusal): string {
  return r.status ? `${r.status} ${r.reasonPhrase ?? ''}`.trim() : '';
}

/** Why `name` did not take the call, as a person says it, with the SIP response in brackets. */
export function whyNotTaken(name: string, r: Refusal): string {
  const sip = sipStatusText(r);
  const q850 = q850Of(r.reasonHeader);
  const with_ = (text: string) => (sip ? `${text} (${sip})` : text);
  if (q850 && /do not disturb/i.test(q850.text)) return with_(i18n.t('sip.refusedDnd', { name }));
  if (q850?.cause === 21 || r.status === 603) return with_(i18n.t('sip.refusedDeclined', { name }));
  if (q850?.cause === 17 || r.status === 486 || r.status === 600) return with_(i18n.t('sip.refusedBusy', { name }));
  switch (r.status) {
    case 480:
      return with_(i18n.t('sip.refusedUnavailable', { name }));
    case 404:
    case 484:
    case 604:
      return with_(i18n.t('sip.refusedUnknown', { name }));
    case 408:
      return with_(i18n.t('sip.refusedNoAnswer', { name }));
    default:
      return with_(i18n.t('sip.refusedFailed', { name }));
  }
}
