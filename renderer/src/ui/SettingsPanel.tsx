import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { SettingKey, SettingsView } from '../../../common/settings';
import type { PageDiagnostics } from '../diagnostics';
import type { HeadsetLink } from '../headset';
import { platformOf } from '../desktopKeys';
import type { CallSession } from '../session';
import { DesktopSettings } from './DesktopSettings';
import { downloadFile } from './download';

/** What Settings offers beyond the settings: Export diagnostics, the headset, and the session (the desktop app's hotkeys as the OS took them). */
export interface DesktopTools {
  diagnostics: Pick<PageDiagnostics, 'export'>;
  headset: Pick<HeadsetLink, 'subscribe' | 'getState' | 'connect'>;
  session: Pick<CallSession, 'subscribe' | 'getState'>;
}

interface Props {
  api: FrontdeskApi;
  view: SettingsView;
  desktop: DesktopTools;
}

/** The headset's call buttons (WebHID): which one is in use, and Connect (the browser's chooser, under the click). */
function HeadsetSetting({ headset }: { headset: DesktopTools['headset'] }) {
  const state = useSyncExternalStore(headset.subscribe, headset.getState);
  return (
    <div className="settings__field">
      <span id="headset-status" role="status">
        {state.device ? `Headset call buttons: ${state.device}` : 'Headset call buttons: no headset connected'}
      </span>
      <button type="button" className="btn btn--small" aria-describedby="headset-status" onClick={() => void headset.connect()}>
        Connect headset…
      </button>
      {state.problem && <p role="alert">{state.problem}</p>}
    </div>
  );
}

