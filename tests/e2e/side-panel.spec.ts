import path from 'node:path';
import { PbxHeadersConfigSchema } from '../../common/crm';
import { DirectoryService } from '../../main/services/directory';
import { placeCall } from '../../scripts/lab/caller';
import { fakeCrmConfig, startCrmServer } from './support/crmServer';
import { expect, test } from './support/frontdesk';

/** A script for the line the lab's callers dial (extension 1000), as an office manager would write it. */
const receptionScript = `
id: zhemchug-reception
title: Zhemchug Dental reception
language: en
match:
  dialled: ["1000"]
lines:
  - number: "1000"
    company: Zhemchug Dental
    business: dental clinic
pages:
  - id: greeting
    title: Greeting
    stage: greeting
    blocks:
      - say: "{greeting}! {line.company|\\"Reception\\"}, {agent.name|\\"front desk\\"} speaking. How can I help?"
      - question:
          id: purpose
          text: What does the caller need?
          options:
            - { id: appointment, label: An appointment, next: appointment }
            - { id: colleague, label: A colleague }
  - id: appointment
    title: Booking
    stage: request
    blocks:
      - question: { id: when, text: When would suit them?, kind: open }
`;

const caller = { from: '+74951234567', label: 'Call from +7 495 123 45 67' };

test('while it rings: the CRM card and the script chosen for the dialled line; the script branches on answers', async ({ agents }) => {
  const crm = await startCrmServer({
    clients: [{ id: 'c-17', name: 'Oleg Petrov', phones: ['+7 (495) 123-45-67'], company: 'Petrov & Sons', manager: 'Anna', tags: ['VIP'], request: 'Implant consultation' }],
  });
  try {
    const reception = await agents({
      user: '1000',
      provisioning: { crm: fakeCrmConfig(crm.url) },
      dataFiles: { 'call-scripts/reception.yaml': receptionScript },
    });
    await expect(reception.registration).toHaveText(/Registered as 1000/);
    const call = placeCall({ from: caller.from, to: '1000' });
    const page = reception.page;
    const card = page.getByRole('article', { name: caller.label });
    await expect(card).toContainText('Incoming call');

    // All of it while the phone is still ringing.
    const panel = page.getByRole('region', { name: 'Caller' });
    const crmCard = panel.getByRole('article', { name: 'CRM card: Oleg Petrov' });
    await expect(crmCard).toContainText('Petrov & Sons');
    await expect(crmCard).toContainText('Implant consultation');
    await expect(crmCard.getByRole('list', { name: 'Tags' })).toContainText('VIP');
    const script = panel.getByRole('region', { name: 'Call script' });
    await expect(script).toContainText('Zhemchug Dental reception');
    await expect(script).toContainText('Chosen because: Dialled line 1000 (Zhemchug Dental)');
    await expect(script).toContainText(/Good (morning|afternoon|evening)! Zhemchug Dental, Reception speaking\. How can I help\?/);
    await expect(card).toContainText('Incoming call');
    expect(crm.requests().length).toBeGreaterThanOrEqual(1);

    await card.getByRole('button', { name: 'Answer' }).click();
    await script.getByRole('button', { name: 'An appointment' }).click();
    await expect(script.getByRole('article', { name: 'Script page: Booking' })).toBeVisible();
    await script.getByLabel('Answer: When would suit them?').fill('Tuesday morning');
    await script.getByRole('button', { name: 'Save answer' }).click();
    await expect(script.getByLabel('Where we stopped')).toContainText('When would suit them? — Tuesday morning');
    await card.getByRole('button', { name: 'Hang up' }).click();
    await call.result;
  } finally {
    await crm.stop();
  }
});

test('with the CRM down the call still rings and the panel says the CRM is unavailable', async ({ agents }) => {
  const crm = await startCrmServer({ clients: [] });
  const url = crm.url;
  await crm.stop();
  const reception = await agents({ user: '1000', provisioning: { crm: fakeCrmConfig(url) } });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: caller.from, to: '1000', cancelAfterMs: 8000 });
  const card = reception.page.getByRole('article', { name: caller.label });
  await expect(card).toContainText('Incoming call');
  await expect(reception.page.getByRole('status', { name: 'CRM status' })).toContainText('CRM unavailable');
  await expect(card.getByRole('button', { name: 'Answer' })).toBeEnabled();
  await call.result;
});

