import { useState, useSyncExternalStore } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { HotkeyRegistration } from '../../../common/desktop';
import { acceleratorFromKeyPress, HOTKEY_ACTIONS, hotkeyCombination, type HotkeyAction } from '../../../common/hotkeys';
import { effectiveHotkeys, SettingsSchema, type SettingKey, type SettingsView } from '../../../common/settings';
import type { TFunction } from 'i18next';
import type { CallSession } from '../session';
import { errorText, i18n, useLocale } from '../i18n';
import { issueData, issueText, saidText } from '../../../common/said';

/**
 * Settings of the desktop app around the window: the tray, login start, the window on a call,
 * updates, and the hotkeys with what the OS made of them (a global hotkey another program holds is
 * refused, and says why). The browser host saves them too; they act in the desktop app.
 */

/** An address, not words: the same in every language. */
const FEED_EXAMPLE = 'https://updates.example.com/frontdesk/';

type DesktopKey = 'closeToTray' | 'startAtLogin' | 'bringToFrontOnCall' | 'autoUpdate' | 'updateFeedUrl';

/** Why a value is refused, as the settings' schema words it (in the language of `t`); null when it is fine. */
export function settingProblem(key: SettingKey, value: unknown, t: TFunction = i18n.t): string | null {
  const parsed = SettingsSchema.shape[key].safeParse(value);
  return parsed.success ? null : issueData(parsed.error.issues).map((issue) => issueText(issue, t)).join(t('check.separator'));
}

/** A hotkey as a person reads it: Ctrl (⌘ on a Mac) for CommandOrControl. */
export function hotkeyText(accelerator: string, mac: boolean): string {
  return accelerator.replace(/\b(CommandOrControl|CmdOrCtrl)\b/g, mac ? '⌘' : 'Ctrl').replace(/\b(Command|Cmd)\b/g, '⌘');
}

/** Why the shell did not register a hotkey, in the UI's language: its check's words, the shell's report, or the system's refusal. */
const registrationReason = (report: HotkeyRegistration, t: TFunction): string => (report.said ? saidText(report.said, t) : (report.message ?? t('desktop.systemRefused')));

/** What a hotkey does outside the window: the shell's report, or nothing (the browser host). */
export function hotkeyStatusText(accelerator: string, report: HotkeyRegistration | undefined, t: TFunction): string {
  if (accelerator === '' || report?.state === 'off') return t('desktop.hotkeyOff');
  if (!report) return t('desktop.hotkeyWindowOnly');
  if (report.state === 'registered') return t('desktop.hotkeyEverywhere');
  return t('desktop.hotkeyRefused', { reason: registrationReason(report, t) });
}

interface Props {
  api: Pick<FrontdeskApi, 'settings'>;
  view: SettingsView;
  /** Whether this is the desktop app (Electron) rather than the browser host. */
  desktopApp: boolean;
  session: Pick<CallSession, 'subscribe' | 'getState'>;
  mac: boolean;
}

