import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { placeCall } from '../../scripts/lab/caller';
import { RecordingsService } from '../../main/services/recordings';
import { crashPage, expect, test, type OpenAgent } from './support/frontdesk';
import { channelBetween, decodedSeconds, decodeRecording, recordingFiles, recordingRows } from './support/recordingFiles';
import { agentTone, expectFrontdesksHearEachOther, expectSoundBothWays, outsideTone } from './support/sound';
import { startWarmTransfer } from './support/transferSteps';

/**
 * Recording beyond one call: the journey of a caller through a warm transfer (segments on both
 * desks, one conversation), Frontdesk killed in the middle of a recording, retention, and where
 * the files go. Every check listens to the files (ffmpeg) or reads what the person sees.
 */

/** Reception (1000) answers an outside caller; both are heard. */
async function answeredOutsideCall(agents: OpenAgent) {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expectSoundBothWays(page, call, call.callId);
  return { reception, page, call, card };
}

const recordEverything = { defaultRegion: 'RU', recordingPolicy: 'all' as const };
const fixture = readFileSync(path.join(import.meta.dirname, '../../main/services/fixtures/stereo-440-1000.webm'));

test('a warm transfer with recording on both desks: the call and the consultation at reception, the consultation and the caller at Sales, all one conversation; reception stops recording when it drops out', async ({ agents }) => {
  const reception = await agents({ user: '1000', provisioning: { settings: recordEverything } });
  const sales = await agents({ user: '1001', provisioning: { settings: recordEverything } });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await expect(sales.registration).toHaveText(/Registered as 1001/);

  const call = placeCall({ from: '+74951234567', fromName: 'Ivan Petrov', to: '1000', followRefer: true });
  const name = 'Call from Ivan Petrov, +7 495 123 45 67';
  const card = reception.page.getByRole('article', { name });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, before the transfer');

  await startWarmTransfer(reception.page, name, 'Invoice question');
  const consultAtSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await consultAtSales.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales \(1001\)/);
  // The consultation is recorded on both desks, and the held caller's recording goes on (marked held).
  await expect(reception.page.getByRole('status', { name: 'Recording now' })).toHaveText('● Recording 2 calls');
  await expect(consultAtSales.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);

  await card.getByRole('button', { name: 'Complete transfer' }).click();
  const completedAt = Date.now();
  const transfer = await call.waitForTransfer(20_000);
  const taken = sales.page.getByRole('article', { name });
  await expect(taken).toContainText('Connected');
  // Reception dropped out: its recordings are over.
  await expect(reception.page.getByRole('status', { name: 'Recording now' })).toHaveCount(0);
  await expect(taken.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  await expectSoundBothWays(sales.page, call, transfer.newCallId, 'the transferred caller');
  await taken.getByRole('button', { name: 'Hang up' }).click();
  await expect(sales.page.getByRole('status', { name: 'Recording now' })).toHaveCount(0);

  // The files: two segments on each desk, in order, one conversation, each finished.
  const states = () => [...recordingRows(reception.host.dataDir), ...recordingRows(sales.host.dataDir)].map((r) => r.state);
  await expect.poll(states, { message: 'every segment is finished (duration and index written)' }).toEqual(['complete', 'complete', 'complete', 'complete']);
  const atReception = recordingRows(reception.host.dataDir);
  const atSales = recordingRows(sales.host.dataDir);
  expect(atReception.map((r) => r.segment)).toEqual(['call', 'consultation']);
  expect(atSales.map((r) => r.segment)).toEqual(['consultation', 'call']);
  expect(new Set([...atReception, ...atSales].map((r) => r.conversation_id)).size, 'one conversation id on both desks').toBe(1);
  const [receptionCall, receptionConsult] = atReception as [(typeof atReception)[number], (typeof atReception)[number]];
  expect(receptionCall.ended_ms!, "reception's recording ends when reception drops out").toBeLessThan(completedAt + 3000);

  const file = (r: (typeof atReception)[number]) => decodeRecording(path.join(r.folder, r.file_name));
  // Reception's call: the caller on the left, reception on the right, before the transfer began.
  const before = file(receptionCall);
  expect(channelBetween(before, 'left', 0.5, 2.5).toneHz, 'the caller, left').toBe(outsideTone);
  expect(channelBetween(before, 'right', 0.5, 2.5).toneHz, 'reception, right').toBe(agentTone);
  // The consultation: Sales and reception (both desks' microphones play 1 kHz), never the held caller.
  const consult = file(receptionConsult);
  const consultLeft = channelBetween(consult, 'left', consult.durationS! - 2.5, consult.durationS! - 0.5);
  expect(consultLeft.toneHz, 'Sales on the left of the consultation').toBe(agentTone);
  expect(channelBetween(consult, 'right', consult.durationS! - 2.5, consult.durationS! - 0.5).toneHz).toBe(agentTone);
  // Sales's call with the caller: the caller on the left, Sales on the right.
  const after = file(atSales[1]!);
  expect(channelBetween(after, 'left', after.durationS! - 2.0, after.durationS! - 0.3).toneHz, 'the caller at Sales, left').toBe(outsideTone);
  expect(channelBetween(after, 'right', after.durationS! - 2.0, after.durationS! - 0.3).toneHz, 'Sales, right').toBe(agentTone);

  // Played from History, the row's journey in order: the call, then the consultation.
  const handedOver = reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^Ivan Petrov, \+7 495 123 45 67: Incoming, Transferred, to Sales \(1001\)/ });
  await handedOver.getByRole('button', { name: /^Play recording/ }).click();
  const players = handedOver.getByRole('group', { name: /^Recording of / });
  await expect(players).toHaveCount(2);
  await expect(players.nth(0)).not.toContainText('Consultation');
  await expect(players.nth(1)).toContainText('Consultation');
  const takenRow = sales.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^Ivan Petrov, \+7 495 123 45 67: Incoming, Answered, handed over by Reception \(1000\)/ });
  await takenRow.getByRole('button', { name: /^Play recording/ }).click();
  await expect(takenRow.getByRole('group', { name: /^Recording of / })).toHaveCount(2);
  await expect(takenRow.getByRole('group', { name: /^Recording of / }).nth(0)).toContainText('Consultation');
});

