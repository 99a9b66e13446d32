import { useEffect, useRef, useState } from 'react';
import type { Call, Party } from '../sip/callMachine';
import type { CallSession } from '../session';
import { endLabel, formatDuration, formatNumber, partyText, phaseLabel } from './format';
import { RecordingControls } from './Recording';
import { useLocale } from '../i18n';
import { HandoffNoteView, TransferCount, TransferStatus } from './Transfer';
import { afterNextPaint } from '../afterPaint';

/** The commands a call card gives the agent (session.ts). */
export type CallCardCommands = Pick<
  CallSession,
  'answer' | 'decline' | 'hangup' | 'hold' | 'resume' | 'setMuted' | 'sendDtmf' | 'forget' | 'snapshot' | 'startTransfer' | 'completeTransfer' | 'cancelTransfer' | 'blindTransferInstead'
>;

/** One call: who, its state and how long, and what the agent can do on it. A ringing call takes the focus on Answer unless the agent is typing. */
export function CallCard({ call, region, now, session, focusAnswer, consult, consultOf, onTransfer, onTakeMessage, onMessage }: {
  call: Call;
  /** The consultation call of this call's warm transfer, when there is one. */
  consult: Call | null;
  /** The caller this call (a consultation call) is about. */
  consultOf: Call | null;
  onTransfer: (call: Call) => void;
  onTakeMessage: (call: Call, colleague: Party) => void;
  /** Take a message on this call (for whom is chosen in the form). */
  onMessage: (call: Call) => void;
  region: string;
  now: number;
  session: CallCardCommands;
  focusAnswer: boolean;
}) {
  const { t, locale } = useLocale();
  const answerRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!focusAnswer || call.phase !== 'ringing-in') return;
    // Once the frame that shows the call and its card is painted: focusing lays the window out
    // there and then (2–6 ms), which the call's first frame would otherwise wait for.
    afterNextPaint(() => {
      // Ringing takes the focus only when the agent is not typing somewhere. preventScroll: the
      // ringing call stands first, in view.
      const active = document.activeElement;
      const typing = active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement;
      if (!typing) answerRef.current?.focus({ preventScroll: true });
    });
  }, [call.phase, focusAnswer]);

  const [keypad, setKeypad] = useState(false);
  const inCall = call.phase === 'active' || call.phase === 'held' || call.phase === 'remote-held';
  const longHold = call.phase === 'held' && now - call.phaseSince >= 40_000;
  const number = formatNumber(call.remote.number, region);
  const who = partyText(call.remote, region);
  const ended = call.phase === 'ended';
  const label = call.direction === 'inbound' ? t('call.from', { who }) : t('call.to', { who });
  const transferBusy = call.transfer !== null && call.transfer.stage !== 'failed';
  const about = call.subject.number !== call.remote.number ? partyText(call.subject, region) : null;
  return (
    <article className={`call call--${call.phase}${longHold ? ' call--long-hold' : ''}`} aria-label={label} data-call-id={call.id} data-phase={call.phase}>
      <header className="call__party">
        {call.remote.displayName && call.remote.displayName !== call.remote.number ? (
          <>
            <span className="call__name">{call.remote.displayName}</span> <span className="call__number">{number}</span>
          </>
        ) : (
          <span className="call__name">{number}</span>
        )}
      </header>
      <p className="call__state">
        {ended ? endLabel(t, call) : phaseLabel(t, call.phase)}
        {!ended && <span className="call__timer"> {formatDuration(now - call.phaseSince, locale)}</span>}
        {longHold && <strong className="call__warning"> {t('call.waitingLong')}</strong>}
        {call.muted && !ended && <span className="call__muted"> {t('call.muted')}</span>}
        <TransferCount call={call} />
      </p>
      {consultOf && !ended && <p className="call__about">{t('call.consultAbout', { who: about ?? t('call.theCaller') })}</p>}
      {!consultOf && about && <p className="call__about">{t('call.about', { who: about })}</p>}
      {call.referredBy && !call.handoff && <p className="call__about">{t('call.transferredBy', { who: partyText(call.referredBy, region) })}</p>}
      <HandoffNoteView call={call} region={region} />
      <TransferStatus call={call} consult={consult} session={session} onTakeMessage={onTakeMessage} />
      {call.notice && (
        <p className="call__notice" role="status" aria-label={t('call.notice')}>
          {call.notice}
        </p>
      )}
      <div className="call__actions">
        {call.phase === 'ringing-in' && (
          <>
            <button ref={answerRef} type="button" className="btn btn--answer" onClick={() => session.answer(call.id)} aria-keyshortcuts="Alt+A">
              {t('call.answer')}
            </button>
            <button type="button" className="btn btn--decline" onClick={() => session.decline(call.id)} aria-keyshortcuts="Alt+D">
              {t('call.decline')}
            </button>
            <button type="button" className="btn" onClick={() => onMessage(call)} aria-keyshortcuts="Alt+M">
              {t('call.takeMessage')}
            </button>
          </>
        )}
        {inCall && (
          <>
            {call.phase === 'held' ? (
              <button type="button" className="btn" onClick={() => session.resume(call.id)}>
                {t('call.resume')}
              </button>
            ) : (
              <button type="button" className="btn" onClick={() => session.hold(call.id)}>
                {t('call.hold')}
              </button>
            )}
            <button type="button" className="btn" aria-pressed={call.muted} onClick={() => session.setMuted(call.id, !call.muted)}>
              {call.muted ? t('call.unmute') : t('call.mute')}
            </button>
            <button type="button" className="btn" aria-expanded={keypad} aria-controls={`keypad-${call.id}`} onClick={() => setKeypad(!keypad)}>
              {t('call.keypad')}
            </button>
            {!call.consultFor && !transferBusy && (
              <button type="button" className="btn" onClick={() => onTransfer(call)} aria-keyshortcuts="Alt+T">
                {t('call.transfer')}
              </button>
            )}
            {!call.consultFor && (
              <button type="button" className="btn" onClick={() => onMessage(call)} aria-keyshortcuts="Alt+M">
                {t('call.takeMessage')}
              </button>
            )}
          </>
        )}
        <RecordingControls call={call} />
        {!ended && call.phase !== 'ringing-in' && call.phase !== 'ending' && (
          <button type="button" className="btn btn--hangup" onClick={() => session.hangup(call.id)} aria-keyshortcuts="Alt+H">
            {t('call.hangUp')}
          </button>
        )}
        {ended && (
          <button type="button" className="btn" onClick={() => session.forget(call.id)} aria-label={t('call.dismissLabel', { label })}>
            {t('call.dismiss')}
          </button>
        )}
      </div>
      {inCall && keypad && (
        <div id={`keypad-${call.id}`} className="keypad" role="group" aria-label={t('call.keypadLabel')}>
          {['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'].map((d) => (
            <button key={d} type="button" className="btn keypad__key" onClick={() => session.sendDtmf(call.id, d)}>
              {d}
            </button>
          ))}
        </div>
      )}
    </article>
  );
}
