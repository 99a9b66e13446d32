import { afterEach, describe, expect, it } from 'vitest';
import type { ImportPreviewRow } from '../../common/imports';
import { importText } from '../../common/importText';
import { DirectoryService } from './directory';
import { ImportCancelledError, ImportError, parallelPrepareMin, type CsvMappingInEffect, type CsvTable } from './importers';
import { createImportEndpoint, ImportSession, summarise, type SessionMessage } from './importSession';

const open: DirectoryService[] = [];
const directory = () => {
  const d = new DirectoryService(':memory:', { defaultRegion: 'RU' });
  open.push(d);
  return d;
};
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

/** A session with the whole text arrived (in two pieces, as the renderer sends it). */
function session(text: string, fileName = 'clients.csv', encoding: 'utf-8' | 'windows-1251' = 'utf-8') {
  const s = new ImportSession({ id: 'imp-test', fileName, length: text.length, encoding });
  const half = Math.floor(text.length / 2);
  expect(s.append(0, text.slice(0, half))).toEqual({ received: half, complete: false });
  expect(s.append(half, text.slice(half))).toEqual({ received: text.length, complete: true });
  return s;
}

const russianCsv = [
  '\uFEFFФИО;Телефон;Компания;Комментарий;Источник',
  'Петров Олег;+7 (495) 123-45-67;ООО "Жемчуг";Просил КП;сайт',
  'Смирнова Анна;8 812 700-00-01;Ромашка;;',
  ';;Без имени;нет ни имени, ни телефона;',
  'Кузнецов Дмитрий;;;Только имя;',
  'Орлова Мария;+7 916 555-12-34;;;выставка',
].join('\r\n');

/** Preview rows with their problems in English, as the window shows them under English. */
const inEnglish = (rows: readonly ImportPreviewRow[]) => rows.map((r) => ({ ...r, problems: r.problems.map((x) => importText(x)) }));

