import { useEffect, useState, type ReactNode } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { SettingKey, SettingsView } from '../../../common/settings';

interface Props {
  api: FrontdeskApi;
  view: SettingsView;
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

/** The person's settings; a key provisioning locks is shown but cannot be changed. */
export function SettingsPanel({ api, view }: Props) {
  const [error, setError] = useState<string | null>(null);
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
  /** A whole-number setting picked from a few usual values (and the current one, whatever it is). */
  const numberChoice = (key: 'transferRingTimeoutS' | 'maxLines' | 'messageAlertMinutes', label: string, choices: number[], unit: string) =>
    field(
      key,
      label,
      <select id={`setting-${key}`} value={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, Number(e.target.value))}>
        {[...new Set([...choices, view.values[key]])]
          .sort((a, b) => a - b)
          .map((n) => (
            <option key={n} value={n}>
              {n}
              {unit}
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
      <div className="settings__field settings__field--check">
        <input
          id="setting-autoAnswer"
          type="checkbox"
          checked={view.values.autoAnswer}
          disabled={locked.has('autoAnswer')}
          onChange={(e) => set('autoAnswer', e.target.checked)}
        />
        <label htmlFor="setting-autoAnswer">
          Answer calls automatically{lockNote('autoAnswer')}
        </label>
      </div>
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
      {deviceSelect('microphoneId', 'audioinput', 'Microphone')}
      {deviceSelect('speakerId', 'audiooutput', 'Speaker (calls)')}
      {deviceSelect('ringerId', 'audiooutput', 'Ringer (ringtone)')}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
