import type { Page } from '@playwright/test';
import { measureAudio, testTones, type AudioMeasure } from '../../../scripts/lab/audio';
import { heardWindowMs, type RtpStats } from '../../../scripts/lab/media';
import { expect, mediaStats } from './frontdesk';

/**
 * Listening, not counting packets: what each side of a call actually hears.
 *
 * - An outside party (SIPp caller, desk phone, gateway) decodes the G.711 it receives and
 *   measures its last second (`rtp().heard`, scripts/lab/media.ts).
 * - A Frontdesk page is heard where its user hears it: the `<audio>` element that plays the call,
 *   tapped with an AnalyserNode; the element must be playing, unmuted, with its volume up.
 *
 * Every Frontdesk in the tests speaks `testTones.agent` (1 kHz, Chromium's fake microphone plays
 * it, see scripts/chromium.ts); every lab party speaks `testTones.outside` (440 Hz).
 */
export const agentTone = testTones.agent;
export const outsideTone = testTones.outside;

const describe = (m: AudioMeasure | null) =>
  !m || m.samples === 0 ? 'nothing' : m.toneHz === null ? `silence (${m.rmsDbfs.toFixed(0)} dBFS)` : `${m.toneHz} Hz at ${m.rmsDbfs.toFixed(0)} dBFS (${Math.round(m.toneShare * 100)}% of the energy)`;

/** The tone is there: clearly above silence, dominant, and at least half a second of it. */
export function carriesTone(m: AudioMeasure | null, hz: number): boolean {
  return !!m && m.seconds >= 0.5 && m.toneHz !== null && Math.abs(m.toneHz - hz) <= 20 && m.toneShare >= 0.5 && m.rmsDbfs >= -45;
}

/** Nothing audible: no audio at all, or audio below -55 dBFS (packets of silence). */
export const isSilent = (m: AudioMeasure | null): boolean => !m || m.samples === 0 || m.rmsDbfs < -55;

/**
 * How far back a measurement reaches: the lab measures the last second it received, a page's tap
 * the last 32768 samples (0.68 s at 48 kHz). A check starts reading only once that much time has
 * passed, so what it hears all came after the action it checks (a sound from before a hold does
 * not pass for the sound after the resume).
 */
const partyWindowMs = heardWindowMs;
const pageWindowMs = 700;

async function waitUntil(
  read: () => Promise<AudioMeasure | null>,
  ok: (m: AudioMeasure | null) => boolean,
  what: string,
  timeoutMs: number,
  windowMs: number,
): Promise<AudioMeasure | null> {
  await new Promise((r) => setTimeout(r, windowMs + 50));
  const deadline = Date.now() + timeoutMs;
  let last: AudioMeasure | null = null;
  for (;;) {
    last = await read();
    if (ok(last) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(ok(last), `${what}; heard ${describe(last)}`).toBe(true);
  return last;
}

/** An outside party (anything with the lab's `rtp()`): waits until it hears `toneHz`. */
export function expectPartyHears(party: { rtp(): RtpStats }, toneHz: number, what: string, timeoutMs = 15_000) {
  return waitUntil(async () => party.rtp().heard, (m) => carriesTone(m, toneHz), what, timeoutMs, partyWindowMs);
}

/** An outside party waits until it hears the agent's voice. */
export function expectPartyHearsAgent(party: { rtp(): RtpStats }, what = 'the outside party hears the agent', timeoutMs = 15_000) {
  return expectPartyHears(party, agentTone, what, timeoutMs);
}

/** An outside party hears nothing audible from the desk (a held or muted call). */
export function expectPartyHearsSilence(party: { rtp(): RtpStats }, what = 'the outside party hears nothing', timeoutMs = 15_000) {
  return waitUntil(async () => party.rtp().heard, isSilent, what, timeoutMs, partyWindowMs);
}

interface PagePlayback {
  callId: string;
  playing: boolean;
  rate: number;
  samples: number[];
}

/** What each call's audio element on the page is playing now (the last ~0.7 s), per engine call id. */
async function pagePlayback(page: Page): Promise<PagePlayback[]> {
  return page.evaluate(() => {
    interface Tap {
      stream: MediaStream;
      analyser: AnalyserNode;
      since: number;
    }
    const w = window as unknown as { __frontdeskTestTaps?: { ctx: AudioContext; taps: WeakMap<HTMLAudioElement, Tap> } };
    w.__frontdeskTestTaps ??= { ctx: new AudioContext(), taps: new WeakMap() };
    const { ctx, taps } = w.__frontdeskTestTaps;
    void ctx.resume();
    const out: { callId: string; playing: boolean; rate: number; samples: number[] }[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLAudioElement>('audio[data-call-id]'))) {
      const stream = el.srcObject;
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) continue;
      let tap = taps.get(el);
      if (!tap || tap.stream !== stream) {
        const analyser = ctx.createAnalyser();
        analyser.fftSize = 32768;
        ctx.createMediaStreamSource(stream).connect(analyser);
        tap = { stream, analyser, since: ctx.currentTime };
        taps.set(el, tap);
      }
      const buf = new Float32Array(tap.analyser.fftSize);
      tap.analyser.getFloatTimeDomainData(buf);
      // Before the tap existed the analyser holds zeros: only what it heard since counts.
      const fresh = Math.max(0, Math.min(buf.length, Math.floor((ctx.currentTime - tap.since) * ctx.sampleRate)));
      out.push({
        callId: el.dataset.callId ?? '',
        playing: !el.paused && !el.muted && el.volume > 0,
        rate: ctx.sampleRate,
        samples: Array.from(buf.subarray(buf.length - fresh)),
      });
    }
    return out;
  });
}

