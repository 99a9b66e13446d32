import { describeIssues } from '../../common/callLog';
import { fault, saidOf, type Said } from '../../common/said';
import {
  CsvMappingSchema,
  repeatableCsvFields,
  type CsvDelimiter,
  type CsvMapping,
  type ImportResult,
  type ParsedClientInput,
} from '../../common/directory';
import {
  clientFieldKeys,
  clientFieldOf,
  csvTargets,
  importListedProblems,
  importPreviewRows,
  type ClientFieldKey,
  type ImportEncoding,
  type ImportKind,
  type ImportPreview,
  type ImportPreviewRequest,
  type ImportPreviewRow,
  type ImportProblem,
  type ImportSummary,
  unnamedColumn,
} from '../../common/imports';
import { salvage, type DirectoryService } from './directory';
import {
  csvRows,
  ImportCancelledError,
  ImportError,
  importCsv,
  importVCards,
  noVCardMessage,
  parallelPrepareMin,
  previewCsvTable,
  readCsv,
  readVCards,
  type CsvMappingInEffect,
  type CsvRowOutcome,
  type CsvTable,
  type ImportOptions,
  type RowPreparer,
  type VCardCards,
} from './importers';
import { importIssues, type CsvDelimiterName, type ImportSaidFlat, type ImportText } from '../../common/importText';

/**
 * One file being imported: its text as it arrives in chunks, parsed once, previewed with the
 * mapping the person is making, then imported. It runs inside the import worker thread
 * (importWorker.ts), so parsing a 50 MB file and writing 100,000 clients never hold the main
 * process; `createImportEndpoint` is the message protocol the main thread (imports.ts) speaks to it.
 */

export interface ImportSessionInfo {
  id: string;
  fileName: string;
  /** Characters the file has (the chunks must add up to it). */
  length: number;
  encoding: ImportEncoding;
}

/** How long a preview checks rows for problems before it answers (the import itself checks every row). */
export const previewCheckBudgetMs = 1500;
/** Rows of the result listed by row number (all are counted). */
const listedInSummary = 20;

const delimiterNames: Record<CsvDelimiter, CsvDelimiterName> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'bar' };
/** A field as the mapping step names it (a key under import.target: "company"). */
const targetOf = (field: string) => csvTargets.find((t) => t.field === field && !t.label)?.key ?? field;

/** A client as the preview table shows it: each field as text. */
function valuesOf(c: ParsedClientInput): Partial<Record<ClientFieldKey, string>> {
  const out: Partial<Record<ClientFieldKey, string>> = {};
  for (const key of clientFieldKeys) {
    let text: string | null = null;
    switch (key) {
      case 'phones':
        text = c.phones.map((p) => (p.label === 'other' ? p.raw : `${p.raw} (${p.label})`)).join(', ');
        break;
      case 'emails':
      case 'tags':
        text = c[key].join(', ');
        break;
      case 'needs':
        text = Object.entries(c.needs)
          .map(([q, a]) => `${q}: ${a}`)
          .join('; ');
        break;
      case 'formality':
        text = c.formality === 'informal' ? 'ты (informal)' : c.formality === 'formal' ? 'вы (formal)' : null;
        break;
      default:
        text = c[key];
    }
    if (text) out[key] = text;
  }
  return out;
}

/** CSV rows as `check` takes them. */
function* checkable(outcomes: Iterable<CsvRowOutcome>): Generator<Checkable> {
  for (const o of outcomes) yield o.item ? { row: o.row, input: o.item.input, warnings: o.item.warnings ?? [] } : { row: o.row, skipped: o.skipped };
}

/** A row (or card) to check: the client it gives, or why it gives none. */
interface Checkable {
  row: number;
  input?: object;
  warnings?: readonly ImportText[];
  skipped?: string | ImportSaidFlat;
}

/** Collects problems: the first ones listed, all counted. */
class Problems {
  readonly listed: ImportProblem[] = [];
  count = 0;
  add(row: number, message: ImportText, skipped: boolean) {
    this.count++;
    if (this.listed.length < importListedProblems) this.listed.push({ row, message, skipped });
  }
}

