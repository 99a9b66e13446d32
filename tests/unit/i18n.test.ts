import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { resources, uiLanguages } from '../../common/i18n';
import { jsxLiterals, jsxLiteralsUnder } from './jsxLiterals';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** "a.b.c" → string for every leaf of a resource tree. */
function leaves(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of leaves(value as object, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const pluralSuffix = /_(zero|one|two|few|many|other)$/;
/** A key without its plural suffix, and the suffix ("other", …) or null. */
const splitPlural = (key: string): [string, string | null] => {
  const m = pluralSuffix.exec(key);
  return m ? [key.slice(0, m.index), m[1]!] : [key, null];
};

/** Per language: plain keys, and plural keys with the forms each has. */
function shape(language: (typeof uiLanguages)[number]) {
  const plain = new Set<string>();
  const plurals = new Map<string, Set<string>>();
  for (const key of leaves(resources[language].translation).keys()) {
    const [base, form] = splitPlural(key);
    if (form === null) plain.add(base);
    else plurals.set(base, (plurals.get(base) ?? new Set()).add(form));
  }
  return { plain, plurals };
}

describe('translations', () => {
  const en = shape('en');

  for (const language of uiLanguages) {
    it(`${language} has every key, and every plural form its plural rules use`, () => {
      const own = shape(language);
      const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;
      const missing: string[] = [];
      const extra: string[] = [];
      for (const key of en.plain) if (!own.plain.has(key)) missing.push(key);
      for (const key of own.plain) if (!en.plain.has(key) && !en.plurals.has(key)) extra.push(key);
      for (const [base] of en.plurals) for (const form of categories) if (!own.plurals.get(base)?.has(form)) missing.push(`${base}_${form}`);
      for (const [base, forms] of own.plurals) for (const form of forms) if (!en.plurals.has(base) || !(categories as string[]).includes(form)) extra.push(`${base}_${form}`);
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });

    it(`${language}: no string is empty, and each keeps the {{placeholders}} of the English one`, () => {
      const own = leaves(resources[language].translation);
      const english = leaves(resources.en.translation);
      const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();
      const wrong: string[] = [];
      for (const [key, text] of own) {
        const [base] = splitPlural(key);
        const reference = english.get(key) ?? english.get(`${base}_other`);
        if (!text.trim()) wrong.push(`${key}: empty`);
        else if (reference !== undefined && placeholders(text).filter((p) => p !== 'count').join() !== placeholders(reference).filter((p) => p !== 'count').join()) wrong.push(`${key}: ${text}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  // Parses every source file: slow on a busy machine, hence the longer timeout.
  it('every key is used by the code', { timeout: 60_000 }, () => {
    // Keys are used as t('a.b') (a literal) or a family as t(`a.${x}`) (a template's head "a.").
    const literals = new Set<string>();
    const heads: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts')) {
          const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
          const visit = (node: ts.Node) => {
            if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.add(node.text);
            else if (ts.isTemplateExpression(node) && node.head.text.endsWith('.')) heads.push(node.head.text);
            ts.forEachChild(node, visit);
          };
          visit(sf);
        }
      }
    };
    for (const dir of ['renderer/src', 'main', 'common']) walk(path.join(root, dir));
    const unused = [...leaves(resources.en.translation).keys()]
      .map((key) => splitPlural(key)[0])
      .filter((key) => !literals.has(key) && !heads.some((head) => key.startsWith(head)));
    expect([...new Set(unused)]).toEqual([]);
  });
});

describe('no English left in JSX', () => {
  it('finds text, user-facing attributes and string children', () => {
    const source = `const A = () => (<div title="Hold the call" aria-label={x ? 'Busy' : t('a')}>Answer {t('b')} <kbd>Alt</kbd> <option lang="ru">Русский</option> {'Hang up'} · {n} –</div>);`;
    expect(jsxLiterals('a.tsx', source).map((l) => l.text)).toEqual(['Hold the call', 'Busy', 'Answer', 'Hang up']);
  });

  it('the renderer writes every user-visible word through t()', { timeout: 60_000 }, () => {
    const found = jsxLiteralsUnder(path.join(root, 'renderer/src'), root).map((l) => `${l.file}:${l.line}: ${l.text}`);
    expect(found).toEqual([]);
  });
});
