import JsSIP from 'jssip';

/**
 * A user agent on a socket the test plays the PBX on: what it sends is kept, and the test answers
 * it (a response built from the request's own Via, From, To, Call-ID and CSeq) or sends it requests.
 */
export function uaWithPbx(user = '1003', password = 'lab-1003-secret', config: Record<string, unknown> = {}) {
  const sent: string[] = [];
  const socket = {
    url: 'ws://127.0.0.1:8080',
    via_transport: 'WS',
    sip_uri: 'sip:127.0.0.1:8080;transport=ws',
    onconnect: () => undefined,
    ondisconnect: () => undefined,
    ondata: (_data: string) => undefined,
    connect() {
      this.onconnect();
    },
    disconnect() {},
    send(message: string) {
      sent.push(message);
      return true;
    },
    isConnected: () => true,
    isConnecting: () => false,
  };
  const ua = new JsSIP.UA({ sockets: [socket as never], uri: `sip:${user}@lab.frontdesk.test`, password, register: false, ...config });
  ua.start();
  const header = (message: string, name: string) => new RegExp(`^${name}: *(.*)$`, 'im').exec(message)?.[1]?.trim() ?? '';
  const answer = (request: string, status: string, extra: string[] = [], body = '') => {
    const lines = [`SIP/2.0 ${status}`, ...['Via', 'From', 'Call-ID', 'CSeq'].map((h) => `${h}: ${header(request, h)}`)];
    lines.push(`To: ${header(request, 'To')}${/;tag=/.test(header(request, 'To')) ? '' : ';tag=pbx1'}`);
    socket.ondata([...lines, ...extra, `Content-Length: ${new TextEncoder().encode(body).length}`, '', body].join('\r\n'));
  };
  /** The requests sent so far with this method (e.g. 'SUBSCRIBE'). */
  const requests = (method: string) => sent.filter((m) => m.startsWith(`${method} `));
  /** A NOTIFY in the dialog of subscription request `subscribe` (as the PBX sends it). */
  const notify = (subscribe: string, cseq: number, options: { body?: string; contentType?: string; state?: string; event?: string } = {}) => {
    const body = options.body ?? '';
    socket.ondata(
      [
        `NOTIFY ${header(subscribe, 'Contact').replace(/^<|>.*$/g, '')} SIP/2.0`,
        `Via: SIP/2.0/WS 127.0.0.1:8080;branch=z9hG4bK-n${header(subscribe, 'Call-ID')}-${cseq}`,
        'Max-Forwards: 70',
        `From: ${header(subscribe, 'To').replace(/;tag=.*$/, '')};tag=pbx1`,
        `To: ${header(subscribe, 'From')}`,
        `Call-ID: ${header(subscribe, 'Call-ID')}`,
        `CSeq: ${cseq} NOTIFY`,
        `Event: ${options.event ?? header(subscribe, 'Event')}`,
        `Subscription-State: ${options.state ?? 'active;expires=600'}`,
        'Contact: <sip:127.0.0.1:5060>',
        ...(body ? [`Content-Type: ${options.contentType ?? header(subscribe, 'Accept')}`] : []),
        `Content-Length: ${new TextEncoder().encode(body).length}`,
        '',
        body,
      ].join('\r\n'),
    );
  };
  return { ua, sent, socket, header, answer, requests, notify };
}
