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
