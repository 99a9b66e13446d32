import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { Recording } from '../../../common/recordings';
import type { Recorder } from '../recording/recorder';
import type { Call } from '../sip/callMachine';
import { formatDuration } from './format';

/** The page's recorder (main.tsx provides it); null where nothing records (tests of other parts). */
export const RecorderContext = createContext<Recorder | null>(null);

const noView = { calls: {}, problem: null, lowDisk: null };
const noSubscribe = () => () => undefined;

function useRecorderView(recorder: Recorder | null) {
  return useSyncExternalStore(recorder?.subscribe ?? noSubscribe, recorder ? recorder.getView : () => noView);
}

/** On a call: Record / Stop recording (Alt+R) and Pause / Resume recording (Alt+P), with a recording indicator. */
export function RecordingControls({ call }: { call: Call }) {
  const recorder = useContext(RecorderContext);
  const view = useRecorderView(recorder);
  if (!recorder) return null;
  const rec = view.calls[call.id];
  const talking = call.answeredAt !== null && (call.phase === 'active' || call.phase === 'held' || call.phase === 'remote-held');
  if (!talking && !rec) return null;
  return (
    <>
      {rec && (
        <span className={`rec-dot${rec.state === 'paused' ? ' rec-dot--paused' : ''}`} role="status" aria-label="Recording">
          {rec.state === 'paused' ? 'Recording paused' : rec.state === 'starting' ? 'Starting to record…' : rec.state === 'stopping' ? 'Saving the recording…' : '● Recording'}
          {rec.byPolicy && !rec.agentMayStop ? ' (required)' : ''}
        </span>
      )}
      {!rec && talking && (
        <button type="button" className="btn" onClick={() => recorder.record(call.id)} aria-keyshortcuts="Alt+R">
          Record
        </button>
      )}
      {rec && rec.agentMayStop && (rec.state === 'recording' || rec.state === 'paused') && (
        <>
          <button type="button" className="btn" onClick={() => recorder.stop(call.id)} aria-keyshortcuts="Alt+R">
            Stop recording
          </button>
          {rec.state === 'paused' ? (
            <button type="button" className="btn" aria-pressed="true" onClick={() => recorder.resume(call.id)} aria-keyshortcuts="Alt+P">
              Resume recording
            </button>
          ) : (
            <button type="button" className="btn" onClick={() => recorder.pause(call.id)} aria-keyshortcuts="Alt+P">
              Pause recording
            </button>
          )}
        </>
      )}
    </>
  );
}

/** In the top bar: how many calls are recorded now, and what went wrong with recording (a failed write, a disk nearly full). */
export function RecordingStatus() {
  const recorder = useContext(RecorderContext);
  const view = useRecorderView(recorder);
  if (!recorder) return null;
  const recording = Object.values(view.calls).filter((c) => c.state === 'recording' || c.state === 'starting').length;
  return (
    <>
      {recording > 0 && (
        <span className="topbar__recording" role="status" aria-label="Recording now">
          ● Recording {recording === 1 ? '1 call' : `${recording} calls`}
        </span>
      )}
      {view.lowDisk && (
        <p role="alert" aria-label="Recording disk" className="notice notice--error">
          The disk that recordings go to ({view.lowDisk.folder}) is nearly full
          {view.lowDisk.freeBytes !== null ? `: ${Math.round(view.lowDisk.freeBytes / 1024 / 1024)} MB left` : ''}. Recordings stop when it is full.
        </p>
      )}
      {view.problem && (
        <p role="alert" aria-label="Recording problem" className="notice notice--error">
          {view.problem}{' '}
          <button type="button" className="btn btn--small" onClick={() => recorder.dismissProblem()}>
            Dismiss
          </button>
        </p>
      )}
    </>
  );
}

const channels = { both: 'Both', caller: 'Caller only', agent: 'Agent only' } as const;
type Channels = keyof typeof channels;

/**
 * Plays a recording: play, pause and seek with the player's own controls (keyboard too), and
 * which channel to hear (the caller is on the left, the agent on the right). "Show in folder" in
 * the desktop app.
 */
export function RecordingPlayer({ api, recording, desktop }: { api: FrontdeskApi; recording: Recording; desktop: boolean }) {
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [which, setWhich] = useState<Channels>('both');
  const audio = useRef<HTMLAudioElement>(null);
  /** Each channel of the file to each ear: gains[channel][ear]. */
  const graph = useRef<{ ctx: AudioContext; gains: GainNode[][] } | null>(null);

  useEffect(() => {
    let live = true;
    api.recordings.playUrl({ id: recording.id }).then(
      (u) => live && (u ? setUrl(u) : setProblem('The file of this recording is gone')),
      (e: Error) => live && setProblem(e.message),
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

  const label = `Recording of ${new Date(recording.startedAt).toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })}`;
  return (
    <div className="recording" role="group" aria-label={label}>
      <span className="recording__facts">
        {recording.segment === 'consultation' ? 'Consultation · ' : ''}
        {recording.durationMs !== null ? formatDuration(recording.durationMs) : 'length unknown'}
        {recording.state === 'interrupted' ? ' · interrupted (Frontdesk stopped)' : ''}
        {recording.marks.filter((m) => m.kind === 'pause').length > 0 ? ` · ${recording.marks.filter((m) => m.kind === 'pause').length} paused stretch(es)` : ''}
      </span>
      {problem && <span role="alert">{problem}</span>}
      {url && <audio ref={audio} controls preload="metadata" src={url} aria-label={`Play: ${label}`} />}
      <label>
        Listen to{' '}
        <select value={which} onChange={(e) => choose(e.target.value as Channels)} aria-label="Channels">
          {(Object.keys(channels) as Channels[]).map((c) => (
            <option key={c} value={c}>
              {channels[c]}
            </option>
          ))}
        </select>
      </label>
      {desktop && (
        <button type="button" className="btn btn--small" onClick={() => void api.recordings.showInFolder({ id: recording.id })}>
          Show in folder
        </button>
      )}
    </div>
  );
}

/** The recordings of one call (or conversation), each with its player, behind one button. */
export function CallRecordings({ api, query, who }: { api: FrontdeskApi; query: { sipCallId?: string; conversationId?: string }; who: string }) {
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
      <button type="button" className="btn btn--small" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={`Play recording: ${who}`}>
        Play recording
      </button>
      {open && list && (
        <div className="recordings">
          {list.length === 0 ? <span>No recording of this call</span> : list.map((r) => <RecordingPlayer key={r.id} api={api} recording={r} desktop={desktop} />)}
        </div>
      )}
    </>
  );
}
