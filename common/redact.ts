/**
 * Redaction of secrets from text that leaves Frontdesk: log lines, the SIP trace and the
 * diagnostics bundle an agent sends to support. Two passes:
 *
 *  1. the secrets Frontdesk knows (the SIP password, the CRM's and the webhook's headers, the SMTP
 *     password, the browser host's launch key) are replaced wherever they appear, also
 *     percent-encoded, base64-encoded or JSON-escaped;
 *  2. what looks like a secret whatever its value: a digest `response=` (and `cnonce`-less
 *     credentials) in Authorization / Proxy-Authorization / WWW-Authenticate lines, Bearer and Basic
 *     credentials, "password"/"token"/"secret"/"apiKey"… fields in JSON or `key=value` text,
 *     the password in a `scheme://user:password@host` URL, `?token=`/`?key=` in URLs, Cookie headers.
 *
 * A digest response is derived from the password with MD5 and the nonce: with the nonce beside it
 * in the same trace it can be brute-forced offline, so it never leaves unredacted.
 */

export const REDACTED = '[redacted]';

/** Field names whose values are secrets, in JSON, headers and `name=value` text. */
const SECRET_NAME = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|access[_-]?token|refresh[_-]?token|api[_-]?key|apikey|client[_-]?secret|private[_-]?key|authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token)`;

/** Secrets of fewer characters are not replaced by value (they would match everywhere); pass 2 still catches their fields. */
export const MIN_SECRET_LENGTH = 4;

/** Encodings a secret may show up in. */
function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  try {
    out.add(encodeURIComponent(secret));
  } catch {
    // a lone surrogate: only the plain form
  }
  out.add(JSON.stringify(secret).slice(1, -1));
  const b64 = base64Utf8(secret);
  if (b64) out.add(b64.replace(/=+$/, ''));
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Base64 of the UTF-8 bytes (common/ has neither Buffer nor btoa); null for a lone surrogate. */
function base64Utf8(text: string): string | null {
  let bytes: number[];
  try {
    bytes = [...encodeURIComponent(text).matchAll(/%([0-9A-F]{2})|([^%])/g)].map((m) => (m[1] ? parseInt(m[1], 16) : m[2]!.charCodeAt(0)));
  } catch {
    return null;
  }
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a, b, c] = [bytes[i]!, bytes[i + 1], bytes[i + 2]];
    out += abc[a >> 2]! + abc[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : abc[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : abc[c & 63]!;
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // 1. Known values, longest first (a secret that contains another is replaced whole).
  const values = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).flatMap(variants))].sort((a, b) => b.length - a.length);
  if (values.length) out = out.replace(new RegExp(values.map(escapeRegExp).join('|'), 'g'), REDACTED);

  // 2. Shapes of secrets.
  // Digest credentials: response="…" (and the unquoted form some stacks send).
  // A SIP message JSON-escaped into a log line or a trace: response=\"…\".
  out = out.replace(/(\bresponse\s*=\s*)\\"(?:[^"\\]|\\[^"])*\\"/gi, `$1\\"${REDACTED}\\"`);
  out = out.replace(/(\bresponse\s*=\s*)"[^"\r\n]*"/gi, `$1"${REDACTED}"`);
  // Unquoted as it came (no quotes added: the text may be a JSON string).
  out = out.replace(/(\bresponse\s*=\s*)(?![\\"[])[^\s,;"\\]+/gi, `$1${REDACTED}`);
  // Bearer, Basic and other schemes' credentials after Authorization-like header names.
  out = out.replace(/\b((?:Proxy-)?Authorization\s*[:=]\s*"?\s*)(Bearer|Basic|Token|ApiKey)\s+[^\s",;]+/gi, `$1$2 ${REDACTED}`);
  out = out.replace(/\b(Bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*/g, `$1 ${REDACTED}`);
  // JSON: "password": "…", "Authorization": "…", "token": "…" (any string value).
  out = out.replace(new RegExp(String.raw`("${SECRET_NAME}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), `$1"${REDACTED}"`);
  // Escaped JSON inside a string (a log line holding JSON): \"password\": \"…\".
  out = out.replace(new RegExp(String.raw`(\\"${SECRET_NAME}\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*\\"`, 'gi'), `$1\\"${REDACTED}\\"`);
  // Header lines: "Authorization: …", "Cookie: …", "X-Api-Key: …" (a whole line's value).
  out = out.replace(/^(\s*(?:Authorization|Proxy-Authorization|Cookie|Set-Cookie|X-Api-Key|X-Auth-Token)\s*:\s*)(?!Digest\b)(.+)$/gim, (_m, head: string, value: string) =>
    value.includes(REDACTED) ? `${head}${value}` : `${head}${REDACTED}`,
  );
  // URL credentials: scheme://user:password@host.
  out = out.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^@\s/]+)@/gi, `$1${REDACTED}@`);
  // name=value in query strings and plain text (password=…, token=…; in a query string also key=…).
  out = out.replace(new RegExp(String.raw`(^|[?&;\s,{(])(${SECRET_NAME})=([^&\s;,"')}]+)`, 'gim'), (m, lead: string, name: string, value: string) =>
    value === REDACTED || value === `"${REDACTED}"` ? m : `${lead}${name}=${REDACTED}`,
  );
  out = out.replace(/([?&](?:key|sig|signature|auth)=)([^&\s#"']+)/gi, (m, head: string, value: string) => (value === REDACTED ? m : `${head}${REDACTED}`));
  return out;
}

/** Redacts every string in a JSON-like value (keys named like secrets lose their value whatever it is). */
export function redactValue<T>(value: T, secrets: readonly string[] = []): T {
  const secretKey = new RegExp(`^${SECRET_NAME}$`, 'i');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) {
        out[k] = secretKey.test(k) && inner !== null && inner !== undefined && inner !== '' && typeof inner !== 'boolean' ? REDACTED : walk(inner);
      }
      return out;
    }
    return v;
  };
  return walk(value) as T;
}
