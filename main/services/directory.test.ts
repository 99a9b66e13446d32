import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallLogQuery, CallRecord } from '../../common/callLog';
import { normalisePhone, phoneKeys, phoneSearchDigits, type DirectoryChanged } from '../../common/directory';
import { bulkImportMin, DirectoryInputError, DirectoryService, directorySchemaVersion, uuidV7 } from './directory';

/** better-sqlite3 itself, to look at or tamper with a file behind the service's back. */
const RawDatabase = createRequire(import.meta.url)('better-sqlite3') as new (file: string) => {
  pragma(source: string, options?: { simple: true }): unknown;
  close(): void;
};

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-directory-'));
  dirs.push(dir);
  return dir;
};
const open: DirectoryService[] = [];
const service = (file: string = ':memory:', defaultRegion = 'RU') => {
  const s = new DirectoryService(file, { defaultRegion });
  open.push(s);
  return s;
};
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const names = (clients: readonly { name: string | null }[]) => clients.map((c) => c.name);
/** The service's own connection, to look at its tables. */
const dbOf = (d: DirectoryService) => (d as unknown as { db: { prepare(sql: string): { all(): unknown[] } } }).db;

describe('phone normalisation (common/directory.ts)', () => {
  it('reads the spellings of one Russian number as one E.164 number with region RU', () => {
    for (const raw of ['+7 495 123-45-67', '8 (495) 123-45-67', '84951234567', '4951234567', '+7(495)1234567']) {
      expect(normalisePhone(raw, 'RU')).toEqual({ e164: '+74951234567', digits: expect.any(String), national: '4951234567', tail: '1234567' });
    }
    expect(phoneKeys('84951234567', 'RU')).toEqual(['e164:+74951234567', 'nsn:4951234567', 'tail:1234567']);
  });

  it('does not invent a country for a number without one that is not valid in the region', () => {
    // In GB "4951234567" is no number: no E.164 form (not +44 4951234567), but the same national key.
    expect(normalisePhone('4951234567', 'GB')).toEqual({ e164: null, digits: '4951234567', national: '4951234567', tail: '1234567' });
    expect(phoneKeys('4951234567', 'GB')).toEqual(['nsn:4951234567', 'tail:1234567']);
    expect(normalisePhone('+1 555 000 1234', 'RU').e164).toBe('+15550001234'); // written with its country: kept
    expect(normalisePhone('1001', 'RU')).toEqual({ e164: null, digits: '1001', national: '1001', tail: '1001' });
    expect(phoneKeys('anonymous', 'RU')).toEqual([]);
    // An extension does not change the number it is matched by.
    expect(phoneKeys('8 (495) 123-45-67 доб. 123', 'RU')).toEqual(['e164:+74951234567', 'nsn:4951234567', 'tail:1234567']);
  });

  it('lists the digit strings a number is typed as', () => {
    expect(phoneSearchDigits('+7 495 123-45-67', 'RU')).toEqual(['74951234567', '84951234567']);
    expect(phoneSearchDigits('123-45-67', 'RU')).toEqual(['1234567']);
  });
});

