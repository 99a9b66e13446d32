import { placeCall } from '../../scripts/lab/caller';
import { startKamailio, stopKamailio } from '../../scripts/lab/lab';
import { expect, mediaStats, test } from './support/frontdesk';
import { expectFrontdesksHearEachOther, expectSoundBothWays } from './support/sound';

test('an outside caller rings reception, is answered with audio both ways and hung up on both sides', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);

  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = reception.page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(card).toContainText('Incoming call');
  await expect(card.getByRole('button', { name: 'Decline' })).toBeVisible();

  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');

  // Sound both ways: the caller hears the agent's voice, and the agent's speaker plays the caller's.
  await expectSoundBothWays(reception.page, call, call.callId);

  await card.getByRole('button', { name: 'Hang up' }).click();
  await expect(card).toContainText('You hung up');
  const outcome = await call.result;
  expect(outcome.ended).toBe('remote-bye');
  expect(await mediaStats(reception.page)).toEqual([]);
});

test('reception calls sales, sales answers, both hear each other, and the caller hangs up', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  const sales = await agents({ user: '1001' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await expect(sales.registration).toHaveText(/Registered as 1001/);

  await reception.page.getByLabel('Number or extension').fill('1001');
  await reception.page.getByLabel('Number or extension').press('Enter');
  const outgoing = reception.page.getByRole('article', { name: 'Call to 1001' });
  await expect(outgoing).toContainText('Ringing');

  const incoming = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await expect(incoming).toContainText('Incoming call');
  await incoming.getByRole('button', { name: 'Answer' }).click();
  await expect(incoming).toContainText('Connected');
  await expect(outgoing).toContainText('Connected');

  const [a, b] = await Promise.all([mediaStats(reception.page), mediaStats(sales.page)]);
  expect(a[0]?.sipCallId).toBe(b[0]?.sipCallId);
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);

  await outgoing.getByRole('button', { name: 'Hang up' }).click();
  await expect(outgoing).toContainText('You hung up');
  await expect(incoming).toContainText('The other side hung up');
});

test('the callee can end a call between two Frontdesks too', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  const sales = await agents({ user: '1001' });
  await expect(sales.registration).toHaveText(/Registered as 1001/);
  await expect(reception.registration).toHaveText(/Registered as 1000/);

  await sales.page.getByLabel('Number or extension').fill('1000');
  await sales.page.getByRole('button', { name: 'Call', exact: true }).click();
  const incoming = reception.page.getByRole('article', { name: 'Call from Sales, 1001' });
  await incoming.getByRole('button', { name: 'Answer' }).click();
  await expect(incoming).toContainText('Connected');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);
  await incoming.getByRole('button', { name: 'Hang up' }).click();
  await expect(sales.page.getByRole('article', { name: 'Call to 1000' })).toContainText('The other side hung up');
});

test('a wrong password shows a specific registration error', async ({ agents }) => {
  const reception = await agents({ user: '1000', provisioning: { account: { user: '1000', password: 'not-the-password', domain: 'lab.frontdesk.test', wsUrl: 'ws://127.0.0.1:8080', registerExpires: 600 } } });
  await expect(reception.registration).toHaveText(/Not registered: wrong user name or password/);
});

test('when the PBX goes away the agent sees "not registered", and it re-registers when the PBX is back', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await stopKamailio();
  try {
    await expect(reception.registration).toHaveText(/Not registered/);
  } finally {
    await startKamailio();
  }
  await expect(reception.registration).toHaveText(/Registered as 1000/, { timeout: 30_000 });
  // And it really is registered again: a call reaches it.
  const call = placeCall({ from: '+74951234567', to: '1000', cancelAfterMs: 4000 });
  await expect(reception.page.getByRole('article', { name: 'Call from +7 495 123 45 67' })).toContainText('Incoming call');
  await call.result;
});

test('after the PBX was away for a whole minute, Frontdesk registers again once it is back and takes calls (npm run bench:reconnect measures how soon)', async ({ agents }) => {
  test.setTimeout(180_000);
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await stopKamailio();
  try {
    await expect(reception.registration).toHaveText(/Not registered/);
    await new Promise((r) => setTimeout(r, 60_000));
  } finally {
    await startKamailio();
  }
  await expect(reception.registration).toHaveText(/Registered as 1000/, { timeout: 30_000 });
  const call = placeCall({ from: '+74951234567', to: '1000', cancelAfterMs: 3000 });
  await expect(reception.page.getByRole('article', { name: 'Call from +7 495 123 45 67' })).toContainText('Incoming call');
  await call.result;
});

test('a malformed provisioning file is reported field by field and nothing of it is applied', async ({ agents }) => {
  const agent = await agents({
    user: '1000',
    rawProvisioning: JSON.stringify({ version: 1, account: { user: '1000', password: '', domain: 'lab.frontdesk.test', wsUrl: 'http://127.0.0.1:8080' } }),
  });
  const alert = agent.page.getByRole('alert', { name: 'Provisioning problem' });
  await expect(alert).toContainText('account.password: must not be empty');
  await expect(alert).toContainText('account.wsUrl: must start with ws:// or wss://');
  await expect(alert).toContainText('Nothing from it was applied');
  await expect(agent.registration).toHaveText(/Not registered: no SIP account/);
});
