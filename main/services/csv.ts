/**
 * CSV as Excel opens it correctly, Cyrillic included: UTF-8 with a byte-order mark (without it
 * Excel reads the file in the PC's ANSI code page), CRLF line ends, RFC 4180 quoting, and a guard
 * against formula injection: a text cell that starts with = + - @ (or a tab or CR, which Excel
 * also strips before reading a formula) gets a leading apostrophe, so "=HYPERLINK(…)" typed by a
 * caller's "no suitable answer" stays text. Phone numbers such as "+74951234567" get it too,
 * which also keeps Excel from turning them into a number.
 */

export type CsvValue = string | number | null | undefined;
export type CsvSeparator = ',' | ';';

const BOM = '\uFEFF';
const formulaStart = /^[=+\-@\t\r]/;

/** One cell: guarded, then quoted when it holds the separator, a quote, CR or LF. */
export function csvCell(value: CsvValue, separator: CsvSeparator = ','): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  if (typeof value === 'string' && formulaStart.test(text)) text = `'${text}`;
  return text.includes(separator) || /["\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly CsvValue[], separator: CsvSeparator = ','): string =>
  cells.map((c) => csvCell(c, separator)).join(separator);

/** The whole file from lines made by `csvLine`: BOM, the header, the rows, each line ended by CRLF. */
export const csvFile = (header: string, lines: readonly string[]): string => `${BOM}${header}\r\n${lines.length ? `${lines.join('\r\n')}\r\n` : ''}`;

/** The whole file: BOM, the header, the rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>, separator: CsvSeparator = ','): string {
  const lines: string[] = [];
  for (const row of rows) lines.push(csvLine(row, separator));
  return csvFile(csvLine(header, separator), lines);
}