/** 1-based line of a character position. */
const lineAt = (text: string, index: number) => {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

export class ImportSession {
  private chunks: string[] = [];
  private received = 0;
  private text: string | null = null;
  /** The last parse (a changed delimiter parses again; one is kept, a parse of 50 MB is big). */
  private table: { requested: CsvDelimiter | undefined; table: CsvTable } | null = null;
  private cards: VCardCards | null = null;
  /**
   * What an import of this file will read, when it is a CSV whose last preview had a mapping that
   * can import and rows enough to be prepared in helper threads (they can start on it now).
   */
  ahead: { table: CsvTable; mapping: CsvMappingInEffect } | null = null;

  constructor(readonly info: ImportSessionInfo) {}

  /** Adds the next chunk; `offset` must be what has arrived so far. */
  append(offset: number, chunk: string): { received: number; complete: boolean } {
    if (this.text !== null) throw new ImportError('the file has already arrived whole');
    if (offset !== this.received) throw new ImportError(`the file arrived out of order: a piece at character ${offset}, expected ${this.received}`);
    if (this.received + chunk.length > this.info.length) throw new ImportError(`the file is longer than announced (${this.info.length} characters)`);
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.received === this.info.length) {
      this.text = this.chunks.join('');
      this.chunks = [];
    }
    return { received: this.received, complete: this.text !== null };
  }

  private whole(): string {
    if (this.text === null) throw new ImportError(`the file has not arrived whole yet (${this.received} of ${this.info.length} characters)`);
    return this.text;
  }

  get kind(): ImportKind {
    const head = this.whole().slice(0, 4096).replace(/^\uFEFF/, '');
    return /\.(vcf|vcard)$/i.test(this.info.fileName) || /^\s*BEGIN:VCARD\s*$/im.test(head) ? 'vcard' : 'csv';
  }

  private csv(delimiter: CsvDelimiter | undefined): CsvTable {
    if (this.table && (this.table.requested === delimiter || this.table.table.delimiter === delimiter)) return this.table.table;
    const table = readCsv(this.whole(), delimiter);
    this.table = { requested: delimiter, table };
    return table;
  }

  private vcards(): VCardCards {
    this.cards ??= readVCards(this.whole());
    if (!this.cards.length) throw new ImportError(noVCardMessage);
    return this.cards;
  }

  /** Notices about the text itself: the encoding it was read with, characters that could not be read. */
  private textNotices(): ImportText[] {
    const notices: ImportText[] = [];
    if (this.info.encoding === 'windows-1251') notices.push({ key: 'notUtf8' });
    else if (this.info.encoding !== 'utf-8') notices.push({ key: this.info.encoding === 'utf-16le' ? 'utf16le' : 'utf16be' });
    const text = this.whole();
    const bad = text.indexOf('\uFFFD');
    if (bad >= 0) notices.push({ key: 'unreadableChars', params: { line: lineAt(text, bad) } });
    return notices;
  }

  /** The preview: how the file reads, the first rows as they would be imported, and the problems of the rows checked. */
  preview(request: Omit<ImportPreviewRequest, 'id'>, budgetMs = previewCheckBudgetMs): Omit<ImportPreview, 'id'> {
    return this.kind === 'vcard' ? this.previewVCards(budgetMs) : this.previewCsv(request, budgetMs);
  }

  private previewCsv(request: Omit<ImportPreviewRequest, 'id'>, budgetMs: number): Omit<ImportPreview, 'id'> {
    const delimiter = request.delimiter ?? request.mapping?.delimiter;
    const hasHeaderAsked = request.hasHeader ?? request.mapping?.hasHeader;
    const table = this.csv(delimiter);
    const base = previewCsvTable(table, { hasHeader: hasHeaderAsked });
    const draft = request.mapping ?? base.guessedMapping;
    const mapping = {
      delimiter: table.delimiter,
      hasHeader: base.hasHeader,
      columns: draft.columns,
      tagSeparator: draft.tagSeparator ?? ',',
    };
    const notices = this.textNotices();
    const { headers } = base;
    if (headers.length === 1 && base.totalRows > 0) {
      notices.push({ key: 'oneColumn', params: { delimiter: delimiterNames[table.delimiter] } });
    }
    if (!base.hasHeader && hasHeaderAsked === undefined) {
      notices.push({ key: 'noHeader' });
    }
    if (base.hasHeader) {
      // Rows with cells beyond the named columns: usually a wrong delimiter, or one inside an unquoted value.
      const headerAt = table.rows.findIndex((r) => r.some((c) => c.trim() !== ''));
      const named = (table.rows[headerAt] ?? []).length;
      let longer = 0;
      let first: { row: number; cells: number } | null = null;
      for (let r = headerAt + 1; r < table.rows.length; r++) {
        const cells = table.rows[r]!;
        let used = cells.length;
        while (used > 0 && cells[used - 1]!.trim() === '') used--;
        if (used > named) {
          longer++;
          first ??= { row: r + 1, cells: used };
        }
      }
      if (first) {
        notices.push({ key: 'extraCells', params: { count: longer, row: first.row, cells: first.cells, names: named, column: named + 1 } });
      }
    }

    const mappingProblems = this.mappingProblems(mapping.columns, headers);
    let rows: ReturnType<typeof csvRows> | null = null;
    try {
      rows = csvRows(table, mapping);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      mappingProblems.push(error.message);
    }
    const inEffect = CsvMappingSchema.safeParse(mapping);
    this.ahead = rows && rows.total >= parallelPrepareMin && !mappingProblems.length && inEffect.success ? { table, mapping: inEffect.data } : null;
    const fields = clientFieldKeys.filter((k) => mapping.columns.some((c) => clientFieldOf(c.field) === k));
    const check = this.check(rows ? checkable(rows.rows()) : [], 'csv', budgetMs);
    const samples = headers.map((_, i) => {
      for (const r of base.rows) if (r[i]?.trim()) return r[i]!.trim();
      return '';
    });
    return {
      fileName: this.info.fileName,
      kind: 'csv',
      encoding: this.info.encoding,
      notices,
      csv: { delimiter: table.delimiter, hasHeader: base.hasHeader, headers, samples, mapping },
      mappingProblems,
      fields,
      ...check,
      total: rows?.total ?? base.totalRows,
    };
  }

  /** Why a mapping cannot import yet, in the person's words (column headers, field names). */
  private mappingProblems(columns: CsvMappingInEffect['columns'], headers: readonly string[]): ImportText[] {
    const problems: ImportText[] = [];
    const nameOf = (column: number | string) => (typeof column === 'number' ? headers[column] ?? unnamedColumn(column) : column);
    if (!columns.some((c) => ['name', 'lastName', 'firstName', 'middleName', 'phone'].includes(c.field))) {
      problems.push({ key: 'noNameOrPhoneColumn' });
    }
    const byField = new Map<string, string[]>();
    for (const c of columns) {
      if (repeatableCsvFields.has(c.field)) continue;
      byField.set(c.field, [...(byField.get(c.field) ?? []), nameOf(c.column)]);
    }
    for (const [field, names] of byField) {
      if (names.length > 1) problems.push({ key: 'sameField', params: { columns: names, field: targetOf(field) } });
    }
    const parsed = CsvMappingSchema.safeParse({ columns });
    if (!parsed.success && !problems.length) problems.push(`The mapping cannot be used: ${describeIssues(parsed.error)}`);
    return problems;
  }

  private previewVCards(budgetMs: number): Omit<ImportPreview, 'id'> {
    const cards = this.vcards();
    const notices = this.textNotices();
    // A card without its END:VCARD is not read: say where it starts.
    const lines = this.whole().replace(/\r\n?/g, '\n').split('\n');
    let open: number | null = null;
    const unclosed: number[] = [];
    lines.forEach((line, i) => {
      const l = line.trim().toUpperCase();
      if (l === 'BEGIN:VCARD') {
        if (open !== null) unclosed.push(open);
        open = i + 1;
      } else if (l === 'END:VCARD') open = null;
    });
    if (open !== null) unclosed.push(open);
    if (unclosed.length) {
      notices.push({ key: 'unclosedCards', params: { count: unclosed.length, lines: unclosed.slice(0, 5).join(', ') } });
    }
    const check = this.check(
      cards.map((c, i) => ({ row: i + 1, input: c.input, warnings: c.warnings })),
      'vcard',
      budgetMs,
    );
    const fields = clientFieldKeys.filter((k) => k === 'name' || k === 'phones' || check.rows.some((r) => r.values[k] !== undefined));
    return {
      fileName: this.info.fileName,
      kind: 'vcard',
      encoding: this.info.encoding,
      notices,
      csv: null,
      mappingProblems: [],
      fields,
      ...check,
      total: cards.length,
    };
  }

  /**
   * Validates rows as the import will (a bad value dropped with a warning, a row with no name and no
   * phone skipped), within a time budget; the first rows are returned as they would be imported.
   */
  private check(
    outcomes: Iterable<Checkable>,
    source: 'csv' | 'vcard',
    budgetMs: number,
  ): Pick<ImportPreview, 'rows' | 'checked' | 'importable' | 'skipped' | 'problems' | 'problemCount'> {
    const started = performance.now();
    const problems = new Problems();
    const rows: ImportPreviewRow[] = [];
    let checked = 0;
    let importable = 0;
    let skipped = 0;
    for (const o of outcomes) {
      if (checked % 64 === 0 && checked >= importPreviewRows && performance.now() - started > budgetMs) break;
      checked++;
      const rowProblems: ImportText[] = [];
      let values: ImportPreviewRow['values'] = {};
      let skip: string | ImportSaidFlat | null = o.skipped ?? null;
      if (!skip) {
        const warnings = [...(o.warnings ?? [])];
        const parsed = salvage({ ...(o.input as Record<string, unknown>), source }, warnings);
        rowProblems.push(...warnings);
        if (parsed.success) {
          values = valuesOf(parsed.data);
          if (!parsed.data.phones.length) rowProblems.push({ key: 'noPhone' });
        } else skip = importIssues(parsed.error);
      }
      for (const message of rowProblems) problems.add(o.row, message, false);
      if (skip) {
        skipped++;
        const notImported: ImportText = { key: 'notImported', params: { reason: skip } };
        problems.add(o.row, notImported, true);
        rowProblems.push(notImported);
      } else importable++;
      if (rows.length < importPreviewRows) rows.push({ row: o.row, skipped: skip !== null, values, problems: rowProblems });
    }
    return { rows, checked, importable, skipped, problems: problems.listed, problemCount: problems.count };
  }

  /** Imports the file (one transaction). A CSV without a mapping uses the one guessed from its headers. */
  run(mapping: CsvMapping | undefined, directory: DirectoryService, options: ImportOptions = {}): ImportResult {
    if (this.kind === 'vcard') return importVCards(this.vcards(), directory, options);
    const m = mapping ?? previewCsvTable(this.csv(undefined)).guessedMapping;
    return importCsv(this.csv(m.delimiter), m, directory, options);
  }
}

