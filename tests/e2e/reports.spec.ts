import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DirectoryService } from '../../main/services/directory';
import { placeCall } from '../../scripts/lab/caller';
import { expect, test } from './support/frontdesk';

/** A Russian reception script for the line the lab's callers dial (extension 1000). */
const script = `
id: zhemchug-ru
title: Приёмная «Жемчуг»
language: ru
match:
  dialled: ["1000"]
pages:
  - id: greeting
    title: Приветствие
    stage: greeting
    blocks:
      - say: "{greeting}! Клиника «Жемчуг», слушаю вас."
      - question:
          id: purpose
          text: 'С чем обращается {client.name|"клиент"}?'
          options:
            - { id: appointment, label: Записаться на приём, next: booking }
            - { id: colleague, label: Соединить с коллегой, next: end }
  - id: booking
    title: Запись
    stage: request
    next: end
    blocks:
      - question: { id: when, text: Когда удобно?, kind: open }
`;

/** The question as every report shows it: as written, the placeholder as a name. */
const purpose = 'С чем обращается «клиент»?';

test('real calls walk the script down different branches (and one is missed); Reports shows the funnel and exports them to CSV', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    dataFiles: { 'call-scripts/zhemchug.yaml': script },
    // The office's own client (imported from its Excel file): the second caller.
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const dir = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      dir.create({ name: 'Кузнецова Мария', phones: ['8 (495) 765-43-21'], tags: ['VIP'] });
      dir.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const panel = page.getByRole('region', { name: 'Call script' });

  // 1: books an appointment and says when.
  const first = placeCall({ from: '+74951234567', to: '1000' });
  const firstCard = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await firstCard.getByRole('button', { name: 'Answer' }).click();
  await expect(firstCard).toContainText('Connected');
  await panel.getByRole('button', { name: 'Записаться на приём' }).click();
  await expect(panel.getByRole('article', { name: 'Script page: Запись' })).toBeVisible();
  await panel.getByLabel('Answer: Когда удобно?').fill('Во вторник утром, после 10');
  await panel.getByRole('button', { name: 'Save answer' }).click();
  await expect(panel.getByLabel('Where we stopped')).toContainText('Во вторник утром, после 10');
  await panel.getByRole('button', { name: 'Next page' }).click();
  await expect(panel).toContainText('The script is finished.');
  await firstCard.getByRole('button', { name: 'Hang up' }).click();
  await first.result;
  // The wrap-up goes with the call into the export.
  const wrapUp = page.getByRole('form', { name: 'Wrap-up: +7 495 123 45 67' });
  await wrapUp.getByRole('radio', { name: 'Sale' }).check();
  await wrapUp.getByLabel('Notes').fill('Записана на вторник, первый визит');
  await wrapUp.getByRole('button', { name: 'Save wrap-up' }).click();
  await expect(wrapUp).toBeHidden();
  await page.getByRole('button', { name: 'Dismiss: Call from +7 495 123 45 67' }).click();

  // 2: a client with a card, whose carrier's caller ID says "Outside caller"; none of the answers
  // fits, and the agent types what the client actually said.
  const second = placeCall({ from: '+74957654321', fromName: 'Outside caller', to: '1000' });
  const secondCard = page.getByRole('article', { name: 'Call from Outside caller, +7 495 765 43 21' });
  await secondCard.getByRole('button', { name: 'Answer' }).click();
  await expect(secondCard).toContainText('Connected');
  await expect(page.getByRole('article', { name: 'Client card: Кузнецова Мария' })).toBeVisible();
  // (recorded, so a reviewer can listen to what the client said from Reports)
  await secondCard.getByRole('button', { name: 'Record' }).click();
  await expect(secondCard.getByRole('status', { name: 'Recording' })).toHaveText('● Recording');
  // On the call the question speaks of the client by name.
  await expect(panel).toContainText('С чем обращается Кузнецова Мария?');
  await panel.getByRole('button', { name: 'Нет подходящего ответа' }).click();
  await panel.getByLabel('What the client actually said').fill('Спрашивает, есть ли парковка у клиники');
  await panel.getByRole('button', { name: 'Save what they said' }).click();
  await expect(panel.getByLabel('Where we stopped')).toContainText('Спрашивает, есть ли парковка');
  await secondCard.getByRole('button', { name: 'Hang up' }).click();
  await second.result;
  // This one's wrap-up is put off: a pending wrap-up is not in the export.
  const laterWrapUp = page.getByRole('form', { name: 'Wrap-up: Кузнецова Мария, +7 495 765 43 21' });
  await laterWrapUp.getByRole('button', { name: 'Later' }).click();
  await expect(laterWrapUp).toBeHidden();
  await page.getByRole('button', { name: 'Dismiss: Call from Outside caller, +7 495 765 43 21' }).click();

  // 3: rings out unanswered (the caller gives up): a missed call, the script never touched.
  const third = placeCall({ from: '+78125550102', to: '1000', cancelAfterMs: 2500 });
  await expect(page.getByRole('article', { name: 'Call from +7 812 555 01 02' })).toContainText('Incoming call');
  await third.result;
  await expect(page.getByRole('list', { name: 'Call history' }).getByRole('listitem')).toHaveCount(3);

  // Reports, with the keyboard: the button, then the view takes the focus.
  const open = page.getByRole('button', { name: 'Reports' });
  await open.focus();
  await page.keyboard.press('Enter');
  const reports = page.getByRole('region', { name: 'Reports' });
  await expect(reports.getByRole('heading', { name: 'Reports' })).toBeFocused();
  const today = await page.evaluate(() => {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await reports.getByLabel('From', { exact: true }).fill(today);
  await reports.getByLabel('To', { exact: true }).fill(today);
  await reports.getByLabel('Script', { exact: true }).selectOption({ label: 'Приёмная «Жемчуг» — 2 calls' });

  const funnel = reports.getByRole('table', { name: 'Funnel: Приёмная «Жемчуг»' });
  await expect(funnel).toContainText('2 calls used the script, 1 went through to its end');
  const greeting = funnel.getByRole('row', { name: /^Приветствие/ });
  await expect(greeting.getByRole('cell').nth(0)).toHaveText('2');
  await expect(greeting.getByRole('cell').nth(1)).toHaveText('100 %');
  // The question reads as the author wrote it, its placeholder as a name, never the raw template.
  await expect(greeting).toContainText(`${purpose} (answered 2)`);
  await expect(reports).not.toContainText('{client.name');
  await expect(greeting.getByRole('list', { name: `Answers: ${purpose}` }).getByRole('listitem')).toHaveText([
    'Записаться на приём → Запись: 1',
    'Нет подходящего ответа → stopped here: 1',
  ]);
  const booking = funnel.getByRole('row', { name: /^Запись/ });
  await expect(booking.getByRole('cell').nth(0)).toHaveText('1');
  await expect(booking.getByRole('cell').nth(1)).toHaveText('50 %');
  await expect(booking.getByRole('list', { name: 'Answers: Когда удобно?' })).toHaveText('Typed answer → end of script: 1');
  await expect(reports.getByRole('heading', { name: purpose, exact: true })).toBeVisible();
  const notes = reports.getByRole('list', { name: `Notes: ${purpose}` });
  await expect(notes).toContainText('“Спрашивает, есть ли парковка у клиники”');
  // Who said it: the client's card, not the caller ID.
  await expect(notes).toContainText('Кузнецова Мария, +7 495 765 43 21');
  await expect(notes).not.toContainText('Outside caller');
  // The call the note was typed on plays from here.
  await notes.getByRole('button', { name: 'Play recording: the call of “Спрашивает, есть ли парковка у клиники”' }).click();
  const player = notes.getByRole('group', { name: /^Recording of / });
  await expect(player).toContainText(/0:0\d/);
  await expect(player.getByLabel(/^Play: Recording of /)).toBeVisible();

  // Export: the browser host hands the file to the page, which downloads it.
  const downloading = page.waitForEvent('download');
  await reports.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`frontdesk-calls_${today}_zhemchug-ru.csv`);
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.toString('utf8');
  expect(text).toContain('\r\n');
  const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
  expect(rows.map((r) => [r['Client number'], r['Client name'], r['Caller ID name'], r.Step, r.Question, r.Answer, r['No suitable answer: what the client said']])).toEqual([
    ["'+74951234567", '', '', 'Приветствие', purpose, 'Записаться на приём', ''],
    ["'+74951234567", '', '', 'Запись', 'Когда удобно?', 'Во вторник утром, после 10', ''],
    ["'+74957654321", 'Кузнецова Мария', 'Outside caller', 'Приветствие', purpose, 'Нет подходящего ответа', 'Спрашивает, есть ли парковка у клиники'],
  ]);
  for (const row of rows) expect(row).toMatchObject({ Direction: 'inbound', 'Call outcome': 'answered', 'Script ID': 'zhemchug-ru', Script: 'Приёмная «Жемчуг»' });
  expect(rows.map((r) => [r['Wrap-up outcome'], r['Wrap-up notes']])).toEqual([
    ['Sale', 'Записана на вторник, первый визит'],
    ['Sale', 'Записана на вторник, первый визит'],
    ['', ''],
  ]);
  await expect(reports.getByRole('status', { name: 'Export' })).toHaveText(`Downloaded frontdesk-calls_${today}_zhemchug-ru.csv: 3 rows from 2 calls.`);

  // Every call of the day, the missed one too (with no script: one row, its outcome).
  await reports.getByLabel('Export only the calls that used this script').uncheck();
  const downloadingAll = page.waitForEvent('download');
  await reports.getByRole('button', { name: 'Export CSV' }).click();
  const all = await downloadingAll;
  expect(all.suggestedFilename()).toBe(`frontdesk-calls_${today}.csv`);
  const allRows = parse(readFileSync((await all.path())!, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
  expect(allRows.map((r) => [r['Client number'], r['Call outcome'], r['Script ID'], r.Answer])).toEqual([
    ["'+74951234567", 'answered', 'zhemchug-ru', 'Записаться на приём'],
    ["'+74951234567", 'answered', 'zhemchug-ru', 'Во вторник утром, после 10'],
    ["'+74957654321", 'answered', 'zhemchug-ru', 'Нет подходящего ответа'],
    ["'+78125550102", 'missed', '', ''],
  ]);
});
