import { writeFileSync } from 'node:fs';
import { answerOptions, END, readableTemplate, scriptQuestions, type CallScript, type NoSuitableNote, type ScriptQuestion } from '../../common/callScript';
import { describeIssues } from '../../common/callLog';
import { wrapUpOutcomeLabels, type WrapUpOutcome } from '../../common/wrapUp';
import {
  addDays,
  CsvExportRequestSchema,
  formatLocalDateTime,
  FunnelRequestSchema,
  localDateAt,
  rangeInstants,
  ReportRangeSchema,
  type CsvExportRequest,
  type CsvExportResult,
  type FunnelAnswer,
  type FunnelNote,
  type FunnelQuestion,
  type FunnelRequest,
  type ReportRange,
  type ReportScripts,
  type ScriptFunnel,
} from '../../common/reports';
import type { CallLogService } from './callLog';
import { csvFile, csvLine, type CsvSeparator, type CsvValue } from './csv';
import { prepareCached, type Database, type Statement } from './sqlite';

/**
 * Reports over the call history and what the call-script panel saved on each call (`script_runs`,
 * see callLog.ts): a CSV export of every answer with the call it was given on, and a per-script
 * funnel (how many calls reached each page, which answers led where, what clients said when no
 * answer fitted). Read-only; aggregated in SQL (json_each over the saved runs), with the script
 * files only used to name and order what the database counted. The export carries each call's
 * wrap-up (outcome, notes, next step: wrapUps.ts, same database) when the agent saved one.
 *
 * Which calls: those in the history (a call is there once it ended) that started in the range,
 * [from 00:00, to 00:00) of the wall clock in the time zone the request names (common/reports.ts).
 * A script counts as used on a call once the agent answered something or turned a page on it
 * (that is when the panel first saves the run).
 */

export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportInputError';
  }
}

export interface ReportsOptions {
  calls: CallLogService;
  /** The script library as it is now: titles, page and question order, option labels. */
  scripts: () => readonly CallScript[];
  /**
   * Every "No suitable answer" note kept in the notes file (CallScriptsService.noSuitableNotes).
   * It keeps notes the call's saved run no longer has (the agent typed one, then picked an option).
   */
  noSuitableNotes?: () => readonly NoSuitableNote[];
  /**
   * The desktop shell's save dialog: the path the person chose, or null when they cancelled.
   * Absent in the browser host, where the page downloads the file itself.
   */
  chooseSaveFile?: (suggestedName: string) => Promise<string | null>;
  /**
   * The name on a client card now (null when there is no such card): for calls recorded with a card
   * but not its name (before Frontdesk kept the name with the call).
   */
  clientName?: (clientId: string) => string | null;
}

/** The calls in the range on which a script was used, with what the panel saved (one indexed pass). */
const runsSql = `SELECT c.id AS callId, c.sip_call_id AS sipCallId, c.recording_id IS NOT NULL AS recorded, c.remote_number AS remoteNumber, c.remote_name AS remoteName, c.client_id AS clientId, c.client_name AS clientName, r.run_json AS run
FROM calls c INDEXED BY calls_by_start
JOIN script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
WHERE c.started_ms >= @from AND c.started_ms < @to AND r.script_id = @script
ORDER BY c.started_ms, c.seq`;

const scriptsUsedSql = `SELECT r.script_id AS scriptId, count(*) AS calls
FROM calls c INDEXED BY calls_by_start
JOIN script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
WHERE c.started_ms >= @from AND c.started_ms < @to
GROUP BY r.script_id`;
const callsInRangeSql = `SELECT count(*) AS n FROM calls WHERE started_ms >= @from AND started_ms < @to`;

