import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { DirectoryService } from '../../main/services/directory';
import { placeCall } from '../../scripts/lab/caller';
import { expect, test } from './support/frontdesk';

/** Text as Russian Excel saves "CSV (разделители — точка с запятой)": Windows-1251, Windows line ends. */
function windows1251(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (code >= 0x410 && code <= 0x44f) bytes.push(code - 0x410 + 0xc0);
    else if (ch === 'Ё') bytes.push(0xa8);
    else if (ch === 'ё') bytes.push(0xb8);
    else throw new Error(`no Windows-1251 byte for ${ch}`);
  }
  return Buffer.from(bytes);
}

const clientsCsv = [
  'Фамилия;Имя;Телефон;Компания;Комментарий;Менеджер',
  'Петров;Олег;+7 (495) 123-45-67;ООО "Жемчуг";Хочет коммерческое предложение на 40 кресел;Анна Соколова',
  'Смирнова;Анна;8 812 700-00-01;Ромашка;;',
  ';;;;без имени и без телефона;',
].join('\r\n');

/** Reads an agent's directory from its database, as the services wrote it. */
function readDirectory<T>(dataDir: string, read: (directory: DirectoryService) => T): T {
  const directory = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
  try {
    return read(directory);
  } finally {
    directory.close();
  }
}

async function openImport(page: Page) {
  const button = page.getByRole('region', { name: 'Clients' }).getByRole('button', { name: 'Import clients' });
  // By keyboard: the button takes Enter, and the dialog puts the focus on its file field.
  await button.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Import clients' });
  await expect(dialog.getByLabel('File to import')).toBeFocused();
  return dialog;
}

test('a Russian Excel CSV: preview, one column re-mapped, import; then the client calls and their card pops', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  const dialog = await openImport(page);
  await dialog.getByLabel('File to import').setInputFiles({ name: 'клиенты.csv', mimeType: 'text/csv', buffer: windows1251(clientsCsv) });

  // The preview: how the file was read, the guessed mapping, the rows as they will be imported.
  await expect(dialog.getByRole('list', { name: 'About this file' })).toContainText('it was read as Windows-1251');
  await expect(dialog.getByLabel('Columns separated by')).toHaveValue(';');
  await expect(dialog.getByLabel('Column Фамилия maps to')).toHaveValue('lastName');
  await expect(dialog.getByLabel('Column Телефон maps to')).toHaveValue('phone');
  await expect(dialog.getByLabel('Column Комментарий maps to')).toHaveValue('notes');
  await expect(dialog.getByLabel('Column Менеджер maps to')).toHaveValue('accountManager');
  const table = dialog.getByRole('table', { name: /Preview/ });
  for (const header of ['Row', 'Name', 'Company', 'Phones', 'Account manager', 'Notes', 'Problems']) {
    await expect(table.getByRole('columnheader', { name: header, exact: true })).toBeVisible();
  }
  const oleg = table.getByRole('row').filter({ hasText: 'Петров Олег' });
  await expect(oleg).toContainText('+7 (495) 123-45-67');
  await expect(oleg).toContainText('Хочет коммерческое предложение на 40 кресел');
  await expect(table.getByRole('row').filter({ hasText: 'no name and no phone' })).toContainText('4');
  await expect(dialog.getByRole('region', { name: 'Problems' })).toContainText('Row 4: no name and no phone: not imported');
  await expect(dialog).toContainText('3 rows — 2 will be imported, 1 skipped.');

  // The comment is really the client's request: map it there; the preview follows.
  await dialog.getByLabel('Column Комментарий maps to').selectOption({ label: 'Request' });
  await expect(table.getByRole('columnheader', { name: 'Request', exact: true })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Notes', exact: true })).toHaveCount(0);
  await expect(oleg).toContainText('Хочет коммерческое предложение на 40 кресел');

  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const result = dialog.getByRole('status', { name: 'Import result' });
  await expect(result).toContainText('2 new clients created, 0 clients updated (merged by phone number), 1 row skipped. The directory now has 2 clients.');
  await result.getByText('Skipped', { exact: true }).click();
  await expect(result).toContainText('Row 4: no name and no phone');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('region', { name: 'Clients' })).toContainText('Imported "клиенты.csv": 2 new clients created');

  // An outside caller whose number is in the file: the imported card pops while it rings.
  const call = placeCall({ from: '+74951234567', to: '1000', cancelAfterMs: 8000 });
  const ringing = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(ringing).toContainText('Incoming call');
  const card = page.getByRole('article', { name: 'Client card: Петров Олег' });
  await expect(card).toContainText('+7 495 123 45 67');
  await expect(card).toContainText('Account manager: Анна Соколова');
  await expect(card.getByLabel('Company', { exact: true })).toHaveValue('ООО "Жемчуг"');
  await expect(card.getByLabel('Request', { exact: true })).toHaveValue('Хочет коммерческое предложение на 40 кресел');
  await expect(card.getByLabel('Notes', { exact: true })).toHaveValue('');
  await call.result;
});

