import i18next, { type TFunction } from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import { formatLocale, resolveLanguage, resources, type LanguageSetting, type UiLanguage } from '../../common/i18n';
import { errorText as sayError } from '../../common/said';

/**
 * The window's i18next: every string the UI shows comes from common/i18n through it. Until the
 * settings arrive the OS's language is used ("auto"); `applyLanguage` follows the setting at once.
 */
const systemLocales = (): readonly string[] => (typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : []);

export const i18n = i18next.createInstance();
void i18n.use(initReactI18next).init({
  resources,
  lng: resolveLanguage('auto', systemLocales()),
  fallbackLng: 'en',
  initAsync: false,
  interpolation: { escapeValue: false },
});

/** Switches the UI to what the setting means here; components re-render with the new strings. */
export function applyLanguage(setting: LanguageSetting): void {
  const language = resolveLanguage(setting, systemLocales());
  if (typeof document !== 'undefined') document.documentElement.lang = language;
  if (i18n.language !== language) void i18n.changeLanguage(language);
}

let lastLocale: { key: string; locale: string } | null = null;
/** The locale dates, times and numbers are formatted in, for the UI's language (worked out again only when the language or the OS's locales change: every render asks). */
export function uiLocale(language: string = i18n.language): string {
  const locales = systemLocales();
  const key = `${language}|${locales.join(',')}`;
  if (lastLocale?.key !== key) lastLocale = { key, locale: formatLocale(language as UiLanguage, locales) };
  return lastLocale.locale;
}

/** t() and the locale to format with, re-rendered when the language changes. */
export function useLocale() {
  const { t, i18n: instance } = useTranslation();
  return { t, locale: uiLocale(instance.language), language: instance.language as UiLanguage };
}

/**
 * A failed call or a refused value in the UI's language: what a service said, the checks that
 * refused it (common/said.ts), else the error's own message. `t`: a component's, or the window's.
 */
export const errorText = (error: unknown, t: TFunction = i18n.t): string => sayError(error, t);
