/**
 * The caller's number of a new call, read from the INVITE's raw text as it arrives — before JsSIP
 * has parsed it, made its session and sent its 180 (4–6 ms for the first call after start, 2–3 ms
 * later) — so the directory lookup for the caller's card can be on its way meanwhile
 * (callerLookup.ts adopts it when the call is reported with that number). Only a new call's INVITE
 * (no To tag: not a re-INVITE) counts. The number is From's user part, as JsSIP reads it into the
 * session's remote identity (decoded, cut like the engine's caller text); anything that does not
 * read cleanly is null, and the call is then looked up as it is reported, as before.
 */
export function arrivingCallerNumber(raw: string, maxLength: number): string | null {
  if (!raw.startsWith('INVITE ')) return null;
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? raw : raw.slice(0, headEnd);
  let from: string | null = null;
  for (const line of head.split('\r\n')) {
    const m = /^(from|f|to|t)[ \t]*:[ \t]*(.*)$/i.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    // A To tag: a request inside a call (a re-INVITE), not a new call.
    if ((name === 'to' || name === 't') && /;\s*tag\s*=/i.test(m[2]!.replace(/<[^>]*>/, ''))) return null;
    if ((name === 'from' || name === 'f') && from === null) from = m[2]!;
  }
  if (from === null) return null;
  // name-addr ("Oleg" <sip:+7495…@host;user=phone>;tag=…) or addr-spec (sip:…@host;tag=…)
  const uri = /<([^>]*)>/.exec(from)?.[1] ?? from.split(';')[0]!.trim();
  const user = /^sips?:([^@]*)@/i.exec(uri)?.[1];
  if (!user) return null;
  try {
    return callerText(decodeURIComponent(user), maxLength);
  } catch {
    return null;
  }
}

/** A caller's name or number as the engine keeps it: at most `max` characters, a longer one cut with "…". */
export function callerText(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
