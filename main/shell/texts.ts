import { resolveLanguage, type LanguageSetting, type UiLanguage } from '../../common/i18n';
import { fixedT } from '../../common/i18n/translate';

/**
 * Every string the Electron shell shows itself (tray, its menu, the incoming-call notification,
 * dialogs), from the interface's own strings (common/i18n, `shell.*`) in the UI's language.
 */
export function textsFor(language: UiLanguage) {
  const t = fixedT(language);
  return {
    appName: 'Frontdesk',
    tray: {
      show: t('shell.show'),
      dnd: t('shell.dnd'),
      quit: t('shell.quit'),
      answer: (caller: string) => t('shell.answer', { caller }),
      decline: t('shell.decline'),
      hangUp: t('shell.hangUp'),
      registration: {
        'no-account': t('shell.noAccount'),
        connecting: t('shell.connecting'),
        registered: t('shell.registered'),
        failed: t('shell.failed'),
        disconnected: t('shell.disconnected'),
      } as Record<'no-account' | 'connecting' | 'registered' | 'failed' | 'disconnected', string>,
      dndOn: t('shell.dndOn'),
      missed: (count: number) => t('shell.missed', { count }),
      calls: (count: number) => t('shell.calls', { count }),
      ringing: (caller: string) => t('shell.ringing', { caller }),
    },
    notification: {
      title: (caller: string) => t('shell.incomingTitle', { caller }),
      body: (line: string | null) => (line ? t('shell.incomingOnLine', { line }) : t('shell.incoming')),
      clickHint: t('shell.clickHint'),
      answer: t('shell.notificationAnswer'),
      decline: t('shell.notificationDecline'),
    },
    hotkeys: {
      refused: (accelerator: string) => t('shell.hotkeyRefused', { accelerator }),
    },
    updates: {
      ready: (version: string) => t('shell.updateReady', { version }),
    },
  };
}

export type ShellTexts = ReturnType<typeof textsFor>;

const cache = new Map<UiLanguage, ShellTexts>();
/** The shell's texts in a language, made once. */
export function shellTextsIn(language: UiLanguage): ShellTexts {
  let texts = cache.get(language);
  if (!texts) cache.set(language, (texts = textsFor(language)));
  return texts;
}

/**
 * The language the shell speaks: the `language` setting, "auto" resolved from the OS's preferred
 * languages (Electron's `app.getPreferredSystemLanguages()`, else `app.getLocale()`), as the window does.
 */
export function shellLanguage(setting: LanguageSetting, systemLocales: readonly string[]): UiLanguage {
  return resolveLanguage(setting, systemLocales);
}

/** English texts, for code that has no language at hand. */
export const shellTexts = shellTextsIn('en');
