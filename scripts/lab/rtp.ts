/**
 * Pure helpers for the lab's media endpoint (media.ts): RTP packets, RFC 4733
 * telephone-events (encode, decode with de-duplication), the bits of SDP the lab
 * needs, and what a SIPp message trace says about each call's media (where to
 * send, in which direction, which payload types carry DTMF) and re-INVITEs.
 */
import type { SipTraceMessage } from './sipp';

// ---------------------------------------------------------------- RTP

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

/** Parse an RTP packet (RFC 3550): CSRCs, header extension and padding are skipped. undefined if it is not RTP. */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return undefined;
  const b1 = buf[1]!;
  const payloadType = b1 & 0x7f;
  // RTCP muxed on the RTP port: PT 72-76 with the marker bit = packet types 200-204
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + 4 * (b0 & 0x0f);
  if (buf.length < offset) return undefined;
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return undefined;
    offset += 4 + 4 * buf.readUInt16BE(offset + 2);
    if (buf.length < offset) return undefined;
  }
  let end = buf.length;
  if (b0 & 0x20) {
    const pad = buf[buf.length - 1]!;
    if (pad === 0 || offset + pad > end) return undefined;
    end -= pad;
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

export function buildRtp(p: { payloadType: number; sequence: number; timestamp: number; ssrc: number; marker?: boolean; payload: Buffer }): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  h.writeUInt16BE(p.sequence & 0xffff, 2);
  h.writeUInt32BE(p.timestamp >>> 0, 4);
  h.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([h, p.payload]);
}

// ---------------------------------------------------------------- RFC 4733

/** DTMF digits by RFC 4733 event code 0-15. */
export const dtmfDigits = '0123456789*#ABCD';

export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? dtmfDigits[event] : undefined;
}

export function digitToEvent(digit: string): number {
  const i = dtmfDigits.indexOf(digit.toUpperCase());
  if (digit.length !== 1 || i < 0) throw new Error(`Not a DTMF digit: ${JSON.stringify(digit)} (use 0-9, *, #, A-D)`);
  return i;
}

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** 0-63, -dBm0 */
  volume: number;
  /** In timestamp units (samples at the telephone-event clock rate). */
  duration: number;
}

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  return { event: payload[0]!, end: (payload[1]! & 0x80) !== 0, volume: payload[1]! & 0x3f, duration: payload.readUInt16BE(2) };
}

export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event & 0xff;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(e.duration))), 2);
  return b;
}

export interface DecodedEvent {
  digit: string;
  event: number;
  payloadType: number;
  ssrc: number;
  /** RTP timestamp of the event: all its packets (and the redundant end packets) share it. */
  timestamp: number;
  /** Longest duration seen, in timestamp units. */
  duration: number;
  /** An end packet (E bit) arrived. */
  ended: boolean;
  /** Wall-clock ms of the first packet and of the first end packet. */
  at: number;
  endedAt?: number;
  packets: number;
}

/**
 * RFC 4733 receiver: one event per (SSRC, RTP timestamp), whatever the number of
 * updates and redundant end packets; event codes above 15 (not DTMF) are ignored.
 */
export class Rfc4733Decoder {
  readonly events: DecodedEvent[] = [];
  private readonly byKey = new Map<string, DecodedEvent>();
  constructor(private readonly maxEvents = 1000) {}

  /** Feed one packet whose payload type is a telephone-event; returns the event it belongs to. */
  push(pkt: RtpPacket, at: number = Date.now()): DecodedEvent | undefined {
    const te = parseTelephoneEvent(pkt.payload);
    if (!te) return undefined;
    const digit = eventToDigit(te.event);
    if (digit === undefined) return undefined;
    const key = `${pkt.ssrc}:${pkt.timestamp}`;
    let ev = this.byKey.get(key);
    if (!ev) {
      if (this.events.length >= this.maxEvents) return undefined;
      ev = { digit, event: te.event, payloadType: pkt.payloadType, ssrc: pkt.ssrc, timestamp: pkt.timestamp, duration: 0, ended: false, at, packets: 0 };
      this.byKey.set(key, ev);
      this.events.push(ev);
    }
    ev.packets++;
    ev.duration = Math.max(ev.duration, te.duration);
    if (te.end && !ev.ended) {
      ev.ended = true;
      ev.endedAt = at;
    }
    return ev;
  }
}

