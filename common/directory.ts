import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js';
import { z } from 'zod';
import { CallRecordSchema } from './callLog';
import { ImportTextSchema } from './importText';
import { check, type CheckKey } from './said';
import { WrapUpSchema } from './wrapUp';

/**
 * The client directory behind the client card (docs: /work/shared/product/call-handling.md,
 * "The client card"). Pure TypeScript (zod and libphonenumber-js): the services validate what they
 * store, the contract validates what crosses, and the renderer can use the same helpers
 * (`normalisePhone`, `displayNameOf`, `foldForSearch`).
 */

// ---------------------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------------------

/** Subscriber digits a number is matched by when libphonenumber cannot read it (7: a Russian local number). */
export const TAIL_DIGITS = 7;

export interface NormalisedPhone {
  /** E.164 ("+74951234567") when the number is valid for its country (or written with "+" and possible), else null. */
  e164: string | null;
  /** Every digit as entered: "8 (495) 123-45-67" → "84951234567". */
  digits: string;
  /** The national significant number ("4951234567") when parsed; otherwise all the digits. */
  national: string;
  /** The last TAIL_DIGITS digits of the national number (all of them for a shorter number). */
  tail: string;
}

export const isRegion = (region: string): boolean => /^[A-Z]{2}$/.test(region) && isSupportedCountry(region);

function parse(raw: string, region: string): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(raw, isRegion(region) ? (region as CountryCode) : undefined);
  } catch {
    return undefined;
  }
}

/** A number as written by a person, read with the PC's default region. */
function read(raw: string, region: string): { normal: NormalisedPhone; parsed: PhoneNumber | null } {
  const digits = raw.replace(/\D+/g, '');
  if (!digits) return { normal: { e164: null, digits: '', national: '', tail: '' }, parsed: null };
  const parsed = parse(raw.trim(), region);
  // A valid number, or one written with its country code that merely looks possible (a range newer
  // than the metadata). A number without a country code must be valid for the region: otherwise
  // "4951234567" read in GB would become +44 4951234567, a number nobody has.
  const explicitCountry = /^\s*(\+|00)/.test(raw);
  const ok = parsed && (parsed.isValid() || (explicitCountry && parsed.isPossible()));
  // (An extension, "доб. 123", is not part of the number: the tail comes from the national number.)
  if (ok) return { normal: { e164: parsed.number, digits, national: parsed.nationalNumber, tail: parsed.nationalNumber.slice(-TAIL_DIGITS) }, parsed };
  return { normal: { e164: null, digits, national: digits, tail: digits.slice(-TAIL_DIGITS) }, parsed: null };
}

/**
 * A phone number as the directory stores and matches it. With region RU, "+7 495 123-45-67",
 * "8 (495) 123-45-67", "84951234567" and "4951234567" all give e164 "+74951234567" and national
 * "4951234567".
 */
export function normalisePhone(raw: string, region: string): NormalisedPhone {
  return read(raw, region).normal;
}

/**
 * The keys a number is looked up by: "e164:+74951234567", "nsn:4951234567" (the national
 * significant number, so a number typed without its country code while the PC's region was another
 * one still meets it) and "tail:1234567" (for numbers libphonenumber cannot read: a local number
 * without its area code, a private plan). How they are combined (DirectoryService.findByNumber):
 * two numbers that both have an E.164 form match only when it is the same; a key of the other kinds
 * only pairs a number with one that has no E.164 form, and such matches come after the exact ones.
 */
export function phoneKeys(raw: string, region: string): string[] {
  const n = normalisePhone(raw, region);
  if (!n.digits) return [];
  const keys = [`nsn:${n.national}`, `tail:${n.tail}`];
  return n.e164 ? [`e164:${n.e164}`, ...keys] : keys;
}

/**
 * The digit strings a number can be found by in the type-ahead, as people write it: the E.164
 * digits ("74951234567"), the national format's digits ("84951234567" in RU) and the digits as
 * entered. Any fragment of one of them ("495123") finds the client.
 */
export function phoneSearchDigits(raw: string, region: string): string[] {
  return analysePhone(raw, region).searchDigits;
}

