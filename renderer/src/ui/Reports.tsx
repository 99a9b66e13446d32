import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { addDays, isLocalDate, localDateAt, type FunnelNextStep, type FunnelNote, type FunnelQuestion, type ReportRange, type ReportScripts, type ScriptFunnel } from '../../../common/reports';
import { formatNumber } from './format';
import { CallRecordings } from './Recording';
import { downloadFile } from './download';

/** The PC's own time zone: the dates a person picks are its wall-clock dates. */
function ownTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Who said it: the client card's name at the time of the call, else what the caller ID said (marked as such). */
const whoSaid = (note: FunnelNote) => (note.clientName ? `${note.clientName}, ` : note.remoteName ? `caller ID “${note.remoteName}”, ` : '');
const nextName = (n: FunnelNextStep) => (n.pageId === null ? 'stopped here' : n.pageId === 'end' ? 'end of script' : (n.title ?? n.pageId));
const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)} %`);

function QuestionCell({ question }: { question: FunnelQuestion }) {
  return (
    <div className="reports__question">
      <p className="reports__question-text">
        {question.text ?? question.questionId}{' '}
        <span className="reports__muted">
          (answered {question.answered}
          {question.unanswered > 0 ? `, not answered ${question.unanswered}` : ''})
        </span>
      </p>
      {question.answers.length > 0 && (
        <ul className="reports__answers" aria-label={`Answers: ${question.text ?? question.questionId}`}>
          {question.answers.map((a) => (
            <li key={`${a.kind}:${a.optionId ?? ''}`}>
              {a.label} → {a.next.map((n) => `${nextName(n)}: ${n.count}`).join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FunnelTable({ funnel }: { funnel: ScriptFunnel }) {
  const name = funnel.title ?? funnel.scriptId;
  return (
    <>
      <table className="reports__table" aria-label={`Funnel: ${name}`}>
        <caption>
          {name}: {funnel.calls} {funnel.calls === 1 ? 'call' : 'calls'} used the script, {funnel.finished} went through to its end
        </caption>
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Calls reached</th>
            <th scope="col">% of calls</th>
            <th scope="col">Answers → next step</th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((step) => (
            <tr key={step.pageId}>
              <th scope="row">{step.title ?? `${step.pageId} (no longer in the script)`}</th>
              <td>{step.reached}</td>
              <td>{percent(step.reached, funnel.calls)}</td>
              <td>
                {step.questions.length === 0 ? <span className="reports__muted">no questions</span> : step.questions.map((q) => <QuestionCell key={q.questionId} question={q} />)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {funnel.retiredQuestions.length > 0 && (
        <div className="reports__retired">
          <h4>Answers to questions no longer in the script</h4>
          {funnel.retiredQuestions.map((q) => (
            <QuestionCell key={q.questionId} question={q} />
          ))}
        </div>
      )}
    </>
  );
}

function Notes({ api, funnel, region }: { api: FrontdeskApi; funnel: ScriptFunnel; region: string }) {
  const total = funnel.notes.reduce((n, g) => n + g.notes.length, 0);
  return (
    <section className="reports__notes" aria-labelledby="reports-notes-heading">
      <h3 id="reports-notes-heading">What clients said when no answer fitted ({total})</h3>
      {total === 0 ? (
        <p className="reports__muted">No “No suitable answer” notes in these dates.</p>
      ) : (
        funnel.notes.map((group) => (
          <div key={group.questionId}>
            <h4>{group.text ?? group.questionId}</h4>
            <ul aria-label={`Notes: ${group.text ?? group.questionId}`}>
              {group.notes.map((note, i) => (
                <li key={i}>
                  “{note.text}”{' '}
                  <span className="reports__muted">
                    — {new Date(note.at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}
                    {note.remoteNumber ? `, ${whoSaid(note)}${formatNumber(note.remoteNumber, region)}` : ''}
                  </span>
                  {note.recorded && note.sipCallId && (
                    <>
                      {' '}
                      <CallRecordings api={api} query={{ sipCallId: note.sipCallId }} who={`the call of “${note.text}”`} />
                    </>
                  )}
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}

/**
 * Reports: for the dates picked (both included, in this PC's time zone), the funnel of a call
 * script, what clients said when no answer fitted, and an export of every answer to CSV.
 */
export function Reports({ api, region, onClose }: { api: FrontdeskApi; region: string; onClose: () => void }) {
  const [timeZone] = useState(ownTimeZone);
  const [from, setFrom] = useState(() => localDateAt(Date.now(), timeZone));
  const [to, setTo] = useState(from);
  const [scriptId, setScriptId] = useState('');
  const [separator, setSeparator] = useState<',' | ';'>(',');
  const [onlyScript, setOnlyScript] = useState(true);
  const [choices, setChoices] = useState<ReportScripts | null>(null);
  const [funnel, setFunnel] = useState<ScriptFunnel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [exportStatus, setExportStatus] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const [changes, setChanges] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => heading.current?.focus(), []);
  // A call that ends while the view is open is counted at once.
  useEffect(() => api.calls.onChanged(() => setChanges((n) => n + 1)), [api]);

  const problem = !isLocalDate(from) ? 'Pick the first day (From).' : !isLocalDate(to) ? 'Pick the last day (To).' : to < from ? 'To must not be before From.' : null;
  // The person picks both days included; the services take [from, to) with `to` the day after.
  const range: ReportRange | null = useMemo(() => (problem ? null : { from, to: addDays(to, 1), timeZone }), [problem, from, to, timeZone]);

  useEffect(() => {
    if (!range) return;
    let live = true;
    api.reports.scripts(range).then(
      (c) => {
        if (!live) return;
        setChoices(c);
        setError(null);
        setScriptId((current) => (c.scripts.some((s) => s.scriptId === current) ? current : (c.scripts.find((s) => s.calls > 0) ?? c.scripts[0])?.scriptId ?? ''));
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [api, range, changes]);

  useEffect(() => {
    if (!range || !scriptId) return;
    let live = true;
    api.reports.funnel({ range, scriptId }).then(
      (f) => {
        if (!live) return;
        setFunnel(f);
        setError(null);
      },
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [api, range, scriptId, changes]);

  const exportCsv = useCallback(async () => {
    if (!range) return;
    setExporting(true);
    setExportStatus('Exporting…');
    try {
      const result = await api.reports.exportCsv({ range, scriptId: (onlyScript && scriptId) || null, separator });
      if (result.delivery === 'download') {
        downloadFile(result.fileName, result.csv);
        setExportStatus(`Downloaded ${result.fileName}: ${result.rows} rows from ${result.calls} calls.`);
      } else if (result.delivery === 'saved') {
        setExportStatus(`Saved ${result.rows} rows from ${result.calls} calls to ${result.path}.`);
      } else {
        setExportStatus('Export cancelled: nothing was saved.');
      }
    } catch (e) {
      setExportStatus(`Export failed: ${(e as Error).message}`);
    } finally {
      setExporting(false);
    }
  }, [api, range, scriptId, onlyScript, separator]);

  const picked = choices?.scripts.find((s) => s.scriptId === scriptId);
  return (
    <section id="reports-panel" className="reports" aria-labelledby="reports-heading">
      <div className="reports__head">
        <h2 id="reports-heading" ref={heading} tabIndex={-1}>
          Reports
        </h2>
        <button type="button" className="btn btn--small" onClick={onClose}>
          Close reports
        </button>
      </div>
      <div className="reports__filters">
        <div className="reports__field">
          <label htmlFor="reports-from">From</label>
          <input id="reports-from" type="date" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} aria-describedby="reports-zone" />
        </div>
        <div className="reports__field">
          <label htmlFor="reports-to">To</label>
          <input id="reports-to" type="date" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} aria-describedby="reports-zone" />
        </div>
        <div className="reports__field">
          <label htmlFor="reports-script">Script</label>
          <select id="reports-script" value={scriptId} onChange={(e) => setScriptId(e.target.value)}>
            {(choices?.scripts ?? []).map((s) => (
              <option key={s.scriptId} value={s.scriptId}>
                {s.title ?? `${s.scriptId} (no longer in the library)`} — {s.calls} {s.calls === 1 ? 'call' : 'calls'}
              </option>
            ))}
          </select>
        </div>
        <div className="reports__field">
          <label htmlFor="reports-separator">Separator</label>
          <select id="reports-separator" value={separator} onChange={(e) => setSeparator(e.target.value === ';' ? ';' : ',')}>
            <option value=",">Comma (standard CSV)</option>
            <option value=";">Semicolon (Excel in Russian and most of Europe)</option>
          </select>
        </div>
        <div className="reports__field reports__field--check">
          <input id="reports-only-script" type="checkbox" checked={onlyScript} onChange={(e) => setOnlyScript(e.target.checked)} disabled={!scriptId} />
          <label htmlFor="reports-only-script">Export only the calls that used this script</label>
        </div>
        <button type="button" className="btn" onClick={() => void exportCsv()} disabled={!range || exporting} aria-describedby="reports-export-what">
          Export CSV
        </button>
      </div>
      <p id="reports-zone" className="reports__muted">
        Both days are included; dates and times are in this PC&apos;s time zone, {timeZone}.
      </p>
      <p id="reports-export-what" className="reports__muted">
        The export has one row per call and answer: {picked && onlyScript ? `the calls that used “${picked.title ?? picked.scriptId}”` : 'every call in these dates, with a script or not'}
        {choices ? ` (${choices.calls} ${choices.calls === 1 ? 'call' : 'calls'} in these dates in all)` : ''}.
      </p>
      {problem && (
        <p role="alert" className="reports__problem">
          {problem}
        </p>
      )}
      {error && (
        <p role="alert" className="reports__problem">
          The report could not be made: {error}
        </p>
      )}
      <p role="status" aria-label="Export" className="reports__muted">
        {exportStatus ?? ''}
      </p>
      {choices && choices.scripts.length === 0 && <p>There are no call scripts yet, so there is no funnel to show.</p>}
      {funnel && range && funnel.scriptId === scriptId && funnel.range.from === range.from && funnel.range.to === range.to && (
        <>
          <FunnelTable funnel={funnel} />
          <Notes api={api} funnel={funnel} region={region} />
        </>
      )}
    </section>
  );
}
