import { afterEach, describe, expect, it } from 'vitest';
import { fixedT } from '../../common/i18n/translate';
import { importText } from '../../common/importText';
import { DirectoryService } from './directory';
import { decodeText, detectDelimiter, guessMapping, ImportError, importCsv, importVCards, parseVCards, previewCsv } from './importers';

const open: DirectoryService[] = [];
const directory = () => {
  const d = new DirectoryService(':memory:', { defaultRegion: 'RU' });
  open.push(d);
  return d;
};
afterEach(() => {
  for (const d of open.splice(0)) d.close();
});

/** What Russian Excel writes: a BOM, ";" between cells, Windows line ends, Russian headers. */
const russianExcel = [
  '\uFEFFФамилия;Имя;Отчество;Телефон;Мобильный;Компания;Должность;E-mail;Теги;Менеджер;Дата рождения;Комментарий',
  'Петров;Олег;Иванович;+7 (495) 123-45-67;8 916 555-12-34;"ООО ""Жемчуг""";Директор;oleg@zhemchug.ru;VIP, client-club;Анна Соколова;12.04.1985;"Звонить после 10:00; не раньше"',
  'Смирнова;Анна;;8 (812) 700-00-01;;Ромашка;;anna@romashka.ru;new;;;',
  ';;;;;;;;;;;',
  ';;;;;;Бухгалтер;;;;;без имени и телефона',
  'Кузнецов;Дмитрий;;84951112233;;;;not-an-email;;;31.02.1990;',
].join('\r\n');

const names = (clients: readonly { name: string | null }[]) => clients.map((c) => c.name);