test('the first call after start waits on nothing made lazily: the ringtone is ready before the phone first rings', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  const page = reception.page;
  // Every audio context the page makes, and whether a call was ringing on screen when it was made.
  await page.addInitScript(() => {
    const made: string[] = [];
    const Native = window.AudioContext;
    window.AudioContext = class extends Native {
      constructor(options?: AudioContextOptions) {
        super(options);
        made.push(document.querySelector('article[data-phase="ringing-in"]') ? 'while a call rings' : 'before any call');
      }
    };
    (window as unknown as { audioContextsMade: string[] }).audioContextsMade = made;
    // The call's pop drawn once out of sight after registering (Rehearsal.tsx): when, and that it goes.
    const rehearsals: string[] = [];
    (window as unknown as { rehearsals: string[] }).rehearsals = rehearsals;
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) if (n instanceof HTMLElement && n.classList.contains('rehearsal')) rehearsals.push(`drawn ${[...document.querySelectorAll('article[data-phase="ringing-in"]')].some((a) => !a.closest('.rehearsal')) ? 'while a call rings' : 'before any call'}`);
        for (const n of r.removedNodes) if (n instanceof HTMLElement && n.classList.contains('rehearsal')) rehearsals.push('removed');
      }
    }).observe(document, { childList: true, subtree: true });
  });
  await page.reload();
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: caller.from, to: '1000', cancelAfterMs: 4000 });
  const ringing = page.getByRole('article', { name: caller.label });
  await expect(ringing).toContainText('Incoming call');
  await expect(ringing.getByRole('button', { name: 'Answer' })).toBeFocused();
  // Made once, at start: the first ringing call (and its card) does not wait for Chromium's audio to start.
  expect(await page.evaluate(() => (window as unknown as { audioContextsMade: string[] }).audioContextsMade)).toEqual(['before any call']);
  // A ringing call, a card and the scripts were drawn once before it, hidden from everyone, and are gone.
  expect(await page.evaluate(() => (window as unknown as { rehearsals: string[] }).rehearsals)).toEqual(['drawn before any call', 'removed']);
  await expect(page.getByRole('article', { name: caller.label })).toHaveCount(1);
  await call.result;
});

const salesScript = `
id: sales-line
title: Sales line
language: en
match:
  dialled: ["1000"]
pages:
  - id: needs
    title: Needs
    stage: clarify
    blocks:
      - say: "{greeting}, {client.preferredAddress|client.name|\\"there\\"}! How can I help?"
      - question: { id: request, text: What are they looking for?, kind: open, saveTo: client.request }
      - question:
          id: budget
          text: Budget?
          options:
            - { id: small, label: Under 100k }
            - { id: large, label: Over 100k }
          saveTo: client.needs.budget
`;

test('a known caller: the local card pops while it rings, answers typed during the call are on the card afterwards', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    dataFiles: { 'call-scripts/sales.yaml': salesScript },
    seed: (dataDir) => {
      const dir = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      dir.create({ name: 'Oleg Petrov', preferredAddress: 'Oleg', company: 'Petrov & Sons', phones: ['8 (495) 123-45-67'], tags: ['VIP'] });
      dir.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const call = placeCall({ from: caller.from, to: '1000' });
  const ringing = page.getByRole('article', { name: caller.label });
  await expect(ringing).toContainText('Incoming call');
  const clientCard = page.getByRole('article', { name: 'Client card: Oleg Petrov' });
  await expect(clientCard).toContainText('+7 495 123 45 67');
  await expect(clientCard.getByLabel('Company', { exact: true })).toHaveValue('Petrov & Sons');
  const script = page.getByRole('region', { name: 'Call script' });
  await expect(script).toContainText(/Good (morning|afternoon|evening), Oleg! How can I help\?/);

  await ringing.getByRole('button', { name: 'Answer' }).click();
  await script.getByLabel('Answer: What are they looking for?').fill('A quote for 40 chairs');
  await script.getByRole('button', { name: 'Save answer' }).click();
  await script.getByRole('button', { name: 'Over 100k' }).click();
  // Typing in the card while the answer just given is saved to it (the card is drawn again when the
  // directory says it changed): the card takes the answer and keeps what is being typed.
  await clientCard.getByLabel('Next step', { exact: true }).fill('Send the quote');
  await expect(clientCard).toContainText('Over 100k');
  await reception.page.waitForTimeout(500);
  await expect(clientCard.getByLabel('Next step', { exact: true })).toHaveValue('Send the quote');
  // Edited by hand during the call: saved at once.
  await clientCard.getByLabel('Next step', { exact: true }).press('Enter');
  await expect(clientCard.getByRole('status', { name: 'Card saving' })).toHaveText('Saved');
  await ringing.getByRole('button', { name: 'Hang up' }).click();
  await call.result;

  // The next call from the same number finds everything learned on this one.
  await page.getByRole('button', { name: 'Dismiss' }).click();
  const again = placeCall({ from: caller.from, to: '1000', cancelAfterMs: 6000 });
  const card = page.getByRole('article', { name: 'Client card: Oleg Petrov' });
  await expect(card.getByLabel('Request', { exact: true })).toHaveValue('A quote for 40 chairs');
  await expect(card.getByLabel('Next step', { exact: true })).toHaveValue('Send the quote');
  await expect(card.getByRole('definition').filter({ hasText: 'Over 100k' })).toBeVisible();
  await again.result;
});

