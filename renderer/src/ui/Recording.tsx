import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { Recording } from '../../../common/recordings';
import type { Recorder } from '../recording/recorder';
import type { Call } from '../sip/callMachine';
import { formatDuration, shortDateTime } from './format';
import { errorText, useLocale } from '../i18n';
import { numberFormat } from '../../../common/i18n/intl';

/** The page's recorder (main.tsx provides it); null where nothing records (tests of other parts). */
export const RecorderContext = createContext<Recorder | null>(null);

const noView = { calls: {}, problem: null, lowDisk: null, retention: null };
const noSubscribe = () => () => undefined;

function useRecorderView(recorder: Recorder | null) {
  return useSyncExternalStore(recorder?.subscribe ?? noSubscribe, recorder ? recorder.getView : () => noView);
}

/** On a call: Record / Stop recording (Alt+R) and Pause / Resume recording (Alt+P), with a recording indicator. */
export function RecordingControls({ call }: { call: Call }) {
  const { t } = useLocale();
  const recorder = useContext(RecorderContext);
  const view = useRecorderView(recorder);
  if (!recorder) return null;
  const rec = view.calls[call.id];
  const talking = call.answeredAt !== null && (call.phase === 'active' || call.phase === 'held' || call.phase === 'remote-held');
  if (!talking && !rec) return null;
  return (
    <>
      {rec && (
        <span className={`rec-dot${rec.state === 'paused' ? ' rec-dot--paused' : ''}`} role="status" aria-label={t('recording.label')}>
          {rec.state === 'paused' ? t('recording.paused') : rec.state === 'starting' ? t('recording.starting') : rec.state === 'stopping' ? t('recording.saving') : t('recording.recording')}
          {rec.byPolicy && !rec.agentMayStop ? ` ${t('recording.required')}` : ''}
        </span>
      )}
      {!rec && talking && (
        <button type="button" className="btn" onClick={() => recorder.record(call.id)} aria-keyshortcuts="Alt+R">
          {t('recording.record')}
        </button>
      )}
      {rec && rec.agentMayStop && (rec.state === 'recording' || rec.state === 'paused') && (
        <>
          <button type="button" className="btn" onClick={() => recorder.stop(call.id)} aria-keyshortcuts="Alt+R">
            {t('recording.stop')}
          </button>
          {rec.state === 'paused' ? (
            <button type="button" className="btn" aria-pressed="true" onClick={() => recorder.resume(call.id)} aria-keyshortcuts="Alt+P">
              {t('recording.resume')}
            </button>
          ) : (
            <button type="button" className="btn" onClick={() => recorder.pause(call.id)} aria-keyshortcuts="Alt+P">
              {t('recording.pause')}
            </button>
          )}
        </>
      )}
    </>
  );
}

/** In the top bar: how many calls are recorded now, and what went wrong with recording (a failed write, a disk nearly full). */
export function RecordingStatus() {
  const { t, locale } = useLocale();
  const recorder = useContext(RecorderContext);
  const view = useRecorderView(recorder);
  if (!recorder) return null;
  const recording = Object.values(view.calls).filter((c) => c.state === 'recording' || c.state === 'starting').length;
  return (
    <>
      {recording > 0 && (
        <span className="topbar__recording" role="status" aria-label={t('recording.now')}>
          {t('recording.calls', { count: recording })}
        </span>
      )}
      {view.lowDisk && (
        <p role="alert" aria-label={t('recording.disk')} className="notice notice--error">
          {view.lowDisk.freeBytes !== null
            ? t('recording.diskFullLeft', { folder: view.lowDisk.folder, left: numberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 0 }).format(view.lowDisk.freeBytes / 1024 / 1024) })
            : t('recording.diskFull', { folder: view.lowDisk.folder })}
        </p>
      )}
      {view.retention && (
        <div role="status" aria-label={t('recording.retention')} className="notice">
          {t('recording.retentionDeleted', { count: view.retention.deleted.length, days: t('settings.days', { count: view.retention.days }) })}{' '}
          <details>
            <summary>{t('recording.which')}</summary>
            <ul>
              {view.retention.deleted.map((d) => (
                <li key={d.id}>{d.fileName}</li>
              ))}
            </ul>
          </details>
          <button type="button" className="btn btn--small" onClick={() => recorder.dismissRetention()} aria-label={t('recording.dismissRetention')}>
            {t('call.dismiss')}
          </button>
        </div>
      )}
      {view.problem && (
        <p role="alert" aria-label={t('recording.problem')} className="notice notice--error">
          {view.problem}{' '}
          <button type="button" className="btn btn--small" onClick={() => recorder.dismissProblem()}>
            {t('call.dismiss')}
          </button>
        </p>
      )}
    </>
  );
}

/** The problem of a recording whose file is gone (said in the language of the moment). */
const fileGone = '\u0000gone';

