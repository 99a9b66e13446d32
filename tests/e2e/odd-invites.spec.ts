import { pcmaSdp, rawCall, type RawCallOptions } from '../../scripts/lab/rawCall';
import { expect, test } from './support/frontdesk';
import { expectSoundBothWays } from './support/sound';

/**
 * INVITEs that SIPp's scenarios do not send, from a hand-written caller (scripts/lab/rawCall.ts)
 * through the real Kamailio and rtpengine: each is answered with sound, or refused at once with a
 * 4xx that says why; none leaves the caller hearing ringing or a card stuck on screen.
 */

const label = 'Call from +7 495 123 45 67';
const liveCards = '[aria-label^="Call"][data-phase]:not([data-phase="ended"])';

test('a late offer (INVITE without SDP) is answered: our offer goes in the 200, the answer comes in the ACK, and both sides hear each other', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = rawCall({ to: '1000', body: 'none' });
  try {
    const card = reception.page.getByRole('article', { name: label });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText('Connected');
    expect((await call.final).status).toBe(200);
    await expectSoundBothWays(reception.page, call, call.callId, 'the late-offer caller');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => call.ended()).toBe('remote-bye');
  } finally {
    await call.stop();
  }
});

test('an offer of G.729 alone is refused at once with 488 and a reason, never rings, and the history says why', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const g729 = pcmaSdp(40_000).replace('RTP/AVP 8 101', 'RTP/AVP 18').replace('a=rtpmap:8 PCMA/8000', 'a=rtpmap:18 G729/8000');
  const call = rawCall({ to: '1000', body: { contentType: 'application/sdp', content: g729 } });
  try {
    const final = await call.final;
    expect(final.status).toBe(488);
    expect(final.message.headers.warning?.[0]).toMatch(/^305 frontdesk "the caller offered only G729; this phone speaks .*PCMA/);
    expect(call.responses().map((r) => r.status)).not.toContain(180);
    const row = reception.page.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Failed \(No codec in common: the caller offered only G729/ });
    await expect(row).toBeVisible();
    await expect(reception.page.locator(liveCards)).toHaveCount(0);
  } finally {
    await call.stop();
  }
});

test('a multipart/mixed INVITE (SDP beside ISUP, as gateways send) rings, is answered and carries sound', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = rawCall({ to: '1000', multipart: true });
  try {
    const card = reception.page.getByRole('article', { name: label });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText('Connected');
    await expectSoundBothWays(reception.page, call, call.callId, 'the gateway caller');
    await card.getByRole('button', { name: 'Hang up' }).click();
  } finally {
    await call.stop();
  }
});

test('a caller that never sends the ACK: the card does not stay "Connecting…" — it ends within 20 s and says why', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = rawCall({ to: '1000', noAck: true });
  try {
    const card = reception.page.getByRole('article', { name: label });
    await card.getByRole('button', { name: 'Answer' }).click();
    await expect(card).toContainText(/could not be connected within 20 s of answering/, { timeout: 30_000 });
    await expect(reception.page.locator(liveCards)).toHaveCount(0);
    await expect(reception.page.getByRole('listitem', { name: /^\+7 495 123 45 67: Incoming, Failed \(The call could not be connected/ })).toBeVisible();
  } finally {
    await call.stop();
  }
});

test('a caller whose display name is 2 KB long rings, and the missed call is in the history with the name cut to fit', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const longName = 'Иван Петров '.repeat(180).trim();
  const call = rawCall({ to: '1000', from: `"${longName}" <sip:+74951234567@carrier.lab.test>` });
  try {
    await call.waitFor(180);
    await expect(reception.page.getByRole('article', { name: /^Call from Иван Петров/ })).toBeVisible();
    await call.hangup();
  } finally {
    await call.stop();
  }
  // (200 characters kept, the last of them the "…" that says it was cut)
  const row = reception.page.getByRole('listitem', { name: /^(Иван Петров )+[^,]{0,11}…, \+7 495 123 45 67: Incoming, Missed/ });
  await expect(row).toBeVisible();
  await expect(reception.page.getByRole('alert', { name: 'History not saved' })).toHaveCount(0);
});