test('Frontdesk killed mid-recording (services kill -9, page crashed): the file plays up to the last second before the kill, and after the restart it is repaired and shown as interrupted', async ({ agents }) => {
  const { reception, page, call, card } = await answeredOutsideCall(agents);
  await page.keyboard.press('Alt+R');
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  await page.waitForTimeout(6500);

  const killedAt = Date.now();
  reception.host.process.kill('SIGKILL');
  crashPage(page);
  expect((await call.result).ended).toBe('remote-bye');

  // What is on disk, as it is: ffmpeg reads it to within a second of the kill.
  const [row] = recordingRows(reception.host.dataDir);
  expect(row!.state, 'nobody finished it').toBe('recording');
  const file = path.join(row!.folder, row!.file_name);
  const recordedS = (killedAt - row!.started_ms) / 1000;
  const onDisk = decodedSeconds(file);
  console.log(`kill -9 after ${recordedS.toFixed(2)} s of recording: ${onDisk.toFixed(2)} s of audio on disk`);
  expect(onDisk, `${onDisk.toFixed(2)} s of ${recordedS.toFixed(2)} s survived`).toBeGreaterThan(recordedS - 1);
  const raw = decodeRecording(file);
  expect(channelBetween(raw, 'left', 1, 3).toneHz, 'the caller, left').toBe(outsideTone);
  expect(channelBetween(raw, 'right', 1, 3).toneHz, 'the agent, right').toBe(agentTone);

  // Started again: repaired (a duration ffprobe reads) and marked interrupted, in History with its player.
  const again = await agents({ user: '1000', restartOf: reception.host });
  await expect(again.registration).toHaveText(/Registered as 1000/);
  const [repaired] = recordingRows(again.host.dataDir);
  expect(repaired!.state).toBe('interrupted');
  const probed = decodeRecording(file).durationS;
  expect(probed, 'ffprobe reads a duration after the repair').not.toBeNull();
  expect(Math.abs(probed! - recordedS), `repaired ${probed} s, recorded ${recordedS} s`).toBeLessThan(1);
  const row2 = again.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Interrupted \(Frontdesk stopped\)/ });
  await row2.getByRole('button', { name: /^Play recording/ }).click();
  await expect(row2.getByRole('group', { name: /^Recording of / })).toContainText('interrupted (Frontdesk stopped)');
});

