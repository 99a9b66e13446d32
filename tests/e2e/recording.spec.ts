import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pcm16Wav, sine } from '../../scripts/lab/audio';
import { placeCall } from '../../scripts/lab/caller';
import { expect, test } from './support/frontdesk';
import { channelBetween, decodeRecording, recordingFiles } from './support/recordingFiles';
import { agentTone, expectPartyHears, expectPartyHearsAgent, expectSoundBothWays, outsideTone } from './support/sound';

/**
 * Recording, listened to: the file's left channel must carry the caller (the lab's 440 Hz), its
 * right channel the agent (the fake microphone's 1 kHz); paused and held stretches must be silent;
 * its duration must be the call's.
 */

const label = 'Call from +7 495 123 45 67';

test('Record, Pause, Resume, Hold, Resume, hang up: a stereo file with the caller on the left and the agent on the right, silent where paused and held, as long as the call, playable from History', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = page.getByRole('article', { name: label });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(page, call, call.callId);

  const startedAt = Date.now();
  await card.getByRole('button', { name: 'Record' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText(/● Recording/);
  await expect(page.getByRole('status', { name: 'Recording now' })).toHaveText('● Recording 1 call');
  await page.waitForTimeout(3000);
  await card.getByRole('button', { name: 'Pause recording' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('Recording paused');
  await page.waitForTimeout(2500);
  // The keyboard's way back: Alt+P.
  await page.keyboard.press('Alt+P');
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText(/● Recording/);
  await page.waitForTimeout(2500);
  await card.getByRole('button', { name: 'Hold' }).click();
  await expect(card).toContainText('On hold');
  await page.waitForTimeout(2500);
  await card.getByRole('button', { name: 'Resume' }).click();
  await expect(card).toContainText('Connected');
  await page.waitForTimeout(2500);
  await card.getByRole('button', { name: 'Hang up' }).click();
  const endedAt = Date.now();
  expect((await call.result).ended).toBe('remote-bye');

  // In History, with a player.
  const row = page.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Answered/ });
  await row.getByRole('button', { name: /^Play recording/ }).click();
  await expect(row.getByRole('group', { name: /^Recording of / })).toContainText(/0:1\d/);
  await expect(row.getByRole('group', { name: /^Recording of / })).toContainText('1 paused stretch');

  const [file] = recordingFiles(reception.host.dataDir);
  expect(file, 'the recording is in the recordings folder').toBeDefined();
  expect(file).toMatch(/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_in_\+74951234567_[0-9a-f]{8}\.webm$/);
  const rec = decodeRecording(file!);
  // Its duration is the recorded stretch of the call (Record → hang up), within half a second.
  expect(rec.durationS).not.toBeNull();
  expect(Math.abs(rec.durationS! - (endedAt - startedAt) / 1000)).toBeLessThan(0.5);
  // talking (0.5–2.5 s): caller left, agent right
  const talkL = channelBetween(rec, 'left', 0.5, 2.5);
  const talkR = channelBetween(rec, 'right', 0.5, 2.5);
  expect(talkL.toneHz, 'the caller is on the left').toBe(outsideTone);
  expect(talkR.toneHz, 'the agent is on the right').toBe(agentTone);
  expect(talkL.rmsDbfs).toBeGreaterThan(-40);
  expect(talkR.rmsDbfs).toBeGreaterThan(-40);
  // paused (about 3.5–5 s): both silent
  expect(channelBetween(rec, 'left', 3.6, 5.0).rmsDbfs, 'paused: no caller').toBeLessThan(-55);
  expect(channelBetween(rec, 'right', 3.6, 5.0).rmsDbfs, 'paused: no agent').toBeLessThan(-55);
  // after the resume (about 6–7.5 s): both again
  expect(channelBetween(rec, 'left', 6.2, 7.6).toneHz).toBe(outsideTone);
  expect(channelBetween(rec, 'right', 6.2, 7.6).toneHz).toBe(agentTone);
  // held (about 8.8–10.3 s): both silent
  expect(channelBetween(rec, 'left', 9.0, 10.2).rmsDbfs, 'held: no caller').toBeLessThan(-55);
  expect(channelBetween(rec, 'right', 9.0, 10.2).rmsDbfs, 'held: no agent').toBeLessThan(-55);
  // back from hold until the end: both
  expect(channelBetween(rec, 'left', rec.durationS! - 1.6, rec.durationS! - 0.3).toneHz).toBe(outsideTone);
  expect(channelBetween(rec, 'right', rec.durationS! - 1.6, rec.durationS! - 0.3).toneHz).toBe(agentTone);
});

test('policy "all calls" with a consent announcement: recording starts by itself, the caller hears the announcement first and then the agent, and the agent cannot stop it', async ({ agents }) => {
  // The office's own announcement: 1.5 s of 2 kHz, so what the caller hears can be told from the agent's 1 kHz.
  const announcement = path.join(mkdtempSync(path.join(tmpdir(), 'frontdesk-announcement-')), 'announcement.wav');
  writeFileSync(announcement, pcm16Wav(sine(2000, 16_000, 1.5, 0.5), 16_000));
  const reception = await agents({
    user: '1000',
    provisioning: {
      settings: { defaultRegion: 'RU', recordingPolicy: 'all', recordingConsent: 'announcement', recordingAnnouncementFile: announcement, recordingAgentMayStop: false },
      locked: ['recordingPolicy', 'recordingAgentMayStop'],
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = page.getByRole('article', { name: label });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording (required)');
  await expect(card.getByRole('button', { name: 'Stop recording' })).toHaveCount(0);
  await expect(card.getByRole('button', { name: 'Pause recording' })).toHaveCount(0);
  await page.keyboard.press('Alt+R'); // refused: the policy's recording goes on
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording (required)');
  await expectPartyHears(call, 2000, 'the caller hears the announcement', 5000);
  await expectPartyHearsAgent(call, 'then the caller hears the agent');
  await card.getByRole('button', { name: 'Hang up' }).click();
  await expect(page.getByRole('status', { name: 'Recording now' })).toHaveCount(0);
  expect(recordingFiles(reception.host.dataDir)).toHaveLength(1);
});
