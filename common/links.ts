/**
 * Click-to-call: `tel:`, `sip:` and `callto:` links, as a browser, a CRM page or a mail program
 * hands them to Frontdesk (the OS starts it, or the running one, with the link). A link comes from
 * anywhere, so it is read as hostile: what comes out is only ever a number a person could have
 * typed (digits, a leading "+", "*" and "#"), never text that reaches a SIP header.
 *
 *  - `tel:+7-495-123-45-67`, `tel:+7(495)123.45.67`, `tel:%2B7%20495%201234567` (RFC 3966; visual
 *    separators and spaces, percent-encoded or not, are dropped);
 *  - `tel:1234;phone-context=+7495` (a local number within a global prefix: +74951234),
 *    `tel:1001;phone-context=pbx.example.com` (a local number in a domain: 1001 as it is);
 *    `;ext=` is kept apart (the extension to reach after the call connects), other parameters ignored;
 *  - `sip:1001@pbx.example.com`, `sip:+74951234567@gw;user=phone`: the user part only (the host is
 *    reported, so a link naming another PBX can be confirmed first); URI headers (`?Subject=…`) and
 *    parameters never travel on;
 *  - `callto:+74951234567`, `callto://+74951234567`;
 *  - anything else (another scheme, a name instead of a number, control characters, a
 *    percent-encoding that does not decode, more than 2048 characters) is refused with the reason.
 *
 * Pure TypeScript: the Electron shell, the browser host and the tests use the same reading.
 */

import type { TFunction } from 'i18next';
import { fixedT } from './i18n/translate';

export const PHONE_LINK_SCHEMES = ['tel', 'sip', 'callto'] as const;
/** Schemes read as phone links (sips: too, although Frontdesk does not register for it). */
const READ_SCHEMES = ['tel', 'sip', 'sips', 'callto'] as const;
export type PhoneLinkScheme = (typeof READ_SCHEMES)[number];

/** Longer links are refused unread (a real one is under 100 characters). */
export const MAX_LINK_LENGTH = 2048;
/** Digits in a number (E.164 allows 15; service codes and private plans a few more). */
const MAX_DIGITS = 32;

export interface PhoneLink {
  scheme: PhoneLinkScheme;
  /** What to dial: digits with an optional leading "+", "*" and "#" (the dialler reads it as typed). */
  number: string;
  /** `;ext=` of a tel: link: digits to send once the call connects; null without. */
  extension: string | null;
  /** The host of a sip: link (lower case), null for tel: and callto:. */
  host: string | null;
}

export type PhoneLinkResult = { ok: true; link: PhoneLink } | { ok: false; problem: string };

const refuse = (problem: string): PhoneLinkResult => ({ ok: false, problem });

// eslint-disable-next-line no-control-regex
const CONTROL_OR_FORMAT = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/;
/** Visual separators RFC 3966 allows in a number, and what people add (spaces, slashes). */
const SEPARATORS = /[\s\-.()/\u00a0\u2010-\u2015\u2212]/g;

