import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { addDays, isLocalDate, localDateAt, type FunnelNextStep, type FunnelNote, type FunnelQuestion, type ReportRange, type ReportScripts, type ScriptFunnel } from '../../../common/reports';
import type { TFunction } from 'i18next';
import { csvSeparatorFor } from '../../../common/i18n';
import { formatNumber } from './format';
import { errorText, useLocale } from '../i18n';
import { CallRecordings } from './Recording';
import { downloadFile } from './download';
import { dateTimeFormat, numberFormat } from '../../../common/i18n/intl';

/** The PC's own time zone: the dates a person picks are its wall-clock dates. */
function ownTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** Who said it: the client card's name at the time of the call, else what the caller ID said (marked as such). */
const whoSaid = (note: FunnelNote, t: TFunction) => (note.clientName ? `${note.clientName}, ` : note.remoteName ? `${t('reports.callerId', { name: note.remoteName })}, ` : '');
const nextName = (n: FunnelNextStep, t: TFunction) => (n.pageId === null ? t('reports.stoppedHere') : n.pageId === 'end' ? t('reports.endOfScript') : (n.title ?? n.pageId));
const percent = (part: number, whole: number, locale: string) => (whole === 0 ? '—' : `${numberFormat(locale).format(Math.round((part / whole) * 100))} %`);

