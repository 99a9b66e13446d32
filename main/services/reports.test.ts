import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { reduceScriptRun, startScriptRun, type CallScript, type NoSuitableNote, type ScriptRun, type ScriptRunAction } from '../../common/callScript';
import type { CallRecordInput } from '../../common/callLog';
import { addDays, formatLocalDateTime, rangeInstants, startOfLocalDay, type ReportRange } from '../../common/reports';
import { CallLogService } from './callLog';
import { parseCallScriptFile } from './callScripts';
import { csvCell, toCsv } from './csv';
import { ReportInputError, ReportsService } from './reports';

/** A script action before it has a time. */
type Step = ScriptRunAction extends infer A ? (A extends unknown ? Omit<A, 'at'> : never) : never;

const scriptYaml = `
id: reception
title: Приёмная «Жемчуг»
language: ru
pages:
  - id: greeting
    title: Приветствие
    blocks:
      - say: "{greeting}! Клиника «Жемчуг», слушаю вас."
      - question:
          id: purpose
          text: 'С чем обращается {client.name|"клиент"}?'
          options:
            - { id: appointment, label: Записаться на приём, next: booking }
            - { id: colleague, label: Соединить с коллегой, next: transfer }
  - id: booking
    title: Запись
    next: end
    blocks:
      - question: { id: when, text: Когда удобно?, kind: open }
      - question: { id: first, text: Первый визит?, kind: yes-no }
  - id: transfer
    title: Перевод
    blocks:
      - say: Соединяю, оставайтесь на линии.
`;
const otherYaml = `
id: sales
title: Sales
language: en
pages:
  - id: hello
    title: Hello
    blocks:
      - question: { id: budget, text: Budget?, kind: open }
`;

function script(yaml: string): CallScript {
  const parsed = parseCallScriptFile('test.yaml', yaml);
  if ('problems' in parsed) throw new Error(parsed.problems.map((p) => p.text).join('\n'));
  return parsed.script;
}
const reception = script(scriptYaml);
const sales = script(otherYaml);

const TZ = 'Europe/Moscow'; // UTC+3 all year
/** An instant given as Moscow wall-clock time on a day of March 2025. */
const msk = (day: number, hh: number, mm = 0, ss = 0, ms = 0) => Date.UTC(2025, 2, day, hh - 3, mm, ss, ms);
const iso = (ms: number) => new Date(ms).toISOString();
const day = (d: number) => `2025-03-${String(d).padStart(2, '0')}`;
const range = (from: number, to: number, timeZone = TZ): ReportRange => ({ from: day(from), to: day(to), timeZone });

