/**
 * Call history benchmark: prints figures, asserts nothing.
 *   npx tsx scripts/bench/callLog.bench.ts [--records=100000] [--searches=200]
 * Inserts the records one call at a time through CallLogService.record (each its own committed,
 * fsynced transaction, as in the app) into a file database in a temp dir, then times
 * list({ search }) for random searches of the kinds an agent types.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallOutcome, CallRecordInput } from '../../common/callLog';
import { CallLogService } from '../../main/services/callLog';
import { nearestRank } from './stats';

const arg = (name: string, fallback: number) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw ? Number(raw) : fallback;
};
const recordCount = arg('records', 100_000);
const searchCount = arg('searches', 200);

// A fixed seed, so two runs measure the same data.
// mulberry32: 32-bit integer arithmetic throughout (a multiply in doubles past 2^53 loses bits and
// the sequence soon repeats, which made the generated history far less varied than it looked).
let seed = 0x2f6e2b1;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const firstNames = ['Анна', 'Ольга', 'Татьяна', 'Сергей', 'Олег', 'Дмитрий', 'Мария', 'Иван', 'Elena', 'John', 'Sarah', 'Peter'];
const lastNames = ['Петрова', 'Смирнов', 'Иванова', 'Кузнецов', 'Соколова', 'Попов', 'Lebedev', 'Novak', 'Smith', 'Brown'];
const codes = ['495', '499', '812', '343', '383', '905', '916', '926', '903', '965'];

// About 20,000 distinct callers, a third of them with a name; regulars call more often.
const callers = Array.from({ length: 20_000 }, () => ({
  number: `+7${pick(codes)}${String(int(10_000_000)).padStart(7, '0')}`,
  name: random() < 0.35 ? `${pick(firstNames)} ${pick(lastNames)}` : null,
}));
const extensions = ['1001', '1002', '1003', '1004'];

function makeCall(i: number, startMs: number): CallRecordInput {
  const internal = random() < 0.1;
  const caller = internal ? { number: pick(extensions), name: 'Sales' } : callers[Math.floor(callers.length * random() ** 2)]!;
  const direction = random() < 0.7 ? 'inbound' : 'outbound';
  const roll = random();
  const outcome: CallOutcome =
    direction === 'inbound'
      ? roll < 0.8 ? 'answered' : roll < 0.93 ? 'missed' : roll < 0.97 ? 'declined' : 'transferred'
      : roll < 0.75 ? 'answered' : roll < 0.85 ? 'no-answer' : roll < 0.95 ? 'rejected' : 'cancelled';
  const talked = outcome === 'answered' || outcome === 'transferred';
  const ring = 2_000 + int(25_000);
  const talk = talked ? 10_000 + int(600_000) : 0;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    direction,
    localUser: '1000',
    remoteNumber: caller.number,
    remoteName: caller.name,
    dialledNumber: direction === 'inbound' ? pick(['+74957770000', '+74957770001', '+78123330000']) : null,
    sipCallId: `bench-${i}@pbx.example.com`,
    startedAt: iso(startMs),
    answeredAt: talked ? iso(startMs + ring) : null,
    endedAt: iso(startMs + ring + talk),
    outcome,
    endCause: outcome === 'rejected' ? '486 Busy Here' : outcome === 'no-answer' ? '408 Request Timeout' : null,
  };
}

/** What agents type: part of a number as written, a whole number, a name or part of one, a stray miss. */
function makeSearch(): { kind: string; text: string } {
  const c = callers[int(callers.length)]!;
  const d = c.number.slice(2);
  switch (int(7)) {
    case 0:
      return { kind: 'formatted number', text: `+7 (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6, 8)}-${d.slice(8)}` };
    case 1:
      return { kind: 'digits fragment', text: `${d.slice(3, 6)}-${d.slice(6, 8)}` };
    case 2:
      return { kind: 'name', text: pick(lastNames).toLowerCase() };
    case 3:
      return { kind: 'name fragment', text: pick(firstNames).slice(0, 3 + int(2)) };
    case 4:
      return { kind: 'two letters', text: pick(lastNames).slice(0, 2) };
    case 5:
      return { kind: 'two letters, none', text: pick(['qz', 'xw', 'йъ', 'ьы']) };
    default:
      return { kind: 'no match', text: `+1 (555) ${String(int(1000)).padStart(3, '0')}-00` };
  }
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-'));
const file = path.join(dir, 'frontdesk.db');
try {
  const log = new CallLogService(file);
  console.log(`call history benchmark: ${recordCount} records, ${searchCount} searches, ${file}`);

  // Two years of calls, newest last.
  const span = 2 * 365 * 24 * 3600 * 1000;
  const t0Calls = Date.UTC(2023, 0, 1);
  const inputs = Array.from({ length: recordCount }, (_, i) => makeCall(i, t0Calls + Math.floor((i / recordCount) * span)));
  const insertStart = performance.now();
  let last = insertStart;
  for (let i = 0; i < inputs.length; i++) {
    log.record(inputs[i]!);
    if ((i + 1) % 25_000 === 0 && i + 1 < inputs.length) {
      const now = performance.now();
      console.log(`  inserted ${i + 1}: last 25,000 at ${Math.round(25_000 / ((now - last) / 1000))} records/s`);
      last = now;
    }
  }
  const insertSeconds = (performance.now() - insertStart) / 1000;
  console.log(`insert: ${recordCount} records in ${insertSeconds.toFixed(1)} s = ${Math.round(recordCount / insertSeconds)} records/s (${ms((insertSeconds * 1000) / recordCount)} per record, one fsynced transaction each)`);
  const size = (f: string) => statSync(f, { throwIfNoEntry: false })?.size ?? 0;
  console.log(`file: ${((size(file) + size(`${file}-wal`)) / 1024 / 1024).toFixed(1)} MB (database + WAL), ${((size(file) + size(`${file}-wal`)) / recordCount).toFixed(0)} bytes per record`);

  // Warm up the statement cache and the page cache once, as an app that has been open a while.
  log.list({ search: 'warm up' });

  const all: number[] = [];
  const byKind = new Map<string, { times: number[]; hits: number[] }>();
  for (let i = 0; i < searchCount; i++) {
    const { kind, text } = makeSearch();
    const start = performance.now();
    const page = log.list({ search: text });
    const took = performance.now() - start;
    all.push(took);
    const k = byKind.get(kind) ?? { times: [], hits: [] };
    k.times.push(took);
    k.hits.push(page.records.length);
    byKind.set(kind, k);
  }
  all.sort((a, b) => a - b);
  console.log(`list({ search }) over ${searchCount} random searches (limit 100): p50 ${ms(nearestRank(all, 50))}, p95 ${ms(nearestRank(all, 95))}, max ${ms(all.at(-1) ?? NaN)}`);
  for (const [kind, k] of [...byKind].sort()) {
    const t = [...k.times].sort((a, b) => a - b);
    const avgHits = k.hits.reduce((s, h) => s + h, 0) / k.hits.length;
    console.log(`  ${kind.padEnd(18)} n=${String(t.length).padStart(3)}  p50 ${ms(nearestRank(t, 50)).padStart(9)}  p95 ${ms(nearestRank(t, 95)).padStart(9)}  rows returned avg ${avgHits.toFixed(0)}`);
  }

  const pageStart = performance.now();
  let before: string | undefined;
  let pages = 0;
  for (; pages < 50; pages++) {
    const records = log.list({ limit: 100, ...(before ? { before } : {}) }).records;
    if (!records.length) break;
    before = records.at(-1)!.startedAt;
  }
  console.log(`list() paging without search: ${pages} pages of 100 in ${ms(performance.now() - pageStart)} (${ms((performance.now() - pageStart) / pages)} per page)`);
  const countStart = performance.now();
  const missed = log.missedUnseenCount();
  console.log(`missedUnseenCount(): ${missed} in ${ms(performance.now() - countStart)}`);
  log.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
