/**
 * Helper for presence.ts: a lab extension over the lab's WebSocket with JsSIP, as Frontdesk is,
 * that SUBSCRIBEs to colleagues' `presence` and `dialog` events and/or PUBLISHes, and reports what
 * happens as JSON lines on stdout. Run in the lab's network (`ip netns exec` from outside it):
 *   node --import tsx ws-presence-main.ts '<JSON {user,password,register,expires,watch:[{target,event}],publish?:{target,body,expires}}>'
 * Lines: {"type":"registered"}, {"type":"response","target","event","code"}, {"type":"notify","target","event","final","body","at"},
 * {"type":"terminated","target","event","code","reason"}, {"type":"publish","code","etag"}. Runs until SIGTERM or stdin closes.
 * It subscribes and publishes with Frontdesk's own code for what JsSIP lacks (renderer/src/sip/jssipInternals.ts).
 */
import WebSocket from 'ws';
import { labDomain, labWsUrl } from './config';

interface Args {
  user: string;
  password: string;
  register: boolean;
  expires: number;
  watch: Array<{ target: string; event: 'presence' | 'dialog' }>;
  publish?: { target: string; body: string; expires: number };
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const JsSIP = (await import('jssip')).default;
JsSIP.debug.disable();
// Frontdesk's own way of publishing and of seeing every NOTIFY (JsSIP has no publisher).
const { observeSubscriber, sendRequest } = await import('../../renderer/src/sip/jssipInternals');

const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const accept = { presence: 'application/pidf+xml', dialog: 'application/dialog-info+xml' } as const;

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(labWsUrl)],
  uri: `sip:${args.user}@${labDomain}`,
  password: args.password,
  register: args.register,
  register_expires: args.expires,
});

const subscribers: Array<{ terminate(): void }> = [];
let started = false;
const start = () => {
  if (started) return;
  started = true;
  for (const w of args.watch) {
    const s = ua.subscribe(`sip:${w.target}@${labDomain}`, w.event, accept[w.event], { expires: args.expires, contentType: accept[w.event] });
    observeSubscriber(s, {
      response: (code) => out({ type: 'response', target: w.target, event: w.event, code }),
      notify: (n) => out({ type: 'notify', target: w.target, event: w.event, final: n.final, body: n.body ?? '', at: Date.now() }),
    });
    (s as unknown as { on(e: string, f: (...a: never[]) => void): void }).on('terminated', ((code: number, reason?: string) =>
      out({ type: 'terminated', target: w.target, event: w.event, code, reason: reason ?? null })) as never);
    s.subscribe();
    subscribers.push(s as unknown as { terminate(): void });
  }
  const p = args.publish;
  if (p) {
    sendRequest(ua, 'PUBLISH', `sip:${p.target}@${labDomain}`, { extraHeaders: ['Event: presence', `Expires: ${p.expires}`, 'Content-Type: application/pidf+xml'], body: p.body }, {
      response: (r) => out({ type: 'publish', code: r.status_code, etag: r.getHeader('SIP-ETag') ?? null }),
      failed: (cause) => out({ type: 'publish', code: 0, cause }),
    });
  }
};
ua.on('registered', () => {
  out({ type: 'registered' });
  start();
});
ua.on('connected', () => {
  if (!args.register) start();
});
ua.start();

const stop = () => {
  for (const s of subscribers) {
    try {
      s.terminate();
    } catch {
      // no answer yet
    }
  }
  ua.stop();
  setTimeout(() => process.exit(0), 500).unref();
};
process.once('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
