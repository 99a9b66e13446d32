/**
 * What scripts/bench/answer-latency.ts installs in every page it measures (bundled by esbuild,
 * added as an init script, so it runs before any of the page's own code), the same for Frontdesk
 * and the bare JsSIP page: the measure is taken outside the app. It
 *  - stamps clicks on an "Answer" button with the page's clock, before the page's handler runs;
 *  - keeps the peer connections the page creates;
 *  - from such a click, polls their getStats every 5 ms until one shows inbound audio packets,
 *    and stamps that too;
 *  - in the same polls, stamps when an audio receiver first names a synchronization source
 *    (getSynchronizationSources: the caller's RTP has reached the page's playout). WebRTC keeps a
 *    getStats report for 50 ms (RTCStatsCollector's cache), so the getStats stamp can come up to
 *    50 ms after the audio; this one is not cached.
 */

export interface AnswerProbe {
  /** Clicks on an "Answer" button, page clock (ms since the epoch). */
  clicks: number[];
  /** When getStats first showed inbound audio packets after such a click, page clock. */
  inbound: number[];
  /** When an audio receiver first named a synchronization source after such a click, page clock. */
  plays: number[];
  /** The page's peer connections that are not closed. */
  pcs: RTCPeerConnection[];
}

declare global {
  interface Window {
    __answerProbe: AnswerProbe;
  }
}

const probe: AnswerProbe = { clicks: [], inbound: [], plays: [], pcs: [] };
window.__answerProbe = probe;
const now = () => performance.timeOrigin + performance.now();

const Native = window.RTCPeerConnection;
window.RTCPeerConnection = class extends Native {
  constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
    super(...args);
    probe.pcs.push(this);
  }
};

const hasInboundAudio = async (pc: RTCPeerConnection) =>
  [...(await pc.getStats()).values()].some((r: { type: string; kind?: string; packetsReceived?: number }) => r.type === 'inbound-rtp' && r.kind === 'audio' && (r.packetsReceived ?? 0) > 0);

const playsAudio = (pc: RTCPeerConnection) => pc.getReceivers().some((r) => r.track.kind === 'audio' && r.getSynchronizationSources().length > 0);

async function pollInbound(): Promise<void> {
  let stats = false;
  let plays = false;
  for (const until = now() + 10_000; now() < until && !(stats && plays); await new Promise((r) => setTimeout(r, 5))) {
    probe.pcs = probe.pcs.filter((pc) => pc.signalingState !== 'closed');
    if (!plays && probe.pcs.some(playsAudio)) {
      plays = true;
      probe.plays.push(now());
    }
    if (stats) continue;
    for (const pc of probe.pcs) {
      if (await hasInboundAudio(pc)) {
        stats = true;
        probe.inbound.push(now());
        break;
      }
    }
  }
}

window.addEventListener(
  'click',
  (e) => {
    const button = e.target instanceof Element ? e.target.closest('button') : null;
    if (button?.textContent?.trim() !== 'Answer') return;
    probe.clicks.push(now());
    void pollInbound();
  },
  true,
);
