import { parse } from 'csv-parse/sync';
import { describeIssues } from '../../common/callLog';
import {
  CsvMappingSchema,
  csvFields,
  foldForSearch,
  type ClientInput,
  type CsvColumnMapping,
  type CsvDelimiter,
  type CsvField,
  type CsvMapping,
  type CsvPreview,
  type Formality,
  type ImportResult,
  type PhoneLabel,
} from '../../common/directory';
import { decodeImportFile, unnamedColumn } from '../../common/imports';
import type { DirectoryService, ImportItem, PreparedImportItem } from './directory';
import { type ImportSaidFlat, type ImportText } from '../../common/importText';

/**
 * Client imports: CSV (a spreadsheet or CRM export, with a column-mapping step and a preview) and
 * vCard (a phone's or a mail program's contacts). Parsing is here; writing, merging by phone and
 * validation are DirectoryService.importClients (one transaction: an import lands whole or not at all).
 */

export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/**
 * A file's bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode
 * text"), else Windows-1251 (what Russian Excel writes). The renderer decodes the file the person
 * picked the same way (common/imports.ts).
 */
export function decodeText(bytes: Uint8Array): string {
  return decodeImportFile(bytes).text;
}

const stripBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

const delimiters: readonly CsvDelimiter[] = [';', ',', '\t', '|'];
/** Rows the preview shows. */
export const previewRows = 20;