describe('DirectoryService.findByNumber', () => {
  it('finds one client by the three spellings of their number (region RU)', () => {
    const d = service();
    const oleg = d.create({ name: 'Петров Олег', phones: ['+7 495 123-45-67'] });
    d.create({ name: 'Someone Else', phones: ['+7 812 555-01-02'] });
    expect(oleg.phones).toEqual([{ number: '+74951234567', label: 'other', raw: '+7 495 123-45-67' }]);
    for (const spelling of ['+7 495 123-45-67', '84951234567', '4951234567']) {
      expect(d.findByNumber(spelling).map((c) => c.id)).toEqual([oleg.id]);
    }
    expect(d.findByNumber('+7 495 000-00-00')).toEqual([]);
    expect(d.findByNumber('anonymous')).toEqual([]);
  });

  it('returns every client sharing a number, exact matches first, never picking one', () => {
    const d = service();
    const reception = d.create({ name: 'Ромашка, приёмная', phones: [{ raw: '8 (495) 123-45-67', label: 'work' }] });
    const oleg = d.create({ name: 'Петров Олег', phones: ['+74951234567', '+79161234567'] });
    // Entered without an area code: libphonenumber cannot read it, so only its last digits match.
    const local = d.create({ name: 'Local Number', phones: ['123-45-67'] });
    d.create({ name: 'Other Country', phones: ['+1 495 123 4567'] });
    const matches = d.matchNumber('+7 495 123-45-67');
    expect(matches.map((m) => [m.client.id, m.match])).toEqual([
      [oleg.id, 'exact'],
      [reception.id, 'exact'],
      [local.id, 'tail'],
    ]);
    expect(d.findByNumber('4951234567').map((c) => c.name)).toEqual(['Петров Олег', 'Ромашка, приёмная', 'Local Number']);
  });

  it('matches a number typed while the region was another one by its national number', () => {
    const d = service(':memory:', 'GB');
    const c = d.create({ name: 'Typed in London', phones: ['4951234567'] });
    expect(c.phones[0]!.number).toBe('4951234567'); // not readable in GB: kept as entered
    expect(d.matchNumber('+74951234567').map((m) => [m.client.id, m.match])).toEqual([[c.id, 'national']]);
  });

  it('reads again, with a new region, the numbers it could not read', () => {
    const d = service(':memory:', 'GB');
    const c = d.create({ name: 'Typed in London', phones: ['8 (495) 123-45-67'] });
    const changes: DirectoryChanged[] = [];
    d.onChanged((change) => changes.push(change));
    expect(d.setDefaultRegion('RU')).toBe(1);
    expect(d.get(c.id)!.phones).toEqual([{ number: '+74951234567', label: 'other', raw: '8 (495) 123-45-67' }]);
    expect(d.matchNumber('+74951234567')[0]).toMatchObject({ match: 'exact' });
    expect(d.search('7495123').map((x) => x.id)).toEqual([c.id]);
    expect(changes).toEqual([{ reason: 'renumbered', ids: [], count: 1 }]);
    expect(() => d.setDefaultRegion('Russia')).toThrow(/"Russia" is not a two-letter region/);
  });
});

describe('DirectoryService.warmUp', () => {
  it("does at start what the first caller's lookup would do: after it, a lookup prepares no statement", () => {
    for (const seeded of [true, false]) {
      const d = service();
      if (seeded) d.create({ name: 'Кузнецова Мария', phones: ['8 (495) 765-43-21'] });
      d.warmUp();
      const db = (d as unknown as { db: { prepare(sql: string): unknown } }).db;
      const prepared: string[] = [];
      const prepare = db.prepare.bind(db);
      db.prepare = (sql: string) => (prepared.push(sql), prepare(sql));
      expect(names(d.findByNumber('+7 495 765-43-21'))).toEqual(seeded ? ['Кузнецова Мария'] : []);
      expect(prepared, seeded ? 'with clients' : 'empty directory').toEqual([]);
    }
  });
});