test('an unknown caller gets a new-client card in a couple of keystrokes', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const call = placeCall({ from: '+74957654321', to: '1000', cancelAfterMs: 10_000 });
  const form = reception.page.getByRole('form', { name: 'New client' });
  await expect(form).toContainText('New caller: +7 495 765 43 21');
  await form.getByLabel('Name').fill('Irina Sokolova');
  await form.getByLabel('Name').press('Enter');
  const card = reception.page.getByRole('article', { name: 'Client card: Irina Sokolova' });
  await expect(card).toContainText('+7 495 765 43 21');
  await expect(card.getByRole('list', { name: 'Tags' })).toContainText('new');
  await call.result;
});

/** Callers who chose "2" (sales) in the PBX's voice menu get the sales script. */
const ivrSalesScript = `
id: ivr-sales
title: Sales enquiry from the voice menu
language: en
priority: 10
match:
  dialled: ["1000"]
  ivrChoice: "2"
pages:
  - id: enquiry
    title: Enquiry
    stage: clarify
    blocks:
      - say: "{greeting}! Sales, {agent.name|\\"front desk\\"} speaking. I can see your request from our website."
`;

test('what came before the call: the PBX headers of a real INVITE, the web lead from the CRM and the script they pick, while it rings', async ({ agents }) => {
  const crm = await startCrmServer({
    clients: [],
    leads: { 'L-1042': { text: 'Need a quote for 40 office chairs, delivery to Kazan by March', source: 'site form' } },
  });
  try {
    const reception = await agents({
      user: '1000',
      provisioning: {
        crm: fakeCrmConfig(crm.url),
        // This PBX names its headers its own way; one more header is shown under a label of the admin's.
        pbxHeaders: PbxHeadersConfigSchema.parse({ ivrChoice: 'X-Menu-Choice', queue: 'X-ACD-Queue', other: { 'X-UTM-Source': 'Ad source' } }),
      },
      dataFiles: { 'call-scripts/reception.yaml': receptionScript, 'call-scripts/ivr-sales.yaml': ivrSalesScript },
    });
    await expect(reception.registration).toHaveText(/Registered as 1000/);
    const page = reception.page;
    const call = placeCall({
      from: caller.from,
      to: '1000',
      cancelAfterMs: 20_000,
      // As the PBX would add them after its voice menu and queue. X-Queue is not this PBX's queue header: it must not show.
      headers: { 'X-Menu-Choice': '2', 'X-ACD-Queue': 'sales', 'X-Queue': 'not-this-one', 'X-Lead-Id': 'L-1042', 'X-UTM-Source': 'yandex' },
    });
    const ringing = page.getByRole('article', { name: caller.label });
    await expect(ringing).toContainText('Incoming call');

    const panel = page.getByRole('region', { name: 'Caller' });
    const before = panel.getByRole('region', { name: 'Before the call' });
    const field = (label: string) => before.getByRole('term').filter({ hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');
    await expect(field('IVR choice')).toHaveText('2');
    await expect(field('Queue')).toHaveText('sales');
    await expect(field('Web lead')).toHaveText('L-1042');
    await expect(field('Ad source')).toHaveText('yandex');
    await expect(before).not.toContainText('not-this-one');
    // The request the caller left on the website, fetched from the CRM by the lead id.
    await expect(before.getByRole('blockquote', { name: 'What the caller left' })).toHaveText('Need a quote for 40 office chairs, delivery to Kazan by March');
    expect(crm.requests()).toContain('GET /leads/L-1042');

    const script = panel.getByRole('region', { name: 'Call script' });
    await expect(script).toContainText('Sales enquiry from the voice menu');
    await expect(script).toContainText('Chosen because: Dialled line 1000 (Zhemchug Dental), IVR choice "2"');
    await expect(script).toContainText(/Good (morning|afternoon|evening)! Sales, Reception speaking\. I can see your request from our website\./);
    // All of it while the phone still rings.
    await expect(ringing).toContainText('Incoming call');
    await expect(ringing.getByRole('button', { name: 'Answer' })).toBeEnabled();
    await call.stop();
    await page.getByRole('button', { name: `Dismiss: ${caller.label}` }).click();

    // Another choice in the menu: the line's own script, and no lead to show.
    const other = placeCall({ from: caller.from, to: '1000', cancelAfterMs: 20_000, headers: { 'X-Menu-Choice': '1', 'X-ACD-Queue': 'reception' } });
    await expect(field('IVR choice')).toHaveText('1');
    await expect(field('Queue')).toHaveText('reception');
    await expect(before.getByRole('blockquote', { name: 'What the caller left' })).toHaveCount(0);
    await expect(script).toContainText('Zhemchug Dental reception');
    await expect(script).toContainText('Chosen because: Dialled line 1000 (Zhemchug Dental)');
    await expect(script).not.toContainText('IVR choice');
    await other.stop();
  } finally {
    await crm.stop();
  }
});