function QuestionCell({ question }: { question: FunnelQuestion }) {
  const { t } = useLocale();
  return (
    <div className="reports__question">
      <p className="reports__question-text">
        {question.text ?? question.questionId}{' '}
        <span className="reports__muted">
          ({t('reports.answered', { count: question.answered })}
          {question.unanswered > 0 ? `, ${t('reports.notAnswered', { count: question.unanswered })}` : ''})
        </span>
      </p>
      {question.answers.length > 0 && (
        <ul className="reports__answers" aria-label={t('reports.answers', { question: question.text ?? question.questionId })}>
          {question.answers.map((a) => (
            <li key={`${a.kind}:${a.optionId ?? ''}`}>
              {a.label} → {a.next.map((n) => `${nextName(n, t)}: ${n.count}`).join('; ')}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FunnelTable({ funnel }: { funnel: ScriptFunnel }) {
  const { t, locale } = useLocale();
  const name = funnel.title ?? funnel.scriptId;
  return (
    <>
      <table className="reports__table" aria-label={t('reports.funnel', { name })}>
        <caption>{t('reports.caption', { name, count: funnel.calls, finished: funnel.finished })}</caption>
        <thead>
          <tr>
            <th scope="col">{t('reports.step')}</th>
            <th scope="col">{t('reports.reached')}</th>
            <th scope="col">{t('reports.share')}</th>
            <th scope="col">{t('reports.answersNext')}</th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((step) => (
            <tr key={step.pageId}>
              <th scope="row">{step.title ?? t('reports.goneFromScript', { id: step.pageId })}</th>
              <td>{step.reached}</td>
              <td>{percent(step.reached, funnel.calls, locale)}</td>
              <td>
                {step.questions.length === 0 ? <span className="reports__muted">{t('reports.noQuestions')}</span> : step.questions.map((q) => <QuestionCell key={q.questionId} question={q} />)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {funnel.retiredQuestions.length > 0 && (
        <div className="reports__retired">
          <h4>{t('reports.retired')}</h4>
          {funnel.retiredQuestions.map((q) => (
            <QuestionCell key={q.questionId} question={q} />
          ))}
        </div>
      )}
    </>
  );
}

function Notes({ api, funnel, region }: { api: FrontdeskApi; funnel: ScriptFunnel; region: string }) {
  const { t, locale } = useLocale();
  const total = funnel.notes.reduce((n, g) => n + g.notes.length, 0);
  return (
    <section className="reports__notes" aria-labelledby="reports-notes-heading">
      <h3 id="reports-notes-heading">{t('reports.notesTitle', { total })}</h3>
      {total === 0 ? (
        <p className="reports__muted">{t('reports.noNotes')}</p>
      ) : (
        funnel.notes.map((group) => (
          <div key={group.questionId}>
            <h4>{group.text ?? group.questionId}</h4>
            <ul aria-label={t('reports.notes', { question: group.text ?? group.questionId })}>
              {group.notes.map((note, i) => (
                <li key={i}>
                  “{note.text}”{' '}
                  <span className="reports__muted">
                    — {dateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' }).format(new Date(note.at))}
                    {note.remoteNumber ? `, ${whoSaid(note, t)}${formatNumber(note.remoteNumber, region)}` : ''}
                  </span>
                  {note.recorded && note.sipCallId && (
                    <>
                      {' '}
                      <CallRecordings api={api} query={{ sipCallId: note.sipCallId }} who={t('reports.callOf', { text: note.text })} />
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
  const { t, locale } = useLocale();
  const [timeZone] = useState(ownTimeZone);
  const [from, setFrom] = useState(() => localDateAt(Date.now(), timeZone));
  const [to, setTo] = useState(from);
  const [scriptId, setScriptId] = useState('');
  // What a spreadsheet in this locale splits on (";" where the comma is the decimal separator); the field overrides it.
  const [separator, setSeparator] = useState<',' | ';'>(() => csvSeparatorFor(locale));
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

  const problem = !isLocalDate(from) ? t('reports.pickFrom') : !isLocalDate(to) ? t('reports.pickTo') : to < from ? t('reports.toBeforeFrom') : null;
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
      (e: Error) => live && setError(errorText(e)),
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
      (e: Error) => live && setError(errorText(e)),
    );
    return () => {
      live = false;
    };
  }, [api, range, scriptId, changes]);

  const exportCsv = useCallback(async () => {
    if (!range) return;
    setExporting(true);
    setExportStatus(t('reports.exporting'));
    try {
      const result = await api.reports.exportCsv({ range, scriptId: (onlyScript && scriptId) || null, separator });
      if (result.delivery === 'download') {
        downloadFile(result.fileName, result.csv);
        setExportStatus(t('reports.downloaded', { file: result.fileName, rows: t('reports.rows', { count: result.rows }), calls: t('reports.fromCalls', { count: result.calls }) }));
      } else if (result.delivery === 'saved') {
        setExportStatus(t('reports.saved', { path: result.path, rows: t('reports.rows', { count: result.rows }), calls: t('reports.fromCalls', { count: result.calls }) }));
      } else {
        setExportStatus(t('reports.cancelled'));
      }
    } catch (e) {
      setExportStatus(t('reports.failed', { error: errorText(e, t) }));
    } finally {
      setExporting(false);
    }
  }, [api, range, scriptId, onlyScript, separator, t]);

  const picked = choices?.scripts.find((s) => s.scriptId === scriptId);
  return (
    <section id="reports-panel" className="reports" aria-labelledby="reports-heading">
      <div className="reports__head">
        <h2 id="reports-heading" ref={heading} tabIndex={-1}>
          {t('app.reports')}
        </h2>
        <button type="button" className="btn btn--small" onClick={onClose}>
          {t('reports.close')}
        </button>
      </div>
      <div className="reports__filters">
        <div className="reports__field">
          <label htmlFor="reports-from">{t('reports.from')}</label>
          <input id="reports-from" type="date" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} aria-describedby="reports-zone" />
        </div>
        <div className="reports__field">
          <label htmlFor="reports-to">{t('reports.to')}</label>
          <input id="reports-to" type="date" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} aria-describedby="reports-zone" />
        </div>
        <div className="reports__field">
          <label htmlFor="reports-script">{t('reports.script')}</label>
          <select id="reports-script" value={scriptId} onChange={(e) => setScriptId(e.target.value)}>
            {(choices?.scripts ?? []).map((s) => (
              <option key={s.scriptId} value={s.scriptId}>
                {s.title ?? t('reports.goneFromLibrary', { id: s.scriptId })} — {t('reports.calls', { count: s.calls })}
              </option>
            ))}
          </select>
        </div>
        <div className="reports__field">
          <label htmlFor="reports-separator">{t('reports.separator')}</label>
          <select id="reports-separator" value={separator} onChange={(e) => setSeparator(e.target.value === ';' ? ';' : ',')}>
            <option value=",">{t('reports.comma')}</option>
            <option value=";">{t('reports.semicolon')}</option>
          </select>
        </div>
        <div className="reports__field reports__field--check">
          <input id="reports-only-script" type="checkbox" checked={onlyScript} onChange={(e) => setOnlyScript(e.target.checked)} disabled={!scriptId} />
          <label htmlFor="reports-only-script">{t('reports.onlyScript')}</label>
        </div>
        <button type="button" className="btn" onClick={() => void exportCsv()} disabled={!range || exporting} aria-describedby="reports-export-what">
          {t('reports.export')}
        </button>
      </div>
      <p id="reports-zone" className="reports__muted">
        {t('reports.zone', { zone: timeZone })}
      </p>
      <p id="reports-export-what" className="reports__muted">
        {t('reports.exportWhat', {
          what: picked && onlyScript ? t('reports.callsUsing', { script: picked.title ?? picked.scriptId }) : t('reports.everyCall'),
          total: choices ? ` ${t('reports.inAll', { count: choices.calls })}` : '',
        })}
      </p>
      {problem && (
        <p role="alert" className="reports__problem">
          {problem}
        </p>
      )}
      {error && (
        <p role="alert" className="reports__problem">
          {t('reports.error', { error })}
        </p>
      )}
      <p role="status" aria-label={t('reports.exportStatus')} className="reports__muted">
        {exportStatus ?? ''}
      </p>
      {choices && choices.scripts.length === 0 && <p>{t('reports.noScripts')}</p>}
      {funnel && range && funnel.scriptId === scriptId && funnel.range.from === range.from && funnel.range.to === range.to && (
        <>
          <FunnelTable funnel={funnel} />
          <Notes api={api} funnel={funnel} region={region} />
        </>
      )}
    </section>
  );
}
