import { randomBytes } from 'node:crypto';
import { describeIssues, digitsOf, isNumberLike, type CallLogPage, type CallLogQuery, type CallRecord } from '../../common/callLog';
import {
  ClientInputSchema,
  ClientPatchSchema,
  ClientSchema,
  DirectorySearchSchema,
  displayNameOf,
  foldForSearch,
  analysePhone,
  isRegion,
  normalisePhone,
  phoneSearchDigits,
  QuickCreateSchema,
  type Client,
  type ClientCard,
  type ClientInput,
  type ClientPatch,
  type ClientPhone,
  type ClientSource,
  type DirectoryChanged,
  type DirectorySearch,
  type ImportResult,
  type NormalisedPhone,
  type ParsedClientInput,
  type PhoneLabel,
} from '../../common/directory';
import { openDatabase, prepareCached, type Database, type Statement } from './sqlite';
import { importIssues, type ImportSaidFlat, type ImportText } from '../../common/importText';
import { issueData } from '../../common/said';


export class DirectoryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryInputError';
  }
}

/**
 * Schema migrations, applied in order; `PRAGMA user_version` is the number applied so far.
 * Never edit a shipped migration: add the next one.
 */
const migrations: readonly string[] = [
  // 1: clients, their phones (with the keys they are matched by) and tags, and two search indexes.
  `
  CREATE TABLE clients (
    seq               INTEGER PRIMARY KEY,             -- rowid of the search indexes
    id                TEXT    NOT NULL UNIQUE,
    name              TEXT,
    sort_key          TEXT    NOT NULL,                -- foldForSearch(display name): list order, name-prefix type-ahead
    preferred_address TEXT,
    formality         TEXT    CHECK (formality IN ('informal', 'formal')),
    company           TEXT,
    position          TEXT,
    emails            TEXT    NOT NULL DEFAULT '[]',   -- JSON array of strings
    account_manager   TEXT,
    lead_source       TEXT,
    referred_by       TEXT,
    request           TEXT,
    needs             TEXT    NOT NULL DEFAULT '{}',   -- JSON object: question → answer
    urgency           TEXT,
    price_quoted      TEXT,
    agreements        TEXT,
    next_step         TEXT,
    next_step_date    TEXT,
    sale_date         TEXT,
    birthday          TEXT,
    notes             TEXT,
    source            TEXT    NOT NULL CHECK (source IN ('manual', 'csv', 'vcard', 'crm')),
    created_ms        INTEGER NOT NULL,
    updated_ms        INTEGER NOT NULL,
    search_text       TEXT    NOT NULL                 -- what the type-ahead searches (searchTextOf)
  );
  CREATE INDEX clients_by_sort ON clients (sort_key);

  CREATE TABLE client_phones (
    client_seq INTEGER NOT NULL REFERENCES clients (seq) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    number     TEXT    NOT NULL,                       -- E.164 when it could be read, else as entered
    raw        TEXT    NOT NULL,
    label      TEXT    NOT NULL CHECK (label IN ('work', 'mobile', 'home', 'other')),
    e164       TEXT,                                   -- the lookup keys (common/directory.ts phoneKeys)
    national   TEXT    NOT NULL,
    tail       TEXT    NOT NULL,
    PRIMARY KEY (client_seq, position)
  ) WITHOUT ROWID;
  CREATE INDEX client_phones_by_e164 ON client_phones (e164) WHERE e164 IS NOT NULL;
  CREATE INDEX client_phones_by_national ON client_phones (national);
  CREATE INDEX client_phones_by_tail ON client_phones (tail);

  CREATE TABLE client_tags (
    client_seq INTEGER NOT NULL REFERENCES clients (seq) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (client_seq, position)
  ) WITHOUT ROWID;
  CREATE INDEX client_tags_by_tag ON client_tags (tag COLLATE NOCASE);

  -- Substring search ("495123" inside a number, "етров" inside a name) with trigrams; a word start
  -- is marked in the text so that one or two typed letters are trigrams too (searchTextOf). Kept in
  -- step by the service next to each write, not by triggers: FTS5 flushes its pending terms at
  -- every statement savepoint, and a trigger per row made a 100,000-row import several times slower.
  CREATE VIRTUAL TABLE clients_search USING fts5 (search_text, content = 'clients', content_rowid = 'seq', tokenize = 'trigram');
  `,
];
export const directorySchemaVersion = migrations.length;

interface Row {
  seq: number;
  id: string;
  name: string | null;
  preferred_address: string | null;
  formality: string | null;
  company: string | null;
  position: string | null;
  emails: string;
  account_manager: string | null;
  lead_source: string | null;
  referred_by: string | null;
  request: string | null;
  needs: string;
  urgency: string | null;
  price_quoted: string | null;
  agreements: string | null;
  next_step: string | null;
  next_step_date: string | null;
  sale_date: string | null;
  birthday: string | null;
  notes: string | null;
  source: string;
  created_ms: number;
  updated_ms: number;
  phones: string;
  tags: string;
}

const columns = `c.seq, c.id, c.name, c.preferred_address, c.formality, c.company, c.position, c.emails, c.account_manager,
  c.lead_source, c.referred_by, c.request, c.needs, c.urgency, c.price_quoted, c.agreements, c.next_step, c.next_step_date,
  c.sale_date, c.birthday, c.notes, c.source, c.created_ms, c.updated_ms,
  (SELECT json_group_array(json_object('number', number, 'label', label, 'raw', raw))
     FROM (SELECT number, label, raw FROM client_phones WHERE client_seq = c.seq ORDER BY position)) AS phones,
  (SELECT json_group_array(tag) FROM (SELECT tag FROM client_tags WHERE client_seq = c.seq ORDER BY position)) AS tags`;

const iso = (ms: number) => new Date(ms).toISOString();

