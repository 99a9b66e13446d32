import type { EngineSnapshot } from '../sip/engine';
import { useLocale } from '../i18n';

/** Whether this desk is registered to the PBX, as whom, and if not, why. */
export function RegistrationStatus({ registration, account }: Pick<EngineSnapshot, 'registration' | 'account'>) {
  const { t } = useLocale();
  const who = account ? `${account.user}${account.displayName ? ` (${account.displayName})` : ''}` : '';
  let text: string;
  let tone: 'ok' | 'wait' | 'bad';
  switch (registration.state) {
    case 'no-account':
      text = t('registration.noAccount');
      tone = 'bad';
      break;
    case 'connecting':
      text = t('registration.connecting', { who });
      tone = 'wait';
      break;
    case 'registering':
      text = t('registration.registering', { who });
      tone = 'wait';
      break;
    case 'registered':
      text = t('registration.registered', { who });
      tone = 'ok';
      break;
    case 'failed':
    case 'disconnected':
      text = t('registration.failed', { reason: registration.reason });
      tone = 'bad';
      break;
  }
  return (
    <p role="status" aria-label={t('registration.label')} className={`registration registration--${tone}`} data-state={registration.state}>
      <span className="registration__dot" aria-hidden="true" />
      {text}
    </p>
  );
}