describe('DirectoryService.search (type-ahead)', () => {
  const seed = (d: DirectoryService) => {
    d.create({ name: 'Петров Олег', company: 'ООО «Жемчуг»', phones: ['+7 495 123-45-67'], emails: ['oleg.petrov@zhemchug.ru'], tags: ['VIP'] });
    d.create({ name: 'Пётр Смирнов', company: 'Ромашка', phones: ['+7 916 555-12-34'], tags: ['client-club'] });
    d.create({ name: 'Сидоров Андрей', company: 'Альфа-Строй', phones: ['+7 812 700-00-01'] });
    d.create({ name: 'Анна Иванова', phones: ['+7 343 222-33-44'], tags: ['new'] });
    d.create({ name: 'John Smith', company: 'Acme Ltd', phones: ['+44 20 7946 0018'], emails: ['john@acme.example'] });
  };

  it('finds a client by a fragment of the name, Cyrillic included, case and ё aside', () => {
    const d = service();
    seed(d);
    expect(names(d.search('Петр'))).toEqual(['Пётр Смирнов', 'Петров Олег']);
    expect(names(d.search('петров'))).toEqual(['Петров Олег']);
    expect(names(d.search('ПЁТР'))).toEqual(['Пётр Смирнов', 'Петров Олег']);
    expect(names(d.search('олег петров'))).toEqual(['Петров Олег']); // words in any order
    expect(names(d.search('етро'))).toEqual(['Петров Олег']); // three letters or more: anywhere
    expect(names(d.search('smi'))).toEqual(['John Smith']);
  });

  it('treats one or two letters as the start of a word', () => {
    const d = service();
    seed(d);
    expect(names(d.search('о'))).toEqual(['Петров Олег']); // "Олег", "ООО"; not "Сидоров" (an "о" inside a word)
    expect(names(d.search('ан'))).toEqual(['Анна Иванова', 'Сидоров Андрей']); // the name starting with it first
    expect(names(d.search('ж'))).toEqual(['Петров Олег']); // «Жемчуг»: the word inside the quotes
    expect(names(d.search('др'))).toEqual([]); // "Андрей" has "др" inside, not at its start
  });

  it('finds a client by digits anywhere in a phone, however the number is typed', () => {
    const d = service();
    seed(d);
    expect(names(d.search('495123'))).toEqual(['Петров Олег']);
    expect(names(d.search('123-45'))).toEqual(['Петров Олег']);
    expect(names(d.search('+7 (495) 123'))).toEqual(['Петров Олег']);
    expect(names(d.search('8 495 123'))).toEqual(['Петров Олег']);
    expect(names(d.search('7946'))).toEqual(['John Smith']);
    expect(names(d.search('555-12'))).toEqual(['Пётр Смирнов']);
  });

  it('finds a client by company, email and tag', () => {
    const d = service();
    seed(d);
    expect(names(d.search('жемчуг'))).toEqual(['Петров Олег']);
    expect(names(d.search('альфа-строй'))).toEqual(['Сидоров Андрей']);
    expect(names(d.search('acme'))).toEqual(['John Smith']);
    expect(names(d.search('zhemchug.ru'))).toEqual(['Петров Олег']);
    expect(names(d.search('VIP'))).toEqual(['Петров Олег']);
    expect(names(d.search('client-club'))).toEqual(['Пётр Смирнов']);
    expect(names(d.search('new'))).toEqual(['Анна Иванова']);
  });

  it('lists the directory in name order for an empty text, and keeps to the limit', () => {
    const d = service();
    seed(d);
    expect(names(d.search(''))).toEqual(['John Smith', 'Анна Иванова', 'Пётр Смирнов', 'Петров Олег', 'Сидоров Андрей']);
    expect(d.search('', 2)).toHaveLength(2);
    expect(d.search({ text: 'петр', limit: 1 })).toHaveLength(1);
    expect(d.search('nobody here')).toEqual([]);
    expect(d.search('"; DROP TABLE clients; --')).toEqual([]);
    expect(d.count()).toBe(5);
    expect(() => d.search({ text: 'x', limit: 0 })).toThrow(DirectoryInputError);
  });

  it('orders many matches by name and answers from the newest when there are very many', () => {
    const d = service();
    for (let i = 0; i < 450; i++) d.create({ name: `Клиент ${String(i).padStart(3, '0')}`, company: 'Общая компания', phones: [`+7 495 100-${String(i).padStart(4, '0').slice(0, 2)}-${String(i).padStart(4, '0').slice(2)}`] });
    const found = d.search('общая', 5);
    // More matches than the type-ahead sorts: the newest 400 are sorted, the first 5 of them shown.
    expect(names(found)).toEqual(['Клиент 050', 'Клиент 051', 'Клиент 052', 'Клиент 053', 'Клиент 054']);
    expect(names(d.search('клиент 00', 3))).toEqual(['Клиент 000', 'Клиент 001', 'Клиент 002']); // the name prefix comes first
  });
});