function toClient(row: Row): Client {
  return ClientSchema.parse({
    id: row.id,
    name: row.name,
    preferredAddress: row.preferred_address,
    formality: row.formality,
    company: row.company,
    position: row.position,
    phones: JSON.parse(row.phones),
    emails: JSON.parse(row.emails),
    accountManager: row.account_manager,
    leadSource: row.lead_source,
    referredBy: row.referred_by,
    request: row.request,
    needs: JSON.parse(row.needs),
    urgency: row.urgency,
    priceQuoted: row.price_quoted,
    agreements: row.agreements,
    nextStep: row.next_step,
    nextStepDate: row.next_step_date,
    saleDate: row.sale_date,
    birthday: row.birthday,
    tags: JSON.parse(row.tags),
    notes: row.notes,
    createdAt: iso(row.created_ms),
    updatedAt: iso(row.updated_ms),
    source: row.source,
  });
}

/**
 * A UUID version 7 (RFC 9562): the creation time in milliseconds, then random bits. Ids made one
 * after another sort together, so the id index grows at its end instead of at random pages (a
 * 100,000-client import touches a few pages per client instead of one at random for each).
 */
let lastUuidMs = 0;
let uuidCounter = 0;
/**
 * Random bytes for ids, drawn from a pool filled 4 KiB at a time: one call to the system's random
 * source per 256 ids instead of one each (a 100,000-client import spent over a second in them).
 */
let uuidPool = Buffer.alloc(0);
let uuidPoolAt = 0;
function randomUuidBytes(): Buffer {
  if (uuidPoolAt + 16 > uuidPool.length) {
    uuidPool = randomBytes(4096);
    uuidPoolAt = 0;
  }
  // A copy: the id is written into it, and the pool's bytes are never used twice.
  const bytes = Buffer.from(uuidPool.subarray(uuidPoolAt, uuidPoolAt + 16));
  uuidPoolAt += 16;
  return bytes;
}
export function uuidV7(nowMs: number = Date.now()): string {
  // Within one millisecond a 12-bit counter keeps the order (rand_a, RFC 9562 method 1).
  if (nowMs <= lastUuidMs) {
    uuidCounter++;
    if (uuidCounter > 0xfff) {
      lastUuidMs++;
      uuidCounter = 0;
    }
  } else {
    lastUuidMs = nowMs;
    uuidCounter = 0;
  }
  const bytes = randomUuidBytes();
  bytes.writeUIntBE(lastUuidMs, 0, 6);
  bytes[6] = 0x70 | (uuidCounter >> 8);
  bytes[7] = uuidCounter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The card's fields, without id, phones, timestamps and source. */
type Fields = Omit<Client, 'id' | 'phones' | 'createdAt' | 'updatedAt' | 'source'>;
/** A phone ready to store: as shown, its lookup keys, and the digit strings the type-ahead finds it by. */
export interface StoredPhone extends ClientPhone {
  keys: NormalisedPhone;
  /** Computed when the phone is read from the database and the search text is rebuilt (it takes a parse). */
  searchDigits?: readonly string[];
}

/** The fields of a client that a person or an import sets, in the order of the card. */
export const fieldKeys = [
  'name',
  'preferredAddress',
  'formality',
  'company',
  'position',
  'emails',
  'accountManager',
  'leadSource',
  'referredBy',
  'request',
  'needs',
  'urgency',
  'priceQuoted',
  'agreements',
  'nextStep',
  'nextStepDate',
  'saleDate',
  'birthday',
  'tags',
  'notes',
] as const satisfies readonly (keyof Fields)[];
const pickFields = (c: Fields): Fields => Object.fromEntries(fieldKeys.map((k) => [k, c[k]])) as Fields;

/** An FTS5 phrase: the whole term, quotes doubled, so no character of it is query syntax. */
const phrase = (term: string) => `"${term.replaceAll('"', '""')}"`;
/** The trigram index answers terms of three characters or more; shorter ones are word prefixes. */
const minTrigramTerm = 3;
/**
 * Marks the start of every word in the search text, so a one- or two-letter word prefix is a
 * trigram: "ю" is searched as "\u0001\u0001ю", "юр" as "\u0001юр". Never typed (control characters
 * are removed from what is indexed and searched).
 */
const wordStart = '\u0001\u0001';
const withoutControls = (s: string) => s.replace(/\p{Cc}+/gu, ' ');

/**
 * The text a client is found by: the folded words of the name, preferred address, company,
 * position, emails and tags, each word marked at its start (also the words inside "ivan.petrov@mail.ru"
 * or "«ромашка-12»"), and every digit string of the phones.
 */
export function searchTextOf(parts: readonly (string | null)[], phoneDigits: Iterable<string>): string {
  const out: string[] = [];
  for (const part of parts) {
    if (!part) continue;
    for (const token of foldForSearch(withoutControls(part)).split(/\s+/)) {
      if (!token) continue;
      out.push(wordStart + token);
      const words = token.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
      if (words.length !== 1 || words[0] !== token) for (const w of words) out.push(wordStart + w);
    }
  }
  for (const d of phoneDigits) out.push(wordStart + d);
  return out.join(' ');
}
/** Words of a search beyond this many are ignored (and the statement cache stays small). */
const maxSearchTerms = 6;
/**
 * A type-ahead sorts at most this many matches by name: all of them when there are fewer, else the
 * newest (most recently added clients). Type more to narrow.
 */
export const candidateHits = 400;
/** How much of the search index's new terms an import keeps in memory before writing a segment (FTS5 `hashsize`). */
const importFtsHashBytes = 64 * 1024 * 1024;
/** An import of at least this many clients, into a directory of at most as many, builds the secondary indexes at its end. */
export const bulkImportMin = 1000;
/** FTS5's own default `hashsize`. */
const ftsDefaultHashBytes = 1024 * 1024;
/** Page cache while an import runs (KiB). */
const importCacheKiB = 256 * 1024;
/** The most clients findByNumber returns (a number shared by a whole office). */
const maxNumberMatches = 100;
/** Highest code point: `key < prefix + top` is "starts with prefix" on a B-tree. */
const top = '\u{10FFFF}';

/**
 * Validates a client of an import, keeping what is valid: a bad email, phone, date or field is
 * dropped with a warning, so one typo does not lose the contact. A client left with no name and no
 * phone fails (and is skipped with the reason). The import preview checks rows with it too.
 */
export function salvage(input: Record<string, unknown>, warnings: ImportText[]): ReturnType<typeof ClientInputSchema.safeParse> {
  let parsed = ClientInputSchema.safeParse(input);
  for (let attempt = 0; !parsed.success && attempt < 20; attempt++) {
    const issue = parsed.error.issues.find((i) => typeof i.path[0] === 'string' && i.path[0] !== 'name' && i.path[0] !== 'source');
    if (!issue) break;
    const [field, index] = issue.path as [string, unknown];
    const value = input[field];
    if (Array.isArray(value) && typeof index === 'number') {
      const item: unknown = value[index];
      const shown = typeof item === 'object' && item !== null && 'raw' in item ? String(item.raw) : String(item);
      warnings.push({ key: 'valueDropped', params: { clientField: field, value: shown, reason: { issues: issueData([{ ...issue, path: [] }]) } } });
      input = { ...input, [field]: value.filter((_, i) => i !== index) };
    } else {
      const reason = { issues: issueData([{ ...issue, path: [] }]) };
      warnings.push(typeof value === 'string' ? { key: 'valueDropped', params: { clientField: field, value, reason } } : { key: 'fieldDropped', params: { clientField: field, reason } });
      const { [field]: _dropped, ...rest } = input;
      input = rest;
    }
    parsed = ClientInputSchema.safeParse(input);
  }
  return parsed;
}

/** How a client matched a number: the same E.164 number; the same national number; the same last digits. */
export type NumberMatchKind = 'exact' | 'national' | 'tail';
export interface NumberMatch {
  client: Client;
  match: NumberMatchKind;
}
const matchKinds: readonly NumberMatchKind[] = ['exact', 'national', 'tail'];

/**
 * The owners of phones, as ownersOf finds them: by E.164 number, and by national number for the
 * phones without one; each list in client order (oldest first), a client once.
 */
interface PhoneOwners {
  e164: Map<string, number[]>;
  national: Map<string, number[]>;
}

function addOwner(owners: PhoneOwners, e164: string | null, national: string, seq: number): void {
  const map = e164 ? owners.e164 : owners.national;
  const key = e164 ?? national;
  const seqs = map.get(key);
  if (!seqs) {
    map.set(key, [seq]);
    return;
  }
  if (seqs.includes(seq)) return;
  // Kept in client order: a merge adds a phone to an older client.
  let at = seqs.length;
  while (at > 0 && seqs[at - 1]! > seq) at--;
  seqs.splice(at, 0, seq);
}

/** What `card` needs of the call history (CallLogService). */
export interface CallHistory {
  list(query: CallLogQuery): CallLogPage;
}

export interface DirectoryOptions {
  /** Two-letter region used to read numbers written without a country code ("RU"). */
  defaultRegion: string;
}

/** One client of an import: its row (for the report), the client, and what the parser already had to say. */
export interface ImportItem {
  row: number;
  input: ClientInput;
  warnings?: readonly ImportText[];
}

/**
 * An import item made ready to write (prepareImportItem): validated, its phones read and its search
 * columns computed. Nothing in it depends on the database, so items are prepared in another thread
 * while the import writes (importPrepare.ts).
 */
export interface PreparedImportItem {
  row: number;
  prepared: true;
  /** What the parser and the validation had to say. */
  warnings: ImportText[];
  /** Why the item is not imported; null when it is. */
  skipped: string | ImportSaidFlat | null;
  client: ParsedClientInput | null;
  phones: StoredPhone[];
  /** The client's sort key and search text as a new client (a merge computes them again). */
  search: { sortKey: string; searchText: string } | null;
}

/** Phones as stored: E.164 when readable, keys derived, the same number given twice kept once. */
export function storedPhonesOf(phones: readonly { raw: string; label: PhoneLabel }[], region: string): StoredPhone[] {
  const seen = new Set<string>();
  const out: StoredPhone[] = [];
  for (const p of phones) {
    const { searchDigits, ...keys } = analysePhone(p.raw, region);
    const id = keys.e164 ?? keys.digits;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ number: keys.e164 ?? p.raw, label: p.label, raw: p.raw, keys, searchDigits });
  }
  return out;
}