describe('previewCsv', () => {
  it('previews a Russian Excel export: BOM, ";" delimiter, Russian headers mapped', () => {
    const p = previewCsv(russianExcel);
    expect(p.delimiter).toBe(';');
    expect(p.hasHeader).toBe(true);
    expect(p.headers).toEqual(['Фамилия', 'Имя', 'Отчество', 'Телефон', 'Мобильный', 'Компания', 'Должность', 'E-mail', 'Теги', 'Менеджер', 'Дата рождения', 'Комментарий']);
    expect(p.totalRows).toBe(4); // the empty ";;;;" row is not counted
    expect(p.rows[0]).toEqual([
      'Петров', 'Олег', 'Иванович', '+7 (495) 123-45-67', '8 916 555-12-34', 'ООО "Жемчуг"', 'Директор', 'oleg@zhemchug.ru', 'VIP, client-club', 'Анна Соколова', '12.04.1985', 'Звонить после 10:00; не раньше',
    ]);
    expect(p.guessedMapping).toEqual({
      delimiter: ';',
      hasHeader: true,
      tagSeparator: ',',
      columns: [
        { column: 0, field: 'lastName' },
        { column: 1, field: 'firstName' }, // "Имя" next to "Фамилия" is the first name
        { column: 2, field: 'middleName' },
        { column: 3, field: 'phone' },
        { column: 4, field: 'phone', label: 'mobile' },
        { column: 5, field: 'company' },
        { column: 6, field: 'position' },
        { column: 7, field: 'email' },
        { column: 8, field: 'tags' },
        { column: 9, field: 'accountManager' },
        { column: 10, field: 'birthday' },
        { column: 11, field: 'notes' },
      ],
    });
  });

  it('previews a comma-separated English export and recognises its headers', () => {
    const csv = 'Name,Mobile Phone,Work Phone,Company,Job Title,E-mail Address,Tags,Account manager,Lead source,Notes\n"Smith, John",+44 20 7946 0018,,Acme,CEO,john@acme.example,VIP,Peter,website,"Likes ""short"" calls"\n';
    const p = previewCsv(csv);
    expect(p.delimiter).toBe(',');
    expect(p.rows).toEqual([['Smith, John', '+44 20 7946 0018', '', 'Acme', 'CEO', 'john@acme.example', 'VIP', 'Peter', 'website', 'Likes "short" calls']]);
    expect(p.guessedMapping.columns).toEqual([
      { column: 0, field: 'name' },
      { column: 1, field: 'phone', label: 'mobile' },
      { column: 2, field: 'phone', label: 'work' },
      { column: 3, field: 'company' },
      { column: 4, field: 'position' },
      { column: 5, field: 'email' },
      { column: 6, field: 'tags' },
      { column: 7, field: 'accountManager' },
      { column: 8, field: 'leadSource' },
      { column: 9, field: 'notes' },
    ]);
  });

  it('tells a file without a header row, and takes the delimiter and header choice it is given', () => {
    const csv = 'Петров Олег;+7 495 123-45-67\nСмирнова Анна;8 812 700 00 01\n';
    const p = previewCsv(csv);
    expect(p).toMatchObject({ delimiter: ';', hasHeader: false, headers: ['Column 1', 'Column 2'], totalRows: 2 });
    expect(p.guessedMapping.columns).toEqual([]); // nothing to guess from: the person maps the columns
    expect(previewCsv(csv, { hasHeader: true })).toMatchObject({ headers: ['Петров Олег', '+7 495 123-45-67'], totalRows: 1 });
    expect(previewCsv(csv, { delimiter: ',', hasHeader: false })).toMatchObject({ delimiter: ',', headers: ['Column 1'], rows: [['Петров Олег;+7 495 123-45-67'], ['Смирнова Анна;8 812 700 00 01']] });
  });

  it('shows at most 20 rows but counts them all', () => {
    const csv = ['Имя;Телефон', ...Array.from({ length: 45 }, (_, i) => `Клиент ${i};+7 495 100-00-${String(i).padStart(2, '0')}`)].join('\n');
    const p = previewCsv(csv);
    expect(p.rows).toHaveLength(20);
    expect(p.totalRows).toBe(45);
    expect(p.guessedMapping.columns).toEqual([
      { column: 0, field: 'name' }, // "Имя" alone is the whole name
      { column: 1, field: 'phone' },
    ]);
  });

  it('reads the delimiter from the lines, not from a comma inside a cell', () => {
    expect(detectDelimiter('a;b;c\n"1,5";2;3\n')).toBe(';');
    expect(detectDelimiter('a,b,c\n"x;y",2,3\n')).toBe(',');
    expect(detectDelimiter('a\tb\n1\t2\n')).toBe('\t');
    expect(guessMapping(['Имя менеджера', 'ФИО', 'Номер договора'])).toEqual([
      { column: 0, field: 'accountManager' },
      { column: 1, field: 'name' },
    ]);
  });

  it('says what is wrong with a file that is not CSV', () => {
    expect(() => previewCsv('Имя;Телефон\n"Петров;+7 495 123-45-67\n')).toThrow(ImportError);
    expect(() => previewCsv('Имя;Телефон\n"Петров;+7 495 123-45-67\n')).toThrow(
      'the file is not valid CSV: the quote (") that opens a value on line 2 is never closed, so the rest of the file would be read as one value. Close or remove that quote',
    );
    // A quoted value may span lines and hold "" quotes: the one that never closes is found.
    expect(() => previewCsv('Имя;Заметка\nПетров;"две\nстроки, ""цитата"""\nСмирнова;"не закрыта\nКузнецов;ок\n')).toThrow(/opens a value on line 4 is never closed/);
  });
});

