import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { buildApi, channelPrefix, type CallResult } from '../common/contract';

/**
 * The one bridge: a domain-shaped `window.frontdesk` built from the contract. The renderer never
 * sees ipcRenderer, and only the contract's channels can be used.
 */
const api = buildApi({
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
});

contextBridge.exposeInMainWorld('frontdesk', api);