/** The sort key and search text of a client. */
function searchColumnsOf(f: Pick<Fields, 'name' | 'preferredAddress' | 'company' | 'position' | 'emails' | 'tags'>, phones: readonly StoredPhone[], region: string): { sortKey: string; searchText: string } {
  return {
    sortKey: foldForSearch(displayNameOf({ name: f.name, company: f.company, phones })).replace(/\s+/g, ' ').trim(),
    searchText: searchTextOf(
      [f.name, f.preferredAddress, f.company, f.position, ...f.emails, ...f.tags],
      // A stored E.164 number reads the same in every region; the digits as entered are added.
      new Set(phones.flatMap((p) => p.searchDigits ?? [...phoneSearchDigits(p.number, region), p.keys.digits].filter(Boolean))),
    ),
  };
}

/** Validates an import item (salvage), reads its phones and computes its search columns, with the region given. */
export function prepareImportItem(item: ImportItem, source: ClientSource, region: string): PreparedImportItem {
  const warnings = [...(item.warnings ?? [])];
  const parsed = salvage({ ...item.input, source }, warnings);
  if (!parsed.success) return { row: item.row, prepared: true, warnings, skipped: importIssues(parsed.error), client: null, phones: [], search: null };
  const phones = storedPhonesOf(parsed.data.phones, region);
  return { row: item.row, prepared: true, warnings, skipped: null, client: parsed.data, phones, search: searchColumnsOf(parsed.data, phones, region) };
}

/**
 * The client directory, in a SQLite database (better-sqlite3, synchronous, WAL). Every input is
 * validated with the schemas in common/directory.ts; a malformed one throws and writes nothing.
 */
