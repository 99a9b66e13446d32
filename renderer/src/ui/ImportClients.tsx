import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CsvColumnMapping, CsvDelimiter } from '../../../common/directory';
import {
  BinaryFileError,
  chunkText,
  clientFieldLabelKey,
  csvTargets,
  decodeImportFile,
  importFileProblem,
  importJobError,
  targetKey,
  unnamedColumn,
  type CsvMappingDraft,
  type ImportJob,
  type ImportPreview,
} from '../../../common/imports';
import { importText } from '../../../common/importText';
import { errorText, useLocale } from '../i18n';
import { numberFormat } from '../../../common/i18n/intl';

/**
 * Importing clients: a CSV (a spreadsheet or CRM export) or a vCard file (a phone's or a mail
 * program's contacts). The person picks the file, sees the first rows as they will be imported,
 * maps the CSV's columns to the card's fields, and imports; the import runs in the services'
 * worker thread, so calls keep ringing, and its progress and result are shown here.
 */

/** t() and a number formatter in the UI's locale ("1,234" / "1 234"). */
function useWords() {
  const { t, locale } = useLocale();
  const number = (n: number) => numberFormat(locale).format(n);
  return { t, number };
}
type Words = ReturnType<typeof useWords>;

const delimiterChoices: readonly { value: CsvDelimiter; key: 'semicolon' | 'comma' | 'tab' | 'bar' }[] = [
  { value: ';', key: 'semicolon' },
  { value: ',', key: 'comma' },
  { value: '\t', key: 'tab' },
  { value: '|', key: 'bar' },
];
/** "row" or "card": what one record of the file is. */
const unitOf = (kind: ImportPreview['kind'] | ImportJob['kind'], { t, number }: Words, count: number) => t(kind === 'vcard' ? 'import.cards' : 'import.rows', { count, n: number(count) });

/** The "Clients" box: the way into the import dialog, and the last import's progress or result. */
export function ImportClients({ api }: { api: FrontdeskApi }) {
  const words = useWords();
  const { t } = words;
  const [open, setOpen] = useState(false);
  const [job, setJob] = useState<ImportJob | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => api.imports.onChanged(setJob), [api]);
  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);
  return (
    <section className="clients" aria-label={t('import.clients')}>
      <h2 className="clients__heading">{t('import.clients')}</h2>
      <p className="clients__hint">{t('import.clientsHint')}</p>
      <button ref={buttonRef} type="button" className="btn" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('import.openDialog')}
      </button>
      {job && !open && <p className="clients__job">{jobLine(job, words)}</p>}
      {open && (
        <ImportDialog
          api={api}
          job={job}
          onJob={setJob}
          onClose={close}
        />
      )}
    </section>
  );
}

function jobLine(job: ImportJob, { t, number }: Words): string {
  const file = job.fileName;
  switch (job.state) {
    case 'running':
      return job.total && job.done >= job.total
        ? t('import.importingSaving', { file })
        : t('import.importing', { file, progress: t('import.progressRows', { done: number(job.done), total: job.total ? number(job.total) : '…', count: job.total }) });
    case 'done':
      return t('import.imported', { file, summary: summaryText(job, { t, number }) });
    case 'cancelled':
      return t('import.cancelledFile', { file });
    case 'failed':
      return t('import.failedFile', { file, error: importJobError(job, t) ?? t('import.unknownError') });
  }
}

function summaryText(job: ImportJob, { t, number }: Words): string {
  const s = job.summary;
  if (!s) return '';
  const parts = [
    t('import.created', { count: s.created, n: number(s.created) }),
    t('import.merged', { count: s.merged, n: number(s.merged) }),
    t(job.kind === 'vcard' ? 'import.skippedCards' : 'import.skippedRows', { count: s.skipped, n: number(s.skipped) }),
  ];
  return t('import.summary', { parts: parts.join(', '), total: t('import.clientsCount', { count: s.clientsAfter, n: number(s.clientsAfter) }) });
}

/** The file the dialog works on: being sent, or open in the services with its preview. */
type FileState =
  | { state: 'none' }
  | { state: 'sending'; fileName: string; sent: number; length: number }
  | { state: 'open'; id: string; preview: ImportPreview; updating: boolean };