/** The calls in the range, each with its script run and wrap-up when it has them. */
const exportSql = (withScript: boolean) => `
SELECT c.id, c.direction, c.local_user, c.remote_number, c.remote_name, c.dialled_number, c.client_id, c.client_name,
       c.started_ms, c.answered_ms, c.ended_ms, c.outcome, c.end_cause,
       r.script_id, r.run_json,
       w.outcome AS wrap_outcome, w.notes AS wrap_notes, w.next_step AS wrap_next_step, w.next_due_ms AS wrap_next_due_ms, w.next_all_day AS wrap_next_all_day
FROM calls c INDEXED BY calls_by_start
${withScript ? 'JOIN' : 'LEFT JOIN'} script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
LEFT JOIN wrap_ups w ON w.call_id = c.id AND w.status = 'done'
WHERE c.started_ms >= @from AND c.started_ms < @to ${withScript ? 'AND r.script_id = @script' : ''}
ORDER BY c.started_ms, c.seq`;

interface ExportRow {
  id: string;
  direction: string;
  local_user: string;
  remote_number: string;
  remote_name: string | null;
  dialled_number: string | null;
  client_id: string | null;
  client_name: string | null;
  started_ms: number;
  answered_ms: number | null;
  ended_ms: number;
  outcome: string;
  end_cause: string | null;
  script_id: string | null;
  run_json: string | null;
  wrap_outcome: string | null;
  wrap_notes: string | null;
  wrap_next_step: string | null;
  wrap_next_due_ms: number | null;
  wrap_next_all_day: number | null;
}
type StoredAnswer = StoredRun['answers'][number];

interface Edge {
  question: string;
  kind: FunnelAnswer['kind'];
  optionId: string | null;
  next: string | null;
  n: number;
  sample: string | null;
}