describe('DirectoryService: the card', () => {
  it('creates a client with every card field', () => {
    const d = service();
    const c = d.create({
      name: '  Петров Олег Иванович ',
      preferredAddress: 'Олег Иванович',
      formality: 'formal',
      company: 'Жемчуг',
      position: 'Директор',
      phones: [{ raw: '+7 495 123-45-67', label: 'work' }, { raw: '8 916 555 12 34', label: 'mobile' }, '84951234567'],
      emails: ['oleg@zhemchug.ru', 'OLEG@zhemchug.ru'],
      accountManager: 'Анна Соколова',
      leadSource: 'сайт',
      referredBy: 'Иванов',
      request: 'Имплантация, два зуба',
      needs: { Бюджет: 'до 150 000', Сроки: 'до конца месяца' },
      urgency: 'в этом месяце',
      priceQuoted: '120 000 ₽',
      agreements: 'Консультация бесплатно',
      nextStep: 'Перезвонить после консультации',
      nextStepDate: '2025-02-03',
      saleDate: '2025-01-20',
      birthday: '--04-12',
      tags: ['new', 'VIP', 'vip'],
      notes: 'Просил не звонить до 10:00',
    });
    expect(c).toMatchObject({
      name: 'Петров Олег Иванович',
      formality: 'formal',
      // The same number given twice is kept once.
      phones: [
        { number: '+74951234567', label: 'work', raw: '+7 495 123-45-67' },
        { number: '+79165551234', label: 'mobile', raw: '8 916 555 12 34' },
      ],
      emails: ['oleg@zhemchug.ru'],
      needs: { Бюджет: 'до 150 000', Сроки: 'до конца месяца' },
      tags: ['new', 'VIP'],
      birthday: '--04-12',
      source: 'manual',
    });
    expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.createdAt).toBe(c.updatedAt);
    expect(d.get(c.id)).toEqual(c);
    expect(d.get('no-such-id')).toBeNull();
  });

  it('rejects bad input with a clear message and writes nothing', () => {
    const d = service();
    expect(() => d.create({ name: 'X', emails: ['not an email'] })).toThrow(
      'invalid client: emails.0: must be an email address such as anna@example.com',
    );
    expect(() => d.create({ company: 'Only a company' })).toThrow('invalid client: name: a client needs a name or a phone number');
    expect(() => d.create({ name: 'X', birthday: '1985-02-30' })).toThrow(/birthday: must be a date such as 1985-04-12/);
    expect(() => d.create({ name: 'X', phones: ['call me'] })).toThrow('invalid client: phones.0.raw: must contain digits');
    expect(() => d.create({ name: 'X', colour: 'red' } as never)).toThrow(/invalid client: .*colour/);
    expect(d.count()).toBe(0);

    const c = d.create({ name: 'Петров Олег', phones: ['+74951234567'] });
    expect(() => d.update(c.id, {})).toThrow('invalid edit: the edit changes nothing: give at least one field');
    expect(() => d.update(c.id, { name: null, phones: [] })).toThrow('invalid edit: name: a client needs a name or a phone number');
    expect(() => d.update(c.id, { formality: 'friendly' as never })).toThrow(/invalid edit: formality: must be "informal"/);
    expect(() => d.update('no-such-id', { notes: 'x' })).toThrow('no client has the id "no-such-id"');
    expect(d.get(c.id)).toEqual(c);
  });

  it('saves an edit at once: it is there after the database is closed and opened again', () => {
    const file = path.join(tmp(), 'directory.db');
    const first = service(file);
    const c = first.create({ name: 'Петров Олег', phones: ['+74951234567'], tags: ['new'] });
    const edited = first.update(c.id, {
      preferredAddress: 'Олег',
      formality: 'informal',
      needs: { 'Сколько сотрудников?': '40' },
      phones: [{ raw: '8 916 555 12 34', label: 'mobile' }],
      tags: ['VIP'],
      nextStep: 'Выслать КП',
      nextStepDate: '2025-02-03T10:00:00+03:00',
    });
    expect(edited.updatedAt > c.updatedAt).toBe(true);
    expect(edited.createdAt).toBe(c.createdAt);
    first.close();

    const again = service(file);
    expect(again.get(c.id)).toEqual(edited);
    expect(again.get(c.id)).toMatchObject({ preferredAddress: 'Олег', formality: 'informal', tags: ['VIP'], phones: [{ number: '+79165551234', label: 'mobile' }] });
    // The indexes followed the edit: the new phone and tag find the client, the old phone does not.
    expect(again.findByNumber('89165551234').map((x) => x.id)).toEqual([c.id]);
    expect(again.findByNumber('+74951234567')).toEqual([]);
    expect(names(again.search('vip'))).toEqual(['Петров Олег']);
    expect(again.search('new')).toEqual([]);
    expect(again.search('495123')).toEqual([]);
    const renamed = again.update(c.id, { name: 'Петров Олег Иванович', notes: null });
    expect(names(again.search('иванович'))).toEqual(['Петров Олег Иванович']);
    expect(renamed.tags).toEqual(['VIP']); // fields not in the edit stay
  });

  it('creates the unknown caller’s card from the number in one call', () => {
    const d = service();
    const c = d.quickCreate('8 (495) 123-45-67');
    expect(c).toMatchObject({ name: null, phones: [{ number: '+74951234567', raw: '8 (495) 123-45-67', label: 'other' }], tags: ['new'], source: 'manual' });
    expect(d.findByNumber('+74951234567').map((x) => x.id)).toEqual([c.id]);
    const named = d.quickCreate('+79165551234', 'Олег');
    expect(named.name).toBe('Олег');
    expect(names(d.search(''))).toEqual([null, 'Олег']); // "+74951234567" sorts before "олег"
    expect(() => d.quickCreate('anonymous')).toThrow('invalid new client: number: must contain digits');
  });

  it('deletes a client with its phones and search entries', () => {
    const d = service();
    const c = d.create({ name: 'Петров Олег', phones: ['+74951234567'], tags: ['VIP'] });
    expect(d.delete(c.id)).toBe(true);
    expect(d.delete(c.id)).toBe(false);
    expect(d.get(c.id)).toBeNull();
    expect(d.findByNumber('+74951234567')).toEqual([]);
    expect(d.search('петров')).toEqual([]);
    expect(d.count()).toBe(0);
  });

  it('tells listeners what changed', () => {
    const d = service();
    const changes: DirectoryChanged[] = [];
    const off = d.onChanged((change) => changes.push(change));
    const c = d.create({ name: 'Петров Олег' });
    d.update(c.id, { notes: 'x' });
    d.delete(c.id);
    off();
    d.create({ name: 'Not heard' });
    expect(changes).toEqual([
      { reason: 'created', ids: [c.id], count: 1 },
      { reason: 'updated', ids: [c.id], count: 1 },
      { reason: 'deleted', ids: [c.id], count: 0 },
    ]);
  });

  it('puts the last calls of every phone of the client on the card, newest first', () => {
    const d = service();
    const c = d.create({ name: 'Петров Олег', phones: ['+74951234567', '+79165551234'] });
    const call = (id: string, remoteNumber: string, minute: number, notes: string | null): CallRecord => ({
      id,
      conversationId: id,
      direction: 'inbound',
      localUser: '1000',
      remoteNumber,
      remoteName: null,
      dialledNumber: null,
      sipCallId: null,
      startedAt: new Date(Date.UTC(2025, 0, 15, 9, minute)).toISOString(),
      answeredAt: null,
      endedAt: new Date(Date.UTC(2025, 0, 15, 9, minute, 30)).toISOString(),
      ringMs: null,
      durationMs: null,
      outcome: 'missed',
      endCause: null,
      seen: true,
      recordingId: null,
      messageId: null,
      clientId: null,
      clientName: null,
      notes,
      transfers: 0,
      transferredFrom: null,
      transferredTo: null,
      handoffNote: null,
    });
    const history = [call('a', '+74951234567', 1, 'asked for a quote'), call('b', '89165551234', 5, null), call('c', '84951234567', 3, 'sent it')];
    const searched: CallLogQuery[] = [];
    const calls = {
      list: (q: CallLogQuery) => {
        searched.push(q);
        return { records: history.filter((r) => r.remoteNumber.replace(/\D/g, '').includes(q.search ?? '')), missedUnseen: 0 };
      },
    };
    const card = d.card(c.id, calls, 2)!;
    expect(card.client.id).toBe(c.id);
    expect(card.lastCalls.map((r) => [r.id, r.notes])).toEqual([
      ['b', null],
      ['c', 'sent it'],
    ]);
    expect(searched).toEqual([
      { search: '4951234567', limit: 2 },
      { search: '9165551234', limit: 2 },
    ]);
    expect(d.card(c.id)).toEqual({ client: card.client, lastCalls: [] });
    expect(d.card('nope', calls)).toBeNull();
  });
});