test('a vCard file: the cards previewed and imported', async ({ agents }) => {
  const reception = await agents({ user: '1000' });
  const page = reception.page;
  const dialog = await openImport(page);
  const vcf = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Иванова Мария',
    'ORG:Северторг',
    'TEL;TYPE=CELL:+7 916 555-12-34',
    'EMAIL:maria@severtorg.example',
    'CATEGORIES:VIP',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:4.0',
    'N:Smith;John;;;',
    'TEL;VALUE=uri;TYPE=work:tel:+44-20-7946-0018',
    'END:VCARD',
    '',
  ].join('\r\n');
  await dialog.getByLabel('File to import').setInputFiles({ name: 'contacts.vcf', mimeType: 'text/vcard', buffer: Buffer.from(vcf, 'utf8') });
  const table = dialog.getByRole('table', { name: /Preview/ });
  for (const header of ['Card', 'Name', 'Company', 'Phones', 'Emails', 'Tags']) {
    await expect(table.getByRole('columnheader', { name: header, exact: true })).toBeVisible();
  }
  await expect(table.getByRole('row').filter({ hasText: 'Иванова Мария' })).toContainText('+7 916 555-12-34 (mobile)');
  await expect(table.getByRole('row').filter({ hasText: 'John Smith' })).toContainText('+44-20-7946-0018 (work)');
  // A vCard file has no columns to map.
  await expect(dialog.getByRole('combobox', { name: /maps to/ })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('status', { name: 'Import result' })).toContainText('2 new clients created, 0 clients updated (merged by phone number), 0 cards skipped.');
  expect(readDirectory(reception.host.dataDir, (d) => d.count())).toBe(2);
  expect(readDirectory(reception.host.dataDir, (d) => d.findByNumber('89165551234'))).toMatchObject([{ name: 'Иванова Мария', company: 'Северторг', emails: ['maria@severtorg.example'], tags: ['VIP'], source: 'vcard' }]);
});

test('a malformed CSV: what is wrong and where, nothing imported, the directory unchanged', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const d = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      d.create({ name: 'Уже в справочнике', phones: ['+7 495 000-00-01'] });
      d.close();
    },
  });
  const page = reception.page;
  const dialog = await openImport(page);
  const broken = 'ФИО;Телефон\nПетров Олег;+7 495 123-45-67\n"Смирнова Анна;8 812 700 00 01\nКузнецов;8 495 111 22 33\n';
  await dialog.getByLabel('File to import').setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: Buffer.from(broken, 'utf8') });
  const alert = dialog.getByRole('alert');
  await expect(alert).toHaveText(
    '"broken.csv" cannot be imported: the file is not valid CSV: the quote (") that opens a value on line 3 is never closed, so the rest of the file would be read as one value. Close or remove that quote. Nothing was imported.',
  );
  await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toHaveCount(0);
  await expect(dialog.getByRole('table')).toHaveCount(0);

  // Escape closes it and gives the focus back to where it came from.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Import clients' })).toBeFocused();
  expect(readDirectory(reception.host.dataDir, (d) => d.count())).toBe(1);
  expect(readDirectory(reception.host.dataDir, (d) => d.findByNumber('+74951234567'))).toEqual([]);
});

test('a big import runs in the background: a call rings, its card pops and it is answered meanwhile; cancelled, nothing of it lands', async ({ agents }) => {
  const reception = await agents({
    user: '1000',
    seed: (dataDir) => {
      mkdirSync(dataDir, { recursive: true });
      const d = new DirectoryService(path.join(dataDir, 'directory.db'), { defaultRegion: 'RU' });
      d.create({ name: 'Петров Олег', company: 'ООО "Жемчуг"', phones: ['+7 495 123-45-67'] });
      d.close();
    },
  });
  await expect(reception.registration).toHaveText(/Registered as 1000/);
  const page = reception.page;
  // Large enough to still be running once a call has rung, been answered and ended (about 5 s):
  // since the rows are prepared in helper threads, 50,000 rows could land within that on an idle machine.
  const rows = 200_000;
  const big = ['ФИО;Телефон;Компания', ...Array.from({ length: rows }, (_, i) => `Клиент ${i};+7 499 ${String(1_000_000 + i)};Ромашка`)].join('\r\n');
  const dialog = await openImport(page);
  await dialog.getByLabel('File to import').setInputFiles({ name: 'big.csv', mimeType: 'text/csv', buffer: Buffer.from(big, 'utf8') });
  await expect(dialog.getByRole('table', { name: /Preview/ })).toContainText('Клиент 0');
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  const progress = dialog.getByRole('progressbar', { name: 'Import progress' });
  await expect(progress).toBeVisible();
  await expect(dialog).toContainText(`of ${rows.toLocaleString('en-US')} rows`);

  // While it imports: a call rings, the caller's card pops, the call is answered and ends.
  const call = placeCall({ from: '+74951234567', to: '1000', hangupAfterMs: 2000 });
  const ringing = page.getByRole('article', { name: 'Call from +7 495 123 45 67' });
  await expect(ringing).toContainText('Incoming call');
  await expect(page.getByRole('article', { name: 'Client card: Петров Олег' })).toContainText('+7 495 123 45 67');
  await ringing.getByRole('button', { name: 'Answer' }).click();
  expect((await call.result).code).toBe(200);
  await expect(progress).toBeVisible(); // the import was still running all along

  await dialog.getByRole('button', { name: 'Cancel import' }).click();
  await expect(dialog.getByRole('status', { name: 'Import result' })).toHaveText('The import was cancelled: nothing was imported.');
  expect(readDirectory(reception.host.dataDir, (d) => d.count())).toBe(1);
});