/** Percent-decodes once; null when an escape is malformed or the bytes are not UTF-8. */
function percentDecode(text: string): string | null {
  if (/%(?![0-9a-f]{2})/i.test(text)) return null;
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/** The dialable form of a number part, or the reason it is not one. */
function dialable(raw: string, what: 'link' | 'sip', t: TFunction): { ok: true; number: string } | { ok: false; problem: string } {
  const sip = what === 'sip';
  const compact = raw.normalize('NFKC').replace(SEPARATORS, '');
  if (!compact) return { ok: false, problem: t(sip ? 'links.sipNoNumber' : 'links.linkNoNumber') };
  if (!/^\+?[0-9*#]+$/.test(compact)) {
    return { ok: false, problem: t(sip ? 'links.sipNotDialable' : 'links.linkNotDialable') };
  }
  const digits = compact.replace(/[^0-9]/g, '').length;
  if (digits === 0 && !/[*#]/.test(compact)) return { ok: false, problem: t(sip ? 'links.sipNoNumber' : 'links.linkNoNumber') };
  if (digits > MAX_DIGITS) return { ok: false, problem: t(sip ? 'links.sipTooManyDigits' : 'links.linkTooManyDigits', { max: MAX_DIGITS }) };
  return { ok: true, number: compact };
}

/** `name=value` parameters after the first ";" (names lower-cased; a name given twice is refused). */
function parameters(parts: string[]): Map<string, string> | null {
  const params = new Map<string, string>();
  for (const part of parts) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (params.has(name)) return null;
    params.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
  return params;
}

function parseTel(body: string, scheme: PhoneLinkScheme, t: TFunction): PhoneLinkResult {
  const [numberPart = '', ...rest] = body.split(';');
  const params = parameters(rest);
  if (!params) return refuse(t('links.parameterTwice'));
  const number = dialable(numberPart, 'link', t);
  if (!number.ok) return refuse(number.problem);
  let dial = number.number;
  const context = params.get('phone-context');
  if (context !== undefined && !dial.startsWith('+')) {
    // A global number prefix makes the local number global; a domain leaves it as it is.
    const prefix = context.normalize('NFKC').replace(SEPARATORS, '');
    if (/^\+[0-9]+$/.test(prefix)) {
      if (/[*#]/.test(dial)) return refuse(t('links.serviceCodeContext'));
      dial = `${prefix}${dial}`;
      if (dial.replace(/[^0-9]/g, '').length > MAX_DIGITS) return refuse(t('links.linkTooManyDigits', { max: MAX_DIGITS }));
    } else if (!/^[a-z0-9.-]{1,253}$/i.test(context)) {
      return refuse(t('links.badContext'));
    }
  }
  let extension: string | null = null;
  const ext = params.get('ext');
  if (ext !== undefined) {
    const e = dialable(ext, 'link', t);
    if (!e.ok || e.number.startsWith('+')) return refuse(t('links.extensionNotNumber'));
    extension = e.number;
  }
  return { ok: true, link: { scheme, number: dial, extension, host: null } };
}

function parseSip(body: string, scheme: PhoneLinkScheme, t: TFunction): PhoneLinkResult {
  // URI headers (?Subject=…&Call-Info=…) would go into the INVITE: never taken.
  const withoutHeaders = body.split('?')[0]!;
  const at = withoutHeaders.lastIndexOf('@');
  if (at <= 0) return refuse(t('links.sipNoUser'));
  const userPart = withoutHeaders.slice(0, at);
  const hostPart = withoutHeaders.slice(at + 1).split(';')[0]!.toLowerCase();
  // user:password@host and user;params@host: the user alone.
  const user = userPart.split(/[:;]/)[0]!;
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})(:\d{1,5})?$/i.test(hostPart)) return refuse(t('links.sipBadHost'));
  const number = dialable(user, 'sip', t);
  if (!number.ok) return refuse(number.problem);
  return { ok: true, link: { scheme, number: number.number, extension: null, host: hostPart.replace(/:\d+$/, '') } };
}

/** Reads a `tel:`, `sip:` or `callto:` link; never throws. `t`: the language a refusal is told in (English unless given). */
export function parsePhoneLink(input: unknown, t: TFunction = fixedT('en')): PhoneLinkResult {
  if (typeof input !== 'string') return refuse(t('links.notText'));
  if (input.length > MAX_LINK_LENGTH) return refuse(t('links.tooLong', { max: MAX_LINK_LENGTH }));
  const raw = input.trim();
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(raw);
  if (!m) return refuse(t('links.notALink'));
  const scheme = m[1]!.toLowerCase();
  if (!(READ_SCHEMES as readonly string[]).includes(scheme)) return refuse(t('links.otherScheme', { scheme }));
  let body = raw.slice(m[0].length);
  // tel://…, callto://… (common though not standard); sip: has no authority part.
  if (scheme !== 'sip' && scheme !== 'sips') body = body.replace(/^\/\//, '');
  body = body.replace(/\/$/, ''); // a trailing slash some browsers add
  if (CONTROL_OR_FORMAT.test(body)) return refuse(t('links.invisibleCharacters'));
  const decoded = percentDecode(body);
  if (decoded === null) return refuse(t('links.badEncoding'));
  // What decoding revealed is checked again (%0D%0A, %E2%80%AE…); a second round of encoding is not undone.
  if (CONTROL_OR_FORMAT.test(decoded)) return refuse(t('links.invisibleCharacters'));
  if (decoded.includes('%')) return refuse(t('links.encodedTwice'));
  const typed = scheme as PhoneLinkScheme;
  if (scheme === 'sip' || scheme === 'sips') return parseSip(decoded, typed, t);
  if (scheme === 'callto') {
    // callto:+7…, or callto:+7…@host (a few dialers): the number only.
    const at = decoded.indexOf('@');
    return parseTel(at >= 0 ? decoded.slice(0, at) : decoded, typed, t);
  }
  // tel: has no "@", "?" or "#" fragment beyond the number's own "#" (which is %23 when correct).
  if (/[@?]/.test(decoded)) return refuse(t('links.telMalformed'));
  return parseTel(decoded, typed, t);
}

/**
 * The link among a process's arguments: what Windows and Linux start Frontdesk with
 * (`Frontdesk.exe tel:…`, `frontdesk %U`), and what a second instance hands over. Switches
 * (`--…`) and anything that is not a phone link are skipped; the first phone link wins.
 */
export function phoneLinkInArgv(argv: readonly string[]): string | null {
  for (const arg of argv) {
    if (typeof arg !== 'string' || arg.startsWith('-') || arg.length > MAX_LINK_LENGTH) continue;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(arg.trim())?.[1]?.toLowerCase();
    if (scheme && (READ_SCHEMES as readonly string[]).includes(scheme)) return arg.trim();
  }
  return null;
}

/** A link made safe to show in a confirmation or a log: at most 200 characters, no control characters. */
export function linkForDisplay(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = raw.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/g, '\ufffd');
  return clean.length > 200 ? `${clean.slice(0, 199)}…` : clean;
}
