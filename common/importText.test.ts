import { describe, expect, it } from 'vitest';
import { fixedT } from './i18n/translate';
import { clientFieldKeys, clientFieldLabelKey, csvTargets, importFileProblem, maxImportBytes } from './imports';
import { importSaysKeys, importText, type ImportSaid } from './importText';

const ru = fixedT('ru');
/** Values of each kind the services send. */
const params: ImportSaid['params'] = { line: 3, delimiter: 'semicolon', count: 2, row: 2, cells: 4, names: 2, column: 3, lines: '12, 30', columns: ['Компания', 'Источник'], field: 'company', clientField: 'emails', value: '12а', reason: { key: 'noNameNoPhone' } };
/** An English word left in a Russian text (names of formats and encodings are names). */
const englishWords = (text: string) => text.match(/\b(?!(?:UTF|CSV|Windows|Excel|BEGIN|END|VCARD|big|endian)\b)[A-Za-z]{2,}\b/g) ?? [];

describe('what the services say about an import, in the UI language', () => {
  it('says every kind of notice and problem in Russian under Russian', () => {
    for (const key of importSaysKeys) {
      const text = importText({ key, params }, ru);
      expect(englishWords(text), `${key}: ${text}`).toEqual([]);
    }
    expect(importText({ key: 'sameField', params: { columns: ['Компания', 'Источник'], field: 'company' } }, ru)).toBe(
      '«Компания» и «Источник» сопоставлены с полем «Компания», а оно берёт только один столбец. Для остальных выберите «Не загружать».',
    );
    expect(importText({ key: 'notImported', params: { reason: { key: 'noNameNoPhone' } } }, ru)).toBe('нет ни имени, ни телефона: не загружено');
    expect(importText({ key: 'oneColumn', params: { delimiter: 'semicolon' } }, ru)).toContain('точка с запятой');
  });

  it('in English as the services wrote it before', () => {
    expect(importText({ key: 'sameField', params: { columns: ['Компания', 'Источник'], field: 'company' } })).toBe(
      '"Компания" and "Источник" all map to Company: it takes one column. Set the others to Ignore.',
    );
    expect(importText({ key: 'extraCells', params: { count: 1, row: 2, cells: 4, names: 2, column: 3 } })).toBe(
      '1 row has more cells than there are column names (row 2: 4 cells, 2 names): a value may contain the delimiter without quotes, or the delimiter is wrong. The extra cells are in the columns named "Column 3"…',
    );
    expect(importText('a value check, in English')).toBe('a value check, in English');
  });

  it('names the mapping choices and refuses a file in Russian under Russian', () => {
    for (const target of csvTargets) expect(englishWords(ru(`import.target.${target.key}`)), target.key).toEqual([]);
    for (const field of clientFieldKeys) expect(englishWords(ru(clientFieldLabelKey(field))), field).toEqual([]);
    expect(fixedT('en')(clientFieldLabelKey('needs'))).toBe('Needs');
    expect(fixedT('en')(clientFieldLabelKey('company'))).toBe('Company');
    expect(importFileProblem({ name: 'a.csv', size: 0 }, ru)).toBe('Файл «a.csv» пустой.');
    expect(importFileProblem({ name: 'big.csv', size: maxImportBytes + 1 }, ru)).toMatch(/^Файл «big\.csv» занимает 50,0 МБ, а Frontdesk импортирует не больше 50,0 МБ за раз\./);
  });
});