test('a burst of six callers on a desk with three lines: three ring, three hear busy and are missed calls; ended cards then leave the column', async ({ agents }) => {
  const reception = await agents({ user: '1000', provisioning: { settings: { defaultRegion: 'RU', maxLines: 3 } } });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const calls = Array.from({ length: 6 }, (_, i) => rawCall({ to: '1000', from: `<sip:+7495123456${i}@carrier.lab.test>` }));
  try {
    const finals = await Promise.all(
      calls.map((c) => Promise.race([c.final.then((r) => r.status), c.waitFor(180, 15_000).then(() => 180)])),
    );
    expect(finals.filter((s) => s === 180)).toHaveLength(3);
    expect(finals.filter((s) => s === 486)).toHaveLength(3);
    await expect(reception.page.getByRole('region', { name: 'Calls' }).getByRole('button', { name: 'Answer', exact: true })).toHaveCount(3);
    await expect(reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem', { name: /Incoming, Missed/ })).toHaveCount(3);
    const busy = calls.filter((_, i) => finals[i] === 486)[0]!;
    expect((await busy.final).message.headers.reason?.[0]).toMatch(/All lines busy/);
    for (const c of calls) await c.hangup();
  } finally {
    for (const c of calls) await c.stop();
  }
  await expect(reception.page.locator(liveCards)).toHaveCount(0);
  // Six ended cards; 30 s after they ended only the latest is left (they are all in the history).
  await expect(reception.page.locator('[aria-label^="Call"][data-phase="ended"]')).toHaveCount(1, { timeout: 45_000 });
  await expect(reception.page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(6);
});

/** Unusual but valid INVITEs (after RFC 4475's torture tests), and malformed ones a phone must refuse. */
const oddInvites: { name: string; options: Omit<RawCallOptions, 'to'>; expect: 'rings' | number }[] = [
  { name: 'compact header names (i:, f:, t:, v:, m:, c:, l:)', options: { style: { compact: true } }, expect: 'rings' },
  { name: 'header names in odd case', options: { style: { oddCase: true } }, expect: 'rings' },
  { name: 'extra whitespace and a folded header line', options: { style: { lws: true } }, expect: 'rings' },
  { name: 'LF-only line ends', options: { style: { lfOnly: true } }, expect: 'rings' },
  { name: 'a quoted display name with escapes and Cyrillic', options: { from: '"Иван \\"Ваня\\" Петров" <sip:+74951234567@carrier.lab.test>' }, expect: 'rings' },
  { name: 'unknown headers, one of 2 KB', options: { headers: ['X-Unknown-Thing: yes', `X-Long: ${'a'.repeat(2048)}`, 'Supported: timer, 100rel, frobnicate'] }, expect: 'rings' },
  { name: 'a late offer', options: { body: 'none' }, expect: 'rings' },
  { name: 'a multipart body with an SDP part', options: { multipart: true }, expect: 'rings' },
  { name: 'no Contact header', options: { noContact: true }, expect: 400 },
  { name: 'G.729 only', options: { body: { contentType: 'application/sdp', content: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\n' } }, expect: 488 },
  { name: 'a body that is not SDP', options: { body: { contentType: 'text/plain', content: 'hello' } }, expect: 415 },
  { name: 'an INVITE that expires while it rings (Expires: 3)', options: { headers: ['Expires: 3'] }, expect: 'rings' },
];

test('odd INVITEs: each rings (and is cancelled cleanly) or is refused with the 4xx that names the problem; no card is left on screen', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const outcomes: string[] = [];
  for (const odd of oddInvites) {
    const call = rawCall({ to: '1000', ...odd.options });
    try {
      if (odd.expect === 'rings') {
        await call.waitFor(180, 10_000);
        await expect(reception.page.getByRole('article', { name: /^Call from/ }).getByRole('button', { name: 'Answer' })).toBeVisible();
        await call.hangup();
        outcomes.push(`${odd.name}: rang, ${(await call.final).status}`);
      } else {
        const final = await Promise.race([call.final, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
        outcomes.push(`${odd.name}: ${final ? final.status : 'no answer in 10 s'}`);
      }
    } finally {
      await call.stop();
    }
    await expect(reception.page.locator(liveCards), `after "${odd.name}"`).toHaveCount(0);
  }
  expect(outcomes).toEqual(oddInvites.map((o) => `${o.name}: ${o.expect === 'rings' ? 'rang, 487' : o.expect}`));
});
