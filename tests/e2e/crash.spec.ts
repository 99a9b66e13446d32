import type { Page } from '@playwright/test';
import { placeCall } from '../../scripts/lab/caller';
import { expect, test } from './support/frontdesk';
import { expectSoundBothWays } from './support/sound';

/**
 * Frontdesk dies in the middle of a call (kill -9 of the services, a crashed page): the caller is
 * not left on a dead line, and when Frontdesk starts again on the same data folder the call is in
 * the history as interrupted, its wrap-up waits, and the notes typed before the crash are there.
 */

const label = 'Call from +7 495 123 45 67';
const notes = 'Звонил по счёту 4711, просил перезвонить после обеда';

/** Answers an outside call, opens "Wrap up now" and types notes; returns the caller. */
async function talkAndTakeNotes(page: Page) {
  const call = placeCall({ from: '+74951234567', to: '1000' });
  const card = page.getByRole('article', { name: label });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(page, call, call.callId);
  await page.getByRole('button', { name: 'Wrap up now' }).click();
  await page.getByLabel('Notes').fill(notes);
  // (what is typed goes to the services a moment after the last key)
  await page.waitForTimeout(1000);
  return call;
}

/** Crashes the page's renderer process, as a crash would (no pagehide, no BYE). */
function crashPage(page: Page) {
  void page
    .context()
    .newCDPSession(page)
    .then((cdp) => cdp.send('Page.crash'))
    .catch(() => undefined);
}

async function expectInterruptedWithNotes(page: Page) {
  const history = page.getByRole('list', { name: 'Call history' });
  await expect(history.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Interrupted \(Frontdesk stopped\)/ })).toBeVisible();
  const pending = page.getByRole('region', { name: 'Wrap-up pending' });
  await expect(pending).toContainText('draft kept');
  await pending.getByRole('button', { name: 'Wrap up: +7 495 123 45 67' }).click();
  await expect(page.getByRole('form', { name: 'Wrap-up: +7 495 123 45 67' }).getByLabel('Notes')).toHaveValue(notes);
}

test('the whole of Frontdesk is killed mid-call (services kill -9, page crashed): the caller gets a BYE, and after a restart the call is interrupted in the history with the typed notes waiting', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = await talkAndTakeNotes(reception.page);

  reception.host.process.kill('SIGKILL');
  crashPage(reception.page);
  // The PBX ends the call of a desk whose connection is gone: no dead line for the caller.
  expect((await call.result).ended).toBe('remote-bye');

  const again = await agents({ user: '1000', restartOf: reception.host });
  await expect(again.registration).toHaveText(/Registered as 1000/);
  await expectInterruptedWithNotes(again.page);
});

test('only the page crashes mid-call: the caller gets a BYE, and the page opened again shows the call interrupted and the notes kept', async ({ agents, browser }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = await talkAndTakeNotes(reception.page);

  crashPage(reception.page);
  expect((await call.result).ended).toBe('remote-bye');

  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(reception.host.url);
    await expect(page.getByRole('status', { name: 'Registration' })).toHaveText(/Registered as 1000/);
    await expectInterruptedWithNotes(page);
    await page.goto('about:blank');
  } finally {
    await context.close();
  }
});
