import { answerCalls, placeCall } from '../../scripts/lab/caller';
import { pstnGatewayPort } from '../../scripts/lab/config';
import { expect, growth, legsBySide, mediaStats, test, type OpenAgent } from './support/frontdesk';
import { agentTone, expectAgentHears, expectAgentHearsSilence, expectFrontdesksHearEachOther, expectPartyHearsSilence, expectSoundBothWays } from './support/sound';

/** Reception (1000) dials Sales (1001) and Sales answers: both cards say Connected. */
async function receptionCallsSales(agents: OpenAgent) {
  const reception = await agents({ user: '1000' });
  const sales = await agents({ user: '1001' });
  await expect(sales.registration).toHaveText(/Registered as 1001/);
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await reception.page.getByLabel('Number or extension').fill('1001');
  await reception.page.getByLabel('Number or extension').press('Enter');
  const incoming = sales.page.getByRole('article', { name: 'Call from Reception, 1000' });
  await incoming.getByRole('button', { name: 'Answer' }).click();
  const outgoing = reception.page.getByRole('article', { name: 'Call to 1001' });
  await expect(outgoing).toContainText('Connected');
  return { reception, sales, outgoing, incoming };
}

const first = { from: '+74951234567', label: 'Call from +7 495 123 45 67' };
const second = { from: '+74957654321', label: 'Call from +7 495 765 43 21' };

test('two outside callers: the second rings while the first talks, answering it holds the first, switching back and hanging up both', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;

  const call1 = placeCall({ from: first.from, to: '1000' });
  const card1 = page.getByRole('article', { name: first.label });
  await card1.getByRole('button', { name: 'Answer' }).click();
  await expect(card1).toContainText('Connected');
  await expectSoundBothWays(page, call1, call1.callId, 'the first caller');

  const call2 = placeCall({ from: second.from, to: '1000' });
  const card2 = page.getByRole('article', { name: second.label });
  await expect(card2).toContainText('Incoming call');
  await expect(card1).toContainText('Connected');

  await card2.getByRole('button', { name: 'Answer' }).click();
  await expect(card2).toContainText('Connected');
  await expect(card1).toContainText('On hold');
  // The held caller gets nothing from this desk; the second caller and the agent hear each other.
  await expect.poll(() => growth(() => legsBySide(call1.callId), (l) => l.webrtc), { timeout: 10_000 }).toBe(0);
  await expectPartyHearsSilence(call1, 'the held caller hears nothing');
  await expectSoundBothWays(page, call2, call2.callId, 'the second caller');

  // Switch back: the second goes on hold, the first hears the agent again (not packets of silence).
  await card1.getByRole('button', { name: 'Resume' }).click();
  await expect(card1).toContainText('Connected');
  await expect(card2).toContainText('On hold');
  await expectSoundBothWays(page, call1, call1.callId, 'the first caller, resumed');
  await expect.poll(() => growth(() => legsBySide(call2.callId), (l) => l.webrtc), { timeout: 10_000 }).toBe(0);
  await expectPartyHearsSilence(call2, 'the caller now held hears nothing');

  // And back again, by Resume on the second line.
  await card2.getByRole('button', { name: 'Resume' }).click();
  await expect(card2).toContainText('Connected');
  await expect(card1).toContainText('On hold');
  await expectSoundBothWays(page, call2, call2.callId, 'the second caller, resumed');

  await card1.getByRole('button', { name: 'Hang up' }).click();
  await card2.getByRole('button', { name: 'Hang up' }).click();
  expect((await call1.result).ended).toBe('remote-bye');
  expect((await call2.result).ended).toBe('remote-bye');

  const history = page.getByRole('list', { name: 'Call history' });
  await expect(history.getByRole('listitem')).toHaveCount(2);
  await expect(history.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Answered, \d+:\d\d/ })).toBeVisible();
  await expect(history.getByRole('listitem', { name: /^\+7 495 765 43 21: Incoming, Answered, \d+:\d\d/ })).toBeVisible();
});