describe('ImportSession: a CSV', () => {
  it('previews the file: delimiter, headers, guessed mapping, the rows as they will be imported, and each row’s problems', () => {
    const p = session(russianCsv).preview({});
    expect(p.kind).toBe('csv');
    expect(p.csv).toMatchObject({
      delimiter: ';',
      hasHeader: true,
      headers: ['ФИО', 'Телефон', 'Компания', 'Комментарий', 'Источник'],
      samples: ['Петров Олег', '+7 (495) 123-45-67', 'ООО "Жемчуг"', 'Просил КП', 'сайт'],
      mapping: {
        delimiter: ';',
        hasHeader: true,
        tagSeparator: ',',
        columns: [
          { column: 0, field: 'name' },
          { column: 1, field: 'phone' },
          { column: 2, field: 'company' },
          { column: 3, field: 'notes' },
          { column: 4, field: 'leadSource' },
        ],
      },
    });
    expect(p.mappingProblems.map((x) => importText(x))).toEqual([]);
    expect(p.fields).toEqual(['name', 'company', 'phones', 'leadSource', 'notes']);
    expect(inEnglish(p.rows)).toEqual([
      { row: 2, skipped: false, values: { name: 'Петров Олег', company: 'ООО "Жемчуг"', phones: '+7 (495) 123-45-67', leadSource: 'сайт', notes: 'Просил КП' }, problems: [] },
      { row: 3, skipped: false, values: { name: 'Смирнова Анна', company: 'Ромашка', phones: '8 812 700-00-01' }, problems: [] },
      { row: 4, skipped: true, values: {}, problems: ['no name and no phone: not imported'] },
      {
        row: 5,
        skipped: false,
        values: { name: 'Кузнецов Дмитрий', notes: 'Только имя' },
        problems: ['no phone number: imported, but a call cannot find this client by number'],
      },
      { row: 6, skipped: false, values: { name: 'Орлова Мария', phones: '+7 916 555-12-34', leadSource: 'выставка' }, problems: [] },
    ]);
    expect(p).toMatchObject({ total: 5, checked: 5, importable: 4, skipped: 1, problemCount: 2 });
    expect(p.problems.map((x) => ({ ...x, message: importText(x.message) }))).toEqual([
      { row: 4, message: 'no name and no phone: not imported', skipped: true },
      { row: 5, message: 'no phone number: imported, but a call cannot find this client by number', skipped: false },
    ]);
    expect(p.notices.map((x) => importText(x))).toEqual([]);
  });

  it('previews again with the mapping the person changed, and names what is wrong with a mapping that cannot import', () => {
    const s = session(russianCsv);
    const changed = s.preview({
      mapping: {
        delimiter: ';',
        hasHeader: true,
        columns: [
          { column: 0, field: 'name' },
          { column: 1, field: 'phone', label: 'work' },
          { column: 3, field: 'request' },
        ],
      },
    });
    expect(changed.fields).toEqual(['name', 'phones', 'request']);
    expect(inEnglish(changed.rows)[0]).toEqual({ row: 2, skipped: false, values: { name: 'Петров Олег', phones: '+7 (495) 123-45-67 (work)', request: 'Просил КП' }, problems: [] });
    expect(changed.mappingProblems).toEqual([]);

    const twice = s.preview({ mapping: { delimiter: ';', hasHeader: true, columns: [{ column: 0, field: 'name' }, { column: 2, field: 'company' }, { column: 4, field: 'company' }] } });
    expect(twice.mappingProblems.map((x) => importText(x))).toEqual(['"Компания" and "Источник" all map to Company: it takes one column. Set the others to Ignore.']);

    const nothing = s.preview({ mapping: { delimiter: ';', hasHeader: true, columns: [{ column: 2, field: 'company' }] } });
    expect(nothing.mappingProblems.map((x) => importText(x))).toEqual(['No column maps to the name or to a phone: a client needs at least one of them.']);
    // Every row would be skipped: the preview says so row by row.
    expect(nothing).toMatchObject({ importable: 0, skipped: 5 });

    const missing = s.preview({ mapping: { delimiter: ';', hasHeader: true, columns: [{ column: 9, field: 'name' }] } });
    expect(missing.mappingProblems.map((x) => importText(x))).toEqual(['invalid column mapping: column 9 does not exist (the file has 5 columns, numbered from 0)']);
    expect(missing.rows).toEqual([]);
  });

  it('reads the file with another delimiter or header choice when asked, and says when the first row is not headers', () => {
    const s = session('Петров Олег,+7 495 123-45-67\nСмирнова Анна,8 812 700 00 01\n');
    const p = s.preview({});
    expect(p.csv).toMatchObject({ delimiter: ',', hasHeader: false, headers: ['Column 1', 'Column 2'] });
    expect(p.notices.map((x) => importText(x))).toEqual([
      'The first row does not look like column names, so it is imported as data and the columns are numbered. If it holds the column names, tick "First row holds column names".',
    ]);
    expect(p.mappingProblems.map((x) => importText(x))).toEqual(['No column maps to the name or to a phone: a client needs at least one of them.']);
    const semicolons = s.preview({ delimiter: ';', hasHeader: true });
    expect(semicolons.csv).toMatchObject({ delimiter: ';', hasHeader: true, headers: ['Петров Олег,+7 495 123-45-67'] });
    expect(semicolons.notices.map((x) => importText(x))).toEqual(['Only one column was found with semicolons between columns: if the file has several, choose another delimiter.']);
  });

  it('tells the encoding it read and rows with more cells than column names', () => {
    const p = session('Имя;Телефон\nПетров;+7 495 123-45-67;лишнее;ещё\nАнна;8 812 700 00 01\n', 'old.csv', 'windows-1251').preview({});
    expect(p.notices.map((x) => importText(x))).toEqual([
      'The file is not UTF-8: it was read as Windows-1251 (Cyrillic), the way Russian Excel saves CSV. If the letters look wrong, save it as "CSV UTF-8" and choose it again.',
      '1 row has more cells than there are column names (row 2: 4 cells, 2 names): a value may contain the delimiter without quotes, or the delimiter is wrong. The extra cells are in the columns named "Column 3"…',
    ]);
  });

  it('says what is wrong with a malformed file and where', () => {
    const s = session('Имя;Телефон\nПетров;+7 495 123-45-67\n"Смирнова;8 812 700 00 01\n');
    expect(() => s.preview({})).toThrow(ImportError);
    expect(() => s.preview({})).toThrow(/^the file is not valid CSV: the quote \("\) that opens a value on line 3 is never closed/);
  });

  it('checks rows against a time budget on a big file and says how many it checked', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `Клиент ${i};+7 495 ${String(1000000 + i)}`);
    const p = session(['Имя;Телефон', ...rows].join('\n')).preview({}, 0);
    expect(p.total).toBe(3000);
    expect(p.checked).toBeLessThan(3000);
    expect(p.checked).toBeGreaterThanOrEqual(10);
    expect(p.rows).toHaveLength(10);
  });

  it('imports with the confirmed mapping, reporting progress, and a cancelled import writes nothing', () => {
    const d = directory();
    const s = session(russianCsv);
    const progress: number[] = [];
    const result = s.run({ delimiter: ';', hasHeader: true, columns: [{ column: 0, field: 'name' }, { column: 1, field: 'phone' }, { column: 3, field: 'request' }] }, d, {
      onProgress: (done, total) => progress.push(done / total),
    });
    expect(result).toMatchObject({ imported: 4, merged: [], skipped: [{ row: 4, reason: { key: 'noNameNoPhone' } }] });
    expect(progress).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(d.findByNumber('84951234567')).toMatchObject([{ name: 'Петров Олег', request: 'Просил КП', notes: null }]);

    const other = directory();
    let asked = 0;
    expect(() => s.run(undefined, other, { shouldStop: () => ++asked > 3 })).toThrow(ImportCancelledError);
    expect(other.count()).toBe(0);
    expect(summarise(result, d.count(), 1.5)).toEqual({
      created: 4,
      merged: 0,
      skipped: 1,
      warningCount: 0,
      mergedRows: [],
      skippedRows: [{ row: 4, reason: { key: 'noNameNoPhone' } }],
      warnings: [],
      clientsAfter: 4,
      seconds: 1.5,
    });
  });

  it('refuses pieces that arrive out of order or beyond the announced length', () => {
    const s = new ImportSession({ id: 'imp-x', fileName: 'a.csv', length: 10, encoding: 'utf-8' });
    expect(() => s.append(5, 'abc')).toThrow('the file arrived out of order: a piece at character 5, expected 0');
    s.append(0, 'abcde');
    expect(() => s.preview({})).toThrow('the file has not arrived whole yet (5 of 10 characters)');
    expect(() => s.append(5, 'abcdefgh')).toThrow('the file is longer than announced (10 characters)');
  });
});