// ---------------------------------------------------------------- SDP

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpInfo {
  /** Connection address of the (first) audio stream. */
  address?: string;
  /** Port of the first m=audio line (0: stream disabled). */
  port?: number;
  /** Payload types of the m=audio line, in order. */
  payloadTypes: number[];
  /** a=rtpmap by payload type: encoding name (as written) and clock rate. */
  rtpmap: Record<number, { encoding: string; clockRate: number }>;
  direction: MediaDirection;
  /** telephone-event payload types of the audio stream with their clock rates. */
  telephoneEvents: Array<{ payloadType: number; clockRate: number }>;
}

/** The audio stream of an SDP body (session-level c= and direction apply unless the media section overrides them). */
export function parseSdp(body: string): SdpInfo | undefined {
  const lines = body.split(/\r?\n/).map((l) => l.trim());
  if (!lines.some((l) => l.startsWith('v=0'))) return undefined;
  let sessionAddress: string | undefined;
  let sessionDirection: MediaDirection = 'sendrecv';
  let inAudio = false;
  let seenAudio = false;
  let mediaDirection: MediaDirection | undefined;
  let mediaAddress: string | undefined;
  const info: SdpInfo = { payloadTypes: [], rtpmap: {}, direction: 'sendrecv', telephoneEvents: [] };
  for (const l of lines) {
    if (l.startsWith('m=')) {
      if (seenAudio) {
        inAudio = false;
        continue;
      }
      const m = /^m=audio\s+(\d+)(?:\/\d+)?\s+\S+\s*(.*)$/.exec(l);
      inAudio = m !== null;
      if (m) {
        seenAudio = true;
        info.port = Number(m[1]);
        info.payloadTypes = m[2]!.split(/\s+/).filter((x) => /^\d+$/.test(x)).map(Number);
      }
      continue;
    }
    const before = !seenAudio;
    if (!before && !inAudio) continue;
    const c = /^c=IN\s+IP[46]\s+([^\s/]+)/.exec(l);
    if (c) {
      if (before) sessionAddress = c[1];
      else mediaAddress = c[1];
      continue;
    }
    const d = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(l);
    if (d) {
      if (before) sessionDirection = d[1] as MediaDirection;
      else mediaDirection = d[1] as MediaDirection;
      continue;
    }
    const r = /^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/.exec(l);
    if (r && !before) info.rtpmap[Number(r[1])] = { encoding: r[2]!, clockRate: Number(r[3]) };
  }
  if (!seenAudio) return undefined;
  const address = mediaAddress ?? sessionAddress;
  if (address !== undefined) info.address = address;
  info.direction = info.port === 0 ? 'inactive' : (mediaDirection ?? sessionDirection);
  for (const pt of info.payloadTypes) {
    const m = info.rtpmap[pt];
    if (m && m.encoding.toLowerCase() === 'telephone-event') info.telephoneEvents.push({ payloadType: pt, clockRate: m.clockRate });
  }
  return info;
}

/** Only loopback addresses may ever be a media target in the lab. */
export function isLoopback(address: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';
}

// ---------------------------------------------------------------- what a trace says about each call