export class DirectoryService {
  private readonly db: Database;
  private region: string;
  private readonly listeners = new Set<(change: DirectoryChanged) => void>();
  private readonly cache = new Map<string, Statement>();
  /** insertRows' statements, by table and count of rows. */
  private readonly rowInserts = new Map<string, Statement>();
  /** While an import runs: search-index changes held back (seq → text in the index now, text to index). */
  private deferred: Map<number, { indexed: string | null; text: string | null }> | null = null;
  /**
   * While an import runs: who owns each phone (what ownersOf finds in client_phones), read once at
   * its start and kept in step by writePhones: a map look-up per phone instead of a query.
   */
  private phoneOwners: PhoneOwners | null = null;

  constructor(dbFile: string | ':memory:', options: DirectoryOptions) {
    if (!isRegion(options.defaultRegion)) throw new DirectoryInputError(`"${options.defaultRegion}" is not a two-letter region such as "RU" or "GB"`);
    this.region = options.defaultRegion;
    // An edit made during a call is on disk when update() returns.
    this.db = openDatabase(dbFile, { what: 'client directory', migrations, foreignKeys: true });
  }


  get defaultRegion(): string {
    return this.region;
  }

  /**
   * Changes the region numbers without a country code are read with. Numbers already read keep
   * their E.164 form; numbers that could not be read are read again with the new region. Returns
   * how many of those now have an E.164 form.
   */
  setDefaultRegion(region: string): number {
    if (!isRegion(region)) throw new DirectoryInputError(`"${region}" is not a two-letter region such as "RU" or "GB"`);
    if (region === this.region) return 0;
    this.region = region;
    const changed = this.db.transaction(() => {
      const rows = this.statement(`SELECT client_seq, position, raw FROM client_phones WHERE e164 IS NULL`).all() as {
        client_seq: number;
        position: number;
        raw: string;
      }[];
      const touched = new Set<number>();
      for (const r of rows) {
        const keys = normalisePhone(r.raw, region);
        if (!keys.e164) continue;
        this.statement(`UPDATE client_phones SET number = ?, e164 = ?, national = ?, tail = ? WHERE client_seq = ? AND position = ?`).run(
          keys.e164,
          keys.e164,
          keys.national,
          keys.tail,
          r.client_seq,
          r.position,
        );
        touched.add(r.client_seq);
      }
      for (const seq of touched) this.refreshSearch(seq);
      return touched.size;
    }).immediate();
    if (changed > 0) this.emit('renumbered', []);
    return changed;
  }

  /** Adds a client; returns the stored card. */
  create(input: ClientInput): Client {
    const c = this.parseInput(input);
    const id = this.db.transaction(() => this.insert(c, this.storePhones(c.phones), Date.now())).immediate();
    this.emit('created', [id]);
    return this.get(id)!;
  }

  /**
   * The new-client card for an unknown caller: the number, a name if the agent typed one, tagged
   * "new". Created whether or not the number already belongs to someone (the agent decided).
   */
  quickCreate(number: string, name?: string): Client {
    const parsed = QuickCreateSchema.safeParse({ number, ...(name === undefined ? {} : { name }) });
    if (!parsed.success) throw new DirectoryInputError(`invalid new client: ${describeIssues(parsed.error)}`);
    return this.create({ name: parsed.data.name ?? null, phones: [{ raw: parsed.data.number, label: 'other' }], tags: ['new'], source: 'manual' });
  }

  /**
   * Saves an edit at once (one committed transaction) and returns the card, `updatedAt` bumped.
   * Lists (`phones`, `emails`, `tags`, `needs`) are replaced whole.
   */
  update(id: string, patch: ClientPatch): Client {
    const parsed = ClientPatchSchema.safeParse(patch);
    if (!parsed.success) throw new DirectoryInputError(`invalid edit: ${describeIssues(parsed.error)}`);
    const p = parsed.data;
    this.db.transaction(() => {
      const current = this.byId(id);
      if (!current) throw new DirectoryInputError(`no client has the id "${id}"`);
      const fields: Fields = pickFields(current.client);
      for (const key of fieldKeys) {
        const value = p[key];
        if (value !== undefined) (fields as Record<string, unknown>)[key] = value;
      }
      const phones = p.phones === undefined ? undefined : this.storePhones(p.phones);
      if (!fields.name && !(phones ?? current.client.phones).length) {
        throw new DirectoryInputError('invalid edit: name: a client needs a name or a phone number');
      }
      this.write(current.seq, current.updatedMs, fields, phones);
    }).immediate();
    this.emit('updated', [id]);
    return this.get(id)!;
  }

  get(id: string): Client | null {
    return this.byId(id)?.client ?? null;
  }