const open: CallLogService[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let seq = 0;
interface Seeded {
  calls: CallLogService;
  reports: (notes?: NoSuitableNote[]) => ReportsService;
  call: (startMs: number, over?: Partial<CallRecordInput>, walk?: { script: CallScript; actions: (t: number) => Step[] }) => string;
}
function seeded(): Seeded {
  const calls = new CallLogService(':memory:');
  open.push(calls);
  return {
    calls,
    // A card the history names by id only (a call recorded before Frontdesk kept the card's name with it).
    reports: (notes = []) => new ReportsService({ calls, scripts: () => [reception, sales], noSuitableNotes: () => notes, clientName: (id) => (id === 'c-old' ? 'Смирнов Павел' : null) }),
    call(startMs, over = {}, walk) {
      const sipCallId = `call-${++seq}@lab`;
      if (walk) {
        let run: ScriptRun = startScriptRun(walk.script, iso(startMs));
        walk.actions(startMs).forEach((a, i) => {
          run = reduceScriptRun(walk.script, run, { ...a, at: iso(startMs + 5000 * (i + 1)) } as ScriptRunAction);
        });
        calls.saveScriptRun({ localUser: '1000', sipCallId, run });
      }
      const answered = over.outcome === undefined || over.outcome === 'answered';
      return calls.record({
        direction: 'inbound',
        localUser: '1000',
        remoteNumber: '+74951234567',
        remoteName: 'Олег Петров',
        dialledNumber: '+74957770000',
        sipCallId,
        startedAt: iso(startMs),
        answeredAt: answered ? iso(startMs + 3000) : null,
        endedAt: iso(startMs + 120_000),
        outcome: 'answered',
        endCause: null,
        ...over,
      }).id;
    },
  };
}

/** Several calls walking different branches of the reception script on 2 March (Moscow). */
function branchyDay() {
  const s = seeded();
  const ids = {
    // The caller ID says "Outside caller"; the card found for the number says who it is.
    booked: s.call(msk(2, 9, 0), { remoteName: 'Outside caller', clientId: 'c-oleg', clientName: 'Петров Олег Иванович' }, {
      script: reception,
      actions: () => [
        { type: 'answer', questionId: 'purpose', optionId: 'appointment' },
        { type: 'answer', questionId: 'when', text: 'Во вторник утром' },
        { type: 'answer', questionId: 'first', optionId: 'yes' },
        { type: 'next' },
      ],
    }),
    bookingHungUp: s.call(msk(2, 10, 0), { remoteNumber: '+74997654321', remoteName: null, clientId: 'c-old' }, {
      script: reception,
      actions: () => [
        { type: 'answer', questionId: 'purpose', optionId: 'appointment' },
        { type: 'answer', questionId: 'when', text: 'Не знаю, перезвоню' },
      ],
    }),
    transferred: s.call(msk(2, 11, 0), {}, {
      script: reception,
      actions: () => [{ type: 'answer', questionId: 'purpose', optionId: 'colleague' }, { type: 'next' }],
    }),
    noSuitable: s.call(msk(2, 12, 0), { remoteName: 'Outside caller', clientId: 'c-maria', clientName: 'Кузнецова Мария' }, {
      script: reception,
      actions: () => [{ type: 'no-suitable', questionId: 'purpose', text: 'Хочу узнать цены на имплантацию' }],
    }),
    missed: s.call(msk(2, 13, 0), { outcome: 'missed', answeredAt: null }),
    otherScript: s.call(msk(2, 14, 0), {}, { script: sales, actions: () => [{ type: 'answer', questionId: 'budget', text: '=1+1' }] }),
    dayBefore: s.call(msk(1, 23, 59, 59, 999), {}, { script: reception, actions: () => [{ type: 'answer', questionId: 'purpose', optionId: 'colleague' }] }),
    dayAfter: s.call(msk(3, 0, 0), {}, { script: reception, actions: () => [{ type: 'answer', questionId: 'purpose', optionId: 'colleague' }] }),
  };
  s.calls.wrapUps.save({
    localUser: '1000',
    callId: ids.booked,
    remoteNumber: '+74951234567',
    outcome: 'callback',
    notes: 'Перезвонить, подтвердить время; "важно"',
    nextStep: { what: 'Подтвердить запись', dueAt: iso(msk(3, 10, 30)), allDay: false },
  });
  s.calls.wrapUps.save({ localUser: '1000', callId: ids.transferred, remoteNumber: '+74951234567', outcome: 'resolved' });
  return { ...s, ids };
}

describe('time zones and date ranges', () => {
  it('a range is [from 00:00, to 00:00) of the wall clock in the named zone', () => {
    expect(iso(startOfLocalDay('2025-03-02', 'Europe/Moscow'))).toBe('2025-03-01T21:00:00.000Z');
    expect(iso(startOfLocalDay('2025-03-02', 'UTC'))).toBe('2025-03-02T00:00:00.000Z');
    expect(iso(startOfLocalDay('2025-03-02', 'America/New_York'))).toBe('2025-03-02T05:00:00.000Z');
    expect(iso(startOfLocalDay('2025-03-02', 'Pacific/Kiritimati'))).toBe('2025-03-01T10:00:00.000Z'); // +14:00
    expect(iso(startOfLocalDay('2025-03-02', 'Etc/GMT+12'))).toBe('2025-03-02T12:00:00.000Z'); // −12:00
    const { fromMs, toMs } = rangeInstants({ from: '2025-03-02', to: '2025-03-03', timeZone: TZ });
    expect(toMs - fromMs).toBe(24 * 3600_000);
  });

  it('daylight saving: a 23-hour day, and a day whose midnight does not exist starts when the clocks jump', () => {
    const berlin = rangeInstants({ from: '2025-03-30', to: '2025-03-31', timeZone: 'Europe/Berlin' });
    expect(iso(berlin.fromMs)).toBe('2025-03-29T23:00:00.000Z');
    expect(berlin.toMs - berlin.fromMs).toBe(23 * 3600_000);
    // Chile moved its clocks from 00:00 to 01:00 on 8 September 2024: the day starts at 01:00 (−03).
    expect(iso(startOfLocalDay('2024-09-08', 'America/Santiago'))).toBe('2024-09-08T04:00:00.000Z');
    expect(formatLocalDateTime(startOfLocalDay('2024-09-08', 'America/Santiago'), 'America/Santiago')).toBe('2024-09-08 01:00:00');
  });

  it('formats the wall clock exactly as Intl does, around daylight-saving changes too', () => {
    const reference = (ms: number, timeZone: string) =>
      new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
        .format(new Date(ms))
        .replace('T', ' ');
    const around = [
      ['Europe/Berlin', '2025-03-30T01:00:00Z'],
      ['Europe/Berlin', '2025-10-26T01:00:00Z'],
      ['America/Santiago', '2024-09-08T04:00:00Z'],
      ['Australia/Lord_Howe', '2025-04-05T15:00:00Z'], // a 30-minute change
      ['America/St_Johns', '2025-03-09T05:30:00Z'], // a −03:30 zone
      ['Asia/Kolkata', '2025-03-01T00:00:00Z'],
      ['Europe/Moscow', '2011-03-27T00:00:00Z'], // Moscow's last change, to permanent +04:00
    ] as const;
    let compared = 0;
    for (const [zone, at] of around) {
      const centre = Date.parse(at);
      for (let ms = centre - 3 * 3600_000; ms <= centre + 3 * 3600_000; ms += 7 * 60_000 + 13_001) {
        expect(formatLocalDateTime(ms, zone), `${zone} at ${iso(ms)}`).toBe(reference(ms, zone));
        compared += 1;
      }
      // The instants either side of the change itself.
      for (const ms of [centre - 1, centre, centre + 1]) expect(formatLocalDateTime(ms, zone)).toBe(reference(ms, zone));
    }
    expect(compared).toBeGreaterThan(300);
  });

  it('addDays crosses months and years', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
  });

  it('calls exactly at the start of `from` are in, a millisecond before is out, and `to` is not included', () => {
    const s = seeded();
    s.call(msk(2, 0, 0)); // first instant of 2 March
    s.call(msk(1, 23, 59, 59, 999)); // last instant of 1 March
    s.call(msk(3, 0, 0)); // first instant of 3 March: the `to` day
    const reports = s.reports();
    expect(reports.scripts(range(2, 3)).calls).toBe(1);
    expect(reports.scripts(range(1, 3)).calls).toBe(2);
    expect(reports.scripts(range(1, 4)).calls).toBe(3);
    // The same calls, seen from a zone three hours behind (UTC): 2 March UTC starts at 03:00 Moscow.
    expect(reports.scripts(range(2, 3, 'UTC')).calls).toBe(1); // only msk(3, 0, 0) = 2 March 21:00 UTC
  });

  it('an empty range (from = to) holds no calls; `to` before `from`, a bad date or zone is refused with the reason', () => {
    const { reports } = { reports: branchyDay().reports() };
    expect(reports.scripts(range(2, 2)).calls).toBe(0);
    const funnel = reports.funnel({ range: range(2, 2), scriptId: 'reception' });
    expect(funnel.calls).toBe(0);
    expect(funnel.steps.map((s) => [s.pageId, s.reached])).toEqual([
      ['greeting', 0],
      ['booking', 0],
      ['transfer', 0],
    ]);
    expect(funnel.notes).toEqual([]);
    const csv = reports.csv({ range: range(2, 2) });
    expect(csv.rows).toBe(0);
    expect(csv.csv.split('\r\n')).toHaveLength(2); // the header and the final line end

    expect(() => reports.funnel({ range: range(3, 2), scriptId: 'reception' })).toThrow(ReportInputError);
    expect(() => reports.funnel({ range: range(3, 2), scriptId: 'reception' })).toThrow(/range\.to: must not be before "from" \(2025-03-03\)/);
    expect(() => reports.scripts({ from: '2025-02-30', to: '2025-03-01', timeZone: TZ })).toThrow(/from: must be a date written YYYY-MM-DD/);
    expect(() => reports.scripts({ from: '2025-03-01', to: '2025-03-02', timeZone: 'Mars/Olympus' })).toThrow(/timeZone: must be a time zone name/);
  });
});

