/**
 * Pure helpers for call transfer (REFER, RFC 3515 / 5589) in the lab: what a SIPp trace says
 * about REFERs received and sent, the NOTIFYs that report their progress (message/sipfrag), and
 * the Refer-To URI (its target and URL-encoded URI headers such as Replaces, RFC 3891).
 */
import { randomBytes } from 'node:crypto';
import { labHost } from './config';
import type { SipTraceMessage } from './sipp';
import { traceTimeMs, transactionKey } from './rtp';

export interface ReferTo {
  /** The URI as written (inside <…>), with its ?headers. */
  uri: string;
  /** The URI without its headers: where the new INVITE goes (its Request-URI and To). */
  target: string;
  /** The URI headers, names as written, values URL-decoded (line breaks removed). */
  headers: Record<string, string>;
  /** The Replaces URI header, decoded ("call-id;to-tag=…;from-tag=…"). */
  replaces?: string;
}

const noBreaks = (s: string): string => s.replace(/[\r\n\0]/g, '');

function decode(s: string): string {
  try {
    return noBreaks(decodeURIComponent(s));
  } catch {
    return noBreaks(s);
  }
}

/**
 * A Refer-To value: `<sip:1001@lab.frontdesk.test?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>`,
 * `"Sales" <sip:1001@…>;param`, or a bare `sip:1001@…`. undefined when there is no SIP(S) URI.
 */
export function parseReferTo(value: string): ReferTo | undefined {
  const v = value.trim();
  const inner = /<([^>]*)>/.exec(v)?.[1] ?? v.split(';')[0]!.trim();
  if (!/^sips?:\S+$/i.test(inner)) return undefined;
  const q = inner.indexOf('?');
  const target = q >= 0 ? inner.slice(0, q) : inner;
  const headers: Record<string, string> = {};
  let replaces: string | undefined;
  if (q >= 0) {
    for (const part of inner.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const name = decode(eq >= 0 ? part.slice(0, eq) : part);
      const val = eq >= 0 ? decode(part.slice(eq + 1)) : '';
      headers[name] = val;
      if (name.toLowerCase() === 'replaces') replaces = val;
    }
  }
  const r: ReferTo = { uri: inner, target, headers };
  if (replaces !== undefined) r.replaces = replaces;
  return r;
}

/** A REFER received in a dialog, and how we answered it. */
export interface ReferReceived {
  /** Call-ID of the dialog it arrived in. */
  callId: string;
  cseq: number;
  /** Transaction key (Call-ID, CSeq, branch): identifies the REFER. */
  key: string;
  /** The Refer-To header as received. */
  referTo: string;
  /** Where to send the new INVITE ('' when the Refer-To is unusable). */
  target: string;
  /** Replaces from the Refer-To URI, decoded. */
  replaces?: string;
  /** The Referred-By header, if any. */
  referredBy?: string;
  /** Our final answer: 202, or the refusal (403 / 603 / 405 / 501); 0 while none was sent. */
  reply: number;
  /** When it arrived (epoch ms). */
  at: number;
}

/** REFERs received (a retransmission counted once) and our answers, in arrival order. */
export function refersReceived(messages: SipTraceMessage[]): ReferReceived[] {
  const out: ReferReceived[] = [];
  const byKey = new Map<string, ReferReceived>();
  for (const m of messages) {
    const key = transactionKey(m);
    if (m.direction === 'received' && m.method === 'REFER') {
      if (byKey.has(key)) continue;
      const referTo = m.headers['refer-to']?.[0] ?? '';
      const parsed = parseReferTo(referTo);
      const r: ReferReceived = { callId: m.callId, cseq: m.cseq.seq, key, referTo, target: parsed?.target ?? '', reply: 0, at: traceTimeMs(m.time) };
      if (parsed?.replaces !== undefined) r.replaces = parsed.replaces;
      const by = m.headers['referred-by']?.[0];
      if (by !== undefined) r.referredBy = by;
      byKey.set(key, r);
      out.push(r);
    } else if (m.direction === 'sent' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'REFER') {
      const r = byKey.get(key);
      if (r && r.reply === 0) r.reply = m.status;
    }
  }
  return out;
}

