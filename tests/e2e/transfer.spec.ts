import type { Page } from '@playwright/test';
import { placeCall, registerAsPhone } from '../../scripts/lab/caller';
import { expect, test, type Agent } from './support/frontdesk';
import {
  expectAgentHearsSilence,
  expectFrontdesksHearEachOther,
  expectPartyHears,
  expectPartyHearsSilence,
  expectSoundBothWays,
  outsideTone,
} from './support/sound';

/**
 * Warm and blind transfers against the real lab: JsSIP in Chromium on every Frontdesk side,
 * Kamailio relaying REFER, NOTIFY, MESSAGE and INVITE with Replaces, rtpengine carrying audio.
 * Every path ends by listening: who hears whom, and that a held caller hears nothing.
 */

async function openThree(agents: (o: { user: string }) => Promise<Agent>) {
  const [reception, sales] = [await agents({ user: '1000' }), await agents({ user: '1001' })];
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await expect(sales.registration).toHaveText(/Registered as 1001/);
  return { reception, sales };
}

/** An outside caller (+7 495 123-45-67, SIPp) rings 1000 and the receptionist answers. */
async function answerOutsideCall(page: Page, options: Omit<Parameters<typeof placeCall>[0], 'from' | 'to'> = {}) {
  const call = placeCall({ from: '+74951234567', to: '1000', ...options });
  const card = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');
  return { call, card };
}

/** On the receptionist's page: open Transfer on the call, pick Sales, write the reason, and call Sales. */
async function startWarmTransfer(page: Page, callName: string | RegExp, reason: string) {
  const card = page.getByRole('article', { name: callName });
  await card.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: /^Transfer / });
  await dialog.getByLabel('Colleague (name or extension)').fill('sal');
  await expect(dialog.getByText('Transfer to Sales (1001)')).toBeVisible();
  await dialog.getByLabel('Reason for the call').fill(reason);
  await dialog.getByLabel('Account or order numbers').fill('Order 4711');
  await dialog.getByRole('button', { name: 'Call colleague' }).click();
  await expect(dialog).toBeHidden();
  return card;
}

test('warm transfer between Frontdesks: the colleague sees the note and the card while it rings; after Complete the caller and the colleague talk and reception is idle', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  // The caller is a third Frontdesk (1002): it is the transferee, following the REFER with Replaces.
  const caller = await agents({ user: '1002' });
  await expect(caller.registration).toHaveText(/Registered as 1002/);

  await caller.page.getByLabel('Number or extension').fill('1000');
  await caller.page.getByLabel('Number or extension').press('Enter');
  const atReception = reception.page.getByRole('article', { name: 'Call from Accounting, 1002' });
  await atReception.getByRole('button', { name: 'Answer' }).click();
  await expect(atReception).toContainText('Connected');

  await expectFrontdesksHearEachOther(caller.page, reception.page, ['the caller', 'Reception']);
  const card = await startWarmTransfer(reception.page, 'Call from Accounting, 1002', 'Invoice question');
  await expect(card).toContainText('On hold');
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Calling Sales \(1001\); the caller is on hold/);

  // The colleague's Frontdesk: the note and the caller's identity before anyone answers.
  const consultAtSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await expect(consultAtSales).toContainText('Incoming call');
  const note = consultAtSales.getByRole('region', { name: 'Handoff note from Reception (1000)' });
  await expect(note).toContainText('Invoice question');
  await expect(note).toContainText('Order 4711');
  await expect(consultAtSales).toContainText('About Accounting, 1002');
  await consultAtSales.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales \(1001\)/);
  // Reception and Sales talk; the caller on hold hears none of it.
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);
  await expectAgentHearsSilence(caller.page, 'the held caller hears nothing of the consultation');

  await card.getByRole('button', { name: 'Complete transfer' }).click();

  // Reception drops out; the caller's new call to Sales takes the consultation's place.
  await expect(reception.page.getByRole('article', { name: 'Call from Accounting, 1002' })).toContainText('Transferred to Sales (1001)');
  await expect(reception.page.locator('article[data-phase]:not([data-phase="ended"])')).toHaveCount(0);
  const takenAtSales = sales.page.getByRole('article', { name: 'Call from Accounting, 1002' });
  await expect(takenAtSales).toContainText('Connected');
  await expect(takenAtSales.getByRole('region', { name: 'Handoff note from Reception (1000)' })).toContainText('Invoice question');
  await expect(takenAtSales).toContainText('transferred once');
  await expect(caller.page.getByRole('article', { name: 'Call to 1001' })).toContainText('Connected');
  await expectFrontdesksHearEachOther(caller.page, sales.page, ['the caller', 'Sales']);

  await takenAtSales.getByRole('button', { name: 'Hang up' }).click();
  await expect(caller.page.getByRole('article', { name: 'Call to 1001' })).toContainText('The other side hung up');

  // Both histories: one conversation, who handed over to whom, and the note.
  const receptionHistory = reception.page.getByRole('list', { name: 'Call history' });
  const handedOver = receptionHistory.getByRole('listitem', { name: /^Accounting, 1002: Incoming, Transferred, to Sales \(1001\)/ });
  await expect(handedOver).toBeVisible();
  await expect(handedOver).toContainText('Reason: Invoice question');
  const salesHistory = sales.page.getByRole('list', { name: 'Call history' });
  const taken = salesHistory.getByRole('listitem', { name: /^Accounting, 1002: Incoming, Answered, handed over by Reception \(1000\)/ });
  await expect(taken).toBeVisible();
  await expect(taken).toContainText('Ref: Order 4711');
});