interface StoredRun {
  history: string[];
  answers: [string, { value: string | null; optionId: string | null; noSuitable: string | null; at: string }][];
  finishedAt: string | null;
}
const textOrNull = (v: unknown) => (typeof v === 'string' ? v : null);
/** A run as the panel saved it (ScriptRunSchema), read leniently: what is not in shape is left out; unreadable JSON is no run. */
function readRun(json: string): StoredRun | null {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as { history?: unknown; answers?: unknown; finishedAt?: unknown };
  const history = Array.isArray(r.history) ? r.history.map((h) => textOrNull((h as { page?: unknown } | null)?.page)).filter((p): p is string => p !== null) : [];
  const answers: StoredRun['answers'] = [];
  if (r.answers && typeof r.answers === 'object') {
    for (const [questionId, a] of Object.entries(r.answers as Record<string, unknown>)) {
      if (!a || typeof a !== 'object') continue;
      const answer = a as Record<string, unknown>;
      answers.push([questionId, { value: textOrNull(answer.value), optionId: textOrNull(answer.optionId), noSuitable: textOrNull(answer.noSuitable), at: textOrNull(answer.at) ?? '' }]);
    }
  }
  return { history, answers, finishedAt: textOrNull(r.finishedAt) };
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
const typedLabel = 'Typed answer';

/** What the library knows about a script: its questions in order, where each sits, what the agent saw. */
interface ScriptIndex {
  script: CallScript | null;
  questions: Map<string, { question: ScriptQuestion; pageId: string; pageTitle: string; rank: number; noSuitableLabel: string; text: string }>;
  pageTitles: Map<string, string>;
}
function indexScript(script: CallScript | undefined): ScriptIndex {
  const questions: ScriptIndex['questions'] = new Map();
  const pageTitles = new Map<string, string>();
  if (!script) return { script: null, questions, pageTitles };
  for (const page of script.pages) pageTitles.set(page.id, page.title);
  scriptQuestions(script).forEach(({ question, page }, rank) =>
    questions.set(question.id, {
      question,
      pageId: page.id,
      pageTitle: page.title,
      rank,
      noSuitableLabel: answerOptions(question, script.language).find((o) => o.noSuitable)?.label ?? 'No suitable answer',
      // As the author wrote it, its placeholders shown as names: what every report shows.
      text: readableTemplate(question.text, script.language),
    }),
  );
  return { script, questions, pageTitles };
}

export class ReportsService {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly options: ReportsOptions) {}

  private get db(): Database {
    return this.options.calls.database;
  }

  private statement(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }

  private range(input: unknown): ReportRange & { fromMs: number; toMs: number } {
    const parsed = ReportRangeSchema.safeParse(input);
    if (!parsed.success) throw new ReportInputError(`invalid date range: ${describeIssues(parsed.error)}`);
    return { ...parsed.data, ...rangeInstants(parsed.data) };
  }

  /**
   * The client's name for a call: the card's name kept with the call, else (a call recorded before
   * the name was kept) the card's name now. One lookup per card and report.
   */
  private clientNames(): (clientId: string | null, kept: string | null) => string | null {
    const cache = new Map<string, string | null>();
    return (clientId, kept) => {
      if (kept !== null || clientId === null || !this.options.clientName) return kept;
      if (!cache.has(clientId)) cache.set(clientId, this.options.clientName(clientId));
      return cache.get(clientId) ?? null;
    };
  }

  private index(scriptId: string): ScriptIndex {
    return indexScript(this.options.scripts().find((s) => s.id === scriptId));
  }

  /** The scripts to pick from for a range: the library's, in its order, then others used in the range. */
  scripts(rangeInput: ReportRange): ReportScripts {
    const { fromMs, toMs } = this.range(rangeInput);
    const used = new Map(
      (this.statement(scriptsUsedSql).all({ from: fromMs, to: toMs }) as { scriptId: string; calls: number }[]).map((r) => [r.scriptId, r.calls]),
    );
    const library = this.options.scripts();
    const scripts: ReportScripts['scripts'] = library.map((s) => ({ scriptId: s.id, title: s.title, calls: used.get(s.id) ?? 0 }));
    for (const [scriptId, calls] of [...used].sort(([a], [b]) => a.localeCompare(b))) {
      if (!library.some((s) => s.id === scriptId)) scripts.push({ scriptId, title: null, calls });
    }
    const calls = (this.statement(callsInRangeSql).get({ from: fromMs, to: toMs }) as { n: number }).n;
    return { calls, scripts };
  }

  /** The funnel of one script over a range (the author's view: reach, branches, what clients said). */
  funnel(request: FunnelRequest): ScriptFunnel {
    const parsed = FunnelRequestSchema.safeParse(request);
    if (!parsed.success) throw new ReportInputError(`invalid funnel request: ${describeIssues(parsed.error)}`);
    const { scriptId } = parsed.data;
    const range = this.range(parsed.data.range);
    const idx = this.index(scriptId);
    const { calls, finished, reached, edges, notes } = this.walkRuns(idx, { from: range.fromMs, to: range.toMs, script: scriptId });

    const titleOf = (pageId: string | null) => (pageId === null ? null : pageId === END ? null : (idx.pageTitles.get(pageId) ?? null));
    const questionsOut = new Map<string, FunnelQuestion>();
    const questionOut = (questionId: string): FunnelQuestion => {
      let q = questionsOut.get(questionId);
      if (!q) {
        q = { questionId, text: idx.questions.get(questionId)?.text ?? null, answered: 0, unanswered: 0, answers: [] };
        questionsOut.set(questionId, q);
      }
      return q;
    };
    const language = idx.script?.language ?? 'en';
    for (const e of edges) {
      const q = questionOut(e.question);
      const known = idx.questions.get(e.question)?.question;
      let answer = q.answers.find((a) => a.kind === e.kind && a.optionId === e.optionId);
      if (!answer) {
        const options = known ? answerOptions(known, language) : [];
        const label =
          e.kind === 'typed'
            ? typedLabel
            : e.kind === 'no-suitable'
              ? (options.find((o) => o.noSuitable)?.label ?? 'No suitable answer')
              : (options.find((o) => o.id === e.optionId && !o.noSuitable)?.label ?? e.sample ?? e.optionId ?? '?');
        answer = { kind: e.kind, optionId: e.optionId, label, count: 0, next: [] };
        q.answers.push(answer);
      }
      answer.count += e.n;
      answer.next.push({ pageId: e.next, title: titleOf(e.next), count: e.n });
      q.answered += e.n;
    }
    // Answers in the order the agent sees them: the options, then typed text, then "No suitable answer".
    const answerRank = (q: FunnelQuestion, a: FunnelAnswer) => {
      const known = idx.questions.get(q.questionId)?.question;
      if (a.kind === 'typed') return 1000;
      if (a.kind === 'no-suitable') return 1001;
      const i = known?.options?.findIndex((o) => o.id === a.optionId) ?? -1;
      return i < 0 ? (a.optionId === 'yes' ? 0 : a.optionId === 'no' ? 1 : 999) : i;
    };
    for (const q of questionsOut.values()) {
      q.answers.sort((a, b) => answerRank(q, a) - answerRank(q, b) || a.label.localeCompare(b.label));
      // The most frequent first; "stopped here" (null) after the pages at equal counts.
      for (const a of q.answers) a.next.sort((x, y) => y.count - x.count || Number(x.pageId === null) - Number(y.pageId === null) || String(x.pageId).localeCompare(String(y.pageId)));
    }

    const steps: ScriptFunnel['steps'] = [];
    const pagesInOrder = idx.script ? idx.script.pages.map((p) => p.id) : [];
    const otherPages = [...reached.keys()].filter((p) => !pagesInOrder.includes(p)).sort();
    for (const pageId of [...pagesInOrder, ...otherPages]) {
      const onPage = [...idx.questions].filter(([, v]) => v.pageId === pageId).map(([questionId]) => questionId);
      const pageReached = reached.get(pageId) ?? 0;
      const questions = onPage.map((questionId) => {
        const q = questionOut(questionId);
        q.unanswered = Math.max(0, pageReached - q.answered);
        return q;
      });
      steps.push({ pageId, title: idx.pageTitles.get(pageId) ?? null, reached: pageReached, questions });
    }
    const retiredQuestions = [...questionsOut.values()].filter((q) => !idx.questions.has(q.questionId)).sort((a, b) => a.questionId.localeCompare(b.questionId));

    return {
      scriptId,
      title: idx.script?.title ?? null,
      range: { from: range.from, to: range.to, timeZone: range.timeZone },
      calls,
      finished,
      steps,
      retiredQuestions,
      notes: this.notes(scriptId, idx, { from: range.fromMs, to: range.toMs }, notes),
    };
  }

  /**
   * One pass over the script's runs in the range (one indexed query; the counting in JavaScript:
   * SQLite's json_each over the same runs measured ten times slower, see scripts/bench/reports.bench.ts).
   * A page counts as reached when it is on the call's path, or a question on it was answered (the
   * agent may have stepped back from it). The next step of an answer is the page that followed its
   * question's page (that page's last visit) on the path; "end" when the script ended there; null
   * when the call stopped on it.
   */
  private walkRuns(idx: ScriptIndex, params: { from: number; to: number; script: string }) {
    let calls = 0;
    let finished = 0;
    const reached = new Map<string, number>();
    const edgeMap = new Map<string, Edge>();
    const notes: (FunnelNote & { question: string })[] = [];
    const clientName = this.clientNames();
    type RunRow = { callId: string; sipCallId: string | null; recorded: number; remoteNumber: string; remoteName: string | null; clientId: string | null; clientName: string | null; run: string };
    for (const row of this.statement(runsSql).iterate(params) as Iterable<RunRow>) {
      const run = readRun(row.run);
      if (!run) continue;
      calls += 1;
      if (run.finishedAt) finished += 1;
      const lastVisit = new Map<string, number>();
      run.history.forEach((page, i) => lastVisit.set(page, i));
      const visited = new Set(run.history);
      for (const [questionId, answer] of run.answers) {
        const pageId = idx.questions.get(questionId)?.pageId;
        if (pageId !== undefined) visited.add(pageId);
        const kind: FunnelAnswer['kind'] = answer.noSuitable !== null ? 'no-suitable' : answer.optionId !== null ? 'option' : 'typed';
        const optionId = kind === 'option' ? answer.optionId : null;
        const i = pageId === undefined ? undefined : lastVisit.get(pageId);
        const next = i === undefined ? null : (run.history[i + 1] ?? (run.finishedAt ? END : null));
        const key = `${questionId}\u0000${kind}\u0000${optionId ?? ''}\u0000${next ?? '\u0001'}`;
        const edge = edgeMap.get(key);
        if (edge) edge.n += 1;
        else edgeMap.set(key, { question: questionId, kind, optionId, next, n: 1, sample: answer.value });
        if (answer.noSuitable !== null) {
          notes.push({
            question: questionId,
            text: answer.noSuitable,
            at: answer.at,
            callId: row.callId,
            remoteNumber: row.remoteNumber,
            remoteName: row.remoteName,
            clientName: clientName(row.clientId, row.clientName),
            sipCallId: row.sipCallId,
            recorded: row.recorded === 1,
          });
        }
      }
      for (const page of visited) reached.set(page, (reached.get(page) ?? 0) + 1);
    }
    return { calls, finished, reached, edges: [...edgeMap.values()], notes };
  }

  /**
   * "No suitable answer" notes of a script in the range, per question in the script's order. From
   * the calls' saved runs (with the call), plus notes the notes file kept that no run holds any more,
   * matched by question and text (a note typed, then replaced by an option, is still the author's).
   */
  private notes(scriptId: string, idx: ScriptIndex, params: { from: number; to: number }, fromRuns: (FunnelNote & { question: string })[]): ScriptFunnel['notes'] {
    const byQuestion = new Map<string, FunnelNote[]>();
    const add = (questionId: string, note: FunnelNote) => {
      const list = byQuestion.get(questionId) ?? [];
      list.push(note);
      byQuestion.set(questionId, list);
    };
    const inRuns = new Map<string, number>();
    const key = (questionId: string, text: string) => `${questionId}\u0000${text.trim()}`;
    for (const { question, ...note } of fromRuns) {
      add(question, note);
      inRuns.set(key(question, note.text), (inRuns.get(key(question, note.text)) ?? 0) + 1);
    }
    for (const note of this.options.noSuitableNotes?.() ?? []) {
      if (note.scriptId !== scriptId) continue;
      const at = Date.parse(note.at);
      if (!(at >= params.from && at < params.to)) continue;
      const k = key(note.questionId, note.text);
      const left = inRuns.get(k) ?? 0;
      if (left > 0) inRuns.set(k, left - 1);
      else add(note.questionId, { text: note.text, at: note.at, callId: note.callId, remoteNumber: null, remoteName: null, clientName: null, sipCallId: null, recorded: false });
    }
    const rank = (questionId: string) => idx.questions.get(questionId)?.rank ?? Number.MAX_SAFE_INTEGER;
    return [...byQuestion]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([questionId, notes]) => ({
        questionId,
        text: idx.questions.get(questionId)?.text ?? null,
        notes: notes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
      }));
  }

  /** The CSV file: one row per call × answer, in call order, answers in the script's order. */
  csv(request: CsvExportRequest): { fileName: string; csv: string; rows: number; calls: number } {
    const parsed = CsvExportRequestSchema.safeParse(request);
    if (!parsed.success) throw new ReportInputError(`invalid export request: ${describeIssues(parsed.error)}`);
    const { scriptId, separator } = parsed.data;
    const range = this.range(parsed.data.range);
    const tz = range.timeZone;
    const library = new Map<string, ScriptIndex>();
    const indexOf = (id: string) => {
      let idx = library.get(id);
      if (!idx) library.set(id, (idx = this.index(id)));
      return idx;
    };
    const params = scriptId === null ? { from: range.fromMs, to: range.toMs } : { from: range.fromMs, to: range.toMs, script: scriptId };
    const header = [
      'Call ID',
      `Call started (${tz})`,
      'Direction',
      'Call outcome',
      'End cause',
      'Ring (s)',
      'Talk (s)',
      'Our extension',
      'Client number',
      'Client name',
      'Caller ID name',
      'Client ID',
      'Dialled line',
      'Script ID',
      'Script',
      'Script finished',
      'Step',
      'Question ID',
      'Question',
      'Answer',
      'No suitable answer: what the client said',
      `Answered at (${tz})`,
      'Wrap-up outcome',
      'Wrap-up notes',
      'Next step',
      `Next step due (${tz})`,
    ];
    // Each row becomes its line at once: no table of cells is kept for a large export.
    const sep = separator as CsvSeparator;
    const out: string[] = [];
    let calls = 0;
    const clientName = this.clientNames();
    for (const row of this.statement(exportSql(scriptId !== null)).iterate(params) as Iterable<ExportRow>) {
      calls += 1;
      row.client_name = clientName(row.client_id, row.client_name);
      const idx = row.script_id ? indexOf(row.script_id) : null;
      const run = row.run_json === null ? null : readRun(row.run_json);
      const rank = ([questionId]: StoredAnswer) => idx?.questions.get(questionId)?.rank ?? Number.MAX_SAFE_INTEGER;
      const answers = (run?.answers ?? []).sort((x, y) => rank(x) - rank(y) || x[1].at.localeCompare(y[1].at));
      if (answers.length === 0) out.push(csvLine(this.exportLine(row, run, null, idx, tz), sep));
      for (const answer of answers) out.push(csvLine(this.exportLine(row, run, answer, idx, tz), sep));
    }
    const lastDay = range.to > range.from ? addDays(range.to, -1) : range.from;
    const fileName = `frontdesk-calls_${range.from}${lastDay !== range.from ? `_${lastDay}` : ''}${scriptId ? `_${scriptId}` : ''}.csv`;
    return { fileName, csv: csvFile(csvLine(header, sep), out), rows: out.length, calls };
  }

  private exportLine(r: ExportRow, run: StoredRun | null, answer: StoredAnswer | null, idx: ScriptIndex | null, tz: string): CsvValue[] {
    const [questionId, a] = answer ?? [null, null];
    const q = questionId === null ? undefined : idx?.questions.get(questionId);
    const answerText = a === null ? null : a.noSuitable !== null ? (q?.noSuitableLabel ?? 'No suitable answer') : a.value;
    const answeredMs = a ? Date.parse(a.at) : NaN;
    return [
      r.id,
      formatLocalDateTime(r.started_ms, tz),
      r.direction,
      r.outcome,
      r.end_cause,
      r.answered_ms === null ? null : seconds(r.answered_ms - r.started_ms),
      r.answered_ms === null ? null : seconds(r.ended_ms - r.answered_ms),
      r.local_user,
      r.remote_number,
      r.client_name,
      r.remote_name,
      r.client_id,
      r.dialled_number,
      r.script_id,
      r.script_id ? (idx?.script?.title ?? null) : null,
      r.script_id ? (run?.finishedAt ? 'yes' : 'no') : null,
      q?.pageTitle ?? null,
      questionId,
      q?.text ?? null,
      answerText,
      a?.noSuitable ?? null,
      Number.isNaN(answeredMs) ? null : formatLocalDateTime(answeredMs, tz),
      r.wrap_outcome === null ? null : (wrapUpOutcomeLabels[r.wrap_outcome as WrapUpOutcome] ?? r.wrap_outcome),
      r.wrap_notes,
      r.wrap_next_step,
      r.wrap_next_due_ms === null ? null : r.wrap_next_all_day === 1 ? localDateAt(r.wrap_next_due_ms, tz) : formatLocalDateTime(r.wrap_next_due_ms, tz),
    ];
  }

  /**
   * Exports the CSV: saved where the person chooses when the shell has a save dialog (the desktop
   * app), else handed to the page to download (the browser host).
   */
  async exportCsv(request: CsvExportRequest): Promise<CsvExportResult> {
    const { fileName, csv, rows, calls } = this.csv(request);
    const choose = this.options.chooseSaveFile;
    if (!choose) return { delivery: 'download', fileName, csv, rows, calls };
    const target = await choose(fileName);
    if (target === null) return { delivery: 'cancelled' };
    writeFileSync(target, csv, 'utf8');
    return { delivery: 'saved', path: target, fileName, rows, calls };
  }
}