/** A SIPp trace time ("2026-11-23 11:45:31.518939", local time) as epoch ms (NaN if unreadable). */
export function traceTimeMs(time: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[\sT]+(\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(time.trim());
  if (!m) return Number.NaN;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  return new Date(`${m[1]}T${m[2]}${frac}`).getTime();
}

function sdpOf(m: SipTraceMessage): SdpInfo | undefined {
  const ct = m.headers['content-type']?.[0] ?? '';
  if (!/application\/sdp/i.test(ct) && !/^v=0/.test(m.body.trim())) return undefined;
  return parseSdp(m.body);
}

const hasToTag = (m: SipTraceMessage): boolean => /;\s*tag=/i.test(m.headers.to?.[0] ?? '');

/**
 * A request's transaction: Call-ID, CSeq and top Via branch. A retransmission has
 * the same key; a new request that (wrongly) reuses a CSeq does not.
 */
export function transactionKey(m: SipTraceMessage): string {
  const branch = /branch=([^;,\s]+)/i.exec(m.headers.via?.[0] ?? '')?.[1] ?? '';
  return `${m.callId}|${m.cseq.seq}|${branch}`;
}

export interface CallMediaPlan {
  callId: string;
  /** Where our RTP goes: the far end's (rtpengine's) address in the latest SDP that took effect. */
  remote?: { address: string; port: number };
  /** Every remote address:port of the call (RTP arriving from one of them belongs to this call). */
  remotes: string[];
  /** Direction in the far end's latest SDP that took effect. */
  remoteDirection: MediaDirection;
  /** The audio port in the SDP we sent (our media endpoint's). */
  localPort?: number;
  /** telephone-event payload types declared in the call's SDP (either side), with clock rates. */
  telephoneEvents: Array<{ payloadType: number; clockRate: number }>;
  answered: boolean;
  ended: boolean;
  /** We should be sending audio now: answered, not ended, a loopback target, and the far end receives. */
  sending: boolean;
  /** First message of the call, epoch ms. */
  startedAt: number;
}

/**
 * Per call: the media state that the SIP messages in a SIPp trace establish. An
 * SDP received in a response takes effect at once; one received in a request
 * (the far end's offer) only when we answered it with 2xx (a re-INVITE we
 * rejected with 491/500/488 changes nothing).
 */
export function mediaPlans(messages: SipTraceMessage[]): CallMediaPlan[] {
  const plans = new Map<string, CallMediaPlan>();
  const pendingOffers = new Map<string, SdpInfo>(); // transaction -> offer received
  const initialCseq = new Map<string, number>();
  const apply = (p: CallMediaPlan, sdp: SdpInfo): void => {
    if (sdp.address !== undefined && sdp.port !== undefined && sdp.port > 0) {
      p.remote = { address: sdp.address, port: sdp.port };
      const key = `${sdp.address}:${sdp.port}`;
      if (!p.remotes.includes(key)) p.remotes.push(key);
    }
    p.remoteDirection = sdp.direction;
  };
  const addTe = (p: CallMediaPlan, sdp: SdpInfo): void => {
    for (const te of sdp.telephoneEvents) {
      if (!p.telephoneEvents.some((x) => x.payloadType === te.payloadType)) p.telephoneEvents.push(te);
    }
  };
  for (const m of messages) {
    if (!m.callId || m.method === 'HANGUP' || m.cseq.method === 'HANGUP' || m.cseq.method === 'REGISTER') continue;
    let p = plans.get(m.callId);
    if (!p) {
      if (m.method !== 'INVITE' && m.cseq.method !== 'INVITE') continue;
      p = { callId: m.callId, remotes: [], remoteDirection: 'sendrecv', telephoneEvents: [], answered: false, ended: false, sending: false, startedAt: traceTimeMs(m.time) };
      plans.set(m.callId, p);
    }
    // the initial INVITE (the latest one without a To tag: a 407 makes the caller send it again)
    if (m.method === 'INVITE' && !hasToTag(m)) initialCseq.set(m.callId, m.cseq.seq);
    const sdp = sdpOf(m);
    if (sdp) addTe(p, sdp);
    if (sdp && m.direction === 'sent' && sdp.port !== undefined && sdp.port > 0) p.localPort = sdp.port;
    const isInitial = m.cseq.method === 'INVITE' && m.cseq.seq === initialCseq.get(m.callId);
    if (m.direction === 'received') {
      if (m.method !== undefined) {
        if (sdp && (m.method === 'INVITE' || m.method === 'UPDATE')) pendingOffers.set(transactionKey(m), sdp);
        if (m.method === 'BYE' || m.method === 'CANCEL') p.ended = true;
      } else if (m.status !== undefined) {
        if (sdp && m.status < 300 && (m.cseq.method === 'INVITE' || m.cseq.method === 'UPDATE')) apply(p, sdp);
        if (isInitial && m.status >= 200 && m.status < 300) p.answered = true;
        if (isInitial && m.status >= 300 && m.status !== 401 && m.status !== 407) p.ended = true;
      }
    } else {
      if (m.method === 'BYE' || m.method === 'CANCEL') p.ended = true;
      if (m.status !== undefined && m.status >= 200) {
        const key = transactionKey(m);
        const offer = pendingOffers.get(key);
        if (offer && m.status < 300) apply(p, offer);
        pendingOffers.delete(key);
        if (isInitial && m.status < 300) p.answered = true;
        if (isInitial && m.status >= 300) p.ended = true;
      }
    }
  }
  for (const p of plans.values()) {
    p.sending =
      p.answered && !p.ended && p.remote !== undefined && isLoopback(p.remote.address) &&
      (p.remoteDirection === 'sendrecv' || p.remoteDirection === 'recvonly');
  }
  return [...plans.values()];
}

export interface ReinviteAnswer {
  callId: string;
  cseq: number;
  /** When the re-INVITE arrived (epoch ms). */
  at: number;
  /** The direction the far end offered: sendonly = hold, sendrecv = resume … ('none' without SDP). */
  direction: MediaDirection | 'none';
  /** Our final answer: 200, or 491/500/488 when told to collide; 0 while none was sent. */
  code: number;
  /** The direction in our 200's SDP. */
  answerDirection?: MediaDirection;
}

/**
 * Re-INVITEs we received (in-dialog INVITEs; retransmissions counted once, a new
 * transaction with a reused CSeq counted again) and how we answered them.
 */
export function reinviteAnswers(messages: SipTraceMessage[]): ReinviteAnswer[] {
  const out: ReinviteAnswer[] = [];
  const byKey = new Map<string, ReinviteAnswer>();
  for (const m of messages) {
    const key = transactionKey(m);
    if (m.direction === 'received' && m.method === 'INVITE' && hasToTag(m)) {
      if (byKey.has(key)) continue;
      const r: ReinviteAnswer = { callId: m.callId, cseq: m.cseq.seq, at: traceTimeMs(m.time), direction: sdpOf(m)?.direction ?? 'none', code: 0 };
      byKey.set(key, r);
      out.push(r);
    } else if (m.direction === 'sent' && m.status !== undefined && m.status >= 200 && m.cseq.method === 'INVITE') {
      const r = byKey.get(key);
      if (!r || r.code !== 0) continue;
      r.code = m.status;
      const sdp = sdpOf(m);
      if (sdp && m.status < 300) r.answerDirection = sdp.direction;
    }
  }
  return out;
}

export interface InfoDtmf {
  callId: string;
  digit: string;
  at: number;
}

/** DTMF digits carried in SIP INFO requests we received (application/dtmf-relay "Signal=" or application/dtmf). */
export function infoDtmf(messages: SipTraceMessage[]): InfoDtmf[] {
  const out: InfoDtmf[] = [];
  const seen = new Set<string>();
  for (const m of messages) {
    if (m.direction !== 'received' || m.method !== 'INFO') continue;
    const key = transactionKey(m);
    if (seen.has(key)) continue; // a retransmission
    seen.add(key);
    const contentType = m.headers['content-type']?.[0] ?? '';
    const sig = /Signal\s*=\s*([0-9A-D*#])/i.exec(m.body)?.[1] ?? (/dtmf/i.test(contentType) ? m.body.trim().slice(0, 1) : '');
    if (sig && dtmfDigits.includes(sig.toUpperCase())) out.push({ callId: m.callId, digit: sig.toUpperCase(), at: traceTimeMs(m.time) });
  }
  return out;
}
