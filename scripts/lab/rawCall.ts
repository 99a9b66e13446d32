/**
 * An outside caller written by hand, for the INVITEs SIPp's scenarios do not send: a late offer
 * (no SDP; ours goes in the ACK), an offer of a codec nobody has, a multipart body, a missing
 * Contact, compact headers, odd From headers… One UDP socket on 127.0.0.1 talks to the lab's
 * Kamailio as the carrier trunk; every message is written to a SIPp-format trace, so the lab's
 * media endpoint (media.ts) follows the call and sends and hears audio as it does for SIPp.
 *
 * It is a small UAC: INVITE retransmitted until a response, ACK for every final response (with our
 * SDP answer for a late offer), CANCEL, BYE, and 200 to whatever the far end sends in the dialog
 * (BYE, re-INVITE: answered with our SDP, OPTIONS, INFO, UPDATE). Only loopback is ever a target.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { measureAudio } from './audio';
import { carrierDomain, labDomain, labHost, labSipPort, labStateDir } from './config';
import { pickMediaPort, startMedia, type LabMedia, type RtpStats } from './media';
import { parseSipMessage, runName, type SipTraceMessage } from './sipp';

export interface RawCallOptions {
  /** The extension called. */
  to: string;
  /** The whole From header value, e.g. `"Ivan" <sip:+74951234567@carrier>` or `<tel:+74951234567>` (no tag: ours is added). */
  from?: string;
  /**
   * The INVITE's body: 'pcma' (default: our PCMA + telephone-event offer), 'none' (a late offer:
   * we answer the 200's offer in the ACK), or a body of our own with its Content-Type.
   */
  body?: 'pcma' | 'none' | { contentType: string; content: string };
  /** Send our SDP offer as one part of a multipart/mixed body, beside an ISUP part (as gateways do). */
  multipart?: boolean;
  /** More header lines for the INVITE. */
  headers?: string[];
  /** Leave the Contact header out. */
  noContact?: boolean;
  /** Never send the ACK for a 2xx (a caller that vanishes after the answer). */
  noAck?: boolean;
  /** Give up (CANCEL) when there is no final answer within this time. Default 60 s. */
  answerTimeoutMs?: number;
  /**
   * How the INVITE is written (all valid SIP): `compact` header names (i:, f:, t:, v:, m:, c:, l:),
   * header names in `oddCase` (fRoM), `lfOnly` line ends, `lws`: extra spaces and a folded line.
   */
  style?: { compact?: boolean; oddCase?: boolean; lfOnly?: boolean; lws?: boolean };
}

export interface RawResponse {
  status: number;
  reason: string;
  message: SipTraceMessage;
}

export interface RawCall {
  callId: string;
  /** Every response to the INVITE (provisional and final, retransmissions once), in order. */
  responses(): RawResponse[];
  /** The INVITE's final response. */
  final: Promise<RawResponse>;
  /** Resolves when a response matching `status` (e.g. 180) has come. */
  waitFor(status: number, timeoutMs?: number): Promise<RawResponse>;
  /** The far end ended the call (BYE received), or we did. */
  ended(): 'remote-bye' | 'local-bye' | 'cancelled' | 'failed' | null;
  /** What the call's media endpoint received and hears (see media.ts). */
  rtp(): RtpStats;
  /** CANCEL before the answer, BYE after it; resolves when the dialog is over. */
  hangup(): Promise<void>;
  stop(): Promise<void>;
}

