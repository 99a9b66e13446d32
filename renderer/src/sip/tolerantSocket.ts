import JsSIP from 'jssip';

/**
 * The WebSocket JsSIP talks over, made tolerant of one thing it is not: a message whose start line
 * and headers end in bare LF instead of CRLF. JsSIP's parser drops such a message without a word,
 * so the caller would hear ringing until the PBX gives up; RFC 3261's robustness principle and
 * every mainstream stack accept it. The head is rewritten with CRLF before JsSIP reads it (the
 * body, which Content-Length counts, is left as it is).
 *
 * Built on JsSIP's documented Socket interface (https://jssip.net/documentation/api/socket/):
 * everything is delegated to JsSIP's own WebSocketInterface; only `ondata` is wrapped.
 */
export function withCrlfHead(message: string): string {
  const end = /\r?\n\r?\n/.exec(message);
  const headEnd = end ? end.index : message.length;
  const head = message.slice(0, headEnd);
  if (!/(^|[^\r])\n/.test(head) && (end === null || end[0] === '\r\n\r\n')) return message;
  return `${head.replace(/\r?\n/g, '\r\n')}\r\n\r\n${end ? message.slice(headEnd + end[0].length) : ''}`;
}

type Handler = ((...args: never[]) => void) | null;

export class TolerantWebSocket {
  private readonly inner: JsSIP.WebSocketInterface;

  /** `onMessage` sees every SIP message sent and received (the diagnostics' SIP trace). */
  constructor(
    url: string,
    private readonly onMessage?: (direction: 'in' | 'out', text: string) => void,
  ) {
    this.inner = new JsSIP.WebSocketInterface(url);
  }

  get via_transport(): string {
    return this.inner.via_transport;
  }
  set via_transport(value: string) {
    this.inner.via_transport = value;
  }
  get url(): string {
    return this.inner.url;
  }
  get sip_uri(): string {
    return this.inner.sip_uri;
  }
  connect() {
    this.inner.connect();
  }
  disconnect() {
    this.inner.disconnect();
  }
  send(message: string | ArrayBuffer): boolean {
    if (typeof message === 'string') this.onMessage?.('out', message);
    return this.inner.send(message as never);
  }
  isConnected(): boolean {
    return this.inner.isConnected();
  }
  isConnecting(): boolean {
    return this.inner.isConnecting();
  }
  set onconnect(fn: Handler) {
    (this.inner as unknown as { onconnect: Handler }).onconnect = fn;
  }
  set ondisconnect(fn: Handler) {
    (this.inner as unknown as { ondisconnect: Handler }).ondisconnect = fn;
  }
  set ondata(fn: ((data: string | ArrayBuffer) => void) | null) {
    const seen = (data: string | ArrayBuffer) => {
      if (typeof data !== 'string') return data;
      this.onMessage?.('in', data);
      return withCrlfHead(data);
    };
    (this.inner as unknown as { ondata: Handler }).ondata = fn ? ((data: string | ArrayBuffer) => fn(seen(data))) as never : null;
  }
}
