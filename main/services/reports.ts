import { writeFileSync } from 'node:fs';
import { answerOptions, END, scriptQuestions, type CallScript, type NoSuitableNote, type ScriptQuestion } from '../../common/callScript';
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
import { toCsv, type CsvSeparator, type CsvValue } from './csv';
import type { Database, Statement } from './sqlite';

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
}

/** The calls in the range and their script runs (an invalid stored run reads as none). */
const runsCte = `runs AS (
  SELECT c.seq AS call, c.id AS call_id, c.remote_number, c.remote_name,
         CASE WHEN json_valid(r.run_json) THEN r.run_json END AS run
  FROM calls c INDEXED BY calls_by_start
  JOIN script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
  WHERE c.started_ms >= @from AND c.started_ms < @to AND r.script_id = @script
)`;
/** Question id → page id of the script as it is now, passed as JSON: [["purpose", "greeting"], …]. */
const qmapCte = `qmap AS (SELECT json_extract(value, '$[0]') AS question, json_extract(value, '$[1]') AS page FROM json_each(@qmap))`;

const totalsSql = `WITH ${runsCte} SELECT count(*) AS calls, count(json_extract(run, '$.finishedAt')) AS finished FROM runs`;

/** A page counts as reached when it is on the call's path, or a question on it was answered (the agent may have stepped back). */
const reachedSql = `WITH ${runsCte}, ${qmapCte},
visits AS (
  SELECT call, json_extract(h.value, '$.page') AS page FROM runs, json_each(runs.run, '$.history') h
  UNION
  SELECT call, qmap.page FROM runs, json_each(runs.run, '$.answers') a JOIN qmap ON qmap.question = a.key
)
SELECT page, count(*) AS reached FROM visits WHERE page IS NOT NULL GROUP BY page`;

/**
 * Per question, answer and next step: the next step of an answer is the page that followed the
 * question's page (its last visit) on the call's path; "end" when the script ended there; null
 * when the call stopped on it.
 */
const edgesSql = `WITH ${runsCte}, ${qmapCte},
hist AS MATERIALIZED (SELECT call, h.key AS i, json_extract(h.value, '$.page') AS page FROM runs, json_each(runs.run, '$.history') h),
lastVisit AS MATERIALIZED (SELECT call, page, max(i) AS i FROM hist GROUP BY call, page),
ans AS (
  SELECT call, json_extract(run, '$.finishedAt') AS finished, a.key AS question,
         json_extract(a.value, '$.optionId') AS option_id, json_extract(a.value, '$.noSuitable') AS note, json_extract(a.value, '$.value') AS value
  FROM runs, json_each(runs.run, '$.answers') a
)
SELECT ans.question AS question,
       CASE WHEN ans.note IS NOT NULL THEN 'no-suitable' WHEN ans.option_id IS NOT NULL THEN 'option' ELSE 'typed' END AS kind,
       CASE WHEN ans.note IS NULL THEN ans.option_id END AS optionId,
       coalesce(nxt.page, CASE WHEN lastVisit.i IS NOT NULL AND ans.finished IS NOT NULL THEN '${END}' END) AS next,
       count(*) AS n,
       min(ans.value) AS sample
FROM ans
LEFT JOIN qmap ON qmap.question = ans.question
LEFT JOIN lastVisit ON lastVisit.call = ans.call AND lastVisit.page = qmap.page
LEFT JOIN hist nxt ON nxt.call = ans.call AND nxt.i = lastVisit.i + 1
GROUP BY 1, 2, 3, 4`;

const notesSql = `WITH ${runsCte}
SELECT a.key AS question, json_extract(a.value, '$.noSuitable') AS text, json_extract(a.value, '$.at') AS at,
       runs.call_id AS callId, runs.remote_number AS remoteNumber, runs.remote_name AS remoteName
FROM runs, json_each(runs.run, '$.answers') a
WHERE json_extract(a.value, '$.noSuitable') IS NOT NULL
ORDER BY at, runs.call`;