test('the colleague declines: the caller is back with the agent, off hold, and a message can be taken', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page);

  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Delivery date');
  const consultAtSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await consultAtSales.getByRole('button', { name: 'Decline' }).click();

  // A person pressed Decline: it says so (with what the phone answered), not "busy".
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Sales declined the call \(486 Busy Here\)/);
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, back after the decline');
  await card.getByRole('button', { name: 'Take a message for Sales' }).click();
  const message = reception.page.getByRole('dialog', { name: 'Take a message for Sales (1001)' });
  await expect(message.getByLabel('What it is about')).toHaveValue('Delivery date; Order 4711');
  await message.getByLabel("The message, in the caller's words").fill('Please call back about the delivery');
  await message.getByRole('button', { name: 'Read back…' }).click();
  await message.getByRole('button', { name: 'The caller confirmed: save and send' }).click();
  await expect(message).toBeHidden();
  // Sales's Frontdesk has it in its inbox (not as a loose text message), and says so to reception.
  await expect(sales.page.getByRole('list', { name: 'Messages for you' }).getByRole('article', { name: 'Message from +7 495 123 45 67' })).toContainText('Delivery date; Order 4711');
  await expect(reception.page.getByRole('status', { name: 'Delivery of the message for Sales (1001)' })).toHaveText('Delivered');

  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
});

test('the agent cancels the transfer while the colleague talks: the consultation ends and the caller is resumed', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page);
  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Refund');
  await sales.page.getByRole('article', { name: 'Call from Reception, 1000' }).getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales/);
  await expectPartyHearsSilence(call, 'the held caller hears nothing of the consultation');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);

  await card.getByRole('button', { name: 'Cancel transfer' }).click();
  await expect(card).toContainText('Connected');
  await expect(card.getByRole('region', { name: 'Transfer' })).toHaveCount(0);
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('The other side hung up');
  // Off hold again: the caller hears the agent, and the agent the caller.
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, resumed');
  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
});

test('the agent cancels the transfer while the colleague still rings: the ringing stops and the caller is resumed', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page);
  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Delivery');
  const consultAtSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await expect(consultAtSales).toContainText('Incoming call');
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Calling Sales \(1001\); the caller is on hold/);
  await expectPartyHearsSilence(call, 'the held caller hears nothing while Sales rings');

  await card.getByRole('button', { name: 'Cancel transfer' }).click();
  await expect(card).toContainText('Connected');
  await expect(consultAtSales).toContainText('Missed');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, resumed');
  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
});

