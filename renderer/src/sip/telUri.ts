/**
 * `tel:` URIs (RFC 3966) in a name-addr header (From, To, Referred-By), as some carriers and
 * gateways send a caller: `From: <tel:+74951234567>;tag=…`. JsSIP's grammar reads only sip: and
 * sips: URIs, and drops a request whose From or To it cannot read without answering it (the caller
 * hears ringing until the proxy gives up with 408). The header is read as the SIP URI RFC 3261
 * (19.1.6) maps a telephone number to, `sip:<number>@<domain>;user=phone`: the number is the
 * caller, the display name and the header's parameters (the tag) stay as they were.
 * Pure; jssipInternals.ts applies it where JsSIP parses From and To.
 */

/** Characters a tel number may hold besides its digits: visual separators (dropped) and * # (kept). */
const visualSeparators = /[-.()]/g;
const globalNumber = /^\+[0-9]+$/;
const localNumber = /^[0-9A-Fa-f*#]+$/;

/** The number of a tel URI ("tel:+7-495-123-45-67;ext=1"), separators dropped; null when it is not one. */
export function telNumber(uri: string): string | null {
  const m = /^tel:([^;?]*)/i.exec(uri.trim());
  if (!m) return null;
  let number: string;
  try {
    number = decodeURIComponent(m[1]!).replace(visualSeparators, '');
  } catch {
    return null; // a broken %-escape
  }
  return globalNumber.test(number) || localNumber.test(number) ? number : null;
}

/** Where the header's URI is: the angle brackets outside any quoted display name, or the whole addr-spec up to its parameters. */
function uriSpan(value: string): { start: number; end: number; bracketed: boolean } | null {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') {
      const close = value.indexOf('>', i + 1);
      return close < 0 ? null : { start: i + 1, end: close, bracketed: true };
    }
  }
  if (quoted) return null;
  // addr-spec: no display name; what follows the first ";" is the header's parameters (RFC 3261 20.10).
  const lead = value.length - value.trimStart().length;
  const semicolon = value.indexOf(';', lead);
  return { start: lead, end: semicolon < 0 ? value.length : semicolon, bracketed: false };
}

/**
 * The header with its tel: URI written as a SIP URI in `domain` (always in angle brackets, so the
 * URI's parameters cannot be read as the header's), or null when its URI is not a tel: URI with a
 * number in it. `"Ivan" <tel:+7-495-123-45-67>;tag=a` → `"Ivan" <sip:+74951234567@domain;user=phone>;tag=a`.
 */
export function telHeaderAsSip(value: string, domain: string): string | null {
  const span = uriSpan(value);
  if (!span) return null;
  const number = telNumber(value.slice(span.start, span.end));
  if (number === null) return null;
  const sip = `sip:${number.replace(/#/g, '%23')}@${domain};user=phone`;
  return span.bracketed ? `${value.slice(0, span.start)}${sip}${value.slice(span.end)}` : `${value.slice(0, span.start)}<${sip}>${value.slice(span.end)}`;
}
