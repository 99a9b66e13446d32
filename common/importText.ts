import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { en as uiEnglish } from './i18n/en';
import { fixedT } from './i18n/translate';

/**
 * What the services say about an import (the file, its mapping, its rows) as data, told in the
 * window's language: the services run without the person's language, so they send a key under
 * import.says with its values, and the window puts it into words (importText). What has no key
 * (a value's check by the client schema, a file that cannot be parsed) stays plain English.
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
] as const;
export type ImportSaysKey = (typeof importSaysKeys)[number];
const ImportValueSchema = z.union([z.string(), z.number(), z.array(z.string())]);
const ImportSaidInnerSchema = z.object({ key: z.enum(importSaysKeys), params: z.record(z.string(), ImportValueSchema).optional() });
/**
 * One thing said, as data: its key and values. Values named `delimiter` (comma…), `field` (a
 * mapping target) and `column` (a column's number) are put into words too; a list is quoted and
 * joined ("A" and "B"); `reason` may be said in turn.
 */
export const ImportSaidSchema = z.object({
  key: z.enum(importSaysKeys),
  params: z.record(z.string(), z.union([ImportValueSchema, ImportSaidInnerSchema])).optional(),
});
export type ImportSaid = z.infer<typeof ImportSaidSchema>;
/** Said without anything said inside it: what a row's reason for being skipped is (it is said inside "not imported"). */
export type ImportSaidFlat = z.infer<typeof ImportSaidInnerSchema>;
/** A text about an import: said as data, or plain English (a value's check, a file that cannot be read). */
export const ImportTextSchema = z.union([z.string(), ImportSaidSchema]);
export type ImportText = z.infer<typeof ImportTextSchema>;

/** A text about an import in words. `t`: the language (English, for the log and tests, unless the window passes its own). */
export function importText(text: ImportText, t: TFunction = fixedT('en')): string {
  if (typeof text === 'string') return text;
  const values: Record<string, string | number> = { hasHeader: t('import.hasHeader'), ignore: t('import.ignore') };
  for (const [name, value] of Object.entries(text.params ?? {})) {
    if (Array.isArray(value)) values[name] = value.map((v) => t('import.says.quoted', { value: v })).join(t('import.says.and'));
    else if (typeof value === 'object') values[name] = importText(value, t);
    else if (name === 'delimiter') values[name] = t(`import.says.delimiters.${value as CsvDelimiterName}`);
    else if (name === 'field') values[name] = t(`import.target.${value as keyof typeof uiEnglish.import.target}`);
    else if (name === 'column') values[name] = t('import.columnN', { n: value });
    else values[name] = value;
  }
  return t(`import.says.${text.key}`, values);
}
export type CsvDelimiterName = keyof typeof uiEnglish.import.says.delimiters;