describe('importCsv', () => {
  it('imports a Russian Excel export with the guessed mapping, skipping rows with no name and no phone', () => {
    const d = directory();
    const result = importCsv(russianExcel, previewCsv(russianExcel).guessedMapping, d);
    expect(result.imported).toBe(3);
    expect(result.merged).toEqual([]);
    // Row numbers as the spreadsheet shows them (the header is row 1); an empty row is no row to report.
    expect(result.skipped.map((x) => ({ ...x, reason: importText(x.reason) }))).toEqual([{ row: 5, reason: 'no name and no phone' }]);
    expect(result.warnings.map((x) => ({ ...x, message: importText(x.message) }))).toEqual([
      { row: 6, message: 'Emails: "not-an-email" dropped: must be an email address such as anna@example.com' },
      { row: 6, message: 'Birthday: "1990-02-31" dropped: must be a date such as 1985-04-12, or --04-12 when the year is not known' },
    ]);
    expect(d.count()).toBe(3);

    const [oleg] = d.findByNumber('84951234567');
    expect(oleg).toMatchObject({
      name: 'Петров Олег Иванович',
      company: 'ООО "Жемчуг"',
      position: 'Директор',
      phones: [
        { number: '+74951234567', label: 'other', raw: '+7 (495) 123-45-67' },
        { number: '+79165551234', label: 'mobile', raw: '8 916 555-12-34' },
      ],
      emails: ['oleg@zhemchug.ru'],
      tags: ['VIP', 'client-club'],
      accountManager: 'Анна Соколова',
      birthday: '1985-04-12',
      notes: 'Звонить после 10:00; не раньше',
      source: 'csv',
    });
    expect(names(d.search('Смирн'))).toEqual(['Смирнова Анна']);
    expect(names(d.search('VIP'))).toEqual(['Петров Олег Иванович']);
    expect(d.findByNumber('+7 495 111-22-33')).toMatchObject([{ name: 'Кузнецов Дмитрий', emails: [], birthday: null }]);
  });

  it('merges a row whose phone already belongs to a client instead of duplicating it, and says so', () => {
    const d = directory();
    const existing = d.create({ name: 'Петров Олег', phones: ['+74951234567'], tags: ['new'], notes: 'Звонил в январе' });
    const csv = 'ФИО;Телефон;E-mail;Теги;Компания;Примечание\nПетров Олег;8 (495) 123-45-67;oleg@zhemchug.ru;VIP;Жемчуг;Хочет скидку\nСмирнова Анна;+7 812 700-00-01;;;;\n';
    const result = importCsv(csv, previewCsv(csv).guessedMapping, d);
    expect(result).toEqual({ imported: 1, merged: [{ row: 2, clientId: existing.id, name: 'Петров Олег' }], skipped: [], warnings: [] });
    expect(d.count()).toBe(2);
    expect(d.get(existing.id)).toMatchObject({
      name: 'Петров Олег',
      phones: [{ number: '+74951234567', raw: '+74951234567' }], // the same number: not added twice
      emails: ['oleg@zhemchug.ru'],
      tags: ['new', 'VIP'],
      company: 'Жемчуг',
      notes: 'Звонил в январе\n\nХочет скидку',
      source: 'manual',
    });

    // The same file again: every row finds its client; nothing is duplicated or changed.
    const before = d.get(existing.id);
    const again = importCsv(csv, previewCsv(csv).guessedMapping, d);
    expect(again.imported).toBe(0);
    expect(again.merged.map((m) => m.row)).toEqual([2, 3]);
    expect(d.count()).toBe(2);
    expect(d.get(existing.id)).toEqual(before);
  });

  it('keeps the client’s own name on a merge and warns when the row names someone else', () => {
    const d = directory();
    const reception = d.create({ name: 'Жемчуг, приёмная', phones: ['+74951234567'] });
    d.create({ name: 'Жемчуг, бухгалтерия', phones: ['+74951234567'] });
    const result = importCsv('Имя;Телефон\nАнна Петрова;84951234567\n', { columns: [{ column: 'Имя', field: 'name' }, { column: 'Телефон', field: 'phone' }] }, d);
    expect(result.merged).toEqual([{ row: 2, clientId: reception.id, name: 'Жемчуг, приёмная' }]);
    expect(result.warnings).toEqual([
      { row: 2, message: 'its phone also belongs to "Жемчуг, бухгалтерия": merged into "Жемчуг, приёмная"' },
      { row: 2, message: 'name "Анна Петрова" differs from "Жемчуг, приёмная", who has the same phone: kept "Жемчуг, приёмная"' },
    ]);
  });

  it('applies a mapping the person made: columns by header or index, labels, needs, several phones in a cell', () => {
    const d = directory();
    const csv = 'Клиент|Телефоны|Бюджет|Метки\nПетров Олег|+7 495 123-45-67, 8 916 555 12 34|до 100 000|VIP / new\n';
    const result = importCsv(
      csv,
      {
        delimiter: '|',
        columns: [
          { column: 0, field: 'name' },
          { column: 'телефоны', field: 'phone', label: 'work' },
          { column: 'Бюджет', field: 'need', key: 'Какой бюджет?' },
          { column: 3, field: 'tags' },
        ],
        tagSeparator: '/',
      },
      d,
    );
    expect(result.imported).toBe(1);
    expect(d.search('петров')[0]).toMatchObject({
      phones: [
        { number: '+74951234567', label: 'work' },
        { number: '+79165551234', label: 'work' },
      ],
      needs: { 'Какой бюджет?': 'до 100 000' },
      tags: ['VIP', 'new'],
    });
  });

  it('rejects a bad mapping or a broken file with a clear message and writes nothing', () => {
    const d = directory();
    const csv = 'Имя;Телефон\nПетров Олег;+7 495 123-45-67\n';
    expect(() => importCsv(csv, { columns: [{ column: 0, field: 'company' }] }, d)).toThrow(
      'invalid column mapping: columns: map at least one column to the name or to a phone',
    );
    expect(() => importCsv(csv, { columns: [{ column: 5, field: 'name' }] }, d)).toThrow(
      'invalid column mapping: column 5 does not exist (the file has 2 columns, numbered from 0)',
    );
    expect(() => importCsv(csv, { columns: [{ column: 'ФИО', field: 'name' }] }, d)).toThrow(
      'invalid column mapping: the file has no column "ФИО" (its columns: "Имя", "Телефон")',
    );
    expect(() => importCsv(csv, { columns: [{ column: 0, field: 'name' }, { column: 1, field: 'name' }] }, d)).toThrow(
      'invalid column mapping: columns.1.field: "name" is already fed by column 0',
    );
    expect(() => importCsv(csv, { columns: [{ column: 0, field: 'surname' as never }] }, d)).toThrow(/invalid column mapping: columns\.0\.field: must be one of name, lastName/);
    expect(() => importCsv('Имя;Телефон\n"Петров;1\n', { columns: [{ column: 0, field: 'name' }] }, d)).toThrow(/the file is not valid CSV/);
    expect(d.count()).toBe(0);
  });
});

