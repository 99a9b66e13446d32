/**
 * The UI's languages and what follows from them, for every process: the renderer's i18next, and
 * later the main process's tray menu and notifications. Plain TypeScript over Intl: no i18next here,
 * so a process uses these resources with whatever it likes.
 */
import { en } from './en';
import { ru } from './ru';

export const uiLanguages = ['ru', 'en'] as const;
export type UiLanguage = (typeof uiLanguages)[number];
/** The `language` setting: a language, or "auto" for the OS's (the browser's) own. */
export const languageSettings = ['auto', ...uiLanguages] as const;
export type LanguageSetting = (typeof languageSettings)[number];

/** Every language's strings, as i18next's `resources` (one namespace, "translation"). */
export const resources = { en: { translation: en }, ru: { translation: ru } } as const;

/** The language a setting means on a system whose preferred locales are `locales` (most preferred first). */
export function resolveLanguage(setting: LanguageSetting, locales: readonly string[]): UiLanguage {
  if (setting !== 'auto') return setting;
  for (const locale of locales) {
    const base = locale.toLowerCase().split(/[-_]/)[0];
    if (base === 'ru') return 'ru';
    if (base === 'en') return 'en';
  }
  return 'en';
}

/**
 * The locale Intl formats with: the system's own when it is in this language ("en-GB" keeps its
 * day-month order, "ru-KZ" its own), else the language's usual one.
 */
export function formatLocale(language: UiLanguage, locales: readonly string[]): string {
  const own = locales.find((l) => l.toLowerCase().split(/[-_]/)[0] === language);
  if (own) {
    try {
      return Intl.getCanonicalLocales(own.replace('_', '-'))[0] ?? (language === 'ru' ? 'ru-RU' : 'en-US');
    } catch {
      // An odd locale string from the system: the language's usual locale below.
    }
  }
  return language === 'ru' ? 'ru-RU' : 'en-US';
}

export { csvSeparatorFor, formatClock, formatDayMonth, nearDayWord, scriptLocale } from './format';