describe('DirectoryService: the database', () => {
  it('records its schema version and refuses a database from a newer Frontdesk', () => {
    const file = path.join(tmp(), 'directory.db');
    service(file).close();
    const raw = new RawDatabase(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(directorySchemaVersion);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.pragma(`user_version = ${directorySchemaVersion + 1}`);
    raw.close();
    expect(() => service(file)).toThrow(/written by a newer Frontdesk/);
  });

  it('writes an import in one transaction: a failure part-way leaves nothing', () => {
    const d = service();
    function* failing() {
      yield { row: 2, input: { name: 'First', phones: ['+74951234567'] } };
      yield { row: 3, input: { name: 'Second' } };
      throw new Error('the file went away');
    }
    expect(() => d.importClients(failing(), 'csv')).toThrow('the file went away');
    expect(d.count()).toBe(0);
    expect(d.search('first')).toEqual([]);
    // And the service still works after it.
    expect(d.importClients([{ row: 2, input: { name: 'First', phones: ['+74951234567'] } }], 'csv')).toEqual({ imported: 1, merged: [], skipped: [], warnings: [] });
    expect(names(d.search('first'))).toEqual(['First']);
  });

  it('gives the same directory whether a large import builds the indexes at its end, adds to them row by row, or each row is imported alone', { timeout: 60_000 }, () => {
    // Many clients sharing phones (merges into older and newer clients, several owners, phones that
    // cannot be read), some existing before the import, some rows that are skipped or warned about.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const phone = () => (next(10) === 0 ? `${100 + next(30)}-${next(90) + 10}` : `8 (9${10 + next(3)}) ${String(next(400)).padStart(3, '0')}-00-11`);
    const items = Array.from({ length: bulkImportMin + 200 }, (_, i) => ({
      row: i + 2,
      input: {
        name: next(20) === 0 ? null : `Клиент ${next(500)}`,
        company: next(3) === 0 ? `ООО «Ромашка-${next(50)}»` : null,
        phones: Array.from({ length: next(4) }, () => ({ raw: phone(), label: 'other' as const })),
        emails: next(8) === 0 ? ['not an email'] : [`c${i}@mail.ru`],
        tags: next(2) === 0 ? ['VIP', 'опт'].slice(0, 1 + next(2)) : [],
        notes: next(10) === 0 ? `note ${next(5)}` : null,
      },
    }));
    const before = items.slice(0, 150);
    // Each row imported alone: the owners of its phones as the database has them.
    const oneByOne = (d: DirectoryService) =>
      items
        .map((item) => d.importClients([item], 'csv'))
        .reduce((all, r) => ({ imported: all.imported + r.imported, merged: [...all.merged, ...r.merged], skipped: [...all.skipped, ...r.skipped], warnings: [...all.warnings, ...r.warnings] }));
    const run = (expected: number | 'one by one') => {
      const d = service(expected === 'one by one' ? ':memory:' : path.join(tmp(), 'directory.db'));
      d.importClients(before, 'csv');
      const result = expected === 'one by one' ? oneByOne(d) : d.importClients(items, 'csv', expected);
      const all = (dbOf(d).prepare(`SELECT id FROM clients ORDER BY seq`).all() as { id: string }[]).map((r) => d.get(r.id)!);
      const cards = all.map(({ id: _id, createdAt: _c, updatedAt: _u, ...rest }) => rest);
      const ids = new Map(all.map((c, i) => [c.id, i]));
      return {
        result: { ...result, merged: result.merged.map((m) => ({ ...m, clientId: ids.get(m.clientId) })) },
        cards,
        found: ['8 910 001-00-11', '+79110050011', '105-20', '8 (912) 399-00-11'].map((n) => names(d.findByNumber(n))),
        searched: ['клиент 1', 'ромашка', 'vip', '91100', 'c1'].map((t) => names(d.search(t, 50))),
        indexes: dbOf(d).prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name`).all(),
      };
    };
    const rowByRow = run(0);
    const bulk = run(items.length);
    expect(rowByRow.result.merged.length).toBeGreaterThan(100);
    expect(rowByRow.result.warnings.length).toBeGreaterThan(50);
    expect(bulk).toEqual(rowByRow);
    expect(run('one by one')).toEqual({ ...rowByRow, indexes: expect.anything() });
    expect(bulk.indexes).toEqual(dbOf(service()).prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' ORDER BY name`).all());
  });

  it('keeps its indexes when a large import fails part-way', () => {
    const d = service();
    const indexes = () => dbOf(d).prepare(`SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name`).all();
    const all = indexes();
    function* failing() {
      for (let i = 0; i < bulkImportMin + 10; i++) yield { row: i + 2, input: { name: `Client ${i}`, phones: [`+7495${String(i).padStart(7, '0')}`] } };
      throw new Error('the file went away');
    }
    expect(() => d.importClients(failing(), 'csv', bulkImportMin + 20)).toThrow('the file went away');
    expect(d.count()).toBe(0);
    expect(indexes()).toEqual(all);
    d.create({ name: 'Анна', phones: ['+74951234567'] });
    expect(names(d.findByNumber('84951234567'))).toEqual(['Анна']);
    expect(names(d.search('ан'))).toEqual(['Анна']);
  });

  it('makes ids that sort in creation order', () => {
    const ids = Array.from({ length: 50 }, () => uuidV7(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
    // Past the pool of random bytes they are drawn from: still unique, version 7, RFC 9562 variant.
    const many = Array.from({ length: 1000 }, () => uuidV7());
    expect(new Set(many).size).toBe(1000);
    for (const id of many) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
