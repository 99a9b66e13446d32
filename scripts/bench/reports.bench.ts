/**
 * Reports benchmark: prints figures, asserts nothing.
 *   npx tsx scripts/bench/reports.bench.ts [--records=100000] [--days=100] [--repeat=5] [--keep]
 * Seeds a file database in a temp dir with calls spread over `days` days, four in five of them with
 * a script run walked through a sales script by the real reducer (random branches, open answers,
 * "No suitable answer" notes) and a wrap-up on a third of the answered ones, then times the three
 * reports the Reports view makes: the scripts to pick from, the funnel, and the CSV export, over
 * one day, one month and the whole range. Seeding turns fsync off (the figures are about reading).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { reduceScriptRun, startScriptRun, type CallScript, type ScriptRun, type ScriptRunAction } from '../../common/callScript';
import { addDays, type ReportRange } from '../../common/reports';
import { CallLogService } from '../../main/services/callLog';
import { parseCallScriptFile } from '../../main/services/callScripts';
import { ReportsService } from '../../main/services/reports';

/** A script action before it has a time. */
type Step = ScriptRunAction extends infer A ? (A extends unknown ? Omit<A, 'at'> : never) : never;

const arg = (name: string, fallback: number) => {
  const raw = process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  return raw ? Number(raw) : fallback;
};
const recordCount = arg('records', 100_000);
const dayCount = arg('days', 100);
const repeat = arg('repeat', 5);

// mulberry32, a fixed seed: two runs measure the same data.
let seed = 0x51c0ffe;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const scriptYaml = `
id: sales-bench
title: Продажи — первый контакт
language: ru
pages:
  - id: greeting
    title: Приветствие
    blocks:
      - question:
          id: purpose
          text: С чем обращается клиент?
          options:
            - { id: buy, label: Хочет купить, next: needs }
            - { id: price, label: Узнать цену, next: price }
            - { id: support, label: Поддержка, next: close }
  - id: needs
    title: Потребности
    blocks:
      - question: { id: what, text: Что именно нужно?, kind: open }
      - question:
          id: budget
          text: Бюджет?
          options:
            - { id: small, label: До 100 тыс., next: offer }
            - { id: large, label: Больше 100 тыс., next: offer }
  - id: price
    title: Цена
    blocks:
      - question: { id: quoted, text: Цена устроила?, kind: yes-no, options: [{ id: yes, next: offer }, { id: no, next: close }] }
  - id: offer
    title: Предложение
    blocks:
      - question: { id: agreed, text: Договорились о встрече?, kind: yes-no }
  - id: close
    title: Завершение
    next: end
    blocks:
      - say: Спасибо за звонок!
`;
const parsed = parseCallScriptFile('bench.yaml', scriptYaml);
if ('problems' in parsed) throw new Error(parsed.problems.map((p) => p.text).join('\n'));
const script: CallScript = parsed.script;

const sayings = ['Дорого', 'Хочу скидку', 'Перезвоните завтра', 'Спросил про доставку в Казань', '=HYPERLINK("x")', 'Нужен счёт на юрлицо'];
const wants = ['40 стульев', 'Офисные столы', 'Кресло руководителя', 'Шкафы для документов', 'Ресепшн-стойка'];