/** normalisePhone and phoneSearchDigits from one parse (what the directory stores for a phone). */
export function analysePhone(raw: string, region: string): NormalisedPhone & { searchDigits: string[] } {
  const { normal, parsed } = read(raw, region);
  const out = new Set<string>();
  if (normal.e164) out.add(normal.e164.slice(1));
  if (parsed) out.add(parsed.formatNational().replace(/\D+/g, ''));
  if (normal.digits) out.add(normal.digits);
  // Drop strings already contained in another one (keeps the search index small).
  const all = [...out];
  return { ...normal, searchDigits: all.filter((s) => !all.some((o) => o !== s && o.includes(s))) };
}

/** A number for reading: "+7 495 123 45 67"; unparseable ones as stored. */
export function formatPhone(number: string, region: string): string {
  const { parsed } = read(number, region);
  return parsed ? parsed.formatInternational() : number;
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

export const PhoneLabelSchema = z.enum(['work', 'mobile', 'home', 'other'], { error: 'must be "work", "mobile", "home" or "other"' });
export type PhoneLabel = z.infer<typeof PhoneLabelSchema>;

export const FormalitySchema = z.enum(['informal', 'formal'], { error: 'must be "informal" (ты) or "formal" (вы)' });
export type Formality = z.infer<typeof FormalitySchema>;

export const ClientSourceSchema = z.enum(['manual', 'csv', 'vcard', 'crm']);
export type ClientSource = z.infer<typeof ClientSourceSchema>;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T09:30:00.000Z' });

/** A calendar date "YYYY-MM-DD" that exists (no 31 April). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
/** A birthday: "1985-04-12", or "--04-12" when the year is not known (as vCard 4 writes it). */
export function isBirthday(s: string): boolean {
  const m = /^--(\d{2})-(\d{2})$/.exec(s);
  return m ? isCalendarDate(`2000-${m[1]}-${m[2]}`) : isCalendarDate(s);
}
const isDateOrDateTime = (s: string) => isCalendarDate(s) || isoTime.safeParse(s).success;

/** Free text: null, blank and absent all mean "none"; trimmed. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullable()
    .transform((v) => (v === '' ? null : v));
const dateText = (isDate: (s: string) => boolean, words: CheckKey) =>
  z
    .string()
    .trim()
    .nullable()
    .transform((v) => (v === '' ? null : v))
    .refine((v) => v === null || isDate(v), check(words));

/** A phone of a client, as stored. */
export const ClientPhoneSchema = z.object({
  /** E.164 when the number could be read ("+74951234567"), else as entered. */
  number: z.string().min(1),
  label: PhoneLabelSchema,
  /** As entered or imported ("8 (495) 123-45-67"). */
  raw: z.string().min(1),
});
export type ClientPhone = z.infer<typeof ClientPhoneSchema>;

/**
 * A phone as given: a string, or { raw, label }. `number` may be sent back from a stored card and
 * is ignored: the service derives it from `raw` with the default region.
 */
export const ClientPhoneInputSchema = z
  .union([
    z.string(),
    z.object({ raw: z.string(), label: PhoneLabelSchema.default('other'), number: z.string().optional() }),
  ])
  .transform((p) => (typeof p === 'string' ? { raw: p, label: 'other' as PhoneLabel } : { raw: p.raw, label: p.label }))
  .pipe(
    z.object({
      raw: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(100, 'must be at most 100 characters')
        .refine((raw) => /\d/.test(raw), check('digits')),
      label: PhoneLabelSchema,
    }),
  );
export type ClientPhoneInput = z.input<typeof ClientPhoneInputSchema>;

const emailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .refine((email) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email), check('email'));