function ImportDialog({ api, job, onJob, onClose }: { api: FrontdeskApi; job: ImportJob | null; onJob: (job: ImportJob) => void; onClose: () => void }) {
  const { t } = useLocale();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [file, setFile] = useState<FileState>({ state: 'none' });
  const [error, setError] = useState<string | null>(null);
  /** Answers to older preview requests are dropped (the mapping moved on). */
  const previewSeq = useRef(0);
  const openId = file.state === 'open' ? file.id : null;
  const thisJob = job && openId && job.id === openId ? job : null;
  const running = thisJob?.state === 'running';
  /** The import this window shows: its own, or one still running from before it was closed. */
  const shownJob = thisJob ?? (job?.state === 'running' ? job : null);
  const anyRunning = job?.state === 'running';

  // Not modal: a call that rings meanwhile must stay answerable (the dialog leaves the calls column free).
  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.show();
    dialog?.querySelector<HTMLInputElement>('input[type="file"]')?.focus();
  }, []);

  // Escape closes it, from inside it or from nowhere in particular (not from another field of the app).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as Node | null;
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      if (target && target !== document.body && !dialogRef.current?.contains(target)) return;
      e.preventDefault();
      onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  // The services forget the file when the dialog moves on to another one or closes (not while it imports).
  const openIdRef = useRef<string | null>(null);
  const runningRef = useRef(false);
  useEffect(() => {
    openIdRef.current = openId;
    runningRef.current = running;
  });
  useEffect(
    () => () => {
      if (openIdRef.current && !runningRef.current) void api.imports.close({ id: openIdRef.current }).catch(() => undefined);
    },
    [api],
  );

  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const picked = e.target.files?.[0];
    if (!picked) return;
    setError(null);
    if (openId && !running) void api.imports.close({ id: openId }).catch(() => undefined);
    setFile({ state: 'none' });
    const problem = importFileProblem(picked, t);
    if (problem) {
      setError(problem);
      return;
    }
    let decoded: ReturnType<typeof decodeImportFile>;
    try {
      decoded = decodeImportFile(new Uint8Array(await picked.arrayBuffer()));
    } catch (err) {
      setError(t('import.cannotRead', { file: picked.name, error: err instanceof BinaryFileError ? t('import.notText') : errorText(err, t) }));
      return;
    }
    if (!decoded.text.trim()) {
      setError(t('import.noText', { file: picked.name }));
      return;
    }
    try {
      setFile({ state: 'sending', fileName: picked.name, sent: 0, length: decoded.text.length });
      const { id } = await api.imports.begin({ fileName: picked.name, length: decoded.text.length, encoding: decoded.encoding });
      let offset = 0;
      for (const chunk of chunkText(decoded.text)) {
        await api.imports.append({ id, offset, chunk });
        offset += chunk.length;
        setFile({ state: 'sending', fileName: picked.name, sent: offset, length: decoded.text.length });
      }
      try {
        const preview = await api.imports.preview({ id });
        setFile({ state: 'open', id, preview, updating: false });
      } catch (err) {
        void api.imports.close({ id }).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      setFile({ state: 'none' });
      setError(t('import.cannotImport', { file: picked.name, error: errorText(err, t) }));
    }
  };

  const repreview = (request: { delimiter?: CsvDelimiter; hasHeader?: boolean; mapping?: CsvMappingDraft }) => {
    if (file.state !== 'open') return;
    const seq = ++previewSeq.current;
    const { id } = file;
    setFile({ ...file, updating: true });
    api.imports.preview({ id, ...request }).then(
      (preview) => {
        if (seq !== previewSeq.current) return;
        setError(null);
        setFile({ state: 'open', id, preview, updating: false });
      },
      (err: Error) => {
        if (seq !== previewSeq.current) return;
        setFile((f) => (f.state === 'open' ? { ...f, updating: false } : f));
        setError(t('import.noPreview', { error: errorText(err, t) }));
      },
    );
  };

  const startImport = () => {
    if (file.state !== 'open') return;
    const { preview, id } = file;
    setError(null);
    const csv = preview.csv;
    api.imports
      .start({ id, ...(csv ? { mapping: { delimiter: csv.delimiter, hasHeader: csv.hasHeader, columns: csv.mapping.columns, tagSeparator: csv.mapping.tagSeparator } } : {}) })
      .then(
        (started) => {
          if (!job || job.id !== started.id) onJob(started);
        },
        (err: Error) => setError(t('import.didNotStart', { error: errorText(err, t) })),
      );
  };

  const preview = file.state === 'open' ? file.preview : null;
  const canImport = !!preview && !anyRunning && thisJob?.state !== 'done' && preview.mappingProblems.length === 0 && preview.importable > 0 && !(file.state === 'open' && file.updating);

  return (
    <dialog
      ref={dialogRef}
      className="import"
      aria-labelledby={titleId}
    >
      <div className="import__head">
        <h2 id={titleId}>{t('import.title')}</h2>
        <button type="button" className="btn btn--small" onClick={onClose}>
          {t('import.close')}
        </button>
      </div>
      <p className="import__hint">
        {t('import.hint')}
      </p>
      <div className="import__file">
        <label htmlFor={`${titleId}-file`}>{t('import.file')}</label>
        <input id={`${titleId}-file`} type="file" accept=".csv,.txt,.tsv,.vcf,.vcard,text/csv,text/vcard,text/plain" onChange={(e) => void choose(e)} disabled={running} />
      </div>
      {file.state === 'sending' && (
        <p role="status" aria-label={t('import.reading')}>
          {t('import.readingFile', { file: file.fileName, percent: file.length ? Math.floor((file.sent / file.length) * 100) : 0 })}
        </p>
      )}
      {error && (
        <p role="alert" className="import__error">
          {error}
        </p>
      )}
      {file.state === 'open' && preview && (
        <PreviewSection
          preview={preview}
          updating={file.updating}
          disabled={running || thisJob?.state === 'done'}
          onDelimiter={(delimiter) => repreview({ delimiter, hasHeader: preview.csv?.hasHeader })}
          onHasHeader={(hasHeader) => repreview({ delimiter: preview.csv?.delimiter, hasHeader })}
          onColumns={(columns) =>
            preview.csv &&
            repreview({ mapping: { delimiter: preview.csv.delimiter, hasHeader: preview.csv.hasHeader, columns, tagSeparator: preview.csv.mapping.tagSeparator } })
          }
        />
      )}
      {preview && (
        <div className="import__actions">
          <button type="button" className="btn btn--answer" disabled={!canImport} onClick={startImport}>
            {t('import.import')}
          </button>
        </div>
      )}
      {shownJob && <JobView job={shownJob} />}
      {shownJob?.state === 'running' && (
        <button type="button" className="btn" onClick={() => void api.imports.cancel({ id: shownJob.id }).catch(() => undefined)}>
          {t('import.cancel')}
        </button>
      )}
    </dialog>
  );
}