test('hold, resume and mute between two Frontdesks, checked by what each one hears', async ({ agents }) => {
  const { reception, sales, outgoing, incoming } = await receptionCallsSales(agents);
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);

  const stats = (page: typeof reception.page) => mediaStats(page).then((rows) => rows[0]!);
  await outgoing.getByRole('button', { name: 'Hold' }).click();
  await expect(outgoing).toContainText('On hold');
  await expect(incoming).toContainText('Held by the other side');
  // Nothing flows in either direction while held (sendonly offer answered recvonly, microphone detached).
  await expect.poll(() => growth(() => stats(sales.page), (s) => s.packetsReceived), { timeout: 10_000 }).toBe(0);
  await expect.poll(() => growth(() => stats(reception.page), (s) => s.packetsReceived), { timeout: 10_000 }).toBe(0);

  await outgoing.getByRole('button', { name: 'Resume' }).click();
  await expect(outgoing).toContainText('Connected');
  await expect(incoming).toContainText('Connected');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception, resumed', 'Sales']);

  // Mute: packets keep flowing (so tones can still be sent) but carry silence; Unmute brings the voice back.
  await outgoing.getByRole('button', { name: 'Mute' }).click();
  await expect(outgoing.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await expect(outgoing).toContainText('microphone muted');
  await expectAgentHearsSilence(sales.page, 'Sales hears nothing from a muted Reception');
  expect(await growth(() => stats(sales.page), (s) => s.packetsReceived)).toBeGreaterThan(25);
  await expectAgentHears(reception.page, { toneHz: agentTone, what: 'Reception, muted, still hears Sales' });
  await outgoing.getByRole('button', { name: 'Unmute' }).click();
  await expectAgentHears(sales.page, { toneHz: agentTone, what: 'Sales hears Reception again after Unmute' });

  // Hold while muted, resume: still muted (only the agent's Mute silences the microphone), then Unmute.
  await outgoing.getByRole('button', { name: 'Mute' }).click();
  await outgoing.getByRole('button', { name: 'Hold' }).click();
  await expect(outgoing).toContainText('On hold');
  await outgoing.getByRole('button', { name: 'Resume' }).click();
  await expect(outgoing).toContainText('Connected');
  await expect(outgoing.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
  await expectAgentHearsSilence(sales.page, 'Sales hears nothing while Reception stays muted');
  await outgoing.getByRole('button', { name: 'Unmute' }).click();
  await expectAgentHears(sales.page, { toneHz: agentTone, what: 'Sales hears Reception after Unmute' });

  await incoming.getByRole('button', { name: 'Hang up' }).click();
  await expect(outgoing).toContainText('The other side hung up');
});

test('both Frontdesks hold, then each resumes: a call held on both sides waits for both, then they hear each other', async ({ agents }) => {
  const { reception, sales, outgoing: atReception, incoming: atSales } = await receptionCallsSales(agents);

  await atReception.getByRole('button', { name: 'Hold' }).click();
  await expect(atSales).toContainText('Held by the other side');
  // Sales holds too, while held (a re-INVITE from the far end of a call Reception holds).
  await atSales.getByRole('button', { name: 'Hold' }).click();
  await expect(atSales).toContainText('On hold');
  await expect(atReception).toContainText('On hold');
  // Reception resumes its side: Sales still holds, and the card says so.
  await atReception.getByRole('button', { name: 'Resume' }).click();
  await expect(atReception).toContainText('Held by the other side');
  await expectAgentHearsSilence(reception.page, 'Reception hears nothing while Sales holds');
  await expectAgentHearsSilence(sales.page, 'Sales, holding, hears nothing');
  await atSales.getByRole('button', { name: 'Resume' }).click();
  await expect(atSales).toContainText('Connected');
  await expect(atReception).toContainText('Connected');
  await expectFrontdesksHearEachOther(reception.page, sales.page, ['Reception', 'Sales']);
  await atSales.getByRole('button', { name: 'Hang up' }).click();
  await expect(atReception).toContainText('The other side hung up');
});

test('an outside caller puts the agent on hold and back (re-INVITEs): after their resume they hear the agent again', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: first.from, to: '1000', scenario: 'reinvite-uac.xml', hangupAfterMs: 10_000 });
  const card = reception.page.getByRole('article', { name: first.label });
  await card.getByRole('button', { name: 'Answer' }).click();
  await expect(card).toContainText('Held by the other side');
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(reception.page, call, call.callId, 'the caller, after their resume');
  expect((await call.result).ended).toBe('local-bye');
  await expect(card).toContainText('The other side hung up');
});