  /**
   * The card for the side panel: the client and their last calls (found in the call history by
   * each of their numbers), newest first, with the calls' notes.
   */
  card(id: string, calls?: CallHistory, lastCalls = 10): ClientCard | null {
    const client = this.get(id);
    if (!client) return null;
    if (!calls) return { client, lastCalls: [] };
    const found = new Map<string, CallRecord>();
    for (const phone of client.phones) {
      // The national number as a digits fragment finds "+74951234567" and "84951234567" alike.
      const keys = normalisePhone(phone.number, this.region);
      const search = keys.national.length >= 7 ? keys.national : keys.digits;
      if (!search) continue;
      for (const r of calls.list({ search, limit: lastCalls }).records) found.set(r.id, r);
    }
    const records = [...found.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    // Their wrap-ups are the call log's: the services add them (frontdesk.ts).
    return { client, lastCalls: records.slice(0, lastCalls).map((r) => ({ ...r, wrapUp: null })) };
  }

  /** Removes a client; false when there was none. */
  delete(id: string): boolean {
    const deleted = this.db.transaction(() => {
      const row = this.statement(`SELECT seq FROM clients WHERE id = ?`).get(id) as { seq: number } | undefined;
      if (!row) return false;
      this.unindex(row.seq);
      this.statement(`DELETE FROM clients WHERE seq = ?`).run(row.seq); // phones and tags follow (ON DELETE CASCADE)
      return true;
    }).immediate();
    if (deleted) this.emit('deleted', [id]);
    return deleted;
  }

  count(): number {
    return (this.statement(`SELECT count(*) AS n FROM clients`).get() as { n: number }).n;
  }

  /**
   * Every client with a phone matching the number, best matches first: the same E.164 number, then
   * the same national number, then the same last seven digits (those two only pair a number with
   * one libphonenumber could not read, so +74951234567 never meets +14951234567). Several matches
   * are all returned: the agent picks, nothing is chosen for them.
   */
  findByNumber(raw: string): Client[] {
    return this.matchNumber(raw).map((m) => m.client);
  }

  /**
   * Does at start what the first caller's lookup would otherwise do while the phone rings: the
   * number parser reads its metadata, the lookup's statements are prepared and the phone indexes
   * come into SQLite's cache (a lookup of a number the directory has, else of an example number).
   * Read-only; the first call after start then pops as fast as any other.
   */
  warmUp(): void {
    const phone = this.db.prepare(`SELECT raw FROM client_phones LIMIT 1`).get() as { raw: string } | undefined;
    this.matchNumber(phone?.raw ?? '+7 495 000-00-00');
  }

  /** findByNumber, saying how each client matched. */
  matchNumber(raw: string): NumberMatch[] {
    if (typeof raw !== 'string' || raw.length > 200) throw new DirectoryInputError('invalid number: must be a string of at most 200 characters');
    const keys = normalisePhone(raw, this.region);
    if (!keys.digits) return [];
    const rows = this.statement(`
      SELECT m.seq, m.rank FROM (
        SELECT seq, min(rank) AS rank FROM (
          SELECT client_seq AS seq, 0 AS rank FROM client_phones WHERE e164 = @e164
          UNION ALL
          SELECT client_seq, 1 FROM client_phones WHERE national = @national AND (@e164 IS NULL OR e164 IS NULL)
          UNION ALL
          SELECT client_seq, 2 FROM client_phones WHERE tail = @tail AND (@e164 IS NULL OR e164 IS NULL)
        ) GROUP BY seq
      ) m JOIN clients c ON c.seq = m.seq
      ORDER BY m.rank, c.sort_key, c.seq
      LIMIT ${maxNumberMatches}`).all({ e164: keys.e164, national: keys.national, tail: keys.tail }) as { seq: number; rank: number }[];
    const clients = this.loadBySeq(rows.map((r) => r.seq));
    return rows.map((r, i) => ({ client: clients[i]!, match: matchKinds[r.rank]! }));
  }

  /**
   * Type-ahead. Clients whose name starts with the text come first, in name order; then clients
   * where every word of the text appears in the name, preferred address, company, position, an
   * email or a tag (a word of one or two characters as the start of a word, a longer one anywhere),
   * in name order — when more than `candidateHits` clients match, the newest of them. Text that is
   * a number being typed ("+7 (495) 123", "495123") matches phone digits anywhere. An empty text
   * lists the directory in name order.
   */
  search(query: DirectorySearch | string, limit?: number): Client[] {
    const parsed = DirectorySearchSchema.safeParse(typeof query === 'string' ? { text: query, ...(limit === undefined ? {} : { limit }) } : query);
    if (!parsed.success) throw new DirectoryInputError(`invalid search: ${describeIssues(parsed.error)}`);
    return this.loadBySeq(this.searchSeqs(parsed.data.text.trim(), parsed.data.limit));
  }

  private searchSeqs(text: string, limit: number): number[] {
    if (!text) return (this.statement(`SELECT seq FROM clients INDEXED BY clients_by_sort ORDER BY sort_key, seq LIMIT ?`).all(limit) as { seq: number }[]).map((r) => r.seq);
    const numberLike = isNumberLike(text);
    const clean = withoutControls(text);
    const words = numberLike ? [digitsOf(clean)] : foldForSearch(clean).split(/\s+/);
    // Three characters or more: anywhere. One or two: the start of a word (letters and digits only).
    const terms = [...new Set(words)]
      .map((w) => (w.length >= minTrigramTerm ? w : w.replace(/[^\p{L}\p{N}]+/gu, '')))
      .filter((w) => w.length > 0)
      .map((w) => (w.length >= minTrigramTerm ? w : wordStart.slice(0, minTrigramTerm - w.length) + w))
      .slice(0, maxSearchTerms);
    if (!terms.length) return [];

    // 1. The name starts with the text (a range of the name index).
    const seqs: number[] = [];
    if (!numberLike) {
      const prefix = foldForSearch(clean).replace(/\s+/g, ' ').trim();
      const rows = this.statement(`SELECT seq FROM clients INDEXED BY clients_by_sort WHERE sort_key >= ? AND sort_key < ? ORDER BY sort_key, seq LIMIT ?`).all(
        prefix,
        prefix + top,
        limit,
      ) as { seq: number }[];
      for (const r of rows) seqs.push(r.seq);
      if (seqs.length >= limit) return seqs;
    }

    // 2. Every term matches: the newest `candidateHits` matches (the index gives them at once, newest
    // first), in name order. Sorting every match of a common letter by name (9,000 of 100,000
    // clients for "оле") costs tens of milliseconds; walking the name index costs as much when the
    // matches sit late in the alphabet.
    const match = terms.map(phrase).join(' AND ');
    const hits = this.statement(`SELECT rowid AS seq FROM clients_search WHERE clients_search MATCH ? ORDER BY rowid DESC LIMIT ${candidateHits}`).all(match) as { seq: number }[];
    if (!hits.length) return seqs;
    const rows = this.statement(`SELECT seq FROM clients WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY sort_key, seq LIMIT ?`).all(
      JSON.stringify(hits.map((h) => h.seq)),
      limit + seqs.length,
    ) as { seq: number }[];
    const already = new Set(seqs);
    for (const r of rows) {
      if (seqs.length >= limit) break;
      if (!already.has(r.seq)) seqs.push(r.seq);
    }
    return seqs;
  }

  /**
   * Adds many clients in one transaction (the importers). A client whose phone already belongs to
   * a client (the same E.164 number, or the same digits for a number that cannot be read) is
   * merged into that client: empty fields filled, phones, emails, tags and needs added, notes
   * appended; the client's own values are kept. Invalid clients are skipped with the reason.
   * `expected` is how many items there are, when known (a large import into a small directory
   * builds the indexes once at its end instead of row by row).
   */
  importClients(items: Iterable<ImportItem | PreparedImportItem>, source: ClientSource, expected = 0): ImportResult {
    const result: ImportResult = { imported: 0, merged: [], skipped: [], warnings: [] };
    // A large import touches pages of every index at random (ids, phone keys, names): with the
    // default 2 MB page cache they are evicted and written to the WAL again and again.
    const cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma(`cache_size = ${-importCacheKiB}`);
    try {
      this.importAll(items, source, result, expected);
    } finally {
      this.db.pragma(`cache_size = ${cacheSize}`);
    }
    if (result.imported > 0 || result.merged.length > 0) {
      // A large import leaves a WAL as big as what it wrote: give the disk space back.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.emit('imported', []);
    }
    return result;
  }

  private importAll(items: Iterable<ImportItem | PreparedImportItem>, source: ClientSource, result: ImportResult, expected: number): void {
    this.db.transaction(() => {
      // Adding to the secondary indexes row by row (names, phone keys, tags: each at a random place)
      // costs about twice what sorting and building them at the end does, when most of what they
      // will hold is new. The import does not read them (ownersOf uses its map); the main
      // connection reads the committed ones meanwhile. Built again from their own definitions.
      const rebuilt = expected >= bulkImportMin && expected >= this.count() ? this.secondaryIndexes() : [];
      for (const index of rebuilt) this.db.exec(`DROP INDEX "${index.name.replaceAll('"', '""')}"`);
      this.deferred = new Map();
      this.phoneOwners = this.readPhoneOwners();
      // FTS5 writes its pending terms to disk whenever they pass `hashsize` (1 MiB by default): a
      // segment per few hundred clients, merged again and again. Held in memory, they are written
      // in a few large segments. Put back before the commit (it is stored with the index).
      const hashsize = this.statement(`SELECT v FROM clients_search_config WHERE k = 'hashsize'`).pluck().get() as number | undefined;
      this.setSearchIndexOption('hashsize', importFtsHashBytes);
      try {
        this.importEach(items, source, result);
        this.flushDeferred();
      } finally {
        this.deferred = null;
        this.phoneOwners = null;
      }
      this.setSearchIndexOption('hashsize', hashsize ?? ftsDefaultHashBytes);
      for (const index of rebuilt) this.db.exec(index.sql);
    }).immediate();
  }

  /** The indexes of the client tables that SQLite does not make itself (those of UNIQUE and PRIMARY KEY). */
  private secondaryIndexes(): { name: string; sql: string }[] {
    return this.db
      .prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ('clients', 'client_phones', 'client_tags') ORDER BY name`)
      .all() as { name: string; sql: string }[];
  }

  /**
   * Writes the items of an import; an item not yet prepared is prepared here with the directory's
   * region (an item prepared elsewhere must have been prepared with it too).
   */
  private importEach(items: Iterable<ImportItem | PreparedImportItem>, source: ClientSource, result: ImportResult): void {
    const now = Date.now();
    for (const item of items) {
      const p = 'prepared' in item ? item : prepareImportItem(item, source, this.region);
      for (const message of p.warnings) result.warnings.push({ row: p.row, message });
      if (!p.client) {
        result.skipped.push({ row: p.row, reason: p.skipped ?? 'not imported' });
        continue;
      }
      const c = p.client;
      const phones = p.phones;
      const owners = this.ownersOf(phones);
      const ownerSeq = owners[0];
      if (ownerSeq === undefined) {
        this.insert(c, phones, now, p.search ?? undefined);
        result.imported++;
        continue;
      }
      const owner = this.bySeq(ownerSeq)!;
      const ownerName = displayNameOf(owner.client);
      if (owners.length > 1) {
        const others = owners.slice(1).map((s) => `"${displayNameOf(this.bySeq(s)!.client)}"`);
        result.warnings.push({ row: p.row, message: `its phone also belongs to ${others.join(', ')}: merged into "${ownerName}"` });
      }
      if (c.name && owner.client.name && foldForSearch(c.name) !== foldForSearch(owner.client.name)) {
        result.warnings.push({ row: p.row, message: `name "${c.name}" differs from "${owner.client.name}", who has the same phone: kept "${owner.client.name}"` });
      }
      this.mergeInto(owner, c, phones);
      result.merged.push({ row: p.row, clientId: owner.client.id, name: ownerName });
    }
  }

  /** Called after every change (for the `directory.changed` event). */
  onChanged(listener: (change: DirectoryChanged) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // -------------------------------------------------------------------------------------------

  private parseInput(input: ClientInput): ParsedClientInput {
    const parsed = ClientInputSchema.safeParse(input);
    if (!parsed.success) throw new DirectoryInputError(`invalid client: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  /** Phones as stored: E.164 when readable, keys derived, the same number given twice kept once. */
  private storePhones(phones: readonly { raw: string; label: PhoneLabel }[]): StoredPhone[] {
    return storedPhonesOf(phones, this.region);
  }

  /** Clients that own one of these phones exactly (the same E.164, or the same digits when unreadable), oldest first. */
  private ownersOf(phones: readonly StoredPhone[]): number[] {
    const owners = new Set<number>();
    const known = this.phoneOwners;
    if (known) {
      for (const p of phones) {
        const seqs = p.keys.e164 ? known.e164.get(p.keys.e164) : known.national.get(p.keys.national);
        if (seqs) for (const seq of seqs) owners.add(seq);
      }
      return [...owners];
    }
    for (const p of phones) {
      const rows = (
        p.keys.e164
          ? this.statement(`SELECT client_seq AS seq FROM client_phones WHERE e164 = ? ORDER BY client_seq`).all(p.keys.e164)
          : this.statement(`SELECT client_seq AS seq FROM client_phones WHERE national = ? AND e164 IS NULL ORDER BY client_seq`).all(p.keys.national)
      ) as { seq: number }[];
      for (const r of rows) owners.add(r.seq);
    }
    return [...owners];
  }

  private mergeInto(owner: { seq: number; updatedMs: number; client: Client }, c: ParsedClientInput, phones: StoredPhone[]): void {
    const o = owner.client;
    const fields = pickFields(o);
    const fill = <K extends keyof Fields>(key: K) => {
      if (fields[key] === null && c[key] !== null) fields[key] = c[key];
    };
    for (const key of ['name', 'preferredAddress', 'formality', 'company', 'position', 'accountManager', 'leadSource', 'referredBy', 'request', 'urgency', 'priceQuoted', 'agreements', 'nextStep', 'nextStepDate', 'saleDate', 'birthday'] as const) {
      fill(key);
    }
    const union = (a: readonly string[], b: readonly string[]) => {
      const have = new Set(a.map((s) => s.toLowerCase()));
      return [...a, ...b.filter((s) => !have.has(s.toLowerCase()))];
    };
    fields.emails = union(o.emails, c.emails);
    fields.tags = union(o.tags, c.tags);
    fields.needs = { ...c.needs, ...o.needs };
    if (c.notes && !(o.notes ?? '').includes(c.notes)) fields.notes = o.notes ? `${o.notes}\n\n${c.notes}` : c.notes;
    // Existing phones are kept as stored (not re-read with today's region); new ones are added.
    const kept = this.phonesOf(owner.seq);
    const have = new Set(kept.flatMap((p) => [p.keys.e164, p.keys.digits]).filter((k): k is string => !!k));
    const added = phones.filter((p) => !have.has(p.keys.e164 ?? p.keys.digits));
    // The same row imported again changes nothing: leave the client (and its updatedAt) alone.
    if (!added.length && JSON.stringify(fields) === JSON.stringify(pickFields(o))) return;
    this.write(owner.seq, owner.updatedMs, fields, added.length ? [...kept, ...added].slice(0, 20) : undefined);
  }

  private insert(c: ParsedClientInput, phones: StoredPhone[], now: number, prepared?: { sortKey: string; searchText: string }): string {
    const id = uuidV7(now);
    // The parsed client has every field (a copy of them would cost an object per row of an import).
    const fields: Fields = c;
    const search = prepared ?? this.searchColumns(fields, phones);
    // Positional parameters: an import inserts 100,000 of these, and binding by name costs more.
    const { lastInsertRowid } = this.statement(`
      INSERT INTO clients (id, name, sort_key, preferred_address, formality, company, position, emails, account_manager,
        lead_source, referred_by, request, needs, urgency, price_quoted, agreements, next_step, next_step_date, sale_date,
        birthday, notes, source, created_ms, updated_ms, search_text)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id,
      fields.name,
      search.sortKey,
      fields.preferredAddress,
      fields.formality,
      fields.company,
      fields.position,
      JSON.stringify(fields.emails),
      fields.accountManager,
      fields.leadSource,
      fields.referredBy,
      fields.request,
      JSON.stringify(fields.needs),
      fields.urgency,
      fields.priceQuoted,
      fields.agreements,
      fields.nextStep,
      fields.nextStepDate,
      fields.saleDate,
      fields.birthday,
      fields.notes,
      c.source,
      now,
      now,
      search.searchText,
    );
    const seq = Number(lastInsertRowid);
    this.index(seq, search.searchText);
    this.writePhones(seq, phones);
    this.writeTags(seq, fields.tags);
    return id;
  }

  /** Saves a client's fields (and phones, when given); `updated_ms` always moves forward. */
  private write(seq: number, previousUpdatedMs: number, fields: Fields, phones: StoredPhone[] | undefined): void {
    const search = this.searchColumns(fields, phones ?? this.phonesOf(seq));
    this.unindex(seq);
    this.statement(`
      UPDATE clients SET name = @name, sort_key = @sortKey, preferred_address = @preferredAddress, formality = @formality,
        company = @company, position = @position, emails = @emails, account_manager = @accountManager, lead_source = @leadSource,
        referred_by = @referredBy, request = @request, needs = @needs, urgency = @urgency, price_quoted = @priceQuoted,
        agreements = @agreements, next_step = @nextStep, next_step_date = @nextStepDate, sale_date = @saleDate,
        birthday = @birthday, notes = @notes, updated_ms = @updatedMs, search_text = @searchText
      WHERE seq = @seq`).run({
      seq,
      ...this.fieldParams(fields),
      ...search,
      updatedMs: Math.max(Date.now(), previousUpdatedMs + 1),
    });
    this.index(seq, search.searchText);
    if (phones) {
      this.statement(`DELETE FROM client_phones WHERE client_seq = ?`).run(seq);
      this.writePhones(seq, phones);
    }
    this.statement(`DELETE FROM client_tags WHERE client_seq = ?`).run(seq);
    this.writeTags(seq, fields.tags);
  }

  /**
   * Inserts rows of `width` values into a table with one statement (one per count of rows, cached
   * here by table and count: an import inserts 100,000 of these, and building the statement's text
   * again to look it up cost as much as running it).
   */
  private insertRows(table: 'client_phones' | 'client_tags', columns: string, width: number, values: unknown[]): void {
    const rows = values.length / width;
    if (!rows) return;
    const key = `${table}:${rows}`;
    let statement = this.rowInserts.get(key);
    if (!statement) {
      const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
      statement = this.statement(`INSERT INTO ${table} (${columns}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`);
      this.rowInserts.set(key, statement);
    }
    statement.run(values);
  }

  private writePhones(seq: number, phones: readonly StoredPhone[]): void {
    this.insertRows(
      'client_phones',
      'client_seq, position, number, raw, label, e164, national, tail',
      8,
      phones.flatMap((p, i) => [seq, i, p.number, p.raw, p.label, p.keys.e164, p.keys.national, p.keys.tail]),
    );
    if (this.phoneOwners) for (const p of phones) addOwner(this.phoneOwners, p.keys.e164, p.keys.national, seq);
  }

  /** Who owns each phone of the directory, as ownersOf looks them up (the map an import uses). */
  private readPhoneOwners(): PhoneOwners {
    const owners: PhoneOwners = { e164: new Map(), national: new Map() };
    const rows = this.statement(`SELECT e164, national, client_seq FROM client_phones ORDER BY client_seq`).raw().iterate() as IterableIterator<[string | null, string, number]>;
    for (const [e164, national, seq] of rows) addOwner(owners, e164, national, seq);
    return owners;
  }

  /** Sets a numeric option of the search index (FTS5's special INSERT, which takes no bound parameters). */
  private setSearchIndexOption(option: 'hashsize', value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(`invalid ${option}: ${value}`);
    this.statement(`INSERT INTO clients_search (clients_search, rank) VALUES ('${option}', ${value})`).run();
  }

  private writeTags(seq: number, tags: readonly string[]): void {
    this.insertRows('client_tags', 'client_seq, position, tag', 3, tags.flatMap((t, i) => [seq, i, t]));
  }

  private phonesOf(seq: number): StoredPhone[] {
    const rows = this.statement(`SELECT number, raw, label, e164, national, tail FROM client_phones WHERE client_seq = ? ORDER BY position`).all(seq) as {
      number: string;
      raw: string;
      label: PhoneLabel;
      e164: string | null;
      national: string;
      tail: string;
    }[];
    return rows.map((r) => ({
      number: r.number,
      raw: r.raw,
      label: r.label,
      keys: { e164: r.e164, digits: digitsOf(r.raw), national: r.national, tail: r.tail },
    }));
  }

  /** Recomputes the sort key and search text of a client (after its phones changed behind write()). */
  private refreshSearch(seq: number): void {
    const current = this.bySeq(seq);
    if (!current) return;
    const search = this.searchColumns(pickFields(current.client), this.phonesOf(seq));
    this.unindex(seq);
    this.statement(`UPDATE clients SET sort_key = @sortKey, search_text = @searchText WHERE seq = @seq`).run({ seq, ...search });
    this.index(seq, search.searchText);
  }

  /** Adds a client's search text to the index. */
  private index(seq: number, searchText: string): void {
    if (this.deferred) {
      const entry = this.deferred.get(seq) ?? { indexed: null, text: null };
      entry.text = searchText;
      this.deferred.set(seq, entry);
      return;
    }
    this.statement(`INSERT INTO clients_search (rowid, search_text) VALUES (?, ?)`).run(seq, searchText);
  }

  /** Takes a client's current search text out of the index (before it changes or the client goes). */
  private unindex(seq: number): void {
    if (this.deferred?.has(seq)) {
      this.deferred.get(seq)!.text = null;
      return;
    }
    const row = this.statement(`SELECT search_text FROM clients WHERE seq = ?`).get(seq) as { search_text: string } | undefined;
    if (!row) return;
    if (this.deferred) this.deferred.set(seq, { indexed: row.search_text, text: null });
    else this.statement(`INSERT INTO clients_search (clients_search, rowid, search_text) VALUES ('delete', ?, ?)`).run(seq, row.search_text);
  }

  /**
   * Applies the index changes an import deferred, in rowid order. FTS5 keeps pending terms only
   * while rowids ascend: changing an older client (a merge) in the middle of an import flushed
   * them to disk every time, 15 ms a merge, which made re-importing a file take hours.
   */
  private flushDeferred(): void {
    const deferred = this.deferred;
    this.deferred = null;
    if (!deferred) return;
    for (const [seq, entry] of [...deferred].sort((a, b) => a[0] - b[0])) {
      if (entry.indexed !== null) this.statement(`INSERT INTO clients_search (clients_search, rowid, search_text) VALUES ('delete', ?, ?)`).run(seq, entry.indexed);
      if (entry.text !== null) this.statement(`INSERT INTO clients_search (rowid, search_text) VALUES (?, ?)`).run(seq, entry.text);
    }
  }

  private fieldParams(f: Fields) {
    return {
      name: f.name,
      preferredAddress: f.preferredAddress,
      formality: f.formality,
      company: f.company,
      position: f.position,
      emails: JSON.stringify(f.emails),
      accountManager: f.accountManager,
      leadSource: f.leadSource,
      referredBy: f.referredBy,
      request: f.request,
      needs: JSON.stringify(f.needs),
      urgency: f.urgency,
      priceQuoted: f.priceQuoted,
      agreements: f.agreements,
      nextStep: f.nextStep,
      nextStepDate: f.nextStepDate,
      saleDate: f.saleDate,
      birthday: f.birthday,
      notes: f.notes,
    };
  }

  /** The sort key and search text of a client. */
  private searchColumns(f: Fields, phones: readonly StoredPhone[]): { sortKey: string; searchText: string } {
    return searchColumnsOf(f, phones, this.region);
  }

  private byId(id: string): { seq: number; updatedMs: number; client: Client } | null {
    const row = this.statement(`SELECT ${columns} FROM clients c WHERE c.id = ?`).get(id) as Row | undefined;
    return row ? { seq: row.seq, updatedMs: row.updated_ms, client: toClient(row) } : null;
  }

  private bySeq(seq: number): { seq: number; updatedMs: number; client: Client } | null {
    const row = this.statement(`SELECT ${columns} FROM clients c WHERE c.seq = ?`).get(seq) as Row | undefined;
    return row ? { seq: row.seq, updatedMs: row.updated_ms, client: toClient(row) } : null;
  }

  /** Full cards for these clients, in the order given. */
  private loadBySeq(seqs: readonly number[]): Client[] {
    if (!seqs.length) return [];
    const rows = this.statement(`SELECT ${columns} FROM clients c WHERE c.seq IN (SELECT value FROM json_each(?))`).all(JSON.stringify(seqs)) as Row[];
    const bySeq = new Map(rows.map((r) => [r.seq, r]));
    return seqs.flatMap((s) => {
      const row = bySeq.get(s);
      return row ? [toClient(row)] : [];
    });
  }

  private statement(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }

  private emit(reason: DirectoryChanged['reason'], ids: string[]): void {
    if (this.listeners.size === 0) return;
    const change: DirectoryChanged = { reason, ids, count: this.count() };
    for (const l of this.listeners) l(change);
  }
}
