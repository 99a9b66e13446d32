import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImportResult } from '../../common/directory';
import { importText } from '../../common/importText';
import { DirectoryService, prepareImportItem } from './directory';
import { ImportCancelledError, importCsv, importVCards, parallelPrepareMin, previewCsv, readCsv } from './importers';
import { decodeOutcomes, encodeOutcomes, ParallelPreparer, prepareBatchRows } from './importPrepare';

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'importWorker.ts');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
const open = () => {
  const d = new DirectoryService(':memory:', { defaultRegion: 'RU' });
  cleanups.push(() => d.close());
  return d;
};
const preparer = () => {
  const p = new ParallelPreparer(workerFile);
  cleanups.push(() => p.close());
  return p;
};

/** An import's result without the ids of the clients merged into (new clients' ids are random). */
const withoutIds = (r: ImportResult) => ({ ...r, merged: r.merged.map(({ row, name }) => ({ row, name })) });

/**
 * Enough rows for several batches per helper, with what an import must get right on every row:
 * a number already in the directory (a merge), the same number twice in the file (a merge into a
 * client of the same import, possibly prepared by the other helper), a row with neither name nor
 * phone (skipped), a bad email (dropped with a warning), a number libphonenumber cannot read.
 */
function messyCsv(rows: number): string {
  const lines = ['ФИО;Телефон;E-mail;Теги'];
  for (let i = 0; i < rows; i++) {
    if (i % 997 === 5) lines.push(';;nobody@example.com;');
    else if (i % 501 === 7) lines.push(`Повтор ${i};+7 495 100-00-07;;new`);
    else if (i === 42) lines.push('Уже в справочнике;8 (812) 000-00-01;anna@example.com;VIP');
    else if (i % 331 === 3) lines.push(`Плохая почта ${i};+7 916 ${String(2000000 + i)};not-an-email;`);
    else if (i % 613 === 11) lines.push(`Местный ${i};12-34-56;;`);
    else lines.push(`Клиент ${i};+7 495 ${String(3000000 + i)};user${i}@mail.ru;опт, розница`);
  }
  return lines.join('\n');
}

describe('an import prepared in helper threads', { timeout: 60_000 }, () => {
  it('writes what the same import prepared on this thread writes: clients, merges, skips, warnings, search', () => {
    const rows = parallelPrepareMin + 5 * prepareBatchRows + 17;
    const csv = messyCsv(rows);
    const mapping = previewCsv(csv).guessedMapping;
    const [here, there] = [open(), open()];
    for (const d of [here, there]) d.create({ name: 'Уже в справочнике', phones: ['+7 812 000-00-01'], tags: ['old'] });

    const alone = importCsv(csv, mapping, here);
    const progress: number[] = [];
    const helped = importCsv(csv, mapping, there, { preparer: preparer(), onProgress: (done) => progress.push(done) });

    expect(withoutIds(helped)).toEqual(withoutIds(alone));
    expect(helped.merged.length).toBeGreaterThan(1);
    expect(helped.skipped.length).toBeGreaterThan(0);
    expect(helped.warnings.some((w) => importText(w.message).includes('not-an-email'))).toBe(true);
    expect(progress.at(-1)).toBe(rows);
    expect(there.count()).toBe(here.count());
    expect(there.findByNumber('+78120000001')).toMatchObject([{ name: 'Уже в справочнике', emails: ['anna@example.com'], tags: ['old', 'VIP'] }]);
    for (const text of ['Клиент 1500', '4953001500', 'розница', 'Местный']) {
      expect(there.search(text, 5).map((c) => c.name)).toEqual(here.search(text, 5).map((c) => c.name));
    }
  });

  it('each helper is sent only its share of the rows: blank rows before the header, a column only a few rows far down have', () => {
    const rows = parallelPrepareMin + 3 * prepareBatchRows;
    const lines = [';;', ';;', 'ФИО;Телефон;Компания'];
    for (let i = 0; i < rows; i++) {
      // A fourth cell (a second phone) only in rows of the second block: the first helper's share has none.
      const extra = i >= prepareBatchRows + 10 && i < prepareBatchRows + 20 ? `;+7 903 ${String(5000000 + i)}` : '';
      lines.push(`Клиент ${i};+7 495 ${String(3000000 + i)};ООО «${i % 7}»${extra}`);
    }
    const csv = lines.join('\n');
    const mapping = { hasHeader: true, columns: [{ column: 0, field: 'name' as const }, { column: 1, field: 'phone' as const }, { column: 3, field: 'phone' as const }] };
    const [here, there] = [open(), open()];
    const alone = importCsv(csv, mapping, here);
    expect(withoutIds(importCsv(csv, mapping, there, { preparer: preparer() }))).toEqual(withoutIds(alone));
    expect(alone.imported).toBe(rows);
    expect(there.findByNumber(`+7903${5000000 + prepareBatchRows + 12}`).map((c) => c.name)).toEqual([`Клиент ${prepareBatchRows + 12}`]);
  });

  it('rows prepared while the person reads the preview are what the import with that mapping takes; another mapping starts again', () => {
    const csv = messyCsv(parallelPrepareMin + 4 * prepareBatchRows);
    const guessed = previewCsv(csv).guessedMapping;
    const mapping = { delimiter: ';' as const, hasHeader: true, columns: guessed.columns, tagSeparator: ',' };
    const table = readCsv(csv, ';');
    const p = preparer();
    const [here, there] = [open(), open()];
    for (const d of [here, there]) d.create({ name: 'Уже в справочнике', phones: ['+7 812 000-00-01'], tags: ['old'] });

    p.prepareAhead(table, mapping, 'csv', 'RU');
    p.prepareAhead(table, { ...mapping }, 'csv', 'RU'); // the same preview again: the same job goes on
    expect(p.jobsStarted).toBe(1);
    const helped = importCsv(table, mapping, there, { preparer: p });
    expect(p.jobsStarted).toBe(1);
    expect(withoutIds(helped)).toEqual(withoutIds(importCsv(csv, mapping, here)));

    // Previewed with tags split by ",", imported with ";": the rows are prepared again, with ";".
    const [a, b] = [open(), open()];
    p.prepareAhead(table, mapping, 'csv', 'RU');
    const semicolons = { ...mapping, tagSeparator: ';' };
    const other = importCsv(table, semicolons, b, { preparer: p });
    expect(p.jobsStarted).toBe(3);
    expect(withoutIds(other)).toEqual(withoutIds(importCsv(csv, semicolons, a)));
    expect(b.findByNumber('+74953001500').map((c) => c.tags)).toEqual([['опт, розница']]);
    expect(there.findByNumber('+74953001500').map((c) => c.tags)).toEqual([['опт', 'розница']]);

    // Another region: prepared again too.
    p.prepareAhead(table, mapping, 'csv', 'GB');
    importCsv(table, mapping, open(), { preparer: p });
    expect(p.jobsStarted).toBe(5);
  });

  it('vCards too', () => {
    const cards = Array.from({ length: parallelPrepareMin + 3 }, (_, i) => `BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Контакт ${i}\r\nTEL;TYPE=CELL:+7 903 ${String(4000000 + (i % 900))}\r\nEND:VCARD`).join('\r\n');
    const [here, there] = [open(), open()];
    const alone = importVCards(cards, here);
    expect(withoutIds(importVCards(cards, there, { preparer: preparer() }))).toEqual(withoutIds(alone));
    expect(alone.merged.length).toBeGreaterThan(0);
    expect(there.count()).toBe(here.count());
  });

  it('cancelled half-way: nothing is written, and the helpers can take the next import', () => {
    const csv = messyCsv(parallelPrepareMin * 3);
    const mapping = previewCsv(csv).guessedMapping;
    const d = open();
    const p = preparer();
    let done = 0;
    expect(() => importCsv(csv, mapping, d, { preparer: p, onProgress: (n) => (done = n), shouldStop: () => done >= parallelPrepareMin })).toThrow(ImportCancelledError);
    expect(d.count()).toBe(0);
    expect(importCsv(csv, mapping, d, { preparer: p }).imported).toBeGreaterThan(parallelPrepareMin);
  });
});

