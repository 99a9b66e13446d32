import { useCallback, useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CsvColumnMapping, CsvDelimiter } from '../../../common/directory';
import {
  chunkText,
  clientFieldLabels,
  csvTargets,
  decodeImportFile,
  importFileProblem,
  targetKey,
  type CsvMappingDraft,
  type ImportJob,
  type ImportPreview,
} from '../../../common/imports';

/**
 * Importing clients: a CSV (a spreadsheet or CRM export) or a vCard file (a phone's or a mail
 * program's contacts). The person picks the file, sees the first rows as they will be imported,
 * maps the CSV's columns to the card's fields, and imports; the import runs in the services'
 * worker thread, so calls keep ringing, and its progress and result are shown here.
 */

const number = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${number(n)} ${n === 1 ? one : many}`;

const delimiterChoices: readonly { value: CsvDelimiter; text: string }[] = [
  { value: ';', text: 'Semicolon ( ; )' },
  { value: ',', text: 'Comma ( , )' },
  { value: '\t', text: 'Tab' },
  { value: '|', text: 'Vertical bar ( | )' },
];

/** The "Clients" box: the way into the import dialog, and the last import's progress or result. */
export function ImportClients({ api }: { api: FrontdeskApi }) {
  const [open, setOpen] = useState(false);
  const [job, setJob] = useState<ImportJob | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => api.imports.onChanged(setJob), [api]);
  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);
  return (
    <section className="clients" aria-label="Clients">
      <h2 className="clients__heading">Clients</h2>
      <p className="clients__hint">Bring clients in from a spreadsheet (CSV) or from contacts (vCard): their card pops when they call.</p>
      <button ref={buttonRef} type="button" className="btn" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Import clients…
      </button>
      {job && !open && <p className="clients__job">{jobLine(job)}</p>}
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

function jobLine(job: ImportJob): string {
  switch (job.state) {
    case 'running':
      return job.total && job.done >= job.total
        ? `Importing "${job.fileName}": saving…`
        : `Importing "${job.fileName}": ${number(job.done)} of ${job.total ? number(job.total) : '…'} rows`;
    case 'done':
      return `Imported "${job.fileName}": ${summaryText(job)}`;
    case 'cancelled':
      return `The import of "${job.fileName}" was cancelled: nothing was imported.`;
    case 'failed':
      return `The import of "${job.fileName}" failed: ${job.error ?? 'unknown error'}`;
  }
}

function summaryText(job: ImportJob): string {
  const s = job.summary;
  if (!s) return '';
  const what = job.kind === 'vcard' ? 'card' : 'row';
  const parts = [
    `${plural(s.created, 'new client')} created`,
    `${plural(s.merged, 'client')} updated (merged by phone number)`,
    `${plural(s.skipped, what)} skipped`,
  ];
  return `${parts.join(', ')}. The directory now has ${plural(s.clientsAfter, 'client')}.`;
}

/** The file the dialog works on: being sent, or open in the services with its preview. */
type FileState =
  | { state: 'none' }
  | { state: 'sending'; fileName: string; sent: number; length: number }
  | { state: 'open'; id: string; preview: ImportPreview; updating: boolean };

function ImportDialog({ api, job, onJob, onClose }: { api: FrontdeskApi; job: ImportJob | null; onJob: (job: ImportJob) => void; onClose: () => void }) {
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
    const problem = importFileProblem(picked);
    if (problem) {
      setError(problem);
      return;
    }
    let decoded: ReturnType<typeof decodeImportFile>;
    try {
      decoded = decodeImportFile(new Uint8Array(await picked.arrayBuffer()));
    } catch (err) {
      setError(`"${picked.name}" could not be read: ${(err as Error).message}`);
      return;
    }
    if (!decoded.text.trim()) {
      setError(`"${picked.name}" has no text in it: nothing to import.`);
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
      setError(`"${picked.name}" cannot be imported: ${(err as Error).message}. Nothing was imported.`);
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
        setError(`The preview could not be made: ${err.message}`);
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
        (err: Error) => setError(`The import did not start: ${err.message}`),
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
        <h2 id={titleId}>Import clients</h2>
        <button type="button" className="btn btn--small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="import__hint">
        A CSV file (from Excel, Google Sheets or a CRM; columns separated by semicolons, commas or tabs; UTF-8 or Windows-1251) or a vCard file (.vcf) of contacts.
        Clients whose phone number is already in the directory are updated, not duplicated. Nothing is imported until you press Import.
      </p>
      <div className="import__file">
        <label htmlFor={`${titleId}-file`}>File to import</label>
        <input id={`${titleId}-file`} type="file" accept=".csv,.txt,.tsv,.vcf,.vcard,text/csv,text/vcard,text/plain" onChange={(e) => void choose(e)} disabled={running} />
      </div>
      {file.state === 'sending' && (
        <p role="status" aria-label="Reading the file">
          Reading "{file.fileName}"… {file.length ? Math.floor((file.sent / file.length) * 100) : 0}%
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
            Import
          </button>
        </div>
      )}
      {shownJob && <JobView job={shownJob} />}
      {shownJob?.state === 'running' && (
        <button type="button" className="btn" onClick={() => void api.imports.cancel({ id: shownJob.id }).catch(() => undefined)}>
          Cancel import
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
  const csv = preview.csv;
  const id = useId();
  const unit = preview.kind === 'vcard' ? 'card' : 'row';
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
        "{preview.fileName}": {plural(preview.total, unit)}
        {preview.checked === preview.total
          ? ` — ${number(preview.importable)} will be imported, ${number(preview.skipped)} skipped.`
          : ` — checked the first ${number(preview.checked)}: ${number(preview.importable)} will be imported, ${number(preview.skipped)} skipped (the import checks every ${unit}).`}
      </p>
      {preview.notices.length > 0 && (
        <ul className="import__notices" aria-label="About this file">
          {preview.notices.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {csv && (
        <fieldset className="import__mapping" disabled={disabled}>
          <legend>Columns of the file and the card fields they fill</legend>
          <div className="import__options">
            <label htmlFor={`${id}-delimiter`}>Columns separated by</label>
            <select id={`${id}-delimiter`} value={csv.delimiter} onChange={(e) => onDelimiter(e.target.value as CsvDelimiter)}>
              {delimiterChoices.map((d) => (
                <option key={d.value} value={d.value}>
                  {d.text}
                </option>
              ))}
            </select>
            <label className="import__check">
              <input type="checkbox" checked={csv.hasHeader} onChange={(e) => onHasHeader(e.target.checked)} /> First row holds column names
            </label>
          </div>
          <ul className="import__columns">
            {csv.headers.map((header, i) => (
              <li key={`${i}-${header}`}>
                <label htmlFor={`${id}-col-${i}`}>
                  <span className="visually-hidden">Column </span>
                  <span className="import__header">{header}</span>
                  <span className="visually-hidden"> maps to</span>
                </label>
                {csv.samples[i] && (
                  <span className="import__sample" id={`${id}-sample-${i}`}>
                    e.g. {csv.samples[i]}
                  </span>
                )}
                <select id={`${id}-col-${i}`} value={mappedTo(i)} onChange={(e) => setColumn(i, e.target.value)} aria-describedby={csv.samples[i] ? `${id}-sample-${i}` : undefined}>
                  <option value="ignore">Ignore</option>
                  {csvTargets.map((t) => (
                    <option key={targetKey(t)} value={targetKey(t)}>
                      {t.text}
                    </option>
                  ))}
                </select>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {preview.mappingProblems.length > 0 && (
        <ul role="alert" className="import__error" aria-label="Mapping problems">
          {preview.mappingProblems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <div className="import__table-wrap">
        <table className="import__table" aria-label={`Preview: the first ${unit}s as they will be imported`}>
          <thead>
            <tr>
              <th scope="col">{preview.kind === 'vcard' ? 'Card' : 'Row'}</th>
              {preview.fields.map((f) => (
                <th key={f} scope="col">
                  {clientFieldLabels[f]}
                </th>
              ))}
              <th scope="col">Problems</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r) => (
              <tr key={r.row} className={r.skipped ? 'import__row--skipped' : undefined}>
                <td>{r.row}</td>
                {preview.fields.map((f) => (
                  <td key={f}>{r.values[f] ?? ''}</td>
                ))}
                <td>{r.problems.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.problemCount > 0 && (
        <section className="import__problems" aria-label="Problems">
          <h3>
            {plural(preview.problemCount, 'problem')}
            {preview.problemCount > preview.problems.length ? ` (the first ${preview.problems.length} listed)` : ''}
          </h3>
          <ul>
            {preview.problems.map((p, i) => (
              <li key={i}>
                {preview.kind === 'vcard' ? 'Card' : 'Row'} {p.row}: {p.message}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function JobView({ job }: { job: ImportJob }) {
  if (job.state === 'running') {
    const saving = job.total > 0 && job.done >= job.total;
    const text = saving ? 'Saving: writing the search index…' : `${number(job.done)} of ${job.total ? number(job.total) : '…'} ${job.kind === 'vcard' ? 'cards' : 'rows'}`;
    return (
      <div className="import__progress">
        <progress aria-label="Import progress" aria-valuetext={text} max={job.total || undefined} value={job.total ? job.done : undefined} />
        <span>{text}. Calls keep ringing meanwhile; you can close this window.</span>
      </div>
    );
  }
  if (job.state === 'failed') {
    return (
      <p role="alert" className="import__error">
        The import failed: {job.error}
      </p>
    );
  }
  const s = job.summary;
  return (
    <div role="status" aria-label="Import result" className="import__result">
      {job.state === 'cancelled' ? (
        <p>The import was cancelled: nothing was imported.</p>
      ) : (
        <>
          <p>
            Imported "{job.fileName}": {summaryText(job)}
          </p>
          {s && s.skippedRows.length > 0 && (
            <details>
              <summary>Skipped</summary>
              <ul>
                {s.skippedRows.map((r) => (
                  <li key={r.row}>
                    {job.kind === 'vcard' ? 'Card' : 'Row'} {r.row}: {r.reason}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {s && s.warningCount > 0 && (
            <details>
              <summary>{plural(s.warningCount, 'value')} dropped or noted</summary>
              <ul>
                {s.warnings.map((w, i) => (
                  <li key={i}>
                    {job.kind === 'vcard' ? 'Card' : 'Row'} {w.row}: {w.message}
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