function parseCsv(text: string, delimiter: CsvDelimiter, toLine?: number): string[][] {
  try {
    return parse(text, {
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      ...(toLine === undefined ? {} : { to_line: toLine }),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const line = code === 'CSV_QUOTE_NOT_CLOSED' ? unclosedQuoteLine(text, delimiter) : null;
    if (line !== null) {
      throw new ImportError(
        `the file is not valid CSV: the quote (") that opens a value on line ${line} is never closed, so the rest of the file would be read as one value. Close or remove that quote`,
      );
    }
    throw new ImportError(`the file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The line where the quoted value that never ends begins (csv-parse only says where the file
 * ended). A quote opens a value at the start of a cell; "" inside it is a quote character.
 */
function unclosedQuoteLine(text: string, delimiter: CsvDelimiter): number | null {
  let line = 1;
  let openedOn: number | null = null;
  let cellStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (openedOn !== null) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else openedOn = null;
      } else if (ch === '\n') line++;
      cellStart = false;
      continue;
    }
    if (ch === '"' && cellStart) {
      openedOn = line;
      continue;
    }
    if (ch === '\n') line++;
    cellStart = ch === delimiter || ch === '\n' || ch === '\r' || (ch === '\uFEFF' && i === 0);
  }
  return openedOn;
}

/**
 * The delimiter that splits the first lines into the same number of columns (two or more), most
 * often. Russian Excel writes ";" (the comma is the decimal separator there); others ",".
 */
export function detectDelimiter(text: string): CsvDelimiter {
  let best: { delimiter: CsvDelimiter; score: number } = { delimiter: ',', score: 0 };
  for (const delimiter of delimiters) {
    let rows: string[][];
    try {
      rows = parseCsv(text, delimiter, 50).filter((r) => r.some((c) => c.trim() !== ''));
    } catch {
      // A broken quote: count the columns without quoting, so the parse that follows uses the
      // right delimiter and reports the quote (instead of another delimiter reading it as garbage).
      try {
        rows = (parse(text, { delimiter, bom: true, relax_column_count: true, quote: false, to_line: 50 }) as string[][]).filter((r) => r.some((c) => c.trim() !== ''));
      } catch {
        continue;
      }
    }
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
    let mode = 0;
    let modeRows = 0;
    for (const [cols, n] of counts) if (n > modeRows || (n === modeRows && cols > mode)) [mode, modeRows] = [cols, n];
    if (mode < 2 || rows.length === 0) continue;
    const score = (modeRows / rows.length) * Math.log2(mode + 1);
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

/** A header as compared with the rules: lower case, ё→е, punctuation as spaces. */
const headerKey = (h: string) => foldForSearch(h).replace(/[^\p{L}\p{N}]+/gu, ' ').trim();

/** How headers are recognised, first rule that matches wins (so "Имя менеджера" is the manager, not the name). */
const headerRules: readonly { field: CsvField; test: RegExp; label?: PhoneLabel }[] = [
  { field: 'accountManager', test: /менеджер|ответственн|куратор|manager|owner|responsible/ },
  { field: 'nextStepDate', test: /дата следующ|дата контакта|next step date|follow ?up date/ },
  { field: 'nextStep', test: /следующ\S* шаг|next step|follow ?up/ },
  { field: 'saleDate', test: /дата (продажи|сделки|покупки)|sale date|close date|purchase date/ },
  { field: 'birthday', test: /день рождения|дата рождения|birthday|birth date|date of birth|^dob$|^др$/ },
  { field: 'referredBy', test: /рекоменд|referred|referrer|referral/ },
  { field: 'leadSource', test: /источник|lead source|^source$|канал|utm source/ },
  { field: 'preferredAddress', test: /как обращаться|preferred name|salutation|nickname/ },
  { field: 'formality', test: /на ты|ты вы|formality/ },
  { field: 'phone', label: 'mobile', test: /мобильн|сотов|(^| )моб( |$)|mobile|cell/ },
  { field: 'phone', label: 'home', test: /домашн\S* тел|home phone|^home$/ },
  { field: 'phone', label: 'work', test: /рабоч\S* тел|work phone|business phone|office phone/ },
  { field: 'phone', test: /телефон|(^| )тел( |$)|phone|номер телефона|^номер$|^tel$|whatsapp/ },
  { field: 'email', test: /e ?mail|почта|^mail$|электронн/ },
  { field: 'middleName', test: /отчество|middle name|patronymic|additional name/ },
  { field: 'lastName', test: /фамилия|last name|surname|family name/ },
  { field: 'firstName', test: /first name|given name/ },
  { field: 'name', test: /^фио$|^ф и о$|^name$|full name|display name|^имя$|контакт|^клиент$|^client$|имя клиента|^имя и фамилия$/ },
  { field: 'company', test: /компан|организац|company|organi[sz]ation|фирма|контрагент|юр лицо|^account$/ },
  { field: 'position', test: /должность|position|job title|^title$|^role$/ },
  { field: 'tags', test: /теги|тэги|метки|^tags?$|labels|категори|categor|^группа$|^group$/ },
  { field: 'urgency', test: /срочн|urgency|priority|приоритет/ },
  { field: 'priceQuoted', test: /цена|стоимост|price|quote|сумма|amount|бюджет|budget/ },
  { field: 'agreements', test: /договор[её]нност|agreement/ },
  { field: 'request', test: /запрос|request|заявка|inquiry|enquiry|потребност/ },
  { field: 'notes', test: /примечан|комментар|заметк|^notes?$|comments?|описание|description/ },
];

const matchHeader = (header: string) => {
  const key = headerKey(header);
  return key ? headerRules.find((r) => r.test.test(key)) : undefined;
};

/** A cell that looks like a phone number (seven digits or more, only number characters). */
const isPhoneLike = (cell: string) => /^[\d\s()+\-./]+$/.test(cell.trim()) && cell.replace(/\D+/g, '').length >= 7;

function detectHeader(rows: readonly string[][]): boolean {
  const first = rows[0];
  if (!first) return true;
  if (first.some((c) => matchHeader(c))) return true;
  if (first.some(isPhoneLike)) return false;
  return true;
}

/** The mapping the headers suggest: each recognised column once (phones, emails, tags and notes may repeat). */
export function guessMapping(headers: readonly string[]): CsvColumnMapping[] {
  const columns: CsvColumnMapping[] = [];
  const taken = new Set<CsvField>();
  headers.forEach((header, column) => {
    const rule = matchHeader(header);
    if (!rule) return;
    if (taken.has(rule.field) && !['phone', 'email', 'tags', 'notes'].includes(rule.field)) return;
    taken.add(rule.field);
    columns.push({ column, field: rule.field, ...(rule.label ? { label: rule.label } : {}) });
  });
  // "Имя" next to "Фамилия" is the first name, not the full name.
  const hasParts = columns.some((c) => c.field === 'lastName' || c.field === 'middleName');
  for (const c of columns) {
    if (c.field === 'name' && hasParts && headerKey(headers[c.column as number] ?? '') === 'имя') c.field = 'firstName';
  }
  return columns;
}

/** A CSV file as parsed: its delimiter and every record (empty ones too, so row numbers stay the spreadsheet's). */
export interface CsvTable {
  delimiter: CsvDelimiter;
  rows: string[][];
  /**
   * Cells of the file's widest row, when `rows` holds only a share of the file's rows (a helper
   * thread's: the others are empty) and so cannot tell.
   */
  width?: number;
}

/** Parses a CSV file with the delimiter given, else the one detected. Throws ImportError when it is not CSV. */
export function readCsv(text: string, delimiter?: CsvDelimiter): CsvTable {
  const body = stripBom(text);
  const d = delimiter ?? detectDelimiter(body);
  return { delimiter: d, rows: parseCsv(body, d) };
}

const isEmptyRow = (r: readonly string[]) => r.every((c) => c.trim() === '');
/** Cells of the table's widest row. */
const widthOf = (table: CsvTable) => table.width ?? table.rows.reduce((w, r) => Math.max(w, r.length), 0);

/**
 * The first step of a CSV import: the delimiter (";" or "," detected), whether the first row is a
 * header, the first rows, and a mapping guessed from the headers (English and Russian) for the
 * person to confirm or change.
 */
export function previewCsv(text: string, options: { delimiter?: CsvDelimiter; hasHeader?: boolean } = {}): CsvPreview {
  return previewCsvTable(readCsv(text, options.delimiter), options);
}

/** previewCsv of a file already parsed. */
export function previewCsvTable(table: CsvTable, options: { hasHeader?: boolean } = {}): CsvPreview {
  const { delimiter } = table;
  // Rows with nothing in them (";;;;" from Excel) are not shown, counted or imported.
  const rows = table.rows.filter((r) => !isEmptyRow(r));
  const hasHeader = options.hasHeader ?? detectHeader(rows);
  const width = rows.reduce((w, r) => Math.max(w, r.length), 0);
  const headerRow = hasHeader ? (rows[0] ?? []) : [];
  const headers = Array.from({ length: width }, (_, i) => headerRow[i]?.trim() || unnamedColumn(i));
  const data = hasHeader ? rows.slice(1) : rows;
  return {
    delimiter,
    hasHeader,
    headers,
    rows: data.slice(0, previewRows),
    totalRows: data.length,
    guessedMapping: { delimiter, hasHeader, columns: hasHeader ? guessMapping(headers) : [], tagSeparator: ',' },
  };
}

/** "31.01.2025", "31/01/2025", "2025-01-31" → "2025-01-31"; a birthday may be "12.04" → "--04-12". */
function toIsoDate(cell: string, birthday = false): string {
  const s = cell.trim();
  let m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(s);
  if (m) return `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}`;
  m = /^(\d{1,2})[./](\d{1,2})$/.exec(s);
  if (m && birthday) return `--${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return s;
}

const formalityWords: Record<string, Formality> = {
  ты: 'informal',
  'на ты': 'informal',
  informal: 'informal',
  неформально: 'informal',
  вы: 'formal',
  'на вы': 'formal',
  formal: 'formal',
  формально: 'formal',
};

/** Several numbers in one cell: "+7 495 123-45-67, +7 916 555-12-34" (also ";", a new line or " / "). */
const splitPhones = (cell: string) => cell.split(/\s*[,;\n]\s*|\s+\/\s+/).map((s) => s.trim()).filter(Boolean);
const splitEmails = (cell: string) => cell.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);

type ResolvedColumn = CsvColumnMapping & { index: number; header: string };

/** A mapping with its defaults applied (CsvMappingSchema's output, or a draft being previewed). */
export interface CsvMappingInEffect {
  hasHeader: boolean;
  columns: readonly CsvColumnMapping[];
  tagSeparator: string;
}

/** One data row of a CSV with a mapping: the client it gives, or why it gives none. */
export type CsvRowOutcome = { row: number; item: ImportItem; skipped?: undefined } | { row: number; item?: undefined; skipped: string | ImportSaidFlat };

/** Thrown inside an import's transaction when it is cancelled: nothing is written. */
export class ImportCancelledError extends ImportError {
  constructor() {
    super('the import was cancelled: nothing was imported');
    this.name = 'ImportCancelledError';
  }
}

/** A row made ready to write in another thread (importPrepare.ts), or why it gives no client. */
export type PreparedOutcome = { row: number; item: PreparedImportItem; skipped?: undefined } | { row: number; item?: undefined; skipped: string | ImportSaidFlat };

/** Prepares an import's rows in another thread, in order, while this one writes them (importPrepare.ts). */
export interface RowPreparer {
  csv(table: CsvTable, mapping: CsvMappingInEffect, source: 'csv', region: string, shouldStop?: () => boolean): Iterable<PreparedOutcome>;
  items(items: ImportItem[], source: 'vcard', region: string, shouldStop?: () => boolean): Iterable<PreparedOutcome>;
}

/** Imports of at least this many rows are prepared in another thread when a RowPreparer is given. */
export const parallelPrepareMin = 1000;

/** What a long import reports and how it is stopped (the worker thread's hooks). */
export interface ImportOptions {
  /** After each row (or card): how many are done of how many. */
  onProgress?: (done: number, total: number) => void;
  /** Asked before each row; true cancels the import (its transaction rolls back). */
  shouldStop?: () => boolean;
  /** Prepares the rows of a large import in another thread (the import worker's helper). */
  preparer?: RowPreparer;
}

/**
 * The clients a parsed CSV gives with a mapping, row by row: the mapping's columns are resolved
 * first (a column that does not exist throws ImportError); `total` counts the data rows.
 * `rows(from, to)` gives the clients of the table's rows from index `from` to before `to` (all of
 * them by default).
 */
export function csvRows(table: CsvTable, m: CsvMappingInEffect): { total: number; rows: (from?: number, to?: number) => Generator<CsvRowOutcome> } {
  const { rows } = table;
  // The header is the first row with something in it (as previewCsv shows it).
  const headerAt = m.hasHeader ? Math.max(0, rows.findIndex((r) => !isEmptyRow(r))) : -1;
  const headerRow = headerAt >= 0 ? (rows[headerAt] ?? []).map((h) => h.trim()) : [];
  const width = widthOf(table);
  const columns: ResolvedColumn[] = m.columns.map((c) => {
    let index: number;
    if (typeof c.column === 'number') {
      index = c.column;
      if (index >= width) throw new ImportError(`invalid column mapping: column ${index} does not exist (the file has ${width} column${width === 1 ? '' : 's'}, numbered from 0)`);
    } else {
      if (!m.hasHeader) throw new ImportError(`invalid column mapping: column "${c.column}" is named, but the file has no header row`);
      const wanted = foldForSearch(c.column);
      index = headerRow.findIndex((h) => foldForSearch(h) === wanted);
      if (index < 0) throw new ImportError(`invalid column mapping: the file has no column "${c.column}" (its columns: ${headerRow.map((h) => `"${h}"`).join(', ')})`);
    }
    return { ...c, index, header: headerRow[index] || unnamedColumn(index) };
  });
  const nameParts = columns.filter((c) => c.field === 'lastName' || c.field === 'firstName' || c.field === 'middleName').sort((a, b) => a.index - b.index);
  const notesColumns = columns.filter((c) => c.field === 'notes');
  const first = headerAt + 1;
  let total = 0;
  for (let r = first; r < rows.length; r++) if (!isEmptyRow(rows[r]!)) total++;

  function* outcomes(from = first, to = rows.length): Generator<CsvRowOutcome> {
    for (let r = Math.max(from, first); r < Math.min(to, rows.length); r++) {
      const cells = rows[r]!;
      const row = r + 1; // the spreadsheet's row number (the header is row 1)
      if (isEmptyRow(cells)) continue;
      const cell = (c: ResolvedColumn) => (cells[c.index] ?? '').trim();
      const warnings: ImportText[] = [];
      const input: Record<string, unknown> = {};
      const phones: { raw: string; label: PhoneLabel }[] = [];
      const emails: string[] = [];
      const tags: string[] = [];
      const needs: Record<string, string> = {};
      const notes: string[] = [];
      for (const c of columns) {
        const value = cell(c);
        if (!value) continue;
        switch (c.field) {
          case 'phone':
            for (const raw of splitPhones(value)) {
              if (/\d/.test(raw)) phones.push({ raw, label: c.label ?? 'other' });
              else warnings.push({ key: 'phoneDropped', params: { value: raw } });
            }
            break;
          case 'email':
            emails.push(...splitEmails(value));
            break;
          case 'tags':
            tags.push(...value.split(m.tagSeparator).map((t) => t.trim()).filter(Boolean));
            break;
          case 'need':
            needs[c.key ?? c.header] = value;
            break;
          case 'notes':
            notes.push(notesColumns.length > 1 ? `${c.header}: ${value}` : value);
            break;
          case 'formality': {
            const f = formalityWords[foldForSearch(value)];
            if (f) input.formality = f;
            else warnings.push({ key: 'formalityDropped', params: { value } });
            break;
          }
          case 'saleDate':
          case 'nextStepDate':
            input[c.field] = toIsoDate(value);
            break;
          case 'birthday':
            input.birthday = toIsoDate(value, true);
            break;
          case 'lastName':
          case 'firstName':
          case 'middleName':
            break;
          default:
            input[c.field] = value;
        }
      }
      if (!input.name && nameParts.length) {
        const name = nameParts.map(cell).filter(Boolean).join(' ');
        if (name) input.name = name;
      }
      if (!input.name && !phones.length) {
        yield { row, skipped: { key: 'noNameNoPhone' } };
        continue;
      }
      Object.assign(input, { phones, emails, tags, needs });
      if (notes.length) input.notes = notes.join('\n');
      yield { row, item: { row, input: input as ClientInput, warnings } };
    }
  }
  return { total, rows: outcomes };
}

/**
 * A helper thread's share of a table (importPrepare.ts): the rows of blocks `part`, `part + parts`,
 * `part + 2 × parts`… of `blockRows` rows each, and the header; the other rows are one shared
 * empty row, so the share costs little to send to the helper.
 */
export function csvShare(table: CsvTable, blockRows: number, part: number, parts: number): CsvTable {
  const none: string[] = [];
  const headerAt = table.rows.findIndex((r) => !isEmptyRow(r));
  return {
    delimiter: table.delimiter,
    width: widthOf(table),
    rows: table.rows.map((r, i) => (i <= headerAt || Math.floor(i / blockRows) % parts === part ? r : none)),
  };
}

/**
 * Imports a CSV with the mapping the person confirmed, in one transaction. Rows with no name and
 * no phone are skipped with the reason; a row whose phone already belongs to a client is merged
 * into that client (reported in `merged`); a bad value (an email, a date) is dropped with a
 * warning and the rest of the row imported. A bad mapping or unreadable file throws before anything is written.
 * `source` is the file's text, or the file already parsed (with the mapping's delimiter).
 */
export function importCsv(source: string | CsvTable, mapping: CsvMapping, directory: DirectoryService, options: ImportOptions = {}): ImportResult {
  const parsedMapping = CsvMappingSchema.safeParse(mapping);
  if (!parsedMapping.success) throw new ImportError(`invalid column mapping: ${describeIssues(parsedMapping.error)}`);
  const m = parsedMapping.data;
  const table = typeof source === 'string' ? readCsv(source, m.delimiter) : source;
  if (m.delimiter && m.delimiter !== table.delimiter) throw new ImportError(`the file was read with "${table.delimiter}" between columns, the mapping says "${m.delimiter}"`);
  const { total, rows } = csvRows(table, m);
  const skipped: ImportResult['skipped'] = [];
  let done = 0;
  const outcomes = options.preparer && total >= parallelPrepareMin ? options.preparer.csv(table, m, 'csv', directory.defaultRegion, options.shouldStop) : rows();
  function* items(): Generator<ImportItem | PreparedImportItem> {
    for (const outcome of outcomes) {
      if (options.shouldStop?.()) throw new ImportCancelledError();
      options.onProgress?.(++done, total);
      if (outcome.item) yield outcome.item;
      else skipped.push({ row: outcome.row, reason: outcome.skipped });
    }
  }

  const result = directory.importClients(items(), 'csv', total);
  result.skipped = [...skipped, ...result.skipped].sort((a, b) => a.row - b.row);
  return result;
}

// ---------------------------------------------------------------------------------------------
// vCard
// ---------------------------------------------------------------------------------------------

interface VCardLine {
  name: string;
  params: Map<string, string[]>;
  value: string;
}

/** Splits on a separator not escaped with a backslash. */
function splitEscaped(value: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[i + 1]!;
      i++;
    } else if (ch === separator) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** vCard text escapes: \n, \, \; \\. */
const unescapeValue = (v: string) => v.replace(/\\([nN,;\\:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

function decodeQuotedPrintable(value: string, charset: string): string {
  const bytes: number[] = [];
  const s = value.replace(/=\r?\n/g, '');
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(s[i]!));
  }
  try {
    return new TextDecoder(charset || 'utf-8').decode(new Uint8Array(bytes));
  } catch {
    return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
  }
}

/** "item1.TEL;TYPE=work,voice;VALUE=uri:tel:+1-555" → name TEL, params, value. Params may be quoted. */
function parseLine(line: string): VCardLine | null {
  let inQuotes = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return null;
  const head = line.slice(0, colon);
  const parts = head.match(/(?:[^;"]|"[^"]*")+/g) ?? [];
  const name = (parts[0] ?? '').replace(/^.*\./, '').toUpperCase();
  const params = new Map<string, string[]>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    // vCard 2.1 writes bare types: TEL;CELL;VOICE:
    const key = eq < 0 ? 'TYPE' : p.slice(0, eq).toUpperCase();
    const values = (eq < 0 ? p : p.slice(eq + 1))
      .split(',')
      .map((v) => v.replace(/^"|"$/g, '').trim().toLowerCase())
      .filter(Boolean);
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  return { name, params, value: line.slice(colon + 1) };
}

function telLabel(types: readonly string[]): PhoneLabel {
  if (types.includes('cell') || types.includes('mobile') || types.includes('iphone')) return 'mobile';
  if (types.includes('work')) return 'work';
  if (types.includes('home')) return 'home';
  return 'other';
}

/** "1985-04-12", "19850412", "--0412", "--04-12", "1985-04-12T00:00:00Z" → "1985-04-12" / "--04-12". */
function vcardDate(value: string): string {
  const v = value.trim();
  let m = /^(\d{4})-?(\d{2})-?(\d{2})(T.*)?$/.exec(v);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^--(\d{2})-?(\d{2})$/.exec(v);
  if (m) return `--${m[1]}-${m[2]}`;
  return v;
}

/** The cards of a vCard file (3.0 or 4.0; 2.1 mostly), each with what could not be read. */
export function readVCards(text: string): { input: ClientInput; warnings: string[] }[] {
  // Unfold: a line break followed by a space or tab continues the line.
  const lines = stripBom(text).replace(/\r\n?/g, '\n').replace(/\n[ \t]/g, '').split('\n');
  const cards: { input: ClientInput; warnings: string[] }[] = [];
  let card: VCardLine[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i]!;
    if (!raw.trim()) continue;
    // Quoted-printable (vCard 2.1) continues with a soft break: a line ending in "=".
    if (/ENCODING=QUOTED-PRINTABLE/i.test(raw.slice(0, raw.indexOf(':') + 1))) {
      while (raw.endsWith('=') && i + 1 < lines.length) raw = `${raw.slice(0, -1)}${lines[++i]!}`;
    }
    const line = parseLine(raw);
    if (!line) continue;
    if (line.name === 'BEGIN' && line.value.trim().toUpperCase() === 'VCARD') card = [];
    else if (line.name === 'END' && line.value.trim().toUpperCase() === 'VCARD') {
      if (card) cards.push(toClientInput(card));
      card = null;
    } else card?.push(line);
  }
  return cards;
}

function toClientInput(lines: readonly VCardLine[]): { input: ClientInput; warnings: string[] } {
  const warnings: string[] = [];
  const text = (l: VCardLine) => {
    const enc = l.params.get('ENCODING') ?? [];
    if (enc.includes('quoted-printable')) return decodeQuotedPrintable(l.value, l.params.get('CHARSET')?.[0] ?? 'utf-8');
    return l.value;
  };
  let fn: string | null = null;
  let n: string | null = null;
  const phones: { raw: string; label: PhoneLabel }[] = [];
  const emails: string[] = [];
  const tags: string[] = [];
  const notes: string[] = [];
  const input: Record<string, unknown> = {};
  for (const l of lines) {
    const value = text(l);
    switch (l.name) {
      case 'FN':
        fn = unescapeValue(value).trim() || null;
        break;
      case 'N': {
        // Family;Given;Additional;Prefix;Suffix
        const [family = '', given = '', additional = ''] = splitEscaped(value, ';').map((s) => unescapeValue(s).trim());
        n = [given, additional, family].filter(Boolean).join(' ') || null;
        break;
      }
      case 'ORG':
        input.company = splitEscaped(value, ';').map((s) => unescapeValue(s).trim()).filter(Boolean).join(', ') || undefined;
        break;
      case 'TITLE':
        input.position = unescapeValue(value).trim();
        break;
      case 'ROLE':
        input.position ??= unescapeValue(value).trim();
        break;
      case 'TEL': {
        const number = unescapeValue(value).trim().replace(/^tel:/i, '').replace(/;.*$/, '');
        if (/\d/.test(number)) phones.push({ raw: number, label: telLabel(l.params.get('TYPE') ?? []) });
        break;
      }
      case 'EMAIL':
        emails.push(unescapeValue(value).trim().replace(/^mailto:/i, ''));
        break;
      case 'NOTE':
        notes.push(unescapeValue(value).trim());
        break;
      case 'CATEGORIES':
        tags.push(...splitEscaped(value, ',').map((s) => unescapeValue(s).trim()).filter(Boolean));
        break;
      case 'BDAY':
        input.birthday = vcardDate(value);
        break;
    }
  }
  Object.assign(input, { name: fn ?? n, phones, emails, tags, source: 'vcard' });
  if (notes.some(Boolean)) input.notes = notes.filter(Boolean).join('\n');
  return { input: input as ClientInput, warnings };
}

/** The contacts of a vCard file (FN, N, ORG, TITLE, TEL with TYPE, EMAIL, NOTE, CATEGORIES, BDAY), as new clients. */
export function parseVCards(text: string): ClientInput[] {
  return readVCards(text).map((c) => c.input);
}

/** A vCard file's cards, as readVCards gives them. */
export type VCardCards = ReturnType<typeof readVCards>;

/**
 * Imports a vCard file in one transaction, merging by phone like importCsv; `row` is the card's
 * number in the file. `source` is the file's text or its cards already read.
 */
export function importVCards(source: string | VCardCards, directory: DirectoryService, options: ImportOptions = {}): ImportResult {
  const cards = typeof source === 'string' ? readVCards(source) : source;
  if (!cards.length) throw new ImportError(noVCardMessage);
  let done = 0;
  const all = cards.map((c, i): ImportItem => ({ row: i + 1, input: c.input, warnings: c.warnings }));
  const outcomes: Iterable<{ item?: ImportItem | PreparedImportItem }> =
    options.preparer && all.length >= parallelPrepareMin ? options.preparer.items(all, 'vcard', directory.defaultRegion, options.shouldStop) : all.map((item) => ({ item }));
  function* items(): Generator<ImportItem | PreparedImportItem> {
    for (const outcome of outcomes) {
      if (options.shouldStop?.()) throw new ImportCancelledError();
      options.onProgress?.(++done, cards.length);
      if (outcome.item) yield outcome.item;
    }
  }
  return directory.importClients(items(), 'vcard', cards.length);
}

export const noVCardMessage = 'no contact found: a vCard file has BEGIN:VCARD … END:VCARD blocks';

/** For the mapping screen: every field a column can feed. */
export const mappableFields: readonly CsvField[] = csvFields;