test('retention at start deletes the recordings older than the setting and says which; newer ones stay', async ({ agents }) => {
  const day = 86_400_000;
  const names: Record<'old' | 'recent', string> = { old: '', recent: '' };
  const reception = await agents({
    user: '1000',
    provisioning: { settings: { defaultRegion: 'RU', recordingRetentionDays: 30 }, locked: ['recordingRetentionDays'] },
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const service = new RecordingsService(path.join(dataDir, 'recordings.db'), () => path.join(dataDir, 'recordings'));
      for (const [key, ageDays] of [['old', 45], ['recent', 10]] as const) {
        const startedAt = new Date(Date.now() - ageDays * day).toISOString();
        const r = service.begin({ localUser: '1000', sipCallId: `seed-${key}@lab`, conversationId: `conv-${key}`, direction: 'inbound', remoteNumber: '+74951234567', remoteName: null, segment: 'call', byPolicy: false, startedAt });
        service.append({ id: r.id, seq: 0, data: fixture.toString('base64') });
        service.end({ id: r.id, endedAt: new Date(Date.parse(startedAt) + 5000).toISOString(), marks: [] });
        names[key] = r.fileName;
      }
      service.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const notice = reception.page.getByRole('status', { name: 'Recording retention' });
  await expect(notice).toContainText('Retention deleted 1 recording older than 30 days.');
  await notice.getByText('Which').click();
  await expect(notice.getByRole('listitem')).toHaveText([names.old]);
  const folder = path.join(reception.host.dataDir, 'recordings');
  expect(existsSync(path.join(folder, names.old))).toBe(false);
  expect(existsSync(path.join(folder, names.recent))).toBe(true);
  await notice.getByRole('button', { name: 'Dismiss the retention notice' }).click();
  await expect(notice).toHaveCount(0);
  // The setting is the administrator's: shown, not changeable.
  await reception.page.getByRole('button', { name: 'Settings' }).click();
  await expect(reception.page.getByLabel(/^Delete recordings older than/)).toBeDisabled();
  await expect(reception.page.getByLabel(/^Delete recordings older than/)).toHaveValue('30');
});

test('the recordings folder is chosen in Settings: a path nobody can use is refused with the reason and nothing changes; a good one receives the next recording', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  await page.getByRole('button', { name: 'Settings' }).click();
  const blocker = path.join(reception.host.dataDir, 'not-a-folder');
  writeFileSync(blocker, 'x');
  const folderField = page.getByLabel(/^Recordings folder/);
  await folderField.fill(path.join(blocker, 'calls'));
  await folderField.press('Enter');
  await expect(page.getByRole('alert')).toContainText('part of that path is a file');
  await expect(folderField).toHaveValue(path.join(blocker, 'calls')); // what was typed stays, to be corrected
  const chosen = path.join(reception.host.dataDir, 'office-recordings');
  await folderField.fill(chosen);
  await folderField.press('Enter');
  await expect(page.getByRole('alert')).toHaveCount(0);
  // Policy from the keyboard: every call is recorded from now on.
  await page.getByLabel('Record', { exact: true }).selectOption('Every call');

  const call = placeCall({ from: '+74951234567', to: '1000', hangupAfterMs: 5000 });
  const card = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  expect((await call.result).ended).toBe('local-bye');
  await expect(page.getByRole('status', { name: 'Recording now' })).toHaveCount(0);
  const [row] = recordingRows(reception.host.dataDir);
  expect(row!.folder).toBe(chosen);
  expect(existsSync(path.join(chosen, row!.file_name))).toBe(true);
  expect(recordingFiles(reception.host.dataDir)).toEqual([]); // (not in the default folder)
});

test('Mute while recording: the agent’s channel is silent as long as the caller hears nothing, the caller’s channel goes on', async ({ agents }) => {
  const { reception, page, card } = await answeredOutsideCall(agents);
  await card.getByRole('button', { name: 'Record' }).click();
  await expect(card.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  const [row] = await expect.poll(() => recordingRows(reception.host.dataDir)).toHaveLength(1).then(() => recordingRows(reception.host.dataDir));
  await page.waitForTimeout(2500);
  await card.getByRole('button', { name: 'Mute' }).click();
  const mutedAt = Date.now();
  await page.waitForTimeout(3000);
  // (the times on either side of each click: on a loaded machine a click takes Playwright a while)
  const unmutingAt = Date.now();
  await card.getByRole('button', { name: 'Unmute' }).click();
  const unmutedAt = Date.now();
  await page.waitForTimeout(2500);
  await card.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(() => recordingRows(reception.host.dataDir)[0]?.state).toBe('complete');

  const rec = decodeRecording(path.join(row!.folder, row!.file_name));
  const at = (t: number) => (t - row!.started_ms) / 1000;
  const muted = [at(mutedAt) + 0.4, at(unmutingAt) - 0.2] as const;
  expect(channelBetween(rec, 'right', ...muted).rmsDbfs, 'muted: no agent').toBeLessThan(-55);
  expect(channelBetween(rec, 'left', ...muted).toneHz, 'muted: the caller goes on').toBe(outsideTone);
  expect(channelBetween(rec, 'right', 0.5, 2.0).toneHz, 'before Mute: the agent').toBe(agentTone);
  expect(channelBetween(rec, 'right', at(unmutedAt) + 0.5, at(unmutedAt) + 2.0).toneHz, 'after Unmute: the agent again').toBe(agentTone);
});