/** A REFER we sent and the final answer to it. */
export interface ReferSent {
  callId: string;
  cseq: number;
  referTo: string;
  /** The final response (202 accepted, 4xx/5xx/6xx refused); 0 while none arrived. */
  reply: number;
  at: number;
}

export function refersSent(messages: SipTraceMessage[]): ReferSent[] {
  const out: ReferSent[] = [];
  const byKey = new Map<string, ReferSent>();
  for (const m of messages) {
    const key = transactionKey(m);
    if (m.direction === 'sent' && m.method === 'REFER') {
      if (byKey.has(key)) continue;
      const r: ReferSent = { callId: m.callId, cseq: m.cseq.seq, referTo: m.headers['refer-to']?.[0] ?? '', reply: 0, at: traceTimeMs(m.time) };
      byKey.set(key, r);
      out.push(r);
    } else if (m.direction === 'received' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'REFER') {
      const r = byKey.get(key);
      if (r && r.reply === 0) r.reply = m.status;
    }
  }
  return out;
}

/** A status line in a message/sipfrag body ("SIP/2.0 200 OK"). */
export function parseSipfrag(body: string): { code: number; reason: string } | undefined {
  const m = /^\s*SIP\/2\.0\s+(\d{3})[ \t]*([^\r\n]*)/.exec(body);
  return m ? { code: Number(m[1]), reason: m[2]!.trim() } : undefined;
}

/** A NOTIFY (Event: refer) we received: the progress of a REFER we sent. */
export interface ReferNotify {
  callId: string;
  cseq: number;
  /** The sipfrag's status code (100, 180, 200, 486 …); 0 when the body has none. */
  code: number;
  reason: string;
  /** Subscription-State as received, e.g. 'active;expires=60', 'terminated;reason=noresource'. */
  subscriptionState: string;
  /** The Event header, e.g. 'refer;id=2'. */
  event: string;
  at: number;
}

export function referNotifies(messages: SipTraceMessage[]): ReferNotify[] {
  const out: ReferNotify[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    if (m.direction !== 'received' || m.method !== 'NOTIFY') continue;
    const key = transactionKey(m);
    if (seen.has(key)) continue;
    seen.add(key);
    const event = m.headers.event?.[0] ?? '';
    if (event && !/^refer\b/i.test(event)) continue;
    const frag = parseSipfrag(m.body);
    out.push({
      callId: m.callId,
      cseq: m.cseq.seq,
      code: frag?.code ?? 0,
      reason: frag?.reason ?? '',
      subscriptionState: m.headers['subscription-state']?.[0] ?? '',
      event,
      at: traceTimeMs(m.time),
    });
  }
  return out;
}

/**
 * The final response to the initial INVITE of a UAC trace (a 401/407 answered with credentials
 * does not count; it does when nothing followed and `over`).
 */
export function inviteFinal(messages: SipTraceMessage[], over: boolean): { code: number; reason: string } | undefined {
  const finals = messages.filter((m) => m.direction === 'received' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'INVITE');
  const final = finals.find((m) => m.status !== 401 && m.status !== 407) ?? (over ? finals.at(-1) : undefined);
  return final ? { code: final.status!, reason: final.reason ?? '' } : undefined;
}

/** The control request that tells a scenario waiting in a transfer how the new INVITE ended. */
export function xferDoneRequest(callId: string, port: number, status: { code: number; reason: string }): string {
  return [
    `XFERDONE sip:xfer@${labHost}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${labHost}:9;branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    `From: <sip:lab-control@${labHost}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:xfer@${labHost}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 XFERDONE',
    `X-Status: ${status.code} ${noBreaks(status.reason)}`.trimEnd(),
    'Max-Forwards: 1',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