/** An import's result as the person reads it. */
export function summarise(result: ImportResult, clientsAfter: number, seconds: number): ImportSummary {
  return {
    created: result.imported,
    merged: result.merged.length,
    skipped: result.skipped.length,
    warningCount: result.warnings.length,
    mergedRows: result.merged.slice(0, listedInSummary).map((m) => ({ row: m.row, name: m.name })),
    skippedRows: result.skipped.slice(0, listedInSummary),
    warnings: result.warnings.slice(0, listedInSummary),
    clientsAfter,
    seconds,
  };
}

// ---------------------------------------------------------------------------------------------
// The protocol between the main thread (imports.ts) and the session (in the worker thread)
// ---------------------------------------------------------------------------------------------

export type SessionRequest =
  | { t: 'append'; req: number; offset: number; chunk: string }
  /** `region`: the one an import would read numbers with now (its rows are prepared with it while the person reads the preview). */
  | { t: 'preview'; req: number; request: Omit<ImportPreviewRequest, 'id'>; region?: string }
  | { t: 'run'; req: number; mapping?: CsvMapping; dbFile: string; region: string };

export type SessionMessage =
  | { t: 'reply'; req: number; ok: true; value: unknown }
  | { t: 'reply'; req: number; ok: false; error: string; cancelled?: boolean; said?: Said }
  | { t: 'progress'; done: number; total: number };