test('the colleague does not answer within the configured time: the caller comes back with an offer to take a message', async ({ agents }) => {
  const reception = await agents({ user: '1000', provisioning: { settings: { defaultRegion: 'RU', transferRingTimeoutS: 5 } } });
  const sales = await agents({ user: '1001' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await expect(sales.registration).toHaveText(/Registered as 1001/);
  const { call, card } = await answerOutsideCall(reception.page);
  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Contract');
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('Incoming call');

  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Sales did not answer \(No answer within 5 s\)/, { timeout: 15_000 });
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, back after no answer');
  await expect(card.getByRole('button', { name: 'Take a message for Sales' })).toBeVisible();
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('Missed');
  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
});

test('the caller hangs up during the consultation: nothing is left ringing and the history says so', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page);
  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Complaint');
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('Incoming call');

  await call.stop();
  await expect(card).toContainText('The other side hung up');
  // The colleague's phone stops ringing: there is nobody to transfer any more.
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('Missed');
  await expect(reception.page.locator('article[data-phase]:not([data-phase="ended"])')).toHaveCount(0);
  await expect(reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Answered/ })).toBeVisible();
});

test('an outside caller (SIPp, plain RTP) is warm-transferred from reception to a Frontdesk colleague: note and card before answering, then caller and colleague talk', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const call = placeCall({ from: '+74951234567', fromName: 'Ivan Petrov', to: '1000', followRefer: true });
  const card = reception.page.getByRole('article', { name: 'Call from Ivan Petrov, +7 495 123 45 67' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');

  await startWarmTransfer(reception.page, 'Call from Ivan Petrov, +7 495 123 45 67', 'Invoice question');
  const consultAtSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await expect(consultAtSales).toContainText('Incoming call');
  await expect(consultAtSales.getByRole('region', { name: 'Handoff note from Reception (1000)' })).toContainText('Ivan Petrov, +7 495 123 45 67');
  // The side panel already shows the caller (not the receptionist) while it rings.
  await expect(sales.page.getByRole('region', { name: 'Caller' })).toContainText(/\+7 495 123 45 67/);
  await consultAtSales.getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales \(1001\)/);
  await card.getByRole('button', { name: 'Complete transfer' }).click();

  const transfer = await call.waitForTransfer(20_000);
  expect(transfer.replaces).toBeTruthy();
  const taken = sales.page.getByRole('article', { name: 'Call from Ivan Petrov, +7 495 123 45 67' });
  await expect(taken).toContainText('Connected');
  await expect(taken.getByRole('region', { name: 'Handoff note from Reception (1000)' })).toContainText('Invoice question');
  await expect(reception.page.locator('article[data-phase]:not([data-phase="ended"])')).toHaveCount(0);
  await expect(card).toContainText('Transferred to Sales (1001)');
  // Sound both ways on the new leg: the caller hears Sales, and Sales hears the caller.
  await expectSoundBothWays(sales.page, call, transfer.newCallId, 'the transferred caller');

  await taken.getByRole('button', { name: 'Hang up' }).click();
  const result = await call.result;
  expect(result.transfers).toHaveLength(1);
  await expect(sales.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^Ivan Petrov, \+7 495 123 45 67: Incoming, Answered, handed over by Reception \(1000\)/ })).toBeVisible();
  await expect(reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /^Ivan Petrov, \+7 495 123 45 67: Incoming, Transferred, to Sales \(1001\)/ })).toBeVisible();
});

test('the colleague has an ordinary SIP phone: the note arrives as a text message and the transfer completes', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const phone = await registerAsPhone({ user: '1001', port: 5091, ringMs: 500 });
  try {
    const call = placeCall({ from: '+74951234567', to: '1000', followRefer: true });
    const card = reception.page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText('Connected');
    await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Доставка заказа');

    const text = await phone.waitForTextMessage((m) => m.fromUser === '1000', 15_000);
    expect(text.contentType).toMatch(/^text\/plain/);
    expect(text.body).toContain('Transfer from Reception (1000): +74951234567');
    expect(text.body).toContain('Reason: Доставка заказа');
    expect(text.body).toContain('Ref: Order 4711');
    const [consult] = await phone.waitForCalls(1);
    expect(consult!.headers['X-Frontdesk-Handoff']).toBeTruthy();
    await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales/, { timeout: 15_000 });

    await card.getByRole('button', { name: 'Complete transfer' }).click();
    await call.waitForTransfer(20_000);
    await expect(card).toContainText('Transferred to Sales (1001)');
    const calls = await phone.waitForCalls(2);
    const replacing = calls.find((c) => c.replaces)!;
    expect(replacing).toBeDefined();
    // The caller and the colleague's phone hear each other (both lab parties speak the outside tone; the agent's would be another).
    await expectPartyHears(call, outsideTone, 'the caller hears the colleague');
    await expectPartyHears({ rtp: () => phone.rtp(replacing.callId) }, outsideTone, 'the colleague hears the caller');
    await call.stop();
  } finally {
    await phone.stop();
  }
});