/** Case-insensitive de-duplication, first spelling kept. */
const uniqueBy = <T>(items: readonly T[], key: (item: T) => string): T[] => {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/** The fields a person or an import sets (everything but id, timestamps). */
const cardFields = {
  /** Full name as the agent reads it ("Петров Олег Иванович", "John Smith"). */
  name: text(300),
  /** How to address them: a first name, or name and patronymic ("Олег Иванович"). */
  preferredAddress: text(200),
  /** "ты" or "вы"; null when not yet asked. */
  formality: FormalitySchema.nullable(),
  company: text(300),
  position: text(200),
  phones: z.array(ClientPhoneInputSchema).max(20, 'at most 20 phones'),
  emails: z
    .array(emailSchema)
    .max(20, 'at most 20 emails')
    .transform((list) => uniqueBy(list, (e) => e.toLowerCase())),
  /** Whose client this is. */
  accountManager: text(200),
  leadSource: text(200),
  referredBy: text(300),
  /** Their request and its details. */
  request: text(20_000),
  /** Answers to the needs questions: question → answer. */
  needs: z.record(z.string().trim().min(1, 'a question must not be empty').max(200), z.string().max(5_000)),
  /** How urgent their need is, in the agent's words ("this week", "срочно"). */
  urgency: text(200),
  priceQuoted: text(200),
  /** Previous agreements. */
  agreements: text(20_000),
  /** The agreed next step (what, who). */
  nextStep: text(2_000),
  /** When the next step is due: "2025-02-03" or a date-time. */
  nextStepDate: dateText(isDateOrDateTime, 'dateOrDateTime'),
  /** A follow-up is due 3–4 days after a sale. */
  saleDate: dateText(isCalendarDate, 'date'),
  birthday: dateText(isBirthday, 'birthday'),
  /** e.g. "new", "VIP", "client-club". */
  tags: z
    .array(z.string().trim().min(1, 'a tag must not be empty').max(50, 'a tag must be at most 50 characters'))
    .max(50, 'at most 50 tags')
    .transform((list) => uniqueBy(list, (t) => t.toLowerCase())),
  notes: text(50_000),
};

const needsNameOrPhone = (c: { name?: string | null; phones?: readonly unknown[] }, ctx: z.RefinementCtx) => {
  if (!c.name && !c.phones?.length) ctx.addIssue({ code: 'custom', path: ['name'], ...check('nameOrPhone') });
};

/** A new client (create, quick create, imports). */
export const ClientInputSchema = z
  .strictObject({
    name: cardFields.name.default(null),
    preferredAddress: cardFields.preferredAddress.default(null),
    formality: cardFields.formality.default(null),
    company: cardFields.company.default(null),
    position: cardFields.position.default(null),
    phones: cardFields.phones.default([]),
    emails: cardFields.emails.default([]),
    accountManager: cardFields.accountManager.default(null),
    leadSource: cardFields.leadSource.default(null),
    referredBy: cardFields.referredBy.default(null),
    request: cardFields.request.default(null),
    needs: cardFields.needs.default({}),
    urgency: cardFields.urgency.default(null),
    priceQuoted: cardFields.priceQuoted.default(null),
    agreements: cardFields.agreements.default(null),
    nextStep: cardFields.nextStep.default(null),
    nextStepDate: cardFields.nextStepDate.default(null),
    saleDate: cardFields.saleDate.default(null),
    birthday: cardFields.birthday.default(null),
    tags: cardFields.tags.default([]),
    notes: cardFields.notes.default(null),
    source: ClientSourceSchema.default('manual'),
  })
  .superRefine(needsNameOrPhone);
export type ClientInput = z.input<typeof ClientInputSchema>;
export type ParsedClientInput = z.output<typeof ClientInputSchema>;

/**
 * An edit: any of the card's fields, the others stay. `phones`, `emails`, `tags` and `needs` are
 * replaced whole (send the edited list). The service checks that the card still has a name or a phone.
 */
export const ClientPatchSchema = z
  .strictObject(Object.fromEntries(Object.entries(cardFields).map(([k, s]) => [k, s.optional()])) as {
    [K in keyof typeof cardFields]: z.ZodOptional<(typeof cardFields)[K]>;
  })
  .refine((p) => Object.keys(p).length > 0, 'the edit changes nothing: give at least one field');
export type ClientPatch = z.input<typeof ClientPatchSchema>;
export type ParsedClientPatch = z.output<typeof ClientPatchSchema>;

/** A client as the directory returns it. */
export const ClientSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullable(),
  preferredAddress: z.string().nullable(),
  formality: FormalitySchema.nullable(),
  company: z.string().nullable(),
  position: z.string().nullable(),
  phones: z.array(ClientPhoneSchema),
  emails: z.array(z.string()),
  accountManager: z.string().nullable(),
  leadSource: z.string().nullable(),
  referredBy: z.string().nullable(),
  request: z.string().nullable(),
  needs: z.record(z.string(), z.string()),
  urgency: z.string().nullable(),
  priceQuoted: z.string().nullable(),
  agreements: z.string().nullable(),
  nextStep: z.string().nullable(),
  nextStepDate: z.string().nullable(),
  saleDate: z.string().nullable(),
  birthday: z.string().nullable(),
  tags: z.array(z.string()),
  notes: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  source: ClientSourceSchema,
});
export type Client = z.infer<typeof ClientSchema>;

