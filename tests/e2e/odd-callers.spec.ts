import { placeCall } from '../../scripts/lab/caller';
import { carrierDomain } from '../../scripts/lab/config';
import { expect, test } from './support/frontdesk';

/**
 * Odd caller IDs, as carriers and gateways really send them, from SIPp through the lab's Kamailio
 * to Frontdesk: each one either rings (shown as the agent would read it, then cancelled by the
 * caller: 487) or is refused with a 4xx that says why. None is met with silence (the caller hearing
 * ringing until the proxy gives up with 408).
 */

const at = `@${carrierDomain}`;
/** 3,000 characters of a name, as a misconfigured PBX sends it. */
const longName = 'Общество с ограниченной ответственностью «Длинное имя» '.repeat(60).slice(0, 3000).trim();
const markup = '<b>Boss</b><img src=x onerror=alert(1)>';
/** How the agent reads it: the first hundred characters (what Frontdesk keeps of a caller's name). */
const longShown = `${longName.slice(0, 99).trimEnd()}…`;

interface OddCaller {
  what: string;
  /** The From header as sent (without the tag). */
  from: string;
  /** The ringing call's accessible name: how the agent reads the caller. */
  shows?: string;
  /** Refused, with a 4xx that says why. */
  refused?: true;
}

const oddCallers: OddCaller[] = [
  { what: 'a tel: URI', from: '<tel:+74951234567>', shows: 'Call from +7 495 123 45 67' },
  { what: 'a tel: URI with a name and visual separators', from: '"Иван Петров" <tel:+7-495-123-45-67>', shows: 'Call from Иван Петров, +7 495 123 45 67' },
  { what: 'a tel: URI without angle brackets', from: 'tel:+74951234567', shows: 'Call from +7 495 123 45 67' },
  { what: 'a display name with markup', from: `"${markup}" <sip:+74951234567${at}>`, shows: `Call from ${markup}, +7 495 123 45 67` },
  { what: 'a 3,000-character name', from: `"${longName}" <sip:+74951234567${at}>`, shows: `Call from ${longShown}, +7 495 123 45 67` },
  { what: 'a Cyrillic name', from: `"Кузнецова Мария" <sip:+74957654321${at}>`, shows: 'Call from Кузнецова Мария, +7 495 765 43 21' },
  { what: 'anonymous', from: '"Anonymous" <sip:anonymous@anonymous.invalid>', shows: 'Call from Anonymous, anonymous' },
  { what: 'an escaped user', from: `<sip:%2B74951234567${at}>`, shows: 'Call from +7 495 123 45 67' },
  { what: 'a user that looks like SQL', from: `<sip:1'or'1'='1${at}>`, shows: "Call from 1'or'1'='1" },
  { what: '40 digits', from: `<sip:${'1234567890'.repeat(4)}${at}>`, shows: `Call from ${'1234567890'.repeat(4)}` },
  { what: 'letters', from: `<sip:reception-desk${at}>`, shows: 'Call from reception-desk' },
  { what: 'no angle brackets', from: `sip:+74951234567${at}`, shows: 'Call from +7 495 123 45 67' },
  { what: 'an empty user part', from: `<sip:${at}>`, refused: true },
];

test('odd caller IDs ring with the caller as the agent reads it, or are refused with a 4xx that says why: never silence', async ({ agents }) => {
  test.setTimeout(240_000);
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });

  for (const caller of oddCallers) {
    await test.step(caller.what, async () => {
      // Ringing for long enough to be seen, then the caller gives up; no answer at all within 15 s is silence.
      const call = placeCall({ from: 'oddcaller', fromHeader: caller.from, to: '1000', cancelAfterMs: 2500, answerTimeoutMs: 15_000 });
      if (caller.refused) {
        const result = await call.result;
        expect(result.code, `${caller.what}: ${result.code} ${result.reason}`).toBeGreaterThanOrEqual(400);
        expect(result.code).toBeLessThan(500);
        expect(result.code).not.toBe(408);
        expect(result.reason.trim()).not.toBe('');
        await expect(page.locator('article[data-phase="ringing-in"]')).toHaveCount(0);
        return;
      }
      const ringing = page.getByRole('article', { name: caller.shows!, exact: true });
      await expect(ringing).toContainText('Incoming call');
      await expect(ringing.getByRole('button', { name: 'Answer' })).toBeVisible();
      const result = await call.result;
      expect(result.ringing, `${caller.what}: the caller heard ringing`).toBe(true);
      expect(result.code, `${caller.what}: ${result.code} ${result.reason}`).toBe(487);
      await page.getByRole('button', { name: `Dismiss: ${caller.shows!}`, exact: true }).click();
      await expect(ringing).toHaveCount(0);
    });
  }
  // Markup in a name is text: nothing of it became an element or ran.
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(dialogs).toEqual([]);
  // Every call that rang is in the history (the 3,000-character name too), as a missed call.
  const history = page.getByRole('list', { name: 'Call history' }).getByRole('listitem');
  await expect(history).toHaveCount(oddCallers.filter((c) => !c.refused).length);
  await expect(history.filter({ hasText: longShown })).toHaveCount(1);
});
