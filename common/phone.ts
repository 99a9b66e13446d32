import type { TFunction } from 'i18next';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { fixedT } from './i18n/translate';

/**
 * Numbers as people write them, turned into what the PBX is dialled with. Extensions and service
 * codes pass through; phone numbers become E.164 using the PC's default region, so
 * "+7 (495) 123-45-67", "8 495 123 45 67" and "4951234567" (region RU) all dial +74951234567.
 */
export type DialTarget =
  | { ok: true; kind: 'extension' | 'number' | 'service' | 'sip-uri'; dial: string; display: string }
  | { ok: false; problem: string };

const MAX_EXTENSION_DIGITS = 6;

/** `t`: the language the problem is told in (English unless the window passes its own). */
export function parseDialString(input: string, region: string, t: TFunction = fixedT('en')): DialTarget {
  const raw = input.trim();
  if (!raw) return { ok: false, problem: t('dialer.empty') };
  if (/^sips?:/i.test(raw)) return { ok: true, kind: 'sip-uri', dial: raw, display: raw };
  const compact = raw.replace(/[\s().-]/g, '');
  if (/^[*#][0-9*#]*$/.test(compact) || /^[0-9]+[*#][0-9*#]*$/.test(compact)) {
    return { ok: true, kind: 'service', dial: compact, display: compact };
  }
  if (!/^\+?[0-9]+$/.test(compact)) return { ok: false, problem: t('dialer.notANumber', { text: raw }) };
  if (!compact.startsWith('+') && compact.length <= MAX_EXTENSION_DIGITS) {
    return { ok: true, kind: 'extension', dial: compact, display: compact };
  }
  const parsed = parsePhoneNumberFromString(compact, region as CountryCode);
  if (parsed?.isValid()) return { ok: true, kind: 'number', dial: parsed.number, display: parsed.formatInternational() };
  // Not a number the metadata knows (a short national code, a private plan): dial it as typed.
  return { ok: true, kind: 'number', dial: compact, display: compact };
}

/** Numbers already formatted, by region and number: the call card, the client cards and the history show the same few numbers on every render. */
const formatted = new Map<string, string>();
const FORMATTED_KEPT = 5000;

/** A number as people read it: "+7 495 123 45 67"; extensions and unparseable strings as they are. */
export function formatNumber(raw: string, region: string): string {
  if (/^\d{1,6}$/.test(raw)) return raw;
  const key = `${region}|${raw}`;
  let text = formatted.get(key);
  if (text === undefined) {
    const parsed = parsePhoneNumberFromString(raw, region as CountryCode);
    text = parsed?.isValid() ? parsed.formatInternational() : raw;
    // Parsing and formatting take up to a millisecond a number in the renderer; the cache is only ever emptied whole.
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    formatted.set(key, text);
  }
  return text;
}