const scriptsUsedSql = `SELECT r.script_id AS scriptId, count(*) AS calls
FROM calls c INDEXED BY calls_by_start
JOIN script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
WHERE c.started_ms >= @from AND c.started_ms < @to
GROUP BY r.script_id`;
const callsInRangeSql = `SELECT count(*) AS n FROM calls WHERE started_ms >= @from AND started_ms < @to`;

/** One row per call × answer (a call with no answers, or no script, is one row). */
const exportSql = (withScript: boolean) => `
SELECT c.id, c.direction, c.local_user, c.remote_number, c.remote_name, c.dialled_number, c.client_id,
       c.started_ms, c.answered_ms, c.ended_ms, c.outcome, c.end_cause,
       r.script_id, json_extract(r.run_json, '$.finishedAt') AS finished_at,
       a.key AS question_id, json_extract(a.value, '$.value') AS answer, json_extract(a.value, '$.optionId') AS option_id,
       json_extract(a.value, '$.noSuitable') AS no_suitable, json_extract(a.value, '$.at') AS answered_at,
       w.outcome AS wrap_outcome, w.notes AS wrap_notes, w.next_step AS wrap_next_step, w.next_due_ms AS wrap_next_due_ms, w.next_all_day AS wrap_next_all_day
FROM calls c INDEXED BY calls_by_start
${withScript ? 'JOIN' : 'LEFT JOIN'} script_runs r ON r.local_user = c.local_user AND r.sip_call_id = c.sip_call_id
LEFT JOIN wrap_ups w ON w.call_id = c.id AND w.status = 'done'
LEFT JOIN json_each(CASE WHEN json_valid(r.run_json) THEN r.run_json END, '$.answers') a
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
  started_ms: number;
  answered_ms: number | null;
  ended_ms: number;
  outcome: string;
  end_cause: string | null;
  script_id: string | null;
  finished_at: string | null;
  question_id: string | null;
  answer: string | null;
  option_id: string | null;
  no_suitable: string | null;
  answered_at: string | null;
  wrap_outcome: string | null;
  wrap_notes: string | null;
  wrap_next_step: string | null;
  wrap_next_due_ms: number | null;
  wrap_next_all_day: number | null;
}

const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 100) / 10);
const typedLabel = 'Typed answer';

/** What the library knows about a script: its questions in order, where each sits, what the agent saw. */
interface ScriptIndex {
  script: CallScript | null;
  questions: Map<string, { question: ScriptQuestion; pageId: string; pageTitle: string; rank: number }>;
  pageTitles: Map<string, string>;
}
function indexScript(script: CallScript | undefined): ScriptIndex {
  const questions: ScriptIndex['questions'] = new Map();
  const pageTitles = new Map<string, string>();
  if (!script) return { script: null, questions, pageTitles };
  for (const page of script.pages) pageTitles.set(page.id, page.title);
  scriptQuestions(script).forEach(({ question, page }, rank) => questions.set(question.id, { question, pageId: page.id, pageTitle: page.title, rank }));
  return { script, questions, pageTitles };
}

export class ReportsService {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly options: ReportsOptions) {}

  private get db(): Database {
    return this.options.calls.database;
  }

  private statement(sql: string): Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  private range(input: unknown): ReportRange & { fromMs: number; toMs: number } {
    const parsed = ReportRangeSchema.safeParse(input);
    if (!parsed.success) throw new ReportInputError(`invalid date range: ${describeIssues(parsed.error)}`);
    return { ...parsed.data, ...rangeInstants(parsed.data) };
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
    const runParams = { from: range.fromMs, to: range.toMs, script: scriptId };
    const params = { ...runParams, qmap: JSON.stringify([...idx.questions].map(([q, { pageId }]) => [q, pageId])) };
    const totals = this.statement(totalsSql).get(runParams) as { calls: number; finished: number };
    const reached = new Map((this.statement(reachedSql).all(params) as { page: string; reached: number }[]).map((r) => [r.page, r.reached]));
    const edges = this.statement(edgesSql).all(params) as {
      question: string;
      kind: FunnelAnswer['kind'];
      optionId: string | null;
      next: string | null;
      n: number;
      sample: string | null;
    }[];

    const titleOf = (pageId: string | null) => (pageId === null ? null : pageId === END ? null : (idx.pageTitles.get(pageId) ?? null));
    const questionsOut = new Map<string, FunnelQuestion>();
    const questionOut = (questionId: string): FunnelQuestion => {
      let q = questionsOut.get(questionId);
      if (!q) {
        q = { questionId, text: idx.questions.get(questionId)?.question.text ?? null, answered: 0, unanswered: 0, answers: [] };
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
      calls: totals.calls,
      finished: totals.finished,
      steps,
      retiredQuestions,
      notes: this.notes(scriptId, idx, runParams),
    };
  }

  /**
   * "No suitable answer" notes of a script in the range, per question in the script's order. From
   * the calls' saved runs (with the call), plus notes the notes file kept that no run holds any more,
   * matched by question and text (a note typed, then replaced by an option, is still the author's).
   */
  private notes(scriptId: string, idx: ScriptIndex, params: { from: number; to: number; script: string }): ScriptFunnel['notes'] {
    const fromRuns = this.statement(notesSql).all(params) as (FunnelNote & { question: string })[];
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
      else add(note.questionId, { text: note.text, at: note.at, callId: note.callId, remoteNumber: null, remoteName: null });
    }
    const rank = (questionId: string) => idx.questions.get(questionId)?.rank ?? Number.MAX_SAFE_INTEGER;
    return [...byQuestion]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([questionId, notes]) => ({
        questionId,
        text: idx.questions.get(questionId)?.question.text ?? null,
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
    const out: CsvValue[][] = [];
    let calls = 0;
    let group: ExportRow[] = [];
    const flush = () => {
      if (!group.length) return;
      calls += 1;
      const idx = group[0]!.script_id ? indexOf(group[0]!.script_id) : null;
      const rank = (r: ExportRow) => (r.question_id === null ? -1 : (idx?.questions.get(r.question_id)?.rank ?? Number.MAX_SAFE_INTEGER));
      group.sort((a, b) => rank(a) - rank(b) || String(a.answered_at).localeCompare(String(b.answered_at)));
      for (const r of group) out.push(this.exportLine(r, idx, tz));
      group = [];
    };
    for (const row of this.statement(exportSql(scriptId !== null)).iterate(params) as Iterable<ExportRow>) {
      if (group.length && group[0]!.id !== row.id) flush();
      group.push(row);
    }
    flush();
    const lastDay = range.to > range.from ? addDays(range.to, -1) : range.from;
    const fileName = `frontdesk-calls_${range.from}${lastDay !== range.from ? `_${lastDay}` : ''}${scriptId ? `_${scriptId}` : ''}.csv`;
    return { fileName, csv: toCsv(header, out, separator as CsvSeparator), rows: out.length, calls };
  }

  private exportLine(r: ExportRow, idx: ScriptIndex | null, tz: string): CsvValue[] {
    const q = r.question_id ? idx?.questions.get(r.question_id) : undefined;
    const options = q && idx?.script ? answerOptions(q.question, idx.script.language) : [];
    const answer =
      r.question_id === null
        ? null
        : r.no_suitable !== null
          ? (options.find((o) => o.noSuitable)?.label ?? 'No suitable answer')
          : r.answer;
    const answeredMs = r.answered_at ? Date.parse(r.answered_at) : NaN;
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
      r.remote_name,
      r.client_id,
      r.dialled_number,
      r.script_id,
      r.script_id ? (idx?.script?.title ?? null) : null,
      r.script_id ? (r.finished_at ? 'yes' : 'no') : null,
      q?.pageTitle ?? null,
      r.question_id,
      q?.question.text ?? null,
      answer,
      r.no_suitable,
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