describe('ImportSession: a vCard file', () => {
  const vcf = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Петров Олег',
    'ORG:Жемчуг',
    'TEL;TYPE=CELL:+7 916 555-12-34',
    'EMAIL:not-an-email',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:3.0',
    'ORG:Nobody',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Lost card',
    '',
  ].join('\r\n');

  it('previews the cards, their problems, and a card the file never closes', () => {
    const p = session(vcf, 'contacts.vcf').preview({});
    expect(p).toMatchObject({ kind: 'vcard', csv: null, mappingProblems: [], total: 2, importable: 1, skipped: 1 });
    expect(p.fields).toEqual(['name', 'company', 'phones']);
    expect(inEnglish(p.rows)).toEqual([
      {
        row: 1,
        skipped: false,
        values: { name: 'Петров Олег', company: 'Жемчуг', phones: '+7 916 555-12-34 (mobile)' },
        problems: ['Emails: "not-an-email" dropped: must be an email address such as anna@example.com'],
      },
      { row: 2, skipped: true, values: {}, problems: ['name: a client needs a name or a phone number: not imported'] },
    ]);
    expect(p.notices.map((x) => importText(x))).toEqual(['A card was not read: the BEGIN:VCARD on line 12 has no END:VCARD. The other cards can be imported.']);
  });

  it('is recognised by its content whatever the file is called, and a file with no card says so', () => {
    expect(session(vcf, 'export.txt').preview({}).kind).toBe('vcard');
    expect(() => session('Name,Phone\n', 'contacts.vcf').preview({})).toThrow('no contact found: a vCard file has BEGIN:VCARD … END:VCARD blocks');
  });
});

