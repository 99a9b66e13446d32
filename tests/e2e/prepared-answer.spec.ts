import type { Page } from '@playwright/test';
import { placeCall } from '../../scripts/lab/caller';
import { expect, microphoneTracks, test } from './support/frontdesk';
import { expectSoundBothWays } from './support/sound';

/**
 * A ringing call's answer is made while it rings (renderer/src/sip/engine.ts, `prepare`): the
 * microphone is opened then, but stays off the call until Answer, and is closed again when the
 * call ends without being answered.
 */

const first = { from: '+74951234567', label: 'Call from +7 495 123 45 67' };
const second = { from: '+74957654321', label: 'Call from +7 495 765 43 21' };

const live = (tracks: { readyState: string }[]) => tracks.filter((t) => t.readyState === 'live');

/** Waits until the page's open microphones are `expected` (each as { readyState, enabled }). */
const expectOpenMicrophones = (page: Page, expected: { readyState: 'live'; enabled: boolean }[], message: string) =>
  expect.poll(async () => live(await microphoneTracks(page)), { message }).toEqual(expected);
const prepared = { readyState: 'live', enabled: false } as const;
const talking = { readyState: 'live', enabled: true } as const;

/** A call from `from` rings at the page, and its answer is prepared (one more microphone open, off). */
async function ringsPrepared(page: Page, caller: { from: string; label: string }, options: { cancelAfterMs?: number } = {}) {
  const call = placeCall({ from: caller.from, to: '1000', ...options });
  const card = page.getByRole('article', { name: caller.label });
  await expect(card).toContainText('Incoming call');
  return { call, card };
}

test('a ringing call is answered with its prepared answer: the caller hears nothing of the agent before Answer, then audio flows both ways, and Hang up closes the microphone', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const { call, card } = await ringsPrepared(reception.page, first);
  // Prepared while it rings: the microphone is open, disabled, and sends nothing to the caller.
  await expectOpenMicrophones(reception.page, [prepared], 'the answer is prepared with the microphone');
  await new Promise((r) => setTimeout(r, 1500));
  expect(call.rtp().packetsIn, 'the caller receives nothing from the agent while it rings').toBe(0);

  await card.getByRole('button', { name: 'Answer', exact: true }).click();
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(reception.page, call, call.callId);
  expect(live(await microphoneTracks(reception.page))).toEqual([talking]);

  await card.getByRole('button', { name: 'Hang up' }).click();
  await expect(card).toContainText('You hung up');
  expect((await call.result).ended).toBe('remote-bye');
  await expectOpenMicrophones(reception.page, [], 'no microphone left open after the call');
});

test('a caller who gives up while it rings (CANCEL), and a call declined, leave no microphone open', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);

  const cancelled = await ringsPrepared(reception.page, first, { cancelAfterMs: 3000 });
  await expectOpenMicrophones(reception.page, [prepared], 'the answer is prepared');
  expect((await cancelled.call.result).ended).toBe('cancelled');
  await expect(cancelled.card).toContainText('Missed');
  await expectOpenMicrophones(reception.page, [], 'the cancelled call left no microphone open');
  expect(await microphoneTracks(reception.page)).toEqual([{ readyState: 'ended', enabled: false }]);

  const declined = await ringsPrepared(reception.page, second);
  await expectOpenMicrophones(reception.page, [prepared], 'the answer is prepared');
  await declined.card.getByRole('button', { name: 'Decline' }).click();
  expect((await declined.call.result).code).toBe(486);
  await expectOpenMicrophones(reception.page, [], 'the declined call left no microphone open');
});

test('two calls ringing at once each prepare; the one answered carries audio both ways, the other one, cancelled, closes its microphone', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const { call: a, card: cardA } = await ringsPrepared(reception.page, first, { cancelAfterMs: 8000 });
  const { call: b, card: cardB } = await ringsPrepared(reception.page, second);
  await expectOpenMicrophones(reception.page, [prepared, prepared], 'both answers are prepared');

  await cardB.getByRole('button', { name: 'Answer', exact: true }).click();
  await expect(cardB).toContainText('Connected');
  await expectSoundBothWays(reception.page, b, b.callId, 'the second caller');
  expect(a.rtp().packetsIn, 'the caller still ringing hears nothing of the agent').toBe(0);

  expect((await a.result).ended).toBe('cancelled');
  await expect(cardA).toContainText('Missed');
  await expectOpenMicrophones(reception.page, [talking], 'only the answered call keeps its microphone');

  await cardB.getByRole('button', { name: 'Hang up' }).click();
  await expectOpenMicrophones(reception.page, [], 'no microphone left open');
});
