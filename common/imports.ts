import { z } from 'zod';
import type { TFunction } from 'i18next';
import type { en as uiEnglish } from './i18n/en';
import { fixedT } from './i18n/translate';
import { SaidSchema, saidText } from './said';
import { ImportTextSchema } from './importText';
import { CsvColumnMappingSchema, CsvDelimiterSchema, CsvMappingSchema, type CsvField, type PhoneLabel } from './directory';

/**
 * Importing clients from a file the person picks (CSV with a column-mapping step and a preview, or
 * vCard). The renderer cannot read files from disk in Electron's sandbox: it reads the file the
 * person chose with an <input type="file">, decodes it (decodeImportFile) and sends the text in
 * chunks; the services parse, preview and import it in a worker thread, so the main process keeps
 * answering while 100,000 rows import. Pure TypeScript: zod only.
 */

/** The largest file Frontdesk imports at once (bytes, as the file is on disk). */
export const maxImportBytes = 50 * 1024 * 1024;
/** The most characters a decoded file may have (a file of maxImportBytes in a one-byte encoding). */
export const maxImportChars = maxImportBytes;
/**
 * Characters per `imports.append` call. Small enough that one frame stays under the browser host's
 * 1 MiB WebSocket frame even when every character is escaped, and that no call holds the main
 * process for long.
 */
export const importChunkChars = 128 * 1024;
/** Rows (or cards) the preview shows as they would be imported. */
export const importPreviewRows = 10;
/** Problems the preview and the result list by row; the rest are counted. */
export const importListedProblems = 50;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Why a file is refused before it is read (too big, empty); null when it can be read. `t`: the language (English unless the window passes its own). */
export function importFileProblem(file: { name: string; size: number }, t: TFunction = fixedT('en')): string | null {
  if (file.size === 0) return t('import.fileEmpty', { file: file.name });
  if (file.size > maxImportBytes) {
    const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));
    return t('import.fileTooBig', { file: file.name, size: mb(file.size), max: mb(maxImportBytes) });
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/** A file that is not text at all (it has NUL bytes). */
export class BinaryFileError extends Error {
  constructor() {
    // The window says it in its language (import.notText); this is for the services and the log.
    super(fixedT('en')('import.notText'));
    this.name = 'BinaryFileError';
  }
}

export const ImportEncodingSchema = z.enum(['utf-8', 'utf-16le', 'utf-16be', 'windows-1251']);
export type ImportEncoding = z.infer<typeof ImportEncodingSchema>;

/**
 * A file's bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM (Excel's "Unicode
 * text"), else Windows-1251 (what Russian Excel writes for "CSV (разделители — запятые)"). Works in
 * the browser and in Node (TextDecoder with the WHATWG encodings).
 */
export function decodeImportFile(bytes: Uint8Array): { text: string; encoding: ImportEncoding } {
  // (common/ is typed without the DOM or Node: TextDecoder is taken from the global object.)
  const Decoder = (globalThis as unknown as { TextDecoder: new (label: string, options?: { fatal?: boolean; ignoreBOM?: boolean }) => { decode(input: Uint8Array): string } })
    .TextDecoder;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new Decoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new Decoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  // Text in UTF-8 or Windows-1251 has no NUL bytes; a workbook (.xlsx), a picture or a database does.
  if (bytes.subarray(0, 65_536).includes(0)) throw new BinaryFileError();
  try {
    return { text: new Decoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: new Decoder('windows-1251').decode(bytes), encoding: 'windows-1251' };
  }
}

/**
 * Splits text into pieces of at most `size` characters, never between the two halves of a
 * surrogate pair (an emoji in a note stays whole).
 */
export function chunkText(text: string, size = importChunkChars): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + size);
    const code = text.charCodeAt(end - 1);
    // A chunk of one character that is half of a pair takes the whole pair.
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end += end - 1 > at ? -1 : 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// What the person maps columns to, and how the preview names the client's fields
// ---------------------------------------------------------------------------------------------