const channels = ['both', 'caller', 'agent'] as const;
type Channels = (typeof channels)[number];

/**
 * Plays a recording: play, pause and seek with the player's own controls (keyboard too), and
 * which channel to hear (the caller is on the left, the agent on the right). "Show in folder" in
 * the desktop app.
 */
export function RecordingPlayer({ api, recording, desktop }: { api: FrontdeskApi; recording: Recording; desktop: boolean }) {
  const { t, locale } = useLocale();
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [which, setWhich] = useState<Channels>('both');
  const audio = useRef<HTMLAudioElement>(null);
  /** Each channel of the file to each ear: gains[channel][ear]. */
  const graph = useRef<{ ctx: AudioContext; gains: GainNode[][] } | null>(null);

  useEffect(() => {
    let live = true;
    api.recordings.playUrl({ id: recording.id }).then(
      (u) => live && (u ? setUrl(u) : setProblem(fileGone)),
      (e: Error) => live && setProblem(errorText(e)),
    );
    return () => {
      live = false;
      void graph.current?.ctx.close();
    };
  }, [api, recording.id]);

  const choose = (next: Channels) => {
    setWhich(next);
    const el = audio.current;
    if (!el) return;
    if (!graph.current) {
      const ctx = new AudioContext();
      const split = ctx.createChannelSplitter(2);
      const merge = ctx.createChannelMerger(2);
      ctx.createMediaElementSource(el).connect(split);
      const gains = [0, 1].map((channel) =>
        [0, 1].map((ear) => {
          const g = ctx.createGain();
          split.connect(g, channel).connect(merge, 0, ear);
          return g;
        }),
      );
      merge.connect(ctx.destination);
      graph.current = { ctx, gains };
    }
    // both: left to left, right to right; one channel: that channel to both ears.
    const [[ll, lr], [rl, rr]] = graph.current.gains as [[GainNode, GainNode], [GainNode, GainNode]];
    ll.gain.value = next === 'agent' ? 0 : 1;
    lr.gain.value = next === 'caller' ? 1 : 0;
    rl.gain.value = next === 'agent' ? 1 : 0;
    rr.gain.value = next === 'caller' ? 0 : 1;
  };

  const label = t('recording.of', { when: shortDateTime(new Date(recording.startedAt), locale) });
  const pauses = recording.marks.filter((m) => m.kind === 'pause').length;
  return (
    <div className="recording" role="group" aria-label={label}>
      <span className="recording__facts">
        {recording.segment === 'consultation' ? `${t('recording.consultation')} · ` : ''}
        {recording.durationMs !== null ? formatDuration(recording.durationMs, locale) : t('recording.lengthUnknown')}
        {recording.state === 'interrupted' ? ` · ${t('recording.interrupted')}` : ''}
        {pauses > 0 ? ` · ${t('recording.pauses', { count: pauses })}` : ''}
      </span>
      {problem && <span role="alert">{problem === fileGone ? t('recording.fileGone') : problem}</span>}
      {url && <audio ref={audio} controls preload="metadata" src={url} aria-label={t('recording.playLabel', { label })} />}
      <label>
        {t('recording.listenTo')}{' '}
        <select value={which} onChange={(e) => choose(e.target.value as Channels)} aria-label={t('recording.channels')}>
          {channels.map((c) => (
            <option key={c} value={c}>
              {t(`recording.channel.${c}`)}
            </option>
          ))}
        </select>
      </label>
      {desktop && (
        <button type="button" className="btn btn--small" onClick={() => void api.recordings.showInFolder({ id: recording.id })}>
          {t('recording.showInFolder')}
        </button>
      )}
    </div>
  );
}

/** The recordings of one call (or conversation), each with its player, behind one button. */
export function CallRecordings({ api, query, who }: { api: FrontdeskApi; query: { sipCallId?: string; conversationId?: string }; who: string }) {
  const { t } = useLocale();
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<Recording[] | null>(null);
  const [desktop, setDesktop] = useState(false);
  useEffect(() => {
    if (!open) return;
    let live = true;
    api.recordings.list(query).then((l) => live && setList(l), () => live && setList([]));
    api.app.info().then((i) => live && setDesktop(i.shell === 'electron'), () => undefined);
    return () => {
      live = false;
    };
    // (the query's fields, not its identity)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, open, query.sipCallId, query.conversationId]);
  return (
    <>
      <button type="button" className="btn btn--small" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={t('recording.playRecordingLabel', { who })}>
        {t('recording.playRecording')}
      </button>
      {open && list && (
        <div className="recordings">
          {list.length === 0 ? <span>{t('recording.none')}</span> : list.map((r) => <RecordingPlayer key={r.id} api={api} recording={r} desktop={desktop} />)}
        </div>
      )}
    </>
  );
}
