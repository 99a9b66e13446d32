import i18next, { type TFunction } from 'i18next';
import { resources, type UiLanguage } from './index';

const instances = new Map<UiLanguage, TFunction>();

/**
 * t() of one language, for code outside the renderer's React tree (common/ texts, later the main
 * process's tray and notifications): the same resources and the same i18next as the window.
 */
export function fixedT(language: UiLanguage): TFunction {
  let t = instances.get(language);
  if (!t) {
    const instance = i18next.createInstance();
    void instance.init({ resources, lng: language, fallbackLng: 'en', initAsync: false, interpolation: { escapeValue: false } });
    t = instance.t;
    instances.set(language, t);
  }
  return t;
}