/** The choices of the mapping step for one column, in the order the select lists them (`key`: its name under import.target). */
export const csvTargets: readonly { field: CsvField; label?: PhoneLabel; key: CsvTargetKey }[] = [
  { field: 'name', key: 'name' },
  { field: 'lastName', key: 'lastName' },
  { field: 'firstName', key: 'firstName' },
  { field: 'middleName', key: 'middleName' },
  { field: 'preferredAddress', key: 'preferredAddress' },
  { field: 'formality', key: 'formality' },
  { field: 'company', key: 'company' },
  { field: 'position', key: 'position' },
  { field: 'phone', key: 'phone' },
  { field: 'phone', label: 'mobile', key: 'phoneMobile' },
  { field: 'phone', label: 'work', key: 'phoneWork' },
  { field: 'phone', label: 'home', key: 'phoneHome' },
  { field: 'email', key: 'email' },
  { field: 'tags', key: 'tags' },
  { field: 'accountManager', key: 'accountManager' },
  { field: 'leadSource', key: 'leadSource' },
  { field: 'referredBy', key: 'referredBy' },
  { field: 'request', key: 'request' },
  { field: 'need', key: 'need' },
  { field: 'urgency', key: 'urgency' },
  { field: 'priceQuoted', key: 'priceQuoted' },
  { field: 'agreements', key: 'agreements' },
  { field: 'nextStep', key: 'nextStep' },
  { field: 'nextStepDate', key: 'nextStepDate' },
  { field: 'saleDate', key: 'saleDate' },
  { field: 'birthday', key: 'birthday' },
  { field: 'notes', key: 'notes' },
];
export type CsvTargetKey = keyof typeof uiEnglish.import.target;

/** What a column without a name (no header row, or an empty header cell) is called: "Column 3"; the window says it in its language. */
export const unnamedColumn = (index: number): string => `Column ${index + 1}`;

/** A target as one string, for a select's value: "phone:mobile", "company". */
export const targetKey = (t: { field: CsvField; label?: PhoneLabel }): string => (t.field === 'phone' && t.label && t.label !== 'other' ? `phone:${t.label}` : t.field);

/** A client's field as the preview table shows it: the name parts make the name, phones the phones… */
export type ClientFieldKey = Exclude<CsvField, 'lastName' | 'firstName' | 'middleName' | 'phone' | 'email' | 'need'> | 'phones' | 'emails' | 'needs';
/** The client's fields as the preview table shows them (a table column each), in the mapping step's order. */
export const clientFieldKeys = [...new Set(csvTargets.map((t) => clientFieldOf(t.field)))];
export const ClientFieldKeySchema = z.enum(clientFieldKeys as [ClientFieldKey, ...ClientFieldKey[]]);
export { clientFieldLabelKey } from './importText';

/** The client field a CSV column feeds (name parts make the name, phones the phones…). */
export function clientFieldOf(field: CsvField): ClientFieldKey {
  switch (field) {
    case 'lastName':
    case 'firstName':
    case 'middleName':
      return 'name';
    case 'phone':
      return 'phones';
    case 'email':
      return 'emails';
    case 'need':
      return 'needs';
    default:
      return field;
  }
}

// ---------------------------------------------------------------------------------------------
// The contract's values
// ---------------------------------------------------------------------------------------------

export const ImportIdSchema = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be an import id');
export const ImportRefSchema = z.strictObject({ id: ImportIdSchema });
export const ImportKindSchema = z.enum(['csv', 'vcard']);
export type ImportKind = z.infer<typeof ImportKindSchema>;

/** `imports.begin`: a file is about to be sent, `length` characters in chunks. */
export const ImportBeginSchema = z.strictObject({
  fileName: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
  length: z
    .number()
    .int()
    .min(1, 'the file is empty')
    .max(maxImportChars, `the file is too big: Frontdesk imports at most ${megabytes(maxImportChars)} at once`),
  encoding: ImportEncodingSchema,
});
export type ImportBegin = z.input<typeof ImportBeginSchema>;

/** `imports.append`: the next piece of the file, at `offset` (characters sent so far). */
export const ImportAppendSchema = z.strictObject({
  id: ImportIdSchema,
  offset: z.number().int().min(0),
  chunk: z.string().min(1).max(importChunkChars, `must be at most ${importChunkChars} characters`),
});
export const ImportAppendResultSchema = z.object({ received: z.number().int().nonnegative(), complete: z.boolean() });

/** A column mapping being edited: like CsvMappingSchema, but one that cannot import yet is previewed with its problems. */
export const CsvMappingDraftSchema = z.strictObject({
  delimiter: CsvDelimiterSchema.optional(),
  hasHeader: z.boolean().optional(),
  columns: z.array(CsvColumnMappingSchema).max(500),
  tagSeparator: z.string().min(1).max(5).optional(),
});
export type CsvMappingDraft = z.input<typeof CsvMappingDraftSchema>;

/** `imports.preview`: how the file reads (CSV: with this delimiter, header choice and mapping; absent: detected and guessed). */
export const ImportPreviewRequestSchema = z.strictObject({
  id: ImportIdSchema,
  delimiter: CsvDelimiterSchema.optional(),
  hasHeader: z.boolean().optional(),
  mapping: CsvMappingDraftSchema.optional(),
});
export type ImportPreviewRequest = z.input<typeof ImportPreviewRequestSchema>;