export function DesktopSettings({ api, view, desktopApp, session, mac }: Props) {
  const { t } = useLocale();
  const { shellHotkeys } = useSyncExternalStore(session.subscribe, session.getState);
  const [errors, setErrors] = useState<Partial<Record<DesktopKey, string>>>({});
  const [hotkeyErrors, setHotkeyErrors] = useState<Partial<Record<HotkeyAction, string>>>({});
  const locked = new Set(view.locked);
  const set = (key: DesktopKey, value: unknown) => {
    const problem = settingProblem(key, value, t);
    setErrors((e) => ({ ...e, [key]: problem ?? undefined }));
    if (problem) return;
    api.settings.set({ key, value }).catch((e: Error) => setErrors((all) => ({ ...all, [key]: errorText(e, t) })));
  };
  const lockNote = (key: SettingKey) => (locked.has(key) ? <span className="settings__locked"> {t('settings.locked')}</span> : null);
  const error = (key: DesktopKey) =>
    errors[key] ? (
      <p id={`setting-${key}-error`} className="settings__error" role="alert">
        {errors[key]}
      </p>
    ) : null;
  const check = (key: Exclude<DesktopKey, 'updateFeedUrl'>, label: string) => (
    <div className="settings__field settings__field--check">
      <input
        id={`setting-${key}`}
        type="checkbox"
        checked={view.values[key]}
        disabled={locked.has(key)}
        aria-describedby={errors[key] ? `setting-${key}-error desktop-settings-note` : 'desktop-settings-note'}
        onChange={(e) => set(key, e.target.checked)}
      />
      <label htmlFor={`setting-${key}`}>
        {label}
        {lockNote(key)}
      </label>
      {error(key)}
    </div>
  );
  const hotkeys = effectiveHotkeys(view.values.hotkeys);
  const hotkeysLocked = locked.has('hotkeys');
  /** Saves one action's hotkey (undefined: back to the default) when the whole map passes the schema. */
  const setHotkey = (action: HotkeyAction, accelerator: string | undefined) => {
    const value: Partial<Record<HotkeyAction, string>> = { ...view.values.hotkeys };
    if (accelerator === undefined) delete value[action];
    else value[action] = accelerator;
    // Two actions on one combination: said with the other action's name, in the UI's language.
    const all = effectiveHotkeys(value);
    const combination = (a: HotkeyAction) => hotkeyCombination(all[a], mac ? 'darwin' : 'win32');
    const taken = combination(action) === null ? undefined : HOTKEY_ACTIONS.find((other) => other !== action && combination(other) === combination(action));
    const problem = taken ? t('desktop.hotkeyTaken', { action: t(`desktop.hotkeyAction.${taken}`) }) : settingProblem('hotkeys', value, t);
    const shown = accelerator === undefined ? hotkeyText(effectiveHotkeys(value)[action], mac) : accelerator ? hotkeyText(accelerator, mac) : t('desktop.hotkeyOff');
    const notSaved = (p: string) => setHotkeyErrors((e) => ({ ...e, [action]: t('desktop.hotkeyNotSaved', { hotkey: shown, problem: p }) }));
    setHotkeyErrors((e) => ({ ...e, [action]: undefined }));
    if (problem) return notSaved(problem);
    api.settings.set({ key: 'hotkeys', value }).catch((e: Error) => notSaved(errorText(e, t)));
  };
  const refused = shellHotkeys.filter((h) => h.state === 'refused' || h.state === 'invalid');

  return (
    <fieldset className="settings__group" aria-label={t('desktop.section')}>
      <legend>{t('desktop.section')}</legend>
      <p id="desktop-settings-note" className="settings__note">
        {desktopApp ? t('desktop.noteDesktop') : t('desktop.noteBrowser')}
      </p>
      {check('closeToTray', t('desktop.closeToTray'))}
      {check('startAtLogin', t('desktop.startAtLogin'))}
      {check('bringToFrontOnCall', t('desktop.bringToFrontOnCall'))}
      {check('autoUpdate', t('desktop.autoUpdate'))}
      <div className="settings__field">
        <label htmlFor="setting-updateFeedUrl">
          {t('desktop.updateFeedUrl')}
          {lockNote('updateFeedUrl')}
        </label>
        <UpdateFeedInput
          key={view.values.updateFeedUrl}
          value={view.values.updateFeedUrl}
          disabled={locked.has('updateFeedUrl')}
          invalid={Boolean(errors.updateFeedUrl)}
          onCommit={(v) => set('updateFeedUrl', v)}
          onReset={() => setErrors((e) => ({ ...e, updateFeedUrl: undefined }))}
        />
        {error('updateFeedUrl')}
      </div>
      <div className="settings__field settings__field--wide">
        <span id="hotkeys-heading">
          {t('desktop.hotkeys')}
          {lockNote('hotkeys')}
        </span>
        <ul className="settings__hotkeys" aria-labelledby="hotkeys-heading">
          {HOTKEY_ACTIONS.map((action) => {
            const accelerator = hotkeys[action];
            const report = shellHotkeys.find((h) => h.action === action);
            const name = t(`desktop.hotkeyAction.${action}`);
            return (
              <li key={action} className="settings__hotkey">
                <span id={`hotkey-${action}`}>
                  {name}: {accelerator ? <kbd>{hotkeyText(accelerator, mac)}</kbd> : t('desktop.hotkeyNone')} — {hotkeyStatusText(accelerator, report, t)}
                </span>
                <span className="settings__hotkey-buttons">
                  <HotkeyRecorder action={action} name={name} mac={mac} disabled={hotkeysLocked} onRecord={(a) => setHotkey(action, a)} />
                  <button type="button" className="btn" disabled={hotkeysLocked} aria-label={t('desktop.hotkeyTurnOffName', { action: name })} onClick={() => setHotkey(action, '')}>
                    {t('desktop.hotkeyTurnOff')}
                  </button>
                  <button type="button" className="btn" disabled={hotkeysLocked} aria-label={t('desktop.hotkeyDefaultName', { action: name })} onClick={() => setHotkey(action, undefined)}>
                    {t('desktop.hotkeyDefault')}
                  </button>
                </span>
                {hotkeyErrors[action] ? (
                  <p className="settings__error" role="alert">
                    {hotkeyErrors[action]}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
        <p role="status" className="settings__hotkeys-status">
          {refused.length === 0
            ? ''
            : t('desktop.refusedSummary', {
                count: refused.length,
                list: refused.map((h) => `${t(`desktop.hotkeyAction.${h.action}`)} (${hotkeyText(h.accelerator, mac)}): ${registrationReason(h, t)}`).join('; '),
              })}
        </p>
      </div>
    </fieldset>
  );
}

/**
 * "Change": pressed, it records the next key combination (what acceleratorFromKeyPress makes of it;
 * a lone modifier or a bare letter is not one yet). Esc or leaving the button cancels; Tab still
 * moves on. While recording, the keys go to it alone: the window's hotkeys do not act on them.
 */
function HotkeyRecorder(props: { action: HotkeyAction; name: string; mac: boolean; disabled: boolean; onRecord: (accelerator: string) => void }) {
  const { t } = useLocale();
  const [recording, setRecording] = useState(false);
  return (
    <>
      <button
        type="button"
        className="btn"
        disabled={props.disabled}
        aria-pressed={recording}
        aria-label={t('desktop.hotkeyChangeName', { action: props.name })}
        aria-describedby={recording ? `hotkey-${props.action}-hint` : undefined}
        onClick={() => setRecording(true)}
        onBlur={() => setRecording(false)}
        onKeyDown={(e) => {
          if (!recording) return;
          if (e.key === 'Tab' && !e.ctrlKey && !e.altKey && !e.metaKey) return;
          e.preventDefault();
          e.stopPropagation();
          if (e.key === 'Escape') return setRecording(false);
          const accelerator = acceleratorFromKeyPress(e, props.mac);
          if (!accelerator) return;
          setRecording(false);
          props.onRecord(accelerator);
        }}
      >
        {recording ? t('desktop.hotkeyRecording') : t('desktop.hotkeyChange')}
      </button>
      {recording ? (
        <span id={`hotkey-${props.action}-hint`} role="status" className="settings__note">
          {t('desktop.hotkeyRecordingHint', { action: props.name, ctrl: props.mac ? '⌘' : 'Ctrl' })}
        </span>
      ) : null}
    </>
  );
}

/**
 * The update feed's address, saved when the person leaves the field or presses Enter; what was
 * typed stays while it is refused (the message beside it), Escape puts back the saved value.
 */
function UpdateFeedInput(props: { value: string; disabled: boolean; invalid: boolean; onCommit: (v: string) => void; onReset: () => void }) {
  const [draft, setDraft] = useState(props.value);
  const commit = () => {
    if (draft.trim() !== props.value) props.onCommit(draft.trim());
  };
  return (
    <input
      id="setting-updateFeedUrl"
      type="url"
      inputMode="url"
      value={draft}
      disabled={props.disabled}
      placeholder={FEED_EXAMPLE}
      aria-invalid={props.invalid}
      aria-describedby={props.invalid ? 'setting-updateFeedUrl-error desktop-settings-note' : 'desktop-settings-note'}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === 'Enter') commit();
        if (e.key === 'Escape') {
          setDraft(props.value);
          props.onReset();
        }
      }}
    />
  );
}