/** A walk through the script: random branches, sometimes "No suitable answer", sometimes hung up midway. */
function walk(): Step[] {
  const steps: Step[] = [];
  // Now and then nothing fits: the agent types what the client said (and sometimes the call ends there).
  const noSuitable = (questionId: string) => random() < 0.07 && steps.push({ type: 'no-suitable', questionId, text: pick(sayings) }) && random() < 0.5;
  if (noSuitable('purpose')) return steps;
  const purpose = pick(['buy', 'buy', 'price', 'support']);
  steps.push({ type: 'answer', questionId: 'purpose', optionId: purpose });
  if (random() < 0.1) return steps;
  if (purpose === 'buy') {
    steps.push({ type: 'answer', questionId: 'what', text: pick(wants) });
    if (noSuitable('budget')) return steps;
    steps.push({ type: 'answer', questionId: 'budget', optionId: pick(['small', 'large']) });
  } else if (purpose === 'price') {
    steps.push({ type: 'answer', questionId: 'quoted', optionId: pick(['yes', 'no']) });
  }
  if (random() < 0.15) return steps;
  if (purpose !== 'support') steps.push({ type: 'answer', questionId: 'agreed', optionId: pick(['yes', 'no']) });
  steps.push({ type: 'next' });
  if (random() < 0.8) steps.push({ type: 'next' });
  return steps;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/**
 * Median wall time and median CPU time (user + system) of `repeat` runs. On a shared machine the
 * CPU time is the steadier figure: wall time includes waiting for a core.
 */
function time<T>(fn: () => T): { value: T; ms: number; cpuMs: number } {
  const times: number[] = [];
  const cpu: number[] = [];
  let value!: T;
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    value = fn();
    const used = process.cpuUsage(startCpu);
    times.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { value, ms: median(times), cpuMs: median(cpu) };
}
const both = (t: { ms: number; cpuMs: number }) => `${ms(t.ms)} (cpu ${ms(t.cpuMs)})`;

const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-bench-reports-'));
const file = path.join(dir, 'frontdesk.db');
const keep = process.argv.includes('--keep');
try {
  const calls = new CallLogService(file);
  const timeZone = 'Europe/Moscow';
  const firstDay = '2025-01-01';
  const t0 = Date.parse(`${firstDay}T06:00:00Z`); // 09:00 Moscow
  console.log(`reports benchmark: ${recordCount} calls over ${dayCount} days, ${file}`);

  calls.database.pragma('synchronous = OFF');
  const seedStart = performance.now();
  const iso = (x: number) => new Date(x).toISOString();
  let runs = 0;
  for (let i = 0; i < recordCount; i++) {
    const dayIndex = Math.floor((i / recordCount) * dayCount);
    const start = t0 + dayIndex * 86_400_000 + int(10 * 3600_000); // 09:00–19:00
    const sipCallId = `bench-${i}@pbx.example.com`;
    const answered = random() < 0.85;
    if (answered && random() < 0.94) {
      let run: ScriptRun = startScriptRun(script, iso(start));
      walk().forEach((a, k) => (run = reduceScriptRun(script, run, { ...a, at: iso(start + 4000 * (k + 1)) } as ScriptRunAction)));
      calls.saveScriptRun({ localUser: '1000', sipCallId, run });
      runs += 1;
    }
    const record = calls.record({
      direction: 'inbound',
      localUser: '1000',
      remoteNumber: `+7495${String(int(10_000_000)).padStart(7, '0')}`,
      remoteName: random() < 0.3 ? pick(['Анна Петрова', 'Олег Смирнов', 'Мария Иванова']) : null,
      dialledNumber: '+74957770000',
      sipCallId,
      startedAt: iso(start),
      answeredAt: answered ? iso(start + 5000) : null,
      endedAt: iso(start + 5000 + (answered ? 60_000 + int(400_000) : 0)),
      outcome: answered ? 'answered' : 'missed',
    });
    if (answered && random() < 0.33) {
      calls.wrapUps.save({ localUser: '1000', callId: record.id, remoteNumber: record.remoteNumber, outcome: pick(['resolved', 'sale', 'not-interested']), notes: 'Записал в карточку' });
    }
  }
  calls.database.pragma('synchronous = FULL');
  calls.database.pragma('wal_checkpoint(TRUNCATE)');
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const size = statSync(file).size;
  console.log(`seeded: ${recordCount} calls, ${runs} script runs in ${seedSeconds.toFixed(1)} s; database ${(size / 1024 / 1024).toFixed(1)} MB`);

  const reports = new ReportsService({ calls, scripts: () => [script] });
  const lastDay = addDays(firstDay, dayCount);
  const ranges: [string, ReportRange][] = [
    ['1 day', { from: addDays(firstDay, Math.floor(dayCount / 2)), to: addDays(firstDay, Math.floor(dayCount / 2) + 1), timeZone }],
    ['30 days', { from: firstDay, to: addDays(firstDay, 30), timeZone }],
    [`all ${dayCount} days`, { from: firstDay, to: lastDay, timeZone }],
  ];
  console.log(`median of ${repeat} runs each (warm cache), wall time (cpu time); load average now ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores:`);
  for (const [label, range] of ranges) {
    const picked = time(() => reports.scripts(range));
    const funnel = time(() => reports.funnel({ range, scriptId: script.id }));
    const csv = time(() => reports.csv({ range, scriptId: null }));
    const notes = funnel.value.notes.reduce((n, g) => n + g.notes.length, 0);
    console.log(
      `  ${label.padEnd(12)} calls ${String(picked.value.calls).padStart(6)} | scripts() ${both(picked)} | funnel() ${both(funnel)}, ${funnel.value.calls} runs, ${notes} notes | csv() ${both(csv)}, ${csv.value.rows} rows, ${(Buffer.byteLength(csv.value.csv) / 1024 / 1024).toFixed(1)} MB`,
    );
  }
  const f = reports.funnel({ range: ranges[2]![1], scriptId: script.id });
  console.log(`funnel over all days: ${f.steps.map((s) => `${s.title} ${s.reached}`).join(' → ')}; finished ${f.finished} of ${f.calls}`);
  calls.close();
} finally {
  if (keep) console.log(`kept ${file}`);
  else rmSync(dir, { recursive: true, force: true });
}
