import 'i18next';
import type { en } from '../../common/i18n/en';

// t() knows every key (a typo or a key that is gone fails the type check).
declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}