describe('the funnel of a script', () => {
  it('counts the calls that reached each page and which answers led where', () => {
    const { reports } = { reports: branchyDay().reports() };
    const f = reports.funnel({ range: range(2, 3), scriptId: 'reception' });
    expect(f.title).toBe('Приёмная «Жемчуг»');
    expect(f.calls).toBe(4); // not the missed call without a script, the sales call, the days before and after
    expect(f.finished).toBe(2); // booked, transferred
    expect(f.steps.map((s) => [s.title, s.reached])).toEqual([
      ['Приветствие', 4],
      ['Запись', 2],
      ['Перевод', 1],
    ]);

    const purpose = f.steps[0]!.questions[0]!;
    // As the author wrote it, the placeholder shown as a name: never the raw template.
    expect(purpose).toMatchObject({ questionId: 'purpose', text: 'С чем обращается «клиент»?', answered: 4, unanswered: 0 });
    expect(purpose.answers).toEqual([
      { kind: 'option', optionId: 'appointment', label: 'Записаться на приём', count: 2, next: [{ pageId: 'booking', title: 'Запись', count: 2 }] },
      { kind: 'option', optionId: 'colleague', label: 'Соединить с коллегой', count: 1, next: [{ pageId: 'transfer', title: 'Перевод', count: 1 }] },
      { kind: 'no-suitable', optionId: null, label: 'Нет подходящего ответа', count: 1, next: [{ pageId: null, title: null, count: 1 }] },
    ]);

    const [when, first] = f.steps[1]!.questions;
    expect(when).toMatchObject({ questionId: 'when', answered: 2, unanswered: 0 });
    expect(when!.answers).toEqual([
      {
        kind: 'typed',
        optionId: null,
        label: 'Typed answer',
        count: 2,
        // One call went on to the end of the script, one stopped on the booking page.
        next: [
          { pageId: 'end', title: null, count: 1 },
          { pageId: null, title: null, count: 1 },
        ],
      },
    ]);
    expect(first).toMatchObject({ questionId: 'first', answered: 1, unanswered: 1 });
    expect(first!.answers).toEqual([{ kind: 'option', optionId: 'yes', label: 'Да', count: 1, next: [{ pageId: 'end', title: null, count: 1 }] }]);
    expect(f.retiredQuestions).toEqual([]);
  });

  it("collects the 'No suitable answer' notes per question with their calls, adding those only the notes file kept", () => {
    const seededDay = branchyDay();
    const inRange = msk(2, 15, 0);
    const notes: NoSuitableNote[] = [
      // The same note as the run holds: not listed twice.
      { scriptId: 'reception', questionId: 'purpose', text: 'Хочу узнать цены на имплантацию', at: iso(msk(2, 12, 0, 5)), callId: null },
      // Typed, then replaced by an option on the call: only the notes file has it.
      { scriptId: 'reception', questionId: 'purpose', text: 'Спросил, есть ли парковка', at: iso(inRange), callId: null },
      { scriptId: 'reception', questionId: 'purpose', text: 'Вне диапазона', at: iso(msk(3, 9, 0)), callId: null },
      { scriptId: 'sales', questionId: 'budget', text: 'Another script', at: iso(inRange), callId: null },
    ];
    const f = seededDay.reports(notes).funnel({ range: range(2, 3), scriptId: 'reception' });
    expect(f.notes).toHaveLength(1);
    expect(f.notes[0]!.questionId).toBe('purpose');
    expect(f.notes[0]!.text).toBe('С чем обращается «клиент»?');
    // Who said it: the card's name at the time of the call, the caller ID's name beside it.
    expect(f.notes[0]!.notes).toEqual([
      {
        text: 'Хочу узнать цены на имплантацию',
        at: iso(msk(2, 12, 0, 5)),
        callId: seededDay.ids.noSuitable,
        remoteNumber: '+74951234567',
        remoteName: 'Outside caller',
        clientName: 'Кузнецова Мария',
        // the call's SIP Call-ID, by which its recording is found (none was made here)
        sipCallId: 'call-23@lab',
        recorded: false,
      },
      { text: 'Спросил, есть ли парковка', at: iso(inRange), callId: null, remoteNumber: null, remoteName: null, clientName: null, sipCallId: null, recorded: false },
    ]);
  });

  it('a page the agent stepped back from still counts as reached when a question on it was answered', () => {
    const s = seeded();
    s.call(msk(2, 9), {}, {
      script: reception,
      actions: () => [
        { type: 'answer', questionId: 'purpose', optionId: 'appointment' },
        { type: 'answer', questionId: 'when', text: 'Завтра' },
        { type: 'back' },
        { type: 'answer', questionId: 'purpose', optionId: 'colleague' },
      ],
    });
    const f = s.reports().funnel({ range: range(2, 3), scriptId: 'reception' });
    expect(f.steps.map((x) => [x.pageId, x.reached])).toEqual([
      ['greeting', 1],
      ['booking', 1],
      ['transfer', 1],
    ]);
    expect(f.steps[0]!.questions[0]!.answers).toEqual([
      { kind: 'option', optionId: 'colleague', label: 'Соединить с коллегой', count: 1, next: [{ pageId: 'transfer', title: 'Перевод', count: 1 }] },
    ]);
  });

  it('a script no longer in the library is reported by its ids; answers to removed questions are listed apart', () => {
    const s = seeded();
    s.call(msk(2, 9), {}, { script: reception, actions: () => [{ type: 'answer', questionId: 'purpose', optionId: 'colleague' }] });
    const withoutReception = new ReportsService({ calls: s.calls, scripts: () => [sales] });
    const f = withoutReception.funnel({ range: range(2, 3), scriptId: 'reception' });
    expect(f.title).toBeNull();
    expect(f.steps.map((x) => [x.pageId, x.title, x.reached])).toEqual([
      ['greeting', null, 1],
      ['transfer', null, 1],
    ]);
    expect(f.retiredQuestions).toEqual([
      { questionId: 'purpose', text: null, answered: 1, unanswered: 0, answers: [{ kind: 'option', optionId: 'colleague', label: 'Соединить с коллегой', count: 1, next: [{ pageId: null, title: null, count: 1 }] }] },
    ]);
    expect(withoutReception.scripts(range(2, 3)).scripts).toEqual([
      { scriptId: 'sales', title: 'Sales', calls: 0 },
      { scriptId: 'reception', title: null, calls: 1 },
    ]);
  });

  it('lists the scripts to pick from with the calls each was used on', () => {
    const reports = branchyDay().reports();
    expect(reports.scripts(range(2, 3))).toEqual({
      calls: 6,
      scripts: [
        { scriptId: 'reception', title: 'Приёмная «Жемчуг»', calls: 4 },
        { scriptId: 'sales', title: 'Sales', calls: 1 },
      ],
    });
  });
});