/** What the side panel shows: the client and their last calls with the calls' notes and wrap-ups. */
export const ClientCardSchema = z.object({
  client: ClientSchema,
  lastCalls: z.array(CallRecordSchema.extend({ wrapUp: WrapUpSchema.nullable().default(null) })),
});
export type ClientCard = z.infer<typeof ClientCardSchema>;

/** The name a list shows: the name, else the company, else the first phone. */
export const displayNameOf = (c: { name: string | null; company: string | null; phones: readonly { number: string }[] }): string =>
  c.name ?? c.company ?? c.phones[0]?.number ?? '';

/** Case- and ё-insensitive form of text for search and sorting: "Пётр" → "петр". */
export const foldForSearch = (s: string): string => s.normalize('NFC').toLowerCase().replaceAll('ё', 'е');

// ---------------------------------------------------------------------------------------------
// Queries and events
// ---------------------------------------------------------------------------------------------

/** Type-ahead: words of a name, company, email or tag (any order), or digits of a phone anywhere. */
export const DirectorySearchSchema = z.strictObject({
  text: z.string().max(200, 'must be at most 200 characters'),
  limit: z.number().int().min(1).max(200).default(20),
});
export type DirectorySearch = z.input<typeof DirectorySearchSchema>;

export const ClientIdSchema = z.string().trim().min(1, 'must not be empty').max(200);
/** `directory.get` and the like: one client by id. */
export const ClientRefSchema = z.strictObject({ id: ClientIdSchema });
/** `directory.findByNumber`: the caller's number as the PBX gave it or as typed. */
export const FindByNumberSchema = z.strictObject({ number: z.string().trim().min(1, 'must not be empty').max(200) });
export const ClientListSchema = z.array(ClientSchema);
export const ClientUpdateSchema = z.strictObject({ id: ClientIdSchema, patch: ClientPatchSchema });
export const QuickCreateSchema = z.strictObject({
  number: z.string().trim().min(1, 'must not be empty').max(100).regex(/\d/, 'must contain digits'),
  name: z.string().trim().max(300).optional(),
});
export type QuickCreate = z.input<typeof QuickCreateSchema>;

export const DirectoryChangedSchema = z.object({
  reason: z.enum(['created', 'updated', 'deleted', 'imported', 'renumbered']),
  /** The clients that changed; empty after an import or a region change (refresh what is shown). */
  ids: z.array(z.string()),
  /** Clients in the directory now. */
  count: z.number().int().nonnegative(),
});
export type DirectoryChanged = z.infer<typeof DirectoryChangedSchema>;

// ---------------------------------------------------------------------------------------------
// Imports
// ---------------------------------------------------------------------------------------------

/** Client fields a CSV column can feed. Name parts are joined in the file's column order. */
export const csvFields = [
  'name',
  'lastName',
  'firstName',
  'middleName',
  'preferredAddress',
  'formality',
  'company',
  'position',
  'phone',
  'email',
  'accountManager',
  'leadSource',
  'referredBy',
  'request',
  'need',
  'urgency',
  'priceQuoted',
  'agreements',
  'nextStep',
  'nextStepDate',
  'saleDate',
  'birthday',
  'tags',
  'notes',
] as const;
export const CsvFieldSchema = z.enum(csvFields, { error: `must be one of ${csvFields.join(', ')}` });
export type CsvField = z.infer<typeof CsvFieldSchema>;
/** Fields several columns may feed (their values add up); every other field takes one column. */
export const repeatableCsvFields: ReadonlySet<CsvField> = new Set(['phone', 'email', 'tags', 'notes', 'need']);

