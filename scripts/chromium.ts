import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pcm16Wav, sine, testTones } from './lab/audio';

/**
 * How Frontdesk's tests, demo and benchmarks start Debian's Chromium (never a downloaded browser).
 * `--allow-loopback-in-peer-connection` is what lets WebRTC carry audio over 127.0.0.1 inside the
 * lab's loopback-only namespace: without it no audio flows at all.
 */
export const chromiumPath = process.env.FRONTDESK_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The agent's "voice" for a fake microphone: a steady tone (`testTones.agent`, 1 kHz), so a test
 * can tell at the far end that what it hears is the agent (Chromium's default fake device beeps
 * at 400 Hz for a moment every half second). Written once into the temp folder.
 */
export function agentVoiceFile(): string {
  const file = path.join(os.tmpdir(), `frontdesk-agent-voice-${testTones.agent}hz.wav`);
  if (!fs.existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, pcm16Wav(sine(testTones.agent, 48_000, 2, 0.5), 48_000));
    fs.renameSync(tmp, file);
  }
  return file;
}

export function chromiumArgs({ fakeMedia }: { fakeMedia: boolean }): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--disable-background-networking',
    '--disable-component-update',
    ...(fakeMedia ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${agentVoiceFile()}`] : []),
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ];
}
