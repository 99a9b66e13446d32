/**
 * Client directory benchmark: prints figures, asserts nothing.
 *   npx tsx scripts/bench/directory.bench.ts [--contacts=100000] [--searches=500] [--lookups=500]
 * Generates the contacts as a ";"-delimited CSV with Russian headers and a BOM (as Russian Excel
 * writes it), previews it (delimiter and mapping guessed) and imports it with importCsv into a file
 * database in a temp dir (one transaction). Then times type-ahead searches (1–5 typed characters of
 * a name, digits fragments) and findByNumber lookups (each number in three spellings).
 * Goal: type-ahead ≤ 10 ms p95.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DirectoryService } from '../../main/services/directory';
import { importCsv, previewCsv } from '../../main/services/importers';
import { generateContacts, int, pick, spell, typeAheadText } from './contacts';
import { nearestRank } from './stats';

const arg = (name: string, fallback: number) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw ? Number(raw) : fallback;
};
const contactCount = arg('contacts', 100_000);
const searchCount = arg('searches', 500);
const lookupCount = arg('lookups', 500);

const { csv, contacts } = generateContacts(contactCount);

const ms = (n: number) => `${n.toFixed(2)} ms`;
const summary = (times: number[]) => {
  const t = [...times].sort((a, b) => a - b);
  return `p50 ${ms(nearestRank(t, 50))}, p95 ${ms(nearestRank(t, 95))}, max ${ms(t.at(-1) ?? NaN)}`;
};

const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-'));
const file = path.join(dir, 'directory.db');
try {
  const directory = new DirectoryService(file, { defaultRegion: 'RU' });
  console.log(`client directory benchmark: ${contactCount} contacts (${(csv.length / 1024 / 1024).toFixed(1)} M characters of CSV), ${file}`);

  const previewStart = performance.now();
  const preview = previewCsv(csv);
  console.log(
    `previewCsv: ${ms(performance.now() - previewStart)}; delimiter "${preview.delimiter}", ${preview.totalRows} rows, mapping ${preview.guessedMapping.columns.map((c) => `${preview.headers[c.column as number]}→${c.field}${c.label ? `(${c.label})` : ''}`).join(', ')}`,
  );

  const importStart = performance.now();
  const result = importCsv(csv, preview.guessedMapping, directory);
  const importSeconds = (performance.now() - importStart) / 1000;
  console.log(
    `importCsv: ${contactCount} rows in ${importSeconds.toFixed(1)} s = ${Math.round(contactCount / importSeconds)} rows/s (one transaction); imported ${result.imported}, merged ${result.merged.length} (a generated number that repeated), skipped ${result.skipped.length}, warnings ${result.warnings.length}`,
  );
  const againStart = performance.now();
  const again = importCsv(csv, preview.guessedMapping, directory);
  const againSeconds = (performance.now() - againStart) / 1000;
  console.log(`importCsv of the same file again: ${againSeconds.toFixed(1)} s; imported ${again.imported}, merged ${again.merged.length} (every row finds its client by phone; nothing changes)`);
  const size = (f: string) => statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  console.log(`file: ${((size(file) + size(`${file}-wal`)) / 1024 / 1024).toFixed(1)} MB (database + WAL), ${directory.count()} clients`);

  // Warm up the statement cache and the page cache once, as an app that has been open a while.
  directory.search('warm up');
  directory.findByNumber('+74950000000');

  const all: number[] = [];
  const byKind = new Map<string, { times: number[]; hits: number[] }>();
  for (let i = 0; i < searchCount; i++) {
    const { kind, text } = typeAheadText(contacts);
    const start = performance.now();
    const found = directory.search(text, 20);
    const took = performance.now() - start;
    all.push(took);
    const k = byKind.get(kind) ?? { times: [], hits: [] };
    k.times.push(took);
    k.hits.push(found.length);
    byKind.set(kind, k);
  }
  console.log(`search (type-ahead, limit 20) over ${searchCount} searches: ${summary(all)}   [goal: p95 ≤ 10 ms]`);
  for (const [kind, k] of [...byKind].sort()) {
    const avgHits = k.hits.reduce((s, h) => s + h, 0) / k.hits.length;
    console.log(`  ${kind.padEnd(22)} n=${String(k.times.length).padStart(3)}  ${summary(k.times)}  results avg ${avgHits.toFixed(1)}`);
  }

  const lookups: number[] = [];
  const lookupKinds = new Map<string, number[]>();
  let found = 0;
  for (let i = 0; i < lookupCount; i++) {
    const c = contacts[int(contacts.length)]!;
    const how = i % 3;
    const text = spell(pick(c.numbers), how);
    const start = performance.now();
    const matches = directory.findByNumber(text);
    const took = performance.now() - start;
    lookups.push(took);
    const kind = ['+7 (495) 123-45-67', '84951234567', '4951234567'][how]!;
    lookupKinds.set(kind, [...(lookupKinds.get(kind) ?? []), took]);
    if (matches.some((m) => m.name === c.name)) found++;
  }
  console.log(`findByNumber over ${lookupCount} lookups: ${summary(lookups)}; the contact was among the matches ${found}/${lookupCount}`);
  for (const [kind, times] of lookupKinds) console.log(`  spelled like ${kind.padEnd(18)} n=${String(times.length).padStart(3)}  ${summary(times)}`);

  const editStart = performance.now();
  const target = directory.search('Петров', 1)[0]!;
  for (let i = 0; i < 50; i++) directory.update(target.id, { notes: `edit ${i}` });
  console.log(`update (one field, committed and fsynced): ${ms((performance.now() - editStart) / 50)} each over 50 edits`);
  directory.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