function PreviewSection({ preview, updating, disabled, onDelimiter, onHasHeader, onColumns }: {
  preview: ImportPreview;
  updating: boolean;
  disabled: boolean;
  onDelimiter: (d: CsvDelimiter) => void;
  onHasHeader: (h: boolean) => void;
  onColumns: (columns: CsvColumnMapping[]) => void;
}) {
  const { t, number } = useWords();
  const csv = preview.csv;
  const id = useId();
  const isCard = preview.kind === 'vcard';
  const mappedTo = (column: number) => {
    const c = csv?.mapping.columns.find((m) => m.column === column || (typeof m.column === 'string' && csv.headers[column] === m.column));
    return c ? targetKey(c) : 'ignore';
  };
  const setColumn = (column: number, value: string) => {
    if (!csv) return;
    const others = csv.mapping.columns.filter((m) => m.column !== column && !(typeof m.column === 'string' && csv.headers[column] === m.column));
    if (value === 'ignore') return onColumns(others);
    const [field, label] = value.split(':') as [CsvColumnMapping['field'], CsvColumnMapping['label']];
    const next: CsvColumnMapping = { column, field, ...(label ? { label } : {}) };
    onColumns([...others, next].sort((a, b) => Number(a.column) - Number(b.column)));
  };
  return (
    <div className="import__preview" aria-busy={updating}>
      <p className="import__summary">
        {t('import.previewOf', { file: preview.fileName, total: unitOf(preview.kind, { t, number }, preview.total) })}
        {preview.checked === preview.total
          ? ` — ${t('import.willImport', { importable: number(preview.importable), skipped: number(preview.skipped) })}`
          : ` — ${t(isCard ? 'import.checkedFirstCards' : 'import.checkedFirstRows', { checked: number(preview.checked), importable: number(preview.importable), skipped: number(preview.skipped) })}`}
      </p>
      {preview.notices.length > 0 && (
        <ul className="import__notices" aria-label={t('import.about')}>
          {preview.notices.map((n, i) => (
            <li key={i}>{importText(n, t)}</li>
          ))}
        </ul>
      )}
      {csv && (
        <fieldset className="import__mapping" disabled={disabled}>
          <legend>{t('import.columnsLegend')}</legend>
          <div className="import__options">
            <label htmlFor={`${id}-delimiter`}>{t('import.delimiter')}</label>
            <select id={`${id}-delimiter`} value={csv.delimiter} onChange={(e) => onDelimiter(e.target.value as CsvDelimiter)}>
              {delimiterChoices.map((d) => (
                <option key={d.value} value={d.value}>
                  {t(`import.delimiters.${d.key}`)}
                </option>
              ))}
            </select>
            <label className="import__check">
              <input type="checkbox" checked={csv.hasHeader} onChange={(e) => onHasHeader(e.target.checked)} /> {t('import.hasHeader')}
            </label>
          </div>
          <ul className="import__columns">
            {csv.headers.map((header, i) => (
              <li key={`${i}-${header}`}>
                <label htmlFor={`${id}-col-${i}`}>
                  <span className="visually-hidden">{t('import.column')} </span>
                  <span className="import__header">{header === unnamedColumn(i) ? t('import.columnN', { n: i + 1 }) : header}</span>
                  <span className="visually-hidden"> {t('import.mapsTo')}</span>
                </label>
                {csv.samples[i] && (
                  <span className="import__sample" id={`${id}-sample-${i}`}>
                    {t('import.example', { sample: csv.samples[i] })}
                  </span>
                )}
                <select id={`${id}-col-${i}`} value={mappedTo(i)} onChange={(e) => setColumn(i, e.target.value)} aria-describedby={csv.samples[i] ? `${id}-sample-${i}` : undefined}>
                  <option value="ignore">{t('import.ignore')}</option>
                  {csvTargets.map((target) => (
                    <option key={targetKey(target)} value={targetKey(target)}>
                      {t(`import.target.${target.key}`)}
                    </option>
                  ))}
                </select>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {preview.mappingProblems.length > 0 && (
        <ul role="alert" className="import__error" aria-label={t('import.mappingProblems')}>
          {preview.mappingProblems.map((p, i) => (
            <li key={i}>{importText(p, t)}</li>
          ))}
        </ul>
      )}
      <div className="import__table-wrap">
        <table className="import__table" aria-label={t(isCard ? 'import.previewCards' : 'import.previewRows')}>
          <thead>
            <tr>
              <th scope="col">{isCard ? t('import.card') : t('import.row')}</th>
              {preview.fields.map((f) => (
                <th key={f} scope="col">
                  {t(clientFieldLabelKey(f))}
                </th>
              ))}
              <th scope="col">{t('import.problems')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r) => (
              <tr key={r.row} className={r.skipped ? 'import__row--skipped' : undefined}>
                <td>{r.row}</td>
                {preview.fields.map((f) => (
                  <td key={f}>{r.values[f] ?? ''}</td>
                ))}
                <td>{r.problems.map((p) => importText(p, t)).join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.problemCount > 0 && (
        <section className="import__problems" aria-label={t('import.problems')}>
          <h3>
            {t('import.problemCount', { count: preview.problemCount, n: number(preview.problemCount) })}
            {preview.problemCount > preview.problems.length ? ` ${t('import.firstListed', { count: preview.problems.length })}` : ''}
          </h3>
          <ul>
            {preview.problems.map((p, i) => (
              <li key={i}>
                {t(isCard ? 'import.cardN' : 'import.rowN', { n: p.row, message: importText(p.message, t) })}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function JobView({ job }: { job: ImportJob }) {
  const words = useWords();
  const { t, number } = words;
  const isCard = job.kind === 'vcard';
  if (job.state === 'running') {
    const saving = job.total > 0 && job.done >= job.total;
    const text = saving
      ? t('import.savingIndex')
      : t(isCard ? 'import.progressCards' : 'import.progressRows', { done: number(job.done), total: job.total ? number(job.total) : '…', count: job.total });
    return (
      <div className="import__progress">
        <progress aria-label={t('import.progress')} aria-valuetext={text} max={job.total || undefined} value={job.total ? job.done : undefined} />
        <span>{t('import.keepRinging', { text })}</span>
      </div>
    );
  }
  if (job.state === 'failed') {
    return (
      <p role="alert" className="import__error">
        {t('import.failed', { error: importJobError(job, t) })}
      </p>
    );
  }
  const s = job.summary;
  return (
    <div role="status" aria-label={t('import.result')} className="import__result">
      {job.state === 'cancelled' ? (
        <p>{t('import.cancelled')}</p>
      ) : (
        <>
          <p>{t('import.imported', { file: job.fileName, summary: summaryText(job, words) })}</p>
          {s && s.skippedRows.length > 0 && (
            <details>
              <summary>{t('import.skipped')}</summary>
              <ul>
                {s.skippedRows.map((r) => (
                  <li key={r.row}>
                    {t(isCard ? 'import.cardN' : 'import.rowN', { n: r.row, message: importText(r.reason, t) })}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {s && s.warningCount > 0 && (
            <details>
              <summary>{t('import.warnings', { count: s.warningCount, n: number(s.warningCount) })}</summary>
              <ul>
                {s.warnings.map((w, i) => (
                  <li key={i}>
                    {t(isCard ? 'import.cardN' : 'import.rowN', { n: w.row, message: importText(w.message, t) })}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </div>
  );
}