test('blind transfer: the caller is sent to the colleague at once and the note reaches the colleague first', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page, { followRefer: true });
  await card.getByRole('button', { name: 'Transfer' }).click();
  const dialog = reception.page.getByRole('dialog', { name: /^Transfer / });
  await dialog.getByLabel('Colleague (name or extension)').fill('1001');
  await dialog.getByLabel('Reason for the call').fill('Wants a quote');
  await dialog.getByRole('button', { name: 'Blind transfer' }).click();

  const atSales = sales.page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(atSales).toContainText('Incoming call');
  await expect(atSales.getByRole('region', { name: 'Handoff note from Reception (1000)' })).toContainText('Wants a quote');
  await expect(atSales).toContainText('transferred once');
  await expect(card).toContainText('Transferred to Sales (1001) (unattended)');
  await atSales.getByRole('button', { name: 'Answer' }).click();
  await expect(atSales).toContainText('Connected');
  await expectSoundBothWays(sales.page, call, undefined, 'the caller sent on blind');
  await atSales.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).transfers.length).toBe(1);
});

test("the caller's phone refuses REFER: the agent is told why, and keeps the caller (resumed) after ending the consultation", async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  const { call, card } = await answerOutsideCall(reception.page, { followRefer: true, referReply: 403 });
  await startWarmTransfer(reception.page, 'Call from +7 495 123 45 67', 'Billing');
  await sales.page.getByRole('article', { name: 'Call from Reception, 1000' }).getByRole('button', { name: 'Answer' }).click();
  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/Talking to Sales/);
  await card.getByRole('button', { name: 'Complete transfer' }).click();

  await expect(card.getByRole('status', { name: 'Transfer status' })).toHaveText(/The caller's phone refused the transfer \(403/);
  await expect(card.getByRole('button', { name: 'Blind transfer instead' })).toBeVisible();
  await card.getByRole('button', { name: 'Keep the caller' }).click();
  await expect(card).toContainText('Connected');
  await expect(sales.page.getByRole('article', { name: 'Call from Reception, 1000' })).toContainText('The other side hung up');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller kept');
  await card.getByRole('button', { name: 'Hang up' }).click();
  expect((await call.result).ended).toBe('remote-bye');
});

test('Frontdesk as the transferee: a colleague on an ordinary phone transfers their call with reception to Sales (incoming REFER)', async ({ agents }) => {
  const { reception, sales } = await openThree(agents);
  // Accounting (1002) on a SIPp phone calls reception, then transfers reception to Sales.
  const colleague = placeCall({ from: '1002', asExtension: '1002', to: '1000', referTo: 'sip:1001@lab.frontdesk.test', referAfterMs: 1500 });
  const card = reception.page.getByRole('article', { name: 'Call from Accounting, 1002' });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Connected');

  // Reception's Frontdesk follows the REFER: a new call to 1001, which Sales answers. It carries the
  // REFER's Referred-By, so Sales sees who sent the call while it rings.
  const atSales = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await expect(atSales).toContainText(/Transferred by (Accounting, )?1002/);
  await atSales.getByRole('button', { name: 'Answer' }).click();
  const followed = reception.page.getByRole('article', { name: 'Call to 1001' });
  await expect(followed).toContainText('Connected');
  await expect(followed).toContainText('transferred once');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception, on the followed call', 'Sales']);
  // The colleague's phone heard how it went (NOTIFY sipfrag) and hung up its leg.
  const result = await colleague.result;
  expect(result.referReplies).toEqual([202]);
  expect(result.notifyFrags).toContain(200);
  await expect(card).toContainText('The other side hung up');
  await followed.getByRole('button', { name: 'Hang up' }).click();
});