describe('createImportEndpoint', () => {
  it('answers requests in order, reports progress while it imports, and cancels when the flag is set', () => {
    const d = directory();
    const text = ['Имя;Телефон', ...Array.from({ length: 50 }, (_, i) => `Клиент ${i};+7 495 ${String(1000000 + i)}`)].join('\n');
    const messages: SessionMessage[] = [];
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    let opened = 0;
    let closed = 0;
    const handle = createImportEndpoint({ id: 'imp-e', fileName: 'a.csv', length: text.length, encoding: 'utf-8', cancel }, (m) => messages.push(m), () => {
      opened++;
      return { directory: d, close: () => closed++ };
    });
    handle({ t: 'append', req: 1, offset: 0, chunk: text });
    handle({ t: 'run', req: 2, dbFile: 'unused', region: 'RU' });
    expect(messages[0]).toEqual({ t: 'reply', req: 1, ok: true, value: { received: text.length, complete: true } });
    const progress = messages.filter((m) => m.t === 'progress');
    expect(progress[0]).toEqual({ t: 'progress', done: 1, total: 50 });
    expect(progress.at(-1)).toEqual({ t: 'progress', done: 50, total: 50 });
    expect(messages.at(-1)).toMatchObject({ t: 'reply', req: 2, ok: true, value: { created: 50, clientsAfter: 50 } });
    expect([opened, closed]).toEqual([1, 1]);

    // Cancelled (as the main thread does it, through the shared flag): rolled back, said so.
    const other = directory();
    const handle2 = createImportEndpoint({ id: 'imp-f', fileName: 'a.csv', length: text.length, encoding: 'utf-8', cancel }, (m) => {
      messages.push(m);
      if (m.t === 'progress') Atomics.store(cancel, 0, 1);
    }, () => ({ directory: other, close: () => undefined }));
    handle2({ t: 'append', req: 1, offset: 0, chunk: text });
    handle2({ t: 'run', req: 2, dbFile: 'unused', region: 'RU' });
    expect(messages.at(-1)).toEqual({ t: 'reply', req: 2, ok: false, error: 'the import was cancelled: nothing was imported', cancelled: true });
    expect(other.count()).toBe(0);

    handle2({ t: 'preview', req: 3, request: { delimiter: ',' } });
    expect(messages.at(-1)).toMatchObject({ t: 'reply', req: 3, ok: true, value: { csv: { delimiter: ',' } } });
  });

  it('after a preview whose mapping can import, the helpers start on its rows with the region given; a mapping that cannot, stops them', () => {
    const rows = parallelPrepareMin + 10;
    const text = ['Имя;Телефон;Город', ...Array.from({ length: rows }, (_, i) => `Клиент ${i};+7 495 ${String(1000000 + i)};Москва`)].join('\n');
    const calls: string[] = [];
    const preparer = {
      warm: () => undefined,
      close: () => calls.push('close'),
      csv: () => [],
      items: () => [],
      prepareAhead: (table: CsvTable, mapping: CsvMappingInEffect, source: string, region: string) =>
        calls.push(`ahead ${table.rows.length} rows, ${mapping.columns.map((c) => `${c.column}→${c.field}`).join(' ')}, tags by "${mapping.tagSeparator}", ${source}, ${region}`),
      dropAhead: () => calls.push('drop'),
    };
    const messages: SessionMessage[] = [];
    const handle = createImportEndpoint(
      { id: 'imp-g', fileName: 'a.csv', length: text.length, encoding: 'utf-8', cancel: new Int32Array(new SharedArrayBuffer(4)) },
      (m) => messages.push(m),
      () => ({ directory: directory(), close: () => undefined }),
      preparer,
    );
    handle({ t: 'append', req: 1, offset: 0, chunk: text });
    handle({ t: 'preview', req: 2, request: {}, region: 'RU' });
    expect(messages.at(-1)).toMatchObject({ t: 'reply', req: 2, ok: true });
    expect(calls).toEqual([`ahead ${rows + 1} rows, 0→name 1→phone, tags by ",", csv, RU`]);
    // Only the city mapped: no name, no phone, nothing to import yet.
    handle({ t: 'preview', req: 3, request: { mapping: { columns: [{ column: 2, field: 'notes' }] } }, region: 'RU' });
    expect(messages.at(-1)).toMatchObject({ t: 'reply', req: 3, ok: true, value: { mappingProblems: [{ key: 'noNameOrPhoneColumn' }] } });
    expect(calls.at(-1)).toBe('drop');
  });
});
