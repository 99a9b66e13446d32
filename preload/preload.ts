import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelPrefix, type CallResult, type Transport } from '../common/contract';

/**
 * The one bridge's transport: `window.frontdeskTransport`, which only carries the contract's
 * channels; the renderer builds the domain-shaped API over it (renderer/src/bridge.ts). The
 * renderer never sees ipcRenderer. The API is built in the page, not here, so that a failed call's
 * error keeps what it says as data: an Error thrown across contextBridge keeps only its message.
 */
const transport: Transport = {
  invoke: (channel, input) => {
    if (!channel.startsWith(channelPrefix)) return Promise.resolve<CallResult>({ ok: false, error: { code: 'bad-channel', message: channel } });
    return ipcRenderer.invoke(channel, input) as Promise<CallResult>;
  },
  subscribe: (channel, listener) => {
    if (!channel.startsWith(channelPrefix)) return () => undefined;
    const handler = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, handler);
    return () => ipcRenderer.removeListener(channel, handler);
  },
};

contextBridge.exposeInMainWorld('frontdeskTransport', transport);