export interface SessionInit extends ImportSessionInfo {
  /** Set to 1 by the main thread to cancel a running import (read between rows). */
  cancel: Int32Array;
  /** The worker's own script, when the session runs in one (its helper thread runs it too). */
  workerFile?: string;
}

/**
 * An import's failure the code knows, as the window says it (a key under fault.*, "… Nothing was
 * imported."): the database busy or locked by another program, the disk full, the database not
 * writable or damaged, or what the error itself says as data. Anything else: undefined (the
 * error's own message is shown as it came).
 */
export function importFailureSaid(error: unknown): Said | undefined {
  const said = saidOf(error);
  if (said) return said;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return fault('importBusy');
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') return fault('importDiskFull');
  if (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return fault('importNotWritable');
  if (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB')) return fault('importDamaged');
  return undefined;
}

/** How often a running import reports its progress. */
export const progressIntervalMs = 100;

/**
 * The session's side of the protocol: handles one request at a time, in order, and answers with
 * `post`. `openDirectory` gives the directory an import writes to (the worker opens its own
 * connection to the database file; the main process's connection keeps answering lookups).
 */
export function createImportEndpoint(
  init: SessionInit,
  post: (message: SessionMessage) => void,
  openDirectory: (dbFile: string, region: string) => { directory: DirectoryService; close(): void },
  /** Prepares a large import's rows in a helper thread (the worker's); started at the first preview. */
  preparer?: RowPreparer & {
    warm(): void;
    close(): void;
    prepareAhead?(table: CsvTable, mapping: CsvMappingInEffect, source: 'csv', region: string): void;
    dropAhead?(): void;
  },
): (request: SessionRequest) => void {
  const session = new ImportSession(init);
  const fail = (req: number, error: unknown) => {
    const cancelled = error instanceof ImportCancelledError;
    const said = importFailureSaid(error);
    post({ t: 'reply', req, ok: false, error: error instanceof Error ? error.message : String(error), ...(cancelled ? { cancelled } : {}), ...(said ? { said } : {}) });
  };
  return (request) => {
    try {
      switch (request.t) {
        case 'append':
          post({ t: 'reply', req: request.req, ok: true, value: session.append(request.offset, request.chunk) });
          break;
        case 'preview': {
          preparer?.warm();
          post({ t: 'reply', req: request.req, ok: true, value: session.preview(request.request) });
          // While the person reads the preview, the helpers prepare the rows for the import it shows.
          const ahead = session.ahead;
          if (ahead && request.region) preparer?.prepareAhead?.(ahead.table, ahead.mapping, 'csv', request.region);
          else preparer?.dropAhead?.();
          break;
        }
        case 'run': {
          Atomics.store(init.cancel, 0, 0);
          const started = performance.now();
          const { directory, close } = openDirectory(request.dbFile, request.region);
          try {
            let last = 0;
            const result = session.run(request.mapping, directory, {
              preparer,
              shouldStop: () => Atomics.load(init.cancel, 0) === 1,
              onProgress: (done, total) => {
                const now = performance.now();
                if (done === total || now - last >= progressIntervalMs) {
                  last = now;
                  post({ t: 'progress', done, total });
                }
              },
            });
            post({ t: 'reply', req: request.req, ok: true, value: summarise(result, directory.count(), (performance.now() - started) / 1000) });
          } finally {
            close();
            // The helper thread is not needed until this file is previewed again.
            preparer?.close();
          }
          break;
        }
      }
    } catch (error) {
      fail(request.req, error);
    }
  };
}
