import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { SettingKey, SettingsView } from '../../../common/settings';
import type { PageDiagnostics } from '../diagnostics';
import type { HeadsetLink } from '../headset';
import { platformOf } from '../desktopKeys';
import type { CallSession } from '../session';
import { DesktopSettings } from './DesktopSettings';
import { downloadFile } from './download';
import { errorText, useLocale } from '../i18n';

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
  const { t } = useLocale();
  const state = useSyncExternalStore(headset.subscribe, headset.getState);
  return (
    <div className="settings__field">
      <span id="headset-status" role="status">
        {state.device ? t('desktop.headsetDevice', { device: state.device }) : t('desktop.headsetNone')}
      </span>
      <button type="button" className="btn btn--small" aria-describedby="headset-status" onClick={() => void headset.connect()}>
        {t('desktop.connectHeadset')}
      </button>
      {state.problem && <p role="alert">{state.problem}</p>}
    </div>
  );
}

/** Export diagnostics: the logs, the SIP trace and the versions, secrets redacted, saved or downloaded. */
function ExportDiagnostics({ diagnostics }: { diagnostics: DesktopTools['diagnostics'] }) {
  const { t } = useLocale();
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setStatus(t('desktop.diagnosticsCollecting'));
    try {
      const result = await diagnostics.export();
      if (result.delivery === 'download') {
        downloadFile(result.fileName, result.text, 'text/plain;charset=utf-8');
        setStatus(t('desktop.diagnosticsDownloaded', { file: result.fileName }));
      } else if (result.delivery === 'saved') setStatus(t('desktop.diagnosticsSaved', { path: result.path }));
      else setStatus(t('desktop.diagnosticsCancelled'));
    } catch (e) {
      setStatus(t('desktop.diagnosticsFailed', { error: errorText(e, t) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="settings__field">
      <button type="button" className="btn btn--small" disabled={busy} onClick={() => void run()}>
        {t('desktop.exportDiagnostics')}
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
  const { t } = useLocale();
  const [error, setError] = useState<string | null>(null);
  const [desktop, setDesktop] = useState(false);
  useEffect(() => {
    api.app.info().then((i) => setDesktop(i.shell === 'electron'), () => undefined);
  }, [api]);
  const devices = useDevices();
  const locked = new Set(view.locked);
  const set = (key: SettingKey, value: unknown) => {
    setError(null);
    api.settings.set({ key, value }).catch((e: Error) => setError(errorText(e, t)));
  };
  const lockNote = (key: SettingKey) => (locked.has(key) ? <span className="settings__locked"> {t('settings.locked')}</span> : null);
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
  const numberChoice = (key: 'transferRingTimeoutS' | 'maxLines' | 'messageAlertMinutes' | 'recordingRetentionDays', label: string, choices: number[], unit: (n: number) => string) =>
    field(
      key,
      label,
      <select id={`setting-${key}`} value={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, Number(e.target.value))}>
        {[...new Set([...choices, view.values[key]])]
          .sort((a, b) => a - b)
          .map((n) => (
            <option key={n} value={n}>
              {n === 0 && key === 'recordingRetentionDays' ? t('settings.keepThem') : unit(n)}
            </option>
          ))}
      </select>,
    );
  const deviceSelect = (key: 'microphoneId' | 'speakerId' | 'ringerId', kind: MediaDeviceKind, label: string) =>
    field(
      key,
      label,
      <select id={`setting-${key}`} value={view.values[key]} disabled={locked.has(key)} onChange={(e) => set(key, e.target.value)}>
        <option value="">{t('settings.systemDefault')}</option>
        {devices
          .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== 'default')
          .map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || (kind === 'audioinput' ? t('settings.microphoneN', { n: i + 1 }) : t('settings.speakerN', { n: i + 1 }))}
            </option>
          ))}
      </select>,
    );

  return (
    <section className="settings" aria-label={t('app.settings')}>
      {field(
        'language',
        t('settings.language'),
        <select id="setting-language" value={view.values.language} disabled={locked.has('language')} onChange={(e) => set('language', e.target.value)}>
          <option value="auto">{t('settings.languageAuto')}</option>
          <option value="ru" lang="ru">
            Русский
          </option>
          <option value="en" lang="en">
            English
          </option>
        </select>,
      )}
      {field(
        'dnd',
        t('app.dnd'),
        <select id="setting-dnd" value={view.values.dnd} disabled={locked.has('dnd')} onChange={(e) => set('dnd', e.target.value)}>
          <option value="off">{t('settings.dndOff')}</option>
          <option value="reject">{t('settings.dndReject')}</option>
          <option value="missed">{t('settings.dndMissed')}</option>
        </select>,
      )}
      {check('autoAnswer', t('settings.autoAnswer'))}
      {check('confirmLinkCalls', t('desktop.confirmLinkCalls'))}
      {field(
        'declineCode',
        t('settings.declineCode'),
        <select id="setting-declineCode" value={view.values.declineCode} disabled={locked.has('declineCode')} onChange={(e) => set('declineCode', Number(e.target.value))}>
          <option value={486}>{t('settings.decline486')}</option>
          <option value={603}>{t('settings.decline603')}</option>
        </select>,
      )}
      {field(
        'dtmfTransport',
        t('settings.dtmfTransport'),
        <select id="setting-dtmfTransport" value={view.values.dtmfTransport} disabled={locked.has('dtmfTransport')} onChange={(e) => set('dtmfTransport', e.target.value)}>
          <option value="rfc4733">{t('settings.dtmfRfc4733')}</option>
          <option value="info">{t('settings.dtmfInfo')}</option>
        </select>,
      )}
      {numberChoice('transferRingTimeoutS', t('settings.transferRingTimeout'), [10, 15, 20, 25, 30, 45, 60], (count) => t('settings.seconds', { count }))}
      {numberChoice('maxLines', t('settings.maxLines'), [1, 2, 3, 4, 6, 8, 10], String)}
      {field(
        'messageLanguage',
        t('settings.messageLanguage'),
        <select id="setting-messageLanguage" value={view.values.messageLanguage} disabled={locked.has('messageLanguage')} onChange={(e) => set('messageLanguage', e.target.value)}>
          <option value="ru">{t('settings.russian')}</option>
          <option value="en">{t('settings.english')}</option>
        </select>,
      )}
      {numberChoice('messageAlertMinutes', t('settings.messageAlert'), [5, 10, 15, 30, 60, 120, 240], (count) => t('settings.minutes', { count }))}
      {field(
        'defaultRegion',
        t('settings.defaultRegion'),
        <RegionInput
          key={view.values.defaultRegion}
          value={view.values.defaultRegion}
          disabled={locked.has('defaultRegion')}
          onValid={(v) => set('defaultRegion', v)}
        />,
      )}
      <fieldset className="settings__group" aria-label={t('settings.recording')}>
        <legend>{t('settings.recording')}</legend>
        {field(
          'recordingPolicy',
          t('settings.recordingPolicy'),
          <select id="setting-recordingPolicy" value={view.values.recordingPolicy} disabled={locked.has('recordingPolicy')} onChange={(e) => set('recordingPolicy', e.target.value)}>
            <option value="off">{t('settings.recordNever')}</option>
            <option value="on-demand">{t('settings.recordOnDemand')}</option>
            <option value="all">{t('settings.recordAll')}</option>
            <option value="inbound">{t('settings.recordInbound')}</option>
            <option value="outbound">{t('settings.recordOutbound')}</option>
            <option value="lines">{t('settings.recordLines')}</option>
          </select>,
        )}
        {view.values.recordingPolicy === 'lines' &&
          field(
            'recordingLines',
            t('settings.recordingLines'),
            <TextSetting
              key={view.values.recordingLines.join(', ')}
              id="setting-recordingLines"
              value={view.values.recordingLines.join(', ')}
              disabled={locked.has('recordingLines')}
              placeholder={t('settings.recordingLinesPlaceholder')}
              onCommit={(v) => set('recordingLines', v.split(/[,;]/).map((x) => x.trim()).filter(Boolean))}
            />,
          )}
        {field(
          'recordingConsent',
          t('settings.recordingConsent'),
          <select id="setting-recordingConsent" value={view.values.recordingConsent} disabled={locked.has('recordingConsent')} onChange={(e) => set('recordingConsent', e.target.value)}>
            <option value="none">{t('settings.consentNone')}</option>
            <option value="announcement">{t('settings.consentAnnouncement')}</option>
            <option value="beep">{t('settings.consentBeep')}</option>
            <option value="announcement-and-beep">{t('settings.consentBoth')}</option>
          </select>,
        )}
        {(view.values.recordingConsent === 'announcement' || view.values.recordingConsent === 'announcement-and-beep') && (
          <>
            {field(
              'recordingAnnouncementLanguage',
              t('settings.announcementLanguage'),
              <select
                id="setting-recordingAnnouncementLanguage"
                value={view.values.recordingAnnouncementLanguage}
                disabled={locked.has('recordingAnnouncementLanguage') || view.values.recordingAnnouncementFile !== ''}
                onChange={(e) => set('recordingAnnouncementLanguage', e.target.value)}
              >
                <option value="ru">{t('settings.russian')}</option>
                <option value="en">{t('settings.english')}</option>
              </select>,
            )}
            {field(
              'recordingAnnouncementFile',
              t('settings.announcementFile'),
              <TextSetting
                key={view.values.recordingAnnouncementFile}
                id="setting-recordingAnnouncementFile"
                value={view.values.recordingAnnouncementFile}
                disabled={locked.has('recordingAnnouncementFile')}
                placeholder={t('settings.announcementFilePlaceholder')}
                onCommit={(v) => set('recordingAnnouncementFile', v)}
              />,
            )}
          </>
        )}
        {check('recordingAgentMayStop', t('settings.agentMayStop'))}
        {numberChoice('recordingRetentionDays', t('settings.retention'), [0, 7, 30, 90, 180, 365, 1095], (count) => t('settings.days', { count }))}
        {field(
          'recordingsFolder',
          t('settings.recordingsFolder'),
          <span className="settings__row">
            <TextSetting key={view.values.recordingsFolder} id="setting-recordingsFolder" value={view.values.recordingsFolder} disabled={locked.has('recordingsFolder')} placeholder={t('settings.recordingsFolderPlaceholder')} onCommit={(v) => set('recordingsFolder', v)} />
            {desktop && !locked.has('recordingsFolder') && (
              <button type="button" className="btn btn--small" onClick={() => api.recordings.chooseFolder().catch((e: Error) => setError(errorText(e, t)))}>
                {t('settings.choose')}
              </button>
            )}
          </span>,
        )}
      </fieldset>
      {deviceSelect('microphoneId', 'audioinput', t('settings.microphone'))}
      {deviceSelect('speakerId', 'audiooutput', t('settings.speaker'))}
      {deviceSelect('ringerId', 'audiooutput', t('settings.ringer'))}
      <DesktopSettings api={api} view={view} desktopApp={desktop} session={tools.session} mac={platformOf(navigator) === 'darwin'} />
      <HeadsetSetting headset={tools.headset} />
      <ExportDiagnostics diagnostics={tools.diagnostics} />
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