export const CsvDelimiterSchema = z.enum([',', ';', '\t', '|'], { error: 'must be ",", ";", tab or "|"' });
export type CsvDelimiter = z.infer<typeof CsvDelimiterSchema>;

export const CsvColumnMappingSchema = z.strictObject({
  /** A column: its index from 0, or its header as in the file. */
  column: z.union([z.number().int().min(0), z.string().trim().min(1)]),
  field: CsvFieldSchema,
  /** For a phone column: the label its numbers get ("other" when not given). */
  label: PhoneLabelSchema.optional(),
  /** For a need column: the question (defaults to the column's header). */
  key: z.string().trim().min(1).max(200).optional(),
});
export type CsvColumnMapping = z.infer<typeof CsvColumnMappingSchema>;

export const CsvMappingSchema = z
  .strictObject({
    /** Detected when absent. */
    delimiter: CsvDelimiterSchema.optional(),
    hasHeader: z.boolean().default(true),
    columns: z.array(CsvColumnMappingSchema).max(500),
    /** Splits a tags cell ("VIP, new"). */
    tagSeparator: z.string().min(1).max(5).default(','),
  })
  .superRefine((m, ctx) => {
    if (!m.columns.some((c) => ['name', 'lastName', 'firstName', 'middleName', 'phone'].includes(c.field))) {
      ctx.addIssue({ code: 'custom', path: ['columns'], ...check('mapNameOrPhone') });
    }
    const seen = new Map<string, string>();
    m.columns.forEach((c, i) => {
      if (repeatableCsvFields.has(c.field)) return;
      const other = seen.get(c.field);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['columns', i, 'field'], message: `"${c.field}" is already fed by column ${other}` });
      } else seen.set(c.field, String(c.column));
    });
  });
export type CsvMapping = z.input<typeof CsvMappingSchema>;
export type ParsedCsvMapping = z.output<typeof CsvMappingSchema>;

export const CsvPreviewRequestSchema = z.strictObject({
  text: z.string(),
  delimiter: CsvDelimiterSchema.optional(),
  hasHeader: z.boolean().optional(),
});
export type CsvPreviewRequest = z.input<typeof CsvPreviewRequestSchema>;

export const CsvPreviewSchema = z.object({
  delimiter: CsvDelimiterSchema,
  hasHeader: z.boolean(),
  /** The header row, or "Column 1", "Column 2"… when the file has none. */
  headers: z.array(z.string()),
  /** The first 20 data rows. */
  rows: z.array(z.array(z.string())),
  totalRows: z.number().int().nonnegative(),
  /** Columns recognised by their header; the person confirms or changes it. */
  guessedMapping: z.object({
    delimiter: CsvDelimiterSchema,
    hasHeader: z.boolean(),
    columns: z.array(CsvColumnMappingSchema),
    tagSeparator: z.string(),
  }),
});
export type CsvPreview = z.infer<typeof CsvPreviewSchema>;

export const CsvImportRequestSchema = z.strictObject({ text: z.string(), mapping: CsvMappingSchema });
export const VCardImportRequestSchema = z.strictObject({ text: z.string() });

/** What an import did. `row` is the spreadsheet row (the header is row 1) or the card's number in a vCard file. */
export const ImportResultSchema = z.object({
  /** New clients created. */
  imported: z.number().int().nonnegative(),
  /** Rows whose phone already belonged to a client: added to that client instead of duplicating it. */
  merged: z.array(z.object({ row: z.number().int(), clientId: z.string(), name: z.string() })),
  /** Rows not imported, and why. */
  skipped: z.array(z.object({ row: z.number().int(), reason: ImportTextSchema })),
  /** Imported, but a value was dropped or a choice was made (a bad date, a phone shared by two clients). */
  warnings: z.array(z.object({ row: z.number().int(), message: ImportTextSchema })),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;
