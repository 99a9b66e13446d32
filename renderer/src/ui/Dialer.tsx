import { useRef, useState, type FormEvent } from 'react';
import type { CallSession } from '../session';

/** The number field (Alt+N) and its dial pad; what is typed is read and dialled by the session. */
export function Dialer({ session, disabled }: { session: Pick<CallSession, 'dialTyped'>; disabled: boolean }) {
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
    <form className="dialer" onSubmit={submit} aria-label="Dial">
      <label htmlFor="dial-number">Number or extension</label>
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
          placeholder="1001 or +7 495 123-45-67"
          aria-keyshortcuts="Alt+N"
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? 'dial-problem' : undefined}
        />
        <button type="submit" className="btn btn--answer" disabled={disabled || !target.trim()}>
          Call
        </button>
        <button type="button" className="btn" aria-expanded={pad} aria-controls="dial-pad" onClick={() => setPad(!pad)}>
          Dial pad
        </button>
      </div>
      {problem && (
        <p id="dial-problem" role="alert" className="dialer__problem">
          {problem}
        </p>
      )}
      {pad && (
        <div id="dial-pad" className="keypad" role="group" aria-label="Dial pad">
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