/** Export diagnostics: the logs, the SIP trace and the versions, secrets redacted, saved or downloaded. */
function ExportDiagnostics({ diagnostics }: { diagnostics: DesktopTools['diagnostics'] }) {
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setStatus('Collecting diagnostics…');
    try {
      const result = await diagnostics.export();
      if (result.delivery === 'download') {
        downloadFile(result.fileName, result.text, 'text/plain;charset=utf-8');
        setStatus(`Downloaded ${result.fileName}. Passwords and tokens in it are replaced by [redacted].`);
      } else if (result.delivery === 'saved') setStatus(`Saved to ${result.path}. Passwords and tokens in it are replaced by [redacted].`);
      else setStatus('Export cancelled: nothing was saved.');
    } catch (e) {
      setStatus(`Export failed: ${(e as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="settings__field">
      <button type="button" className="btn btn--small" disabled={busy} onClick={() => void run()}>
        Export diagnostics…
      </button>
      {status && <p role="status">{status}</p>}
    </div>
  );
}

function useDevices(): MediaDeviceInfo[] {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const md = navigator.mediaDevices;
    if (!md?.enumerateDevices) return;
    const read = () => void md.enumerateDevices().then(setDevices, () => setDevices([]));
    read();
    md.addEventListener('devicechange', read);
    return () => md.removeEventListener('devicechange', read);
  }, []);
  return devices;
}

/** A two-letter country code: saved once it is one; the draft is kept while typing. */
function RegionInput({ value, disabled, onValid }: { value: string; disabled: boolean; onValid: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  return (
    <input
      id="setting-defaultRegion"
      value={draft}
      maxLength={2}
      disabled={disabled}
      onChange={(e) => {
        const v = e.target.value.toUpperCase();
        setDraft(v);
        if (/^[A-Z]{2}$/.test(v) && v !== value) onValid(v);
      }}
    />
  );
}

/**
 * A text setting saved when the person leaves the field or presses Enter (not on every key); what
 * was typed stays while the services refuse it, and Escape puts back the saved value. Given
 * `key={value}`, a value changed elsewhere (provisioning) replaces the draft.
 */
function TextSetting({ id, value, disabled, placeholder, onCommit }: { id: string; value: string; disabled: boolean; placeholder?: string; onCommit: (v: string) => void }) {
  const [draft, setDraft] = useState(value);
  const commit = () => {
    if (draft.trim() !== value) onCommit(draft.trim());
  };
  return (
    <input
      id={id}
      value={draft}
      disabled={disabled}
      placeholder={placeholder}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') setDraft(value);
      }}
    />
  );
}

/** The person's settings; a key provisioning locks is shown but cannot be changed. */
export function SettingsPanel({ api, view, desktop: tools }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [desktop, setDesktop] = useState(false);
  useEffect(() => {
    api.app.info().then((i) => setDesktop(i.shell === 'electron'), () => undefined);
  }, [api]);
  const devices = useDevices();
  const locked = new Set(view.locked);
  const set = (key: SettingKey, value: unknown) => {
    setError(null);
    api.settings.set({ key, value }).catch((e: Error) => setError(e.message));
  };
  const lockNote = (key: SettingKey) => (locked.has(key) ? <span className="settings__locked"> (set by your administrator)</span> : null);
  const field = (key: SettingKey, label: string, control: ReactNode) => (
    <div className="settings__field">
      <label htmlFor={`setting-${key}`}>
        {label}
        {lockNote(key)}
      </label>
      {control}
    </div>
  );
  /** An on/off setting: a checkbox with its label after it. */
  const check = (key: 'autoAnswer' | 'recordingAgentMayStop' | 'confirmLinkCalls', label: string) => (
    <div className="settings__field settings__field--check">
      <input id={`setting-${key}`} type="checkbox" checked={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, e.target.checked)} />
      <label htmlFor={`setting-${key}`}>
        {label}
        {lockNote(key)}
      </label>
    </div>
  );
  /** A whole-number setting picked from a few usual values (and the current one, whatever it is). */
  const numberChoice = (key: 'transferRingTimeoutS' | 'maxLines' | 'messageAlertMinutes' | 'recordingRetentionDays', label: string, choices: number[], unit: string) =>
    field(
      key,
      label,
      <select id={`setting-${key}`} value={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, Number(e.target.value))}>
        {[...new Set([...choices, view.values[key]])]
          .sort((a, b) => a - b)
          .map((n) => (
            <option key={n} value={n}>
              {n === 0 && key === 'recordingRetentionDays' ? 'Keep them' : `${n}${unit}`}
            </option>
          ))}
      </select>,
    );
  const deviceSelect = (key: 'microphoneId' | 'speakerId' | 'ringerId', kind: MediaDeviceKind, label: string) =>
    field(
      key,
      label,
      <select id={`setting-${key}`} value={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, e.target.value)}>
        <option value="">System default</option>
        {devices
          .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default')
          .map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `${kind === 'audioinput' ? 'Microphone' : 'Speaker'} ${i + 1}`}
            </option>
          ))}
      </select>,
    );

  return (
    <section className="settings" aria-label="Settings">
      {field(
        'dnd',
        'Do not disturb',
        <select id="setting-dnd" value={view.values.dnd} disabled={locked.has('dnd')} onChange={(e) => set('dnd', e.target.value)}>
          <option value="off">Off</option>
          <option value="reject">On: callers hear busy</option>
          <option value="missed">On: log calls as missed</option>
        </select>,
      )}
      {check('autoAnswer', 'Answer calls automatically')}
      {check('confirmLinkCalls', 'Ask before calling a phone link (tel:, sip:, callto:) from another program')}
      {field(
        'declineCode',
        'Decline sends',
        <select id="setting-declineCode" value={view.values.declineCode} disabled={locked.has('declineCode')} onChange={(e) => set('declineCode', Number(e.target.value))}>
          <option value={486}>Busy (486)</option>
          <option value={603}>Decline (603)</option>
        </select>,
      )}
      {field(
        'dtmfTransport',
        'Send keypad tones as',
        <select id="setting-dtmfTransport" value={view.values.dtmfTransport} disabled={locked.has('dtmfTransport')} onChange={(e) => set('dtmfTransport', e.target.value)}>
          <option value="rfc4733">In the audio (RFC 4733)</option>
          <option value="info">SIP INFO</option>
        </select>,
      )}
      {numberChoice('transferRingTimeoutS', 'Transfer: give up when the colleague does not answer within', [10, 15, 20, 25, 30, 45, 60], ' seconds')}
      {numberChoice('maxLines', 'Lines (calls at once; beyond them callers hear busy)', [1, 2, 3, 4, 6, 8, 10], '')}
      {field(
        'messageLanguage',
        'Messages for colleagues are written in (e-mail, desk phone text)',
        <select id="setting-messageLanguage" value={view.values.messageLanguage} disabled={locked.has('messageLanguage')} onChange={(e) => set('messageLanguage', e.target.value)}>
          <option value="ru">Russian</option>
          <option value="en">English</option>
        </select>,
      )}
      {numberChoice('messageAlertMinutes', 'Flag a message no colleague confirmed after', [5, 10, 15, 30, 60, 120, 240], ' minutes')}
      {field(
        'defaultRegion',
        'Country for local numbers',
        <RegionInput
          key={view.values.defaultRegion}
          value={view.values.defaultRegion}
          disabled={locked.has('defaultRegion')}
          onValid={(v) => set('defaultRegion', v)}
        />,
      )}
      <fieldset className="settings__group" aria-label="Recording">
        <legend>Recording</legend>
        {field(
          'recordingPolicy',
          'Record',
          <select id="setting-recordingPolicy" value={view.values.recordingPolicy} disabled={locked.has('recordingPolicy')} onChange={(e) => set('recordingPolicy', e.target.value)}>
            <option value="off">Never</option>
            <option value="on-demand">When I press Record</option>
            <option value="all">Every call</option>
            <option value="inbound">Incoming calls</option>
            <option value="outbound">Outgoing calls</option>
            <option value="lines">Calls to the lines below</option>
          </select>,
        )}
        {view.values.recordingPolicy === 'lines' &&
          field(
            'recordingLines',
            'Lines recorded (dialled numbers, separated by commas)',
            <TextSetting
              key={view.values.recordingLines.join(', ')}
              id="setting-recordingLines"
              value={view.values.recordingLines.join(', ')}
              disabled={locked.has('recordingLines')}
              placeholder="e.g. 8 800 555-35-35, 1000"
              onCommit={(v) => set('recordingLines', v.split(/[,;]/).map((x) => x.trim()).filter(Boolean))}
            />,
          )}
        {field(
          'recordingConsent',
          'Tell the caller',
          <select id="setting-recordingConsent" value={view.values.recordingConsent} disabled={locked.has('recordingConsent')} onChange={(e) => set('recordingConsent', e.target.value)}>
            <option value="none">Nothing (the agent says it)</option>
            <option value="announcement">An announcement when recording starts</option>
            <option value="beep">A beep every 15 seconds</option>
            <option value="announcement-and-beep">The announcement and the beep</option>
          </select>,
        )}
        {(view.values.recordingConsent === 'announcement' || view.values.recordingConsent === 'announcement-and-beep') && (
          <>
            {field(
              'recordingAnnouncementLanguage',
              'Built-in announcement',
              <select
                id="setting-recordingAnnouncementLanguage"
                value={view.values.recordingAnnouncementLanguage}
                disabled={locked.has('recordingAnnouncementLanguage') || view.values.recordingAnnouncementFile !== ''}
                onChange={(e) => set('recordingAnnouncementLanguage', e.target.value)}
              >
                <option value="ru">Russian</option>
                <option value="en">English</option>
              </select>,
            )}
            {field(
              'recordingAnnouncementFile',
              "The office's own announcement (audio file; empty: the built-in one)",
              <TextSetting
                key={view.values.recordingAnnouncementFile}
                id="setting-recordingAnnouncementFile"
                value={view.values.recordingAnnouncementFile}
                disabled={locked.has('recordingAnnouncementFile')}
                placeholder="full path of a .wav, .ogg or .mp3"
                onCommit={(v) => set('recordingAnnouncementFile', v)}
              />,
            )}
          </>
        )}
        {check('recordingAgentMayStop', 'The agent may stop or pause a recording the rule started')}
        {numberChoice('recordingRetentionDays', 'Delete recordings older than', [0, 7, 30, 90, 180, 365, 1095], ' days')}
        {field(
          'recordingsFolder',
          'Recordings folder (empty: in Frontdesk’s data folder)',
          <span className="settings__row">
            <TextSetting key={view.values.recordingsFolder} id="setting-recordingsFolder" value={view.values.recordingsFolder} disabled={locked.has('recordingsFolder')} placeholder="full path of a folder" onCommit={(v) => set('recordingsFolder', v)} />
            {desktop && !locked.has('recordingsFolder') && (
              <button type="button" className="btn btn--small" onClick={() => api.recordings.chooseFolder().catch((e: Error) => setError(e.message))}>
                Choose…
              </button>
            )}
          </span>,
        )}
      </fieldset>
      {deviceSelect('microphoneId', 'audioinput', 'Microphone')}
      {deviceSelect('speakerId', 'audiooutput', 'Speaker (calls)')}
      {deviceSelect('ringerId', 'audiooutput', 'Ringer (ringtone)')}
      <DesktopSettings api={api} view={view} desktopApp={desktop} session={tools.session} mac={platformOf(navigator) === 'darwin'} />
      <HeadsetSetting headset={tools.headset} />
      <ExportDiagnostics diagnostics={tools.diagnostics} />
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