/**
 * What the agent hears on a call: its audio element's sound (null when the element is missing,
 * paused, muted or at volume 0: the agent hears nothing then). `sipCallId` picks the call; without
 * it, the page's only live call.
 */
export async function pageHears(page: Page, sipCallId?: string): Promise<AudioMeasure | null> {
  const stats = await mediaStats(page);
  const row = sipCallId ? stats.find((s) => s.sipCallId === sipCallId) : stats.length === 1 ? stats[0] : undefined;
  if (!row) return null;
  const el = (await pagePlayback(page)).find((p) => p.callId === row.callId);
  if (!el || !el.playing) return null;
  return measureAudio(el.samples, el.rate);
}

/** Waits until the agent on `page` hears `toneHz` on the call (by default the outside caller's 440 Hz). */
export function expectAgentHears(page: Page, options: { toneHz?: number; sipCallId?: string; what?: string; timeoutMs?: number } = {}) {
  const hz = options.toneHz ?? outsideTone;
  return waitUntil(() => pageHears(page, options.sipCallId), (m) => carriesTone(m, hz), options.what ?? `the agent hears ${hz} Hz`, options.timeoutMs ?? 15_000, pageWindowMs);
}

/** The agent on `page` hears nothing audible on the call (the far end is muted or holding). */
export function expectAgentHearsSilence(page: Page, what = 'the agent hears nothing', options: { sipCallId?: string; timeoutMs?: number } = {}) {
  return waitUntil(() => pageHears(page, options.sipCallId), isSilent, what, options.timeoutMs ?? 15_000, pageWindowMs);
}

/** Both ways between a Frontdesk and an outside party: the party hears the agent and the agent hears the party. */
export async function expectSoundBothWays(page: Page, party: { rtp(): RtpStats }, sipCallId?: string, who = 'the caller') {
  await expectPartyHearsAgent(party, `${who} hears the agent`);
  await expectAgentHears(page, { sipCallId, what: `the agent hears ${who}` });
}

/** Two Frontdesks on one call (the one whose SIP Call-ID both pages have): each hears the other's voice. */
export async function expectFrontdesksHearEachOther(a: Page, b: Page, names: [string, string] = ['the first agent', 'the second agent']) {
  let shared: string | undefined;
  await expect
    .poll(
      async () => {
        const [ra, rb] = await Promise.all([mediaStats(a), mediaStats(b)]);
        shared = ra.map((r) => r.sipCallId).find((id) => rb.some((r) => r.sipCallId === id));
        return shared;
      },
      { message: `${names[0]} and ${names[1]} are on one call` },
    )
    .toBeDefined();
  await expectAgentHears(a, { toneHz: agentTone, sipCallId: shared, what: `${names[0]} hears ${names[1]}` });
  await expectAgentHears(b, { toneHz: agentTone, sipCallId: shared, what: `${names[1]} hears ${names[0]}` });
}
