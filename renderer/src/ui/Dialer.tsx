import { useRef, useState, type FormEvent } from 'react';
import type { CallSession } from '../session';
import { useLocale } from '../i18n';

/** The number field (Alt+N) and its dial pad; what is typed is read and dialled by the session. */
export function Dialer({ session, disabled }: { session: Pick<CallSession, 'dialTyped'>; disabled: boolean }) {
  const { t } = useLocale();
  const [target, setTarget] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [pad, setPad] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const dialled = session.dialTyped(target);
    if (!dialled.ok) {
      setProblem(dialled.problem);
      return;
    }
    setProblem(null);
    if (dialled.callId) setTarget('');
  };
  return (
    <form className="dialer" onSubmit={submit} aria-label={t('dialer.label')}>
      <label htmlFor="dial-number">{t('dialer.number')}</label>
      <div className="dialer__row">
        <input
          id="dial-number"
          ref={inputRef}
          name="number"
          inputMode="tel"
          autoComplete="off"
          value={target}
          onChange={(e) => {
            setTarget(e.target.value);
            setProblem(null);
          }}
          placeholder={t('dialer.placeholder')}
          aria-keyshortcuts="Alt+N"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'dial-problem' : undefined}
        />
        <button type="submit" className="btn btn--answer" disabled={disabled || !target.trim()}>
          {t('dialer.call')}
        </button>
        <button type="button" className="btn" aria-expanded={pad} aria-controls="dial-pad" onClick={() => setPad(!pad)}>
          {t('dialer.pad')}
        </button>
      </div>
      {problem && (
        <p id="dial-problem" role="alert" className="dialer__problem">
          {problem}
        </p>
      )}
      {pad && (
        <div id="dial-pad" className="keypad" role="group" aria-label={t('dialer.pad')}>
          {['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#', '+'].map((d) => (
            <button
              key={d}
              type="button"
              className="btn keypad__key"
              onClick={() => {
                setTarget((t) => t + d);
                inputRef.current?.focus();
              }}
            >
              {d}
            </button>
          ))}
        </div>
      )}
    </form>
  );
}