/** A problem of a row (its spreadsheet row, the header being row 1) or of a card (its number in the file). */
export const ImportProblemSchema = z.object({
  row: z.number().int(),
  message: ImportTextSchema,
  /** The row is not imported at all (else: imported, this value dropped or noted). */
  skipped: z.boolean(),
});
export type ImportProblem = z.infer<typeof ImportProblemSchema>;

/** A row as it would be imported: the client's fields as text, and its problems. */
export const ImportPreviewRowSchema = z.object({
  row: z.number().int(),
  skipped: z.boolean(),
  values: z.partialRecord(ClientFieldKeySchema, z.string()),
  problems: z.array(ImportTextSchema),
});
export type ImportPreviewRow = z.infer<typeof ImportPreviewRowSchema>;

export const ImportPreviewSchema = z.object({
  id: ImportIdSchema,
  fileName: z.string(),
  kind: ImportKindSchema,
  encoding: ImportEncodingSchema,
  /** What the person should know about how the file was read (encoding, delimiter, header, ragged rows). */
  notices: z.array(ImportTextSchema),
  csv: z
    .object({
      delimiter: CsvDelimiterSchema,
      hasHeader: z.boolean(),
      /** The file's columns: its header row, or "Column 1"… when it has none. */
      headers: z.array(z.string()),
      /** A value from each column (the first non-empty one), to recognise it by. */
      samples: z.array(z.string()),
      /** The mapping previewed: the one sent, else the one guessed from the headers. */
      mapping: z.object({
        delimiter: CsvDelimiterSchema,
        hasHeader: z.boolean(),
        columns: z.array(CsvColumnMappingSchema),
        tagSeparator: z.string(),
      }),
    })
    .nullable(),
  /** Why this mapping cannot import yet (nothing maps to the name or a phone; a field fed twice). */
  mappingProblems: z.array(ImportTextSchema),
  /** The table's columns: the client fields something feeds. */
  fields: z.array(ClientFieldKeySchema),
  /** The first rows (or cards) as they would be imported. */
  rows: z.array(ImportPreviewRowSchema),
  /** Data rows (or cards) in the file. */
  total: z.number().int().nonnegative(),
  /** Rows checked for problems: all of them, unless the file is too big to check while the person waits. */
  checked: z.number().int().nonnegative(),
  /** Of the rows checked: how many would be imported and how many skipped. */
  importable: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** The first problems, by row; `problemCount` counts them all. */
  problems: z.array(ImportProblemSchema),
  problemCount: z.number().int().nonnegative(),
});
export type ImportPreview = z.infer<typeof ImportPreviewSchema>;

/** `imports.start`: import with the mapping the person confirmed (CSV; a vCard file has none). */
export const ImportStartSchema = z.strictObject({ id: ImportIdSchema, mapping: CsvMappingSchema.optional() });
export type ImportStart = z.input<typeof ImportStartSchema>;

/** What an import did, as the person reads it (the first rows of each kind listed, all counted). */
export const ImportSummarySchema = z.object({
  created: z.number().int().nonnegative(),
  merged: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  warningCount: z.number().int().nonnegative(),
  mergedRows: z.array(z.object({ row: z.number().int(), name: z.string() })),
  skippedRows: z.array(z.object({ row: z.number().int(), reason: ImportTextSchema })),
  warnings: z.array(z.object({ row: z.number().int(), message: ImportTextSchema })),
  /** Clients in the directory afterwards. */
  clientsAfter: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
});
export type ImportSummary = z.infer<typeof ImportSummarySchema>;

/**
 * An import as it runs. `running` with done === total is the last step (writing the search index
 * and committing). `failed` and `cancelled` wrote nothing: an import lands whole or not at all.
 */
export const ImportJobSchema = z.object({
  id: ImportIdSchema,
  fileName: z.string(),
  kind: ImportKindSchema,
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  summary: ImportSummarySchema.nullable(),
  /** Why it failed, in English as it came (the log, Node's readers). */
  error: z.string().nullable(),
  /** Why it failed as data, when the code knows it (the database busy, the disk full…): the window says it in its language. */
  said: SaidSchema.optional(),
});
export type ImportJob = z.infer<typeof ImportJobSchema>;

/** Why an import failed, in the language of `t`: what it says as data, else its English as it came. */
export function importJobError(job: ImportJob, t: TFunction): string | null {
  return job.said && t('check.language') !== 'en' ? saidText(job.said, t) : job.error;
}