describe('CSV', () => {
  it('quotes as RFC 4180 says and guards against formula injection', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line 1\nline 2')).toBe('"line 1\nline 2"');
    expect(csvCell('line 1\r\nline 2')).toBe('"line 1\r\nline 2"');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('+74951234567')).toBe("'+74951234567");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('1=1')).toBe('1=1');
    expect(csvCell('a;b')).toBe('a;b');
    expect(csvCell('a;b', ';')).toBe('"a;b"');
    expect(csvCell('a,b', ';')).toBe('a,b');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell('')).toBe('');
    const file = toCsv(['Имя', 'Ответ'], [['Олег', 'Да'], ['Анна', null]]);
    expect(file).toBe('\uFEFFИмя,Ответ\r\nОлег,Да\r\nАнна,\r\n');
    expect(Buffer.from(file, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('exports one row per call × answer with the call, the script, the step, the answer and the notes', () => {
    const seededDay = branchyDay();
    const { ids } = seededDay;
    const out = seededDay.reports().csv({ range: range(2, 3) });
    expect(out.fileName).toBe('frontdesk-calls_2025-03-02.csv');
    expect(out.calls).toBe(6);
    expect(out.csv.startsWith('\uFEFF')).toBe(true);
    expect(out.csv.endsWith('\r\n')).toBe(true);
    const records = parse(out.csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(out.rows).toBe(records.length);
    // booked: 3 answers; bookingHungUp: 2; transferred: 1; noSuitable: 1; missed: 1 (no script); otherScript: 1
    expect(records.map((r) => r['Call ID'])).toEqual([
      ...Array(3).fill(ids.booked),
      ...Array(2).fill(ids.bookingHungUp),
      ids.transferred,
      ids.noSuitable,
      ids.missed,
      ids.otherScript,
    ]);
    const booked = records.filter((r) => r['Call ID'] === ids.booked);
    expect(booked.map((r) => [r.Step, r['Question ID'], r.Question, r.Answer])).toEqual([
      ['Приветствие', 'purpose', 'С чем обращается «клиент»?', 'Записаться на приём'],
      ['Запись', 'when', 'Когда удобно?', 'Во вторник утром'],
      ['Запись', 'first', 'Первый визит?', 'Да'],
    ]);
    expect(booked[0]).toMatchObject({
      'Call started (Europe/Moscow)': '2025-03-02 09:00:00',
      Direction: 'inbound',
      'Call outcome': 'answered',
      'Ring (s)': '3',
      'Talk (s)': '117',
      'Our extension': '1000',
      'Client number': "'+74951234567",
      'Client name': 'Петров Олег Иванович',
      'Caller ID name': 'Outside caller',
      'Client ID': 'c-oleg',
      'Dialled line': "'+74957770000",
      'Script ID': 'reception',
      Script: 'Приёмная «Жемчуг»',
      'Script finished': 'yes',
      'Answered at (Europe/Moscow)': '2025-03-02 09:00:05',
    });
    // The wrap-up is the call's: on each of its rows.
    for (const row of booked) {
      expect(row).toMatchObject({
        'Wrap-up outcome': 'Callback needed',
        'Wrap-up notes': 'Перезвонить, подтвердить время; "важно"',
        'Next step': 'Подтвердить запись',
        'Next step due (Europe/Moscow)': '2025-03-03 10:30:00',
      });
    }
    expect(records.find((r) => r['Call ID'] === ids.transferred)).toMatchObject({ 'Wrap-up outcome': 'Resolved', 'Wrap-up notes': '', 'Next step': '' });
    expect(records.find((r) => r['Call ID'] === ids.bookingHungUp)).toMatchObject({ 'Wrap-up outcome': '' });
    const note = records.find((r) => r['Call ID'] === ids.noSuitable)!;
    expect(note.Answer).toBe('Нет подходящего ответа');
    expect(note).toMatchObject({ 'Client name': 'Кузнецова Мария', 'Caller ID name': 'Outside caller', Question: 'С чем обращается «клиент»?' });
    // A call recorded with a card but not its name: the card's name as the directory has it now.
    expect(records.find((r) => r['Call ID'] === ids.bookingHungUp)).toMatchObject({ 'Client name': 'Смирнов Павел', 'Caller ID name': '', 'Client ID': 'c-old' });
    expect(note['No suitable answer: what the client said']).toBe('Хочу узнать цены на имплантацию');
    expect(note['Script finished']).toBe('no');
    const missed = records.find((r) => r['Call ID'] === ids.missed)!;
    expect(missed).toMatchObject({ 'Call outcome': 'missed', 'Script ID': '', Answer: '', 'Ring (s)': '', 'Talk (s)': '', 'Client name': '', 'Caller ID name': 'Олег Петров' });
    // What a caller said that looks like a formula stays text.
    expect(records.find((r) => r['Call ID'] === ids.otherScript)!.Answer).toBe("'=1+1");
  });

  it("exports one script's calls only, with the semicolon Excel expects in Russian", () => {
    const out = branchyDay().reports().csv({ range: range(1, 4), scriptId: 'reception', separator: ';' });
    expect(out.fileName).toBe('frontdesk-calls_2025-03-01_2025-03-03_reception.csv');
    const records = parse(out.csv, { bom: true, columns: true, delimiter: ';' }) as Record<string, string>[];
    expect(new Set(records.map((r) => r['Script ID']))).toEqual(new Set(['reception']));
    expect(out.calls).toBe(6); // 4 on 2 March, one the day before, one the day after
    expect(records).toHaveLength(9);
  });

  it('saves through the shell when it has a save dialog, and says so when the person cancels', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdesk-reports-'));
    dirs.push(dir);
    const s = branchyDay();
    const target = path.join(dir, 'отчёт.csv');
    const asked: string[] = [];
    const saving = new ReportsService({
      calls: s.calls,
      scripts: () => [reception],
      chooseSaveFile: async (name) => {
        asked.push(name);
        return target;
      },
    });
    const result = await saving.exportCsv({ range: range(2, 3), scriptId: 'reception' });
    expect(result).toMatchObject({ delivery: 'saved', path: target, rows: 7, calls: 4 });
    expect(asked).toEqual(['frontdesk-calls_2025-03-02_reception.csv']);
    const bytes = readFileSync(target);
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toContain('Во вторник утром');

    const cancelling = new ReportsService({ calls: s.calls, scripts: () => [reception], chooseSaveFile: async () => null });
    expect(await cancelling.exportCsv({ range: range(2, 3) })).toEqual({ delivery: 'cancelled' });

    const browser = s.reports();
    const download = await browser.exportCsv({ range: range(2, 3) });
    expect(download.delivery).toBe('download');
    expect(download.delivery === 'download' && download.csv.startsWith('\uFEFF')).toBe(true);
  });
});