describe('a batch of prepared rows, sent flat', () => {
  it('reads back as it was: every field of a client, its phones and their keys, warnings, skipped and invalid rows', () => {
    const full = prepareImportItem(
      {
        row: 2,
        input: {
          name: 'Петров Олег Иванович',
          preferredAddress: 'Олег Иванович',
          formality: 'formal',
          company: 'ООО «Ромашка»',
          position: 'Директор',
          phones: [{ raw: '8 (495) 123-45-67', label: 'work' }, '12-34-56', { raw: '+7 916 000-00-01', label: 'mobile' }],
          emails: ['oleg@example.com', 'not-an-email'],
          accountManager: 'Анна',
          leadSource: 'выставка',
          referredBy: 'Иван',
          request: 'Поставка',
          needs: { Объём: '10 т', Срок: 'март' },
          urgency: 'срочно',
          priceQuoted: '100 000',
          agreements: 'скидка 5%',
          nextStep: 'позвонить',
          nextStepDate: '2026-12-10',
          saleDate: '2026-11-01',
          birthday: '--04-12',
          tags: ['VIP', 'опт'],
          notes: 'Заметка',
        },
        warnings: [{ key: 'phoneDropped', params: { value: 'нет' } }],
      },
      'csv',
      'RU',
    );
    const invalid = prepareImportItem({ row: 3, input: { name: null, phones: [] } }, 'csv', 'RU');
    const bare = prepareImportItem({ row: 4, input: { name: 'Без телефона' } }, 'csv', 'RU');
    // Every field is set (a field the encoding forgot would come back missing).
    expect(Object.values(full.client!).filter((v) => v === null || (Array.isArray(v) && !v.length))).toEqual([]);
    expect(full.warnings.length).toBeGreaterThan(1);
    expect(full.phones.map((p) => p.keys.e164)).toEqual(['+74951234567', null, '+79160000001']);
    expect(invalid.client).toBeNull();
    const outcomes = [
      { row: 1, skipped: { key: 'noNameNoPhone' } } as const,
      { row: 2, item: full },
      { row: 3, item: invalid },
      { row: 4, item: bare },
      { row: 5, skipped: 'not imported' },
    ];
    const flat = encodeOutcomes(outcomes);
    expect(decodeOutcomes(structuredClone(flat))).toEqual(outcomes);
  });
});
