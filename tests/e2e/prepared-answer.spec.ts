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

test('a ringing call is answered with its prepared answer: the caller hears nothing of the agent before Answer, then audio flows both ways, and Hang up closes the microphone', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: first.from, to: '1000' });
  const card = reception.page.getByRole('article', { name: first.label });
  await expect(card).toContainText('Incoming call');

  // Prepared while it rings: the microphone is open, disabled, and sends nothing to the caller.
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'the answer is prepared with the microphone' }).toEqual([{ readyState: 'live', enabled: false }]);
  await new Promise((r) => setTimeout(r, 1500));
  expect(call.rtp().packetsIn, 'the caller receives nothing from the agent while it rings').toBe(0);

  await card.getByRole('button', { name: 'Answer', exact: true }).click();
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(reception.page, call, call.callId);
  expect(live(await microphoneTracks(reception.page))).toEqual([{ readyState: 'live', enabled: true }]);

  await card.getByRole('button', { name: 'Hang up' }).click();
  await expect(card).toContainText('You hung up');
  expect((await call.result).ended).toBe('remote-bye');
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'no microphone left open after the call' }).toEqual([]);
});

test('a caller who gives up while it rings (CANCEL), and a call declined, leave no microphone open', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);

  const cancelled = placeCall({ from: first.from, to: '1000', cancelAfterMs: 3000 });
  const card = reception.page.getByRole('article', { name: first.label });
  await expect(card).toContainText('Incoming call');
  await expect.poll(async () => live(await microphoneTracks(reception.page)).length, { message: 'the answer is prepared' }).toBe(1);
  expect((await cancelled.result).ended).toBe('cancelled');
  await expect(card).toContainText('Missed');
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'the cancelled call left no microphone open' }).toEqual([]);
  expect((await microphoneTracks(reception.page)).length).toBeGreaterThanOrEqual(1);

  const declined = placeCall({ from: second.from, to: '1000' });
  const card2 = reception.page.getByRole('article', { name: second.label });
  await expect(card2).toContainText('Incoming call');
  await expect.poll(async () => live(await microphoneTracks(reception.page)).length, { message: 'the answer is prepared' }).toBe(1);
  await card2.getByRole('button', { name: 'Decline' }).click();
  expect((await declined.result).code).toBe(486);
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'the declined call left no microphone open' }).toEqual([]);
});

test('two calls ringing at once each prepare; the one answered carries audio both ways, the other one, cancelled, closes its microphone', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const a = placeCall({ from: first.from, to: '1000', cancelAfterMs: 8000 });
  const cardA = reception.page.getByRole('article', { name: first.label });
  await expect(cardA).toContainText('Incoming call');
  const b = placeCall({ from: second.from, to: '1000' });
  const cardB = reception.page.getByRole('article', { name: second.label });
  await expect(cardB).toContainText('Incoming call');
  await expect
    .poll(async () => live(await microphoneTracks(reception.page)), { message: 'both answers are prepared' })
    .toEqual([
      { readyState: 'live', enabled: false },
      { readyState: 'live', enabled: false },
    ]);

  await cardB.getByRole('button', { name: 'Answer', exact: true }).click();
  await expect(cardB).toContainText('Connected');
  await expectSoundBothWays(reception.page, b, b.callId, 'the second caller');
  expect(a.rtp().packetsIn, 'the caller still ringing hears nothing of the agent').toBe(0);

  expect((await a.result).ended).toBe('cancelled');
  await expect(cardA).toContainText('Missed');
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'only the answered call keeps its microphone' }).toEqual([{ readyState: 'live', enabled: true }]);

  await cardB.getByRole('button', { name: 'Hang up' }).click();
  await expect.poll(async () => live(await microphoneTracks(reception.page)), { message: 'no microphone left open' }).toEqual([]);
});