/** Our SDP, naming the media endpoint's port (PCMA + RFC 4733 at 8 kHz, as the SIPp parties offer). */
export function pcmaSdp(mediaPort: number, sessionVersion = 1): string {
  return [
    'v=0',
    `o=- ${mediaPort} ${sessionVersion} IN IP4 ${labHost}`,
    's=Frontdesk lab raw caller',
    `c=IN IP4 ${labHost}`,
    't=0 0',
    `m=audio ${mediaPort} RTP/AVP 8 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

const token = () => randomBytes(6).toString('hex');
const header = (m: SipTraceMessage, name: string) => m.headers[name.toLowerCase()]?.[0];

function serialise(startLine: string, headers: string[], body = ''): string {
  return `${[startLine, ...headers, `Content-Length: ${Buffer.byteLength(body)}`].join('\r\n')}\r\n\r\n${body}`;
}

const compactNames: Record<string, string> = { 'call-id': 'i', from: 'f', to: 't', via: 'v', contact: 'm', 'content-type': 'c', 'content-length': 'l', supported: 'k' };

/** Rewrites a message in one of the valid but unusual styles of RawCallOptions.style. */
export function restyle(message: string, style: NonNullable<RawCallOptions['style']>): string {
  const split = message.indexOf('\r\n\r\n');
  const [start, ...headers] = message.slice(0, split).split('\r\n');
  const body = style.lfOnly ? message.slice(split + 4).replace(/\r\n/g, '\n') : message.slice(split + 4);
  const lines = headers.map((line) => {
    const colon = line.indexOf(':');
    let name = line.slice(0, colon);
    let value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'content-length') value = String(Buffer.byteLength(body));
    if (style.compact && compactNames[name.toLowerCase()]) name = compactNames[name.toLowerCase()]!;
    if (style.oddCase) name = [...name].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
    if (style.lws) value = name.toLowerCase().startsWith('user-agent') ? value.replace(' ', '\r\n   ') : `  ${value.replace(/;/g, ' ; ')}`;
    return `${name}${style.lws ? ' ' : ''}:${style.lws ? '' : ' '}${value}`;
  });
  const head = `${[start, ...lines].join('\r\n')}\r\n\r\n`;
  return (style.lfOnly ? head.replace(/\r\n/g, '\n') : head) + body;
}

export function rawCall(opts: RawCallOptions): RawCall {
  if (!/^[A-Za-z0-9+*#._-]+$/.test(opts.to)) throw new Error(`rawCall: unusable callee ${JSON.stringify(opts.to)}`);
  const dir = path.join(labStateDir(), 'raw', runName(`raw-${opts.to}`));
  fs.mkdirSync(dir, { recursive: true });
  const traceFile = path.join(dir, 'messages.log');
  fs.writeFileSync(traceFile, '');
  const mediaPort = pickMediaPort();
  const media: LabMedia = startMedia({ port: mediaPort, messagesFile: traceFile, maxLifeMs: 15 * 60_000 });
  const sock = dgram.createSocket('udp4');
  const callId = `raw-${token()}@${labHost}`;
  const fromTag = token();
  const branch = `z9hG4bK-${token()}`;
  const ruri = `sip:${opts.to}@${labDomain}`;
  const fromValue = opts.from ?? `<sip:+74951234567@${carrierDomain}>`;
  let localPort = 0;
  let cseq = 1;
  let sdpVersion = 1;
  const responses: RawResponse[] = [];
  const seen = new Set<string>();
  let resolveFinal!: (r: RawResponse) => void;
  const final = new Promise<RawResponse>((r) => (resolveFinal = r));
  let state: 'calling' | 'answered' | 'cancelling' | 'done' = 'calling';
  let ended: ReturnType<RawCall['ended']> = null;
  let dialog: { remoteTag: string; routes: string[]; target: string } | null = null;
  let retransmit: ReturnType<typeof setTimeout> | null = null;
  let giveUp: ReturnType<typeof setTimeout> | null = null;
  let inviteText = '';
  let ackText = '';
  const waiters: { status: number; resolve: (r: RawResponse) => void }[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  const trace = (direction: 'sent' | 'received', text: string) => {
    const time = new Date().toISOString().replace('T', ' ').replace('Z', '000');
    fs.appendFileSync(traceFile, `----------------------------------------------- ${time}\nUDP message ${direction} [${Buffer.byteLength(text)}] bytes :\n\n${text}\n`);
  };
  const send = (text: string) => {
    trace('sent', text);
    sock.send(text, labSipPort, labHost);
  };
  const via = (b: string) => `Via: SIP/2.0/UDP ${labHost}:${localPort};branch=${b};rport`;
  const contact = () => `Contact: <sip:caller@${labHost}:${localPort}>`;

  const inviteBody = (): { type: string | null; content: string } => {
    if (opts.body === 'none') return { type: null, content: '' };
    if (opts.body && typeof opts.body === 'object') return { type: opts.body.contentType, content: opts.body.content };
    if (opts.multipart) {
      const mp = multipartWithSdp(pcmaSdp(mediaPort));
      return { type: mp.contentType, content: mp.content };
    }
    return { type: 'application/sdp', content: pcmaSdp(mediaPort) };
  };

  /** An in-dialog request along the route set the 200 gave us (Kamailio record-routes). */
  const inDialog = (method: string, seq: number, b: string, body = '', contentType?: string) => {
    const d = dialog!;
    return serialise(
      `${method} ${d.target} SIP/2.0`,
      [
        via(b),
        ...d.routes.map((r) => `Route: ${r}`),
        `From: ${fromValue};tag=${fromTag}`,
        `To: <${ruri}>;tag=${d.remoteTag}`,
        `Call-ID: ${callId}`,
        `CSeq: ${seq} ${method}`,
        'Max-Forwards: 70',
        ...(contentType ? [`Content-Type: ${contentType}`] : []),
      ],
      body,
    );
  };

  const finish = (how: NonNullable<ReturnType<RawCall['ended']>>) => {
    if (state === 'done') return;
    state = 'done';
    ended ??= how;
    if (retransmit) clearTimeout(retransmit);
    if (giveUp) clearTimeout(giveUp);
    resolveDone();
  };

  const onResponse = (m: SipTraceMessage) => {
    if (m.cseq.method === 'INVITE' && m.cseq.seq === 1) {
      if (retransmit) {
        clearTimeout(retransmit);
        retransmit = null;
      }
      const status = m.status!;
      const key = `${status} ${header(m, 'to') ?? ''}`;
      if (status >= 200 && status < 300 && dialog && ackText) {
        if (!opts.noAck) send(ackText); // a retransmitted 2xx: ACK it again
        return;
      }
      if (seen.has(key)) return;
      seen.add(key);
      const r: RawResponse = { status, reason: m.reason ?? '', message: m };
      responses.push(r);
      for (const w of waiters.filter((x) => x.status === status)) w.resolve(r);
      if (status < 200) return;
      resolveFinal(r);
      if (giveUp) clearTimeout(giveUp);
      if (status >= 300) {
        // hop-by-hop ACK on the INVITE's branch
        send(serialise(`ACK ${ruri} SIP/2.0`, [via(branch), `From: ${fromValue};tag=${fromTag}`, `To: ${header(m, 'to')}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Max-Forwards: 70']));
        finish(state === 'cancelling' ? 'cancelled' : 'failed');
        return;
      }
      const remoteTag = /;\s*tag=([^;>\s]+)/i.exec(header(m, 'to') ?? '')?.[1] ?? '';
      const target = /<([^>]+)>/.exec(header(m, 'contact') ?? '')?.[1] ?? ruri;
      const routes = (m.headers['record-route'] ?? []).flatMap((v) => v.split(/,(?=\s*<)/)).map((r) => r.trim()).reverse();
      dialog = { remoteTag, routes, target };
      const lateOffer = opts.body === 'none';
      ackText = inDialog('ACK', 1, `z9hG4bK-${token()}`, lateOffer ? pcmaSdp(mediaPort) : '', lateOffer ? 'application/sdp' : undefined);
      if (!opts.noAck) send(ackText);
      if (state === 'cancelling') {
        // the answer crossed our CANCEL: end the call that now exists
        cseq += 1;
        send(inDialog('BYE', cseq, `z9hG4bK-${token()}`));
        finish('cancelled');
        return;
      }
      state = 'answered';
    } else if (m.cseq.method === 'BYE' && state === 'answered') {
      finish('local-bye');
    }
  };

  const onRequest = (m: SipTraceMessage) => {
    const reply = (status: number, reason: string, body = '', contentType?: string) => {
      const headers = ['via', 'from', 'to', 'call-id', 'cseq'].flatMap((h) => (m.headers[h] ?? []).map((v) => `${m.headerNames[h] ?? h}: ${v}`));
      send(serialise(`SIP/2.0 ${status} ${reason}`, [...headers, ...(status < 300 && m.method === 'INVITE' ? [contact()] : []), ...(contentType ? [`Content-Type: ${contentType}`] : [])], body));
    };
    if (m.method === 'ACK') return;
    if (m.method === 'BYE') {
      reply(200, 'OK');
      finish('remote-bye');
    } else if (m.method === 'INVITE') {
      reply(200, 'OK', pcmaSdp(mediaPort, ++sdpVersion), 'application/sdp');
    } else {
      reply(200, 'OK');
    }
  };

  sock.on('message', (buf, rinfo) => {
    if (rinfo.address !== labHost) return;
    const text = buf.toString('utf8');
    trace('received', text);
    const m = parseSipMessage(text, 'received');
    if (!m || m.callId !== callId) return;
    if (m.status !== undefined) onResponse(m);
    else onRequest(m);
  });

  sock.bind(0, labHost, () => {
    localPort = sock.address().port;
    const body = inviteBody();
    inviteText = serialise(
      `INVITE ${ruri} SIP/2.0`,
      [
        via(branch),
        `From: ${fromValue};tag=${fromTag}`,
        `To: <${ruri}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        ...(opts.noContact ? [] : [contact()]),
        'Max-Forwards: 70',
        'User-Agent: Frontdesk lab raw caller',
        'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE',
        ...(opts.headers ?? []),
        ...(body.type ? [`Content-Type: ${body.type}`] : []),
      ],
      body.content,
    );
    if (opts.style) inviteText = restyle(inviteText, opts.style);
    send(inviteText);
    // Timer A: retransmit until any response, doubling from 500 ms (RFC 3261 17.1.1.2).
    let interval = 500;
    const again = () => {
      if (responses.length > 0 || state !== 'calling') return;
      send(inviteText);
      interval = Math.min(interval * 2, 4000);
      retransmit = setTimeout(again, interval);
    };
    retransmit = setTimeout(again, interval);
    giveUp = setTimeout(() => void call.hangup(), opts.answerTimeoutMs ?? 60_000);
  });

  const call: RawCall = {
    callId,
    responses: () => [...responses],
    final,
    waitFor: (status, timeoutMs = 15_000) => {
      const have = responses.find((r) => r.status === status);
      if (have) return Promise.resolve(have);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${status} within ${timeoutMs} ms; got ${responses.map((r) => r.status).join(', ') || 'nothing'}`)), timeoutMs);
        waiters.push({ status, resolve: (r) => (clearTimeout(t), resolve(r)) });
      });
    },
    ended: () => ended,
    rtp: () => media.state().calls.find((c) => c.callId === callId)?.rtp ?? { packetsIn: 0, packetsOut: 0, bytesIn: 0, byPayloadType: {}, heard: measureAudio([], 8000) },
    async hangup() {
      if (state === 'calling') {
        state = 'cancelling';
        send(serialise(`CANCEL ${ruri} SIP/2.0`, [via(branch), `From: ${fromValue};tag=${fromTag}`, `To: <${ruri}>`, `Call-ID: ${callId}`, 'CSeq: 1 CANCEL', 'Max-Forwards: 70']));
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        finish('cancelled');
      } else if (state === 'answered') {
        ended = 'local-bye';
        cseq += 1;
        send(inDialog('BYE', cseq, `z9hG4bK-${token()}`));
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        finish('local-bye');
      }
    },
    async stop() {
      await call.hangup();
      await media.stop();
      await new Promise<void>((r) => sock.close(() => r()));
    },
  };
  return call;
}

/** A multipart/mixed body with our SDP as one part and another part beside it (as ISUP gateways send). */
export function multipartWithSdp(sdp: string, boundary = 'frontdesk-lab-boundary'): { contentType: string; content: string } {
  return {
    contentType: `multipart/mixed;boundary=${boundary}`,
    content: [
      `--${boundary}`,
      'Content-Type: application/sdp',
      '',
      sdp,
      `--${boundary}`,
      'Content-Type: application/ISUP;version=itu-t92+',
      'Content-Disposition: signal;handling=optional',
      '',
      'IAM 0x0110',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  };
}
