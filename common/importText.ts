import type { TFunction } from 'i18next';
import { z } from 'zod';
import { en as uiEnglish } from './i18n/en';
import type { ClientFieldKey, CsvTargetKey } from './imports';
import { fixedT } from './i18n/translate';
import { issueData, IssueDataSchema, issuesText } from './said';

/**
 * What the services say about an import (the file, its mapping, its rows) as data, told in the
 * window's language: the services run without the person's language, so they send a key under
 * import.says with its values, and the window puts it into words (importText). A row's values the
 * client's checks refuse are their issues (common/said.ts); what has no key (a file that cannot be
 * parsed) stays plain English.
 */


/** What the services can say about a file, its mapping and its rows: a key under import.says. */
export const importSaysKeys = [
  'notUtf8',
  'utf16le',
  'utf16be',
  'unreadableChars',
  'oneColumn',
  'noHeader',
  'extraCells',
  'unclosedCards',
  'noNameOrPhoneColumn',
  'sameField',
  'phoneDropped',
  'formalityDropped',
  'noPhone',
  'noNameNoPhone',
  'notImported',
  'valueDropped',
  'fieldDropped',
] as const;
export type ImportSaysKey = (typeof importSaysKeys)[number];
const ImportValueSchema = z.union([z.string(), z.number(), z.array(z.string())]);
/** A row's values refused by the client's checks: their issues, said in the window's language (common/said.ts). */
export const ImportIssuesSchema = z.object({ issues: z.array(IssueDataSchema).min(1) });
export type ImportIssues = z.infer<typeof ImportIssuesSchema>;
/** A client's values refused, as an import tells it. */
export const importIssues = (error: z.ZodError): ImportIssues => ({ issues: issueData(error.issues) });
const ImportSaidInnerSchema = z.object({ key: z.enum(importSaysKeys), params: z.record(z.string(), ImportValueSchema).optional() });
/**
 * One thing said, as data: its key and values. Values named `delimiter` (comma…), `field` (a
 * mapping target), `column` (a column's number) and `clientField` (a card's field) are put into words too; a list is quoted and
 * joined ("A" and "B"); `reason` may be said in turn.
 */
export const ImportSaidSchema = z.object({
  key: z.enum(importSaysKeys),
  params: z.record(z.string(), z.union([ImportValueSchema, ImportSaidInnerSchema, ImportIssuesSchema])).optional(),
});
export type ImportSaid = z.infer<typeof ImportSaidSchema>;
/** Said without anything said inside it, or the client's checks: what a row's reason for being skipped is (it is said inside "not imported"). */
export type ImportSaidFlat = z.infer<typeof ImportSaidInnerSchema> | ImportIssues;
/** A text about an import: said as data, the client's checks, or plain English (a file that cannot be read). */
export const ImportTextSchema = z.union([z.string(), ImportSaidSchema, ImportIssuesSchema]);
export type ImportText = z.infer<typeof ImportTextSchema>;

/** A text about an import in words. `t`: the language (English, for the log and tests, unless the window passes its own). */
export function importText(text: ImportText, t: TFunction = fixedT('en')): string {
  if (typeof text === 'string') return text;
  if ('issues' in text) return issuesText(text.issues, t);
  const values: Record<string, string | number> = { hasHeader: t('import.hasHeader'), ignore: t('import.ignore') };
  for (const [name, value] of Object.entries(text.params ?? {})) {
    if (Array.isArray(value)) values[name] = value.map((v) => t('import.says.quoted', { value: v })).join(t('import.says.and'));
    else if (typeof value === 'object') values[name] = importText(value, t);
    else if (name === 'delimiter') values[name] = t(`import.says.delimiters.${value as CsvDelimiterName}`);
    else if (name === 'field') values[name] = t(`import.target.${value as keyof typeof uiEnglish.import.target}`);
    else if (name === 'column') values[name] = t('import.columnN', { n: value });
    else if (name === 'clientField') values[name] = t(clientFieldLabelKey(value as ClientFieldKey));
    else values[name] = value;
  }
  return t(`import.says.${text.key}`, values);
}
export type CsvDelimiterName = keyof typeof uiEnglish.import.says.delimiters;

/**
 * A field's name as the preview table's column, as a key: import.field for the fields the mapping
 * step names otherwise ("Name" for "Name (full)"), else the mapping step's own name (import.target).
 */
export const clientFieldLabelKey = (f: ClientFieldKey): `import.field.${keyof typeof uiEnglish.import.field}` | `import.target.${CsvTargetKey}` =>
  f in uiEnglish.import.field ? `import.field.${f as keyof typeof uiEnglish.import.field}` : `import.target.${f as CsvTargetKey}`;

