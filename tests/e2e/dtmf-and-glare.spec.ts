import { answerCalls, placeCall, registerAsPhone, type Phone } from '../../scripts/lab/caller';
import { pstnGatewayPort } from '../../scripts/lab/config';
import { expect, test, type OpenAgent } from './support/frontdesk';
import { expectPartyHearsAgent, expectPartyHearsSilence, expectSoundBothWays } from './support/sound';

const caller = { from: '+74951234567', label: 'Call from +7 495 123 45 67' };

for (const transport of ['rfc4733', 'info'] as const) {
  test(`DTMF as ${transport} from the keypad arrives at an outside number Frontdesk dialled`, async ({ agents }) => {
    const gateway = answerCalls({ port: pstnGatewayPort, ringMs: 300 });
    try {
      const agent = await agents({ user: '1000', provisioning: { settings: { defaultRegion: 'RU', dtmfTransport: transport } } });
      await expect(agent.registration).toHaveText(/Registered as 1000/);
      await agent.page.getByLabel('Number or extension').fill('+7 495 765-43-21');
      await agent.page.getByLabel('Number or extension').press('Enter');
      const card = agent.page.getByRole('article', { name: 'Call to +7 495 765 43 21' });
      await expect(card).toContainText('Connected');
      await gateway.waitForCalls(1, 10_000);
      await card.getByRole('button', { name: 'Keypad' }).click();
      for (const d of ['1', '2', '3', '*', '0', '#']) await card.getByRole('button', { name: d, exact: true }).click();
      expect(await gateway.waitForDtmf('123*0#', { timeoutMs: 15_000 })).toBe('123*0#');
      expect(gateway.dtmfEvents().map((e) => e.via)).toEqual(Array(6).fill(transport));
      await card.getByRole('button', { name: 'Hang up' }).click();
    } finally {
      await gateway.stop();
    }
  });
}

test('DTMF in the audio (RFC 4733) reaches an outside caller Frontdesk answered', async ({ agents }) => {
  const agent = await agents({ user: '1000' });
  await expect(agent.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: caller.from, to: '1000' });
  try {
    const card = agent.page.getByRole('article', { name: caller.label });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText('Connected');
    await card.getByRole('button', { name: 'Keypad' }).click();
    for (const d of ['9', '8', '#', '4']) await card.getByRole('button', { name: d, exact: true }).click();
    expect(await call.waitForDtmf('98#4', 15_000)).toBe('98#4');
    // Typed on the keyboard, outside any text field, digits go out as tones too.
    await card.getByRole('button', { name: 'Keypad' }).focus();
    await agent.page.keyboard.type('5*0');
    expect(await call.waitForDtmf('98#45*0', 15_000)).toBe('98#45*0');
    expect(call.dtmfEvents().every((e) => e.via === 'rfc4733')).toBe(true);

    // Muted, the caller hears nothing of the office, and the keypad still reaches their IVR.
    await card.getByRole('button', { name: 'Mute' }).click();
    await expectPartyHearsSilence(call, 'the caller hears nothing while the agent is muted');
    await card.getByRole('button', { name: '7', exact: true }).click();
    expect(await call.waitForDtmf('98#45*07', 15_000)).toBe('98#45*07');
    await card.getByRole('button', { name: 'Unmute' }).click();
    await expectPartyHearsAgent(call, 'the caller hears the agent again after Unmute');
  } finally {
    await call.stop();
  }
});

/** Reception calls the desk phone 1002 (which refuses its first re-INVITEs); returns the connected call. */
async function callRefusingPhone(agents: OpenAgent, phone: Phone) {
  const agent = await agents({ user: '1000' });
  await expect(agent.registration).toHaveText(/Registered as 1000/);
  await agent.page.getByLabel('Number or extension').fill('1002');
  await agent.page.getByLabel('Number or extension').press('Enter');
  const card = agent.page.getByRole('article', { name: 'Call to 1002' });
  await expect(card).toContainText('Connected');
  const [received] = await phone.waitForCalls(1, 10_000);
  return { page: agent.page, card, received: received! };
}

test('a hold that collides (491) is retried with a new CSeq and the caller is never dropped', async ({ agents }) => {
  const phone = await registerAsPhone({ user: '1002', port: 5092, ringMs: 300, reinviteReply: 491, reinviteFailures: 1 });
  try {
    const { page, card, received } = await callRefusingPhone(agents, phone);
    await card.getByRole('button', { name: 'Hold' }).click();
    await expect(card).toContainText('On hold');
    await expect.poll(() => phone.reinvites().filter((r) => r.code === 200).length, { timeout: 15_000 }).toBe(1);
    const [refused, accepted] = phone.reinvites();
    expect(refused).toMatchObject({ code: 491, direction: 'sendonly' });
    expect(accepted).toMatchObject({ code: 200, direction: 'sendonly' });
    expect(accepted!.cseq).toBeGreaterThan(refused!.cseq);
    expect(phone.calls()[0]?.byeFrom).toBeUndefined();

    // While the hold was being offered again, and once it held, the phone heard nothing from the desk.
    await expectPartyHearsSilence({ rtp: () => phone.rtp(received.callId) }, 'the held phone hears nothing');
    await card.getByRole('button', { name: 'Resume' }).click();
    await expect(card).toContainText('Connected');
    await expect(card.getByRole('button', { name: 'Mute' })).toHaveAttribute('aria-pressed', 'false');
    await expectSoundBothWays(page, { rtp: () => phone.rtp(received.callId) }, received.callId, 'the phone, resumed after the glare');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await expect(card).toContainText('You hung up');
  } finally {
    await phone.stop();
  }
});

test('a hold the far end refuses (500) keeps the call up, mutes the microphone and says so', async ({ agents }) => {
  const phone = await registerAsPhone({ user: '1002', port: 5092, ringMs: 300, reinviteReply: 500, reinviteFailures: 2 });
  try {
    const { page, card, received } = await callRefusingPhone(agents, phone);
    await card.getByRole('button', { name: 'Hold' }).click();
    await expect(card.getByRole('status', { name: 'Call notice' })).toContainText('Hold failed (500');
    await expect(card).toContainText('Connected');
    await expect(card.getByRole('button', { name: 'Unmute' })).toHaveAttribute('aria-pressed', 'true');
    expect(phone.calls()[0]?.byeFrom).toBeUndefined();
    // The call goes on: the agent still hears the phone, and the phone hears nothing of the office…
    const phoneSide = { rtp: () => phone.rtp(received.callId) };
    await expectPartyHearsSilence(phoneSide, 'the phone hears nothing after the failed hold (microphone muted)');
    // …until the agent unmutes.
    await card.getByRole('button', { name: 'Unmute' }).click();
    await expectSoundBothWays(page, phoneSide, received.callId, 'the phone');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await expect(card).toContainText('You hung up');
  } finally {
    await phone.stop();
  }
});
