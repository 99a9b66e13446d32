import { BRIDGE_TOKEN_META, BRIDGE_TOKEN_PARAM } from '../../common/bridgeToken';
import { answerWithinMs, buildApi, type CallResult, type FrontdeskApi, type Transport } from '../../common/contract';
import { i18n } from './i18n';

declare global {
  interface Window {
    /** Set by the Electron preload (IPC over the contract's channels); absent when the page is served by the browser host. */
    frontdeskTransport?: Transport;
  }
}

/**
 * The contract over the browser host's WebSocket. Calls made while the socket reconnects wait for it;
 * a call that gets no answer in time (15 s; the contract gives slow reports longer) fails with a
 * message the person can read.
 */
function webSocketTransport(url: string): Transport {
  let ws: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: CallResult) => void; timer: ReturnType<typeof setTimeout> }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const connect = (): Promise<WebSocket> =>
    (ready ??= new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.onopen = () => {
        ws = socket;
        resolve(socket);
      };
      socket.onerror = () => reject(new Error(i18n.t('bridge.unreachable')));
      socket.onclose = () => {
        ws = null;
        ready = null;
        for (const [id, p] of pending) {
          clearTimeout(p.timer);
          p.resolve({ ok: false, error: { code: 'failed', message: i18n.t('bridge.lost') } });
          pending.delete(id);
        }
        setTimeout(() => void connect().catch(() => undefined), 1000);
      };
      socket.onmessage = (ev) => {
        let frame: { t?: string; id?: number; result?: CallResult; channel?: string; payload?: unknown };
        try {
          frame = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        if (frame.t === 'result' && typeof frame.id === 'number') {
          const p = pending.get(frame.id);
          if (p && frame.result) {
            clearTimeout(p.timer);
            pending.delete(frame.id);
            p.resolve(frame.result);
          }
        } else if (frame.t === 'event' && typeof frame.channel === 'string') {
          for (const l of listeners.get(frame.channel) ?? []) l(frame.payload);
        }
      };
    }));

  return {
    async invoke(channel, input) {
      const socket = ws ?? (await connect());
      const id = nextId++;
      return new Promise<CallResult>((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'failed', message: i18n.t('bridge.noAnswer') } });
        }, answerWithinMs(channel));
        pending.set(id, { resolve, timer });
        socket.send(JSON.stringify({ t: 'call', id, channel, input }));
      });
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      void connect().catch(() => undefined);
      return () => set.delete(listener);
    },
  };
}

/** The one bridge: over Electron's preload transport when present, else the browser host's WebSocket. */
export function getFrontdeskApi(): FrontdeskApi {
  if (window.frontdeskTransport) return buildApi(window.frontdeskTransport);
  const url = new URL('/bridge', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  // The host's per-launch token, which it put in this page: the WebSocket is refused without it.
  const token = document.querySelector<HTMLMetaElement>(`meta[name="${BRIDGE_TOKEN_META}"]`)?.content ?? '';
  url.searchParams.set(BRIDGE_TOKEN_PARAM, token);
  return buildApi(webSocketTransport(url.toString()));
}
