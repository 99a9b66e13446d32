/**
 * Helper for caller.ts sendTextMessage({ transport: 'ws' }): sends one SIP MESSAGE the way
 * Frontdesk does, with JsSIP over the lab's WebSocket as a lab extension. Run in the lab's
 * network (`ip netns exec` from outside the namespace):
 *   node --import tsx ws-message-main.ts '<JSON {user,password,to,body,contentType,headers}>'
 * Prints one JSON line {code, reason, cause?} and exits.
 */
import WebSocket from 'ws';
import { labDomain, labWsUrl } from './config';

interface Args {
  user: string;
  password: string;
  to: string;
  body: string;
  contentType: string;
  headers: Record<string, string>;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const JsSIP = (await import('jssip')).default;
JsSIP.debug.disable();

const done = (r: { code: number; reason: string; cause?: string }): void => {
  process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(0));
};
setTimeout(() => done({ code: 0, reason: '', cause: 'timeout' }), 20_000).unref();

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(labWsUrl)],
  uri: `sip:${args.user}@${labDomain}`,
  password: args.password,
  register: false,
});
ua.on('connected', () => {
  ua.sendMessage(args.to, args.body, {
    contentType: args.contentType,
    extraHeaders: Object.entries(args.headers).map(([k, v]) => `${k}: ${v}`),
    eventHandlers: {
      succeeded: (e) => {
        ua.stop();
        done({ code: e.response.status_code, reason: e.response.reason_phrase });
      },
      failed: (e) => {
        ua.stop();
        // (no response at all on a transport error or timeout)
        const res = e.response as { status_code?: number; reason_phrase?: string } | null | undefined;
        done({ code: res?.status_code ?? 0, reason: res?.reason_phrase ?? '', cause: String(e.cause) });
      },
    },
  });
});
ua.start();