test('dialling an outside number as people write it reaches the outside party, with audio', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 500 });
  try {
    const reception = await agents({ user: '1000' });
    await expect(reception.registration).toHaveText(/Registered as 1000/);
    await reception.page.getByLabel('Number or extension').fill('8 (495) 765-43-21');
    await reception.page.getByRole('button', { name: 'Call', exact: true }).click();
    const card = reception.page.getByRole('article', { name: 'Call to +7 495 765 43 21' });
    await expect(card).toContainText('Connected');
    const [received] = await gateway.waitForCalls(1, 10_000);
    expect(received!.requestUri).toContain('+74957654321');
    expect(received!.fromUser).toBe('1000');
    await expectSoundBothWays(reception.page, { rtp: () => gateway.rtp(received!.callId) }, received!.callId, 'the outside party');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await expect(card).toContainText('You hung up');
  } finally {
    await gateway.stop();
  }
});

test('text that is not a number gets a clear message and dials nothing', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  await reception.page.getByLabel('Number or extension').fill('call Oleg');
  await reception.page.getByLabel('Number or extension').press('Enter');
  await expect(reception.page.getByRole('alert')).toHaveText('"call Oleg" is not a phone number or an extension');
  await expect(reception.page.getByRole('article')).toHaveCount(0);
});

test('a caller who gives up after two rings is a missed call that can be called back', async ({ agents }) => {
  const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 500 });
  try {
    const reception = await agents({ user: '1000' });
    await expect(reception.registration).toHaveText(/Registered as 1000/);
    const call = placeCall({ from: second.from, to: '1000', cancelAfterMs: 6000 });
    const card = reception.page.getByRole('article', { name: second.label });
    await expect(card).toContainText('Incoming call');
    expect((await call.result).ended).toBe('cancelled');
    await expect(card).toContainText('Missed');

    await expect(reception.page.getByRole('img', { name: '1 missed call' })).toBeVisible();
    const row = reception.page.getByRole('listitem', { name: /^\+7 495 765 43 21: Incoming, Missed/ });
    await expect(row).toBeVisible();
    await row.getByRole('button', { name: 'Call back +7 495 765 43 21' }).click();
    // Looking at the history clears the badge.
    await expect(reception.page.getByRole('img', { name: /missed call/ })).toHaveCount(0);
    const [received] = await gateway.waitForCalls(1, 10_000);
    expect(received!.requestUri).toContain('+74957654321');
    const outgoing = reception.page.getByRole('article', { name: /^Call to \+7 495 765 43 21/ });
    await expect(outgoing).toContainText('Connected');
    await expectSoundBothWays(reception.page, { rtp: () => gateway.rtp(received!.callId) }, received!.callId, 'the caller called back');
    await outgoing.getByRole('button', { name: 'Hang up' }).click();
  } finally {
    await gateway.stop();
  }
});

test('declining sends busy to the caller, and do-not-disturb refuses calls without ringing', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: first.from, to: '1000' });
  await reception.page.getByRole('article', { name: first.label }).getByRole('button', { name: 'Decline' }).click();
  const declined = await call.result;
  expect(declined.ended).toBe('failed');
  expect(declined.code).toBe(486);

  await reception.page.getByRole('button', { name: 'Settings' }).click();
  await reception.page.getByLabel('Do not disturb').selectOption('missed');
  await expect(reception.page.getByRole('status', { name: 'Do not disturb' })).toContainText('logged as missed');
  const refused = await placeCall({ from: second.from, to: '1000' }).result;
  expect(refused.code).toBe(480);
  await expect(reception.page.getByRole('listitem', { name: /^\+7 495 765 43 21: Incoming, Missed/ })).toBeVisible();
  await expect(reception.page.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Declined/ })).toBeVisible();
});

test('auto-answer picks up an incoming call by itself, with audio', async ({ agents }) => {
  const intercom = await agents({ user: '1002', provisioning: { settings: { defaultRegion: 'RU', autoAnswer: true } } });
  await expect(intercom.registration).toHaveText(/Registered as 1002/);
  const call = placeCall({ from: first.from, to: '1002', hangupAfterMs: 8000 });
  const card = intercom.page.getByRole('article', { name: first.label });
  await expect(card).toContainText('Connected');
  await expectSoundBothWays(intercom.page, call, call.callId);
  expect((await call.result).ended).toBe('local-bye');
  await expect(card).toContainText('The other side hung up');
});