describe('vCard', () => {
  const vcf = [
    'BEGIN:VCARD',
    'VERSION:3.0',
    'FN:Петров Олег',
    '  Иванович',
    'N:Петров;Олег;Иванович;;',
    'ORG:Жемчуг;Отдел продаж',
    'TITLE:Директор',
    'TEL;TYPE=CELL:+7 916 555-12-34',
    'TEL;TYPE=WORK,VOICE:8 (495) 123-45-67',
    'EMAIL;TYPE=INTERNET:oleg@zhemchug.ru',
    'CATEGORIES:VIP,client-club',
    'NOTE:Звонить после 10:00\\, не раньше.\\nПросил КП по',
    '  почте.',
    'BDAY:1985-04-12',
    'END:VCARD',
    'BEGIN:VCARD',
    'VERSION:4.0',
    'N:Smith;John;;;',
    'TEL;VALUE=uri;TYPE="voice,home":tel:+44-20-7946-0018',
    'item1.EMAIL:john@acme.example',
    'BDAY:--0412',
    'END:VCARD',
    '',
  ].join('\r\n');

  it('reads two cards with folded lines, types and escapes', () => {
    expect(parseVCards(vcf)).toEqual([
      {
        name: 'Петров Олег Иванович',
        company: 'Жемчуг, Отдел продаж',
        position: 'Директор',
        phones: [
          { raw: '+7 916 555-12-34', label: 'mobile' },
          { raw: '8 (495) 123-45-67', label: 'work' },
        ],
        emails: ['oleg@zhemchug.ru'],
        tags: ['VIP', 'client-club'],
        notes: 'Звонить после 10:00, не раньше.\nПросил КП по почте.',
        birthday: '1985-04-12',
        source: 'vcard',
      },
      { name: 'John Smith', phones: [{ raw: '+44-20-7946-0018', label: 'home' }], emails: ['john@acme.example'], tags: [], birthday: '--04-12', source: 'vcard' },
    ]);
  });

  it('imports the cards, merging by phone like a CSV', () => {
    const d = directory();
    const existing = d.create({ name: 'Smith', phones: ['+442079460018'] });
    const result = importVCards(vcf, d);
    expect(result).toEqual({
      imported: 1,
      merged: [{ row: 2, clientId: existing.id, name: 'Smith' }],
      skipped: [],
      warnings: [{ row: 2, message: 'name "John Smith" differs from "Smith", who has the same phone: kept "Smith"' }],
    });
    expect(d.findByNumber('89165551234')).toMatchObject([{ name: 'Петров Олег Иванович', source: 'vcard', tags: ['VIP', 'client-club'] }]);
    expect(d.get(existing.id)).toMatchObject({ emails: ['john@acme.example'], birthday: '--04-12' });
  });

  it('reads vCard 2.1 as phones export it: bare types and quoted-printable UTF-8', () => {
    const v21 = 'BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=9F=D0=B5=D1=82=D1=80=20=D0=A1=D0=BC=D0=B8=\r\n=D1=80=D0=BD=D0=BE=D0=B2\r\nTEL;CELL:+79165551234\r\nEND:VCARD\r\n';
    expect(parseVCards(v21)).toEqual([{ name: 'Петр Смирнов', phones: [{ raw: '+79165551234', label: 'mobile' }], emails: [], tags: [], source: 'vcard' }]);
  });

  it('skips a card with no name and no phone, drops a bad value with a warning, and rejects a file with no card', () => {
    const d = directory();
    const result = importVCards('BEGIN:VCARD\nVERSION:3.0\nORG:Nobody\nEND:VCARD\nBEGIN:VCARD\nVERSION:3.0\nFN:Анна\nEMAIL:not-an-email\nEND:VCARD\n', d);
    expect({
      ...result,
      skipped: result.skipped.map((x) => ({ ...x, reason: importText(x.reason) })),
      warnings: result.warnings.map((x) => ({ ...x, message: importText(x.message) })),
    }).toEqual({
      imported: 1,
      merged: [],
      skipped: [{ row: 1, reason: 'name: a client needs a name or a phone number' }],
      warnings: [{ row: 2, message: 'Emails: "not-an-email" dropped: must be an email address such as anna@example.com' }],
    });
    // In the window's language: the field's name and the check's words.
    expect(importText(result.skipped[0]!.reason, fixedT('ru'))).toBe('name: у клиента должно быть имя или номер телефона');
    expect(importText(result.warnings[0]!.message, fixedT('ru'))).toBe('Эл. почта: «not-an-email» отброшено: нужен адрес электронной почты, например anna@example.com');
    expect(() => importVCards('Name,Phone\nOleg,123\n', d)).toThrow('no contact found: a vCard file has BEGIN:VCARD … END:VCARD blocks');
    expect(d.count()).toBe(1);
  });
});

describe('decodeText', () => {
  it('reads UTF-8 (with or without a BOM), UTF-16 with a BOM, and Windows-1251', () => {
    const text = 'ФИО;Телефон';
    expect(decodeText(new TextEncoder().encode(text))).toBe(text);
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]))).toBe(text);
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) utf16.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + i * 2);
    expect(decodeText(utf16)).toBe(text);
    // "ФИО;Телефон" as Russian Excel saves it.
    expect(decodeText(new Uint8Array([0xd4, 0xc8, 0xce, 0x3b, 0xd2, 0xe5, 0xeb, 0xe5, 0xf4, 0xee, 0xed]))).toBe(text);
  });
});
