import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AudioOut } from './audio';
import { getFrontdeskApi } from './bridge';
import { lookUpArrivingCaller, lookUpCallersAsTheyRing } from './callerLookup';
import { presentCalls } from './presentation';
import { CallReporter } from './callReporter';
import { watchConnectivity } from './connectivity';
import { followUpMissedWebLeads } from './leadFollowUps';
import { deliverMessages } from './messageCourier';
import { CallSession } from './session';
import { jssipVersion, SipEngine } from './sip/engine';
import { PageDiagnostics } from './diagnostics';
import { listenForHotkeys, platformOf } from './desktopKeys';
import { HeadsetLink, type HidLike } from './headset';
import { applyLanguage } from './i18n';
import { App } from './ui/App';
import { RecorderContext } from './ui/Recording';
import captureWorkletUrl from './recording/captureWorklet.ts?worker&url';
import { Recorder } from './recording/recorder';
import './styles.css';

const audio = new AudioOut();
audio.prepare();
const api = getFrontdeskApi();
// The recent SIP messages and the page's problems, for Export diagnostics (Settings).
const diagnostics = new PageDiagnostics(api.diagnostics, jssipVersion);
const engine = new SipEngine({
  playRemote: audio.playRemote,
  onIgnoredTransition: (detail) => console.debug(`[frontdesk] ${detail}`),
  onProblem: diagnostics.problem,
  onSipMessage: diagnostics.onSipMessage,
  // The caller's card is looked up as the INVITE arrives, while JsSIP reads it and sends its 180.
  onCallArriving: (number) => lookUpArrivingCaller(api, number),
});
const history = new CallReporter(engine, api, window.localStorage, diagnostics.problem);
followUpMissedWebLeads(engine, api, diagnostics.problem);
lookUpCallersAsTheyRing(engine, api);
// Messages taken for colleagues go out over SIP from here (the services keep the outbox).
deliverMessages(engine, api, diagnostics.problem);
const view = presentCalls(engine, api);
const recorder = new Recorder(engine, api, captureWorkletUrl);
// Starts the engine with the account, hands it the settings, rings, notifies, auto-answers; the
// window (and hotkeys, headset buttons, links) command calls through it.
const session = new CallSession({ engine, api, ringer: audio, calls: view });
session.start();
// The hotkeys also work while the window has the focus (the browser host has no global shortcuts).
listenForHotkeys(window, session, () => navigator.clipboard.readText(), platformOf(navigator));
// A headset's call buttons (WebHID): one already allowed is used at once; Settings connects another.
const headset = new HeadsetLink((navigator as Navigator & { hid?: HidLike }).hid, session, view, (message) => console.info(`[frontdesk] ${message}`));
void headset.start();
// The UI's language follows the setting ("auto": the OS's), switching at once when it changes.
session.subscribe(() => applyLanguage(session.getState().settings?.values.language ?? 'auto'));
applyLanguage('auto');

/** Read-only diagnostics for support staff and the end-to-end tests: media counters per call. */
Object.defineProperty(window, 'frontdeskDiagnostics', {
  value: Object.freeze({ mediaStats: () => engine.mediaStats(), snapshot: () => engine.getSnapshot() }),
});

// Back on the network, or awake after a sleep: reconnect now rather than at the next backoff step.
watchConnectivity(
  (why) => {
    console.info(`[frontdesk] ${why}: reconnecting to the PBX now`);
    engine.reconnectNow();
  },
  { window, connection: (navigator as Navigator & { connection?: EventTarget }).connection ?? null },
);

// Leaving or closing the page unregisters, so the PBX stops sending calls to a contact that is gone.
window.addEventListener('pagehide', () => engine.stop());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RecorderContext.Provider value={recorder}>
      <App api={api} engine={engine} session={session} view={view} history={history} desktop={{ diagnostics, headset, session }} />
    </RecorderContext.Provider>
  </StrictMode>,
);
