import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { parseDialString } from '../../../common/phone';
import type { TFunction } from 'i18next';
import {
  endOfLocalDay,
  followUpTiming,
  localDateText,
  dueFromInputs,
  relativeDay,
  type FollowUp,
  type FollowUpList,
} from '../../../common/wrapUp';
import type { CallSession } from '../session';
import { linkCallback } from './callbackLinks';
import { dueText, dueWhen, formatNumber } from './format';
import { errorText, useLocale } from '../i18n';
import { useClock } from './clock';

/** How the last attempt went, in words (callBack.attempt.*); others as the history names them. */
const attemptOutcomes = ['answered', 'no-answer', 'rejected', 'cancelled', 'failed'] as const;
const isAttemptOutcome = (o: string): o is (typeof attemptOutcomes)[number] => (attemptOutcomes as readonly string[]).includes(o);

function Reschedule({ followUp, who, onDone, api }: { followUp: FollowUp; who: string; onDone: () => void; api: FrontdeskApi }) {
  const { t } = useLocale();
  const [date, setDate] = useState(() => localDateText(new Date(Date.now() + 86_400_000)));
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const id = `reschedule-${followUp.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const due = dueFromInputs(date, time, t);
    if ('problem' in due) return setProblem(due.problem);
    api.followUps.reschedule({ id: followUp.id, dueAt: due.due.toISOString(), allDay: due.allDay }).then(onDone, (err: Error) => setProblem(errorText(err, t)));
  };
  return (
    <form className="callback__reschedule" aria-label={t('callBack.rescheduleLabel', { who })} onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label htmlFor={`${id}-date`}>{t('callBack.newDate')}</label>
      <input id={`${id}-date`} type="date" value={date} onChange={(e) => setDate(e.target.value)} autoFocus />
      <label htmlFor={`${id}-time`}>{t('callBack.time')}</label>
      <input id={`${id}-time`} type="time" value={time} onChange={(e) => setTime(e.target.value)} />
      <button type="submit" className="btn btn--small">
        {t('callBack.move')}
      </button>
      <button type="button" className="btn btn--small" onClick={onDone}>
        {t('transfer.cancel')}
      </button>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}

/**
 * A call back typed in by hand ("call Mrs Ivanova back tomorrow about the invoice"): the number is
 * read as the dialler reads it, a client with that number is linked (and named when no name is
 * given), and it is due today unless a date is picked. Nothing typed is lost on a refusal.
 */
function AddFollowUp({ api, region, onDone }: { api: FrontdeskApi; region: string; onDone: () => void }) {
  const { t } = useLocale();
  const [number, setNumber] = useState('');
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(() => localDateText(new Date()));
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const dial = parseDialString(number, region, t);
    if (!dial.ok) return setProblem(t('callBack.numberProblem', { problem: dial.problem }));
    if (!reason.trim()) return setProblem(t('callBack.reasonMissing'));
    const due = dueFromInputs(date, time, t);
    if ('problem' in due) return setProblem(due.problem);
    setSaving(true);
    setProblem(null);
    try {
      // A client with this number is linked; an unreachable directory only leaves it unlinked.
      const clients = dial.kind === 'number' ? await api.directory.findByNumber({ number: dial.dial }).catch(() => []) : [];
      const client = clients.length === 1 ? clients[0]! : null;
      await api.followUps.add({
        source: 'manual',
        number: dial.dial,
        name: name.trim() || client?.name || client?.company || null,
        clientId: client?.id ?? null,
        reason: reason.trim(),
        dueAt: due.due.toISOString(),
        allDay: due.allDay,
      });
      onDone();
    } catch (err) {
      setProblem(t('callBack.notAdded', { error: errorText(err, t) }));
    } finally {
      setSaving(false);
    }
  };
  return (
    <form className="callback__add" aria-label={t('callBack.add')} onSubmit={(e) => void submit(e)} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label htmlFor="callback-add-number">{t('callBack.number')}</label>
      <input id="callback-add-number" value={number} onChange={(e) => setNumber(e.target.value)} autoComplete="off" inputMode="tel" autoFocus />
      <label htmlFor="callback-add-name">{t('callBack.name')}</label>
      <input id="callback-add-name" value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
      <label htmlFor="callback-add-reason">{t('callBack.reason')}</label>
      <input id="callback-add-reason" value={reason} onChange={(e) => setReason(e.target.value)} autoComplete="off" />
      <label htmlFor="callback-add-date">{t('callBack.date')}</label>
      <input id="callback-add-date" type="date" value={date} onChange={(e) => setDate(e.target.value)} />
      <label htmlFor="callback-add-time">{t('callBack.timeOptional')}</label>
      <input id="callback-add-time" type="time" value={time} onChange={(e) => setTime(e.target.value)} />
      <span className="callback__add-actions">
        <button type="submit" className="btn btn--small" disabled={saving}>
          {t('callBack.addButton')}
        </button>
        <button type="button" className="btn btn--small" onClick={onDone}>
          {t('transfer.cancel')}
        </button>
      </span>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}

function Row({ followUp, now, region, onCall, api }: { followUp: FollowUp; now: Date; region: string; onCall: (f: FollowUp) => void; api: FrontdeskApi }) {
  const { t, locale, language } = useLocale();
  const [rescheduling, setRescheduling] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const number = formatNumber(followUp.number, region);
  const who = followUp.name ?? number;
  const timing = followUpTiming(followUp, now);
  const due = dueText(t, followUp, now, language, locale);
  const source = t(`followUpSource.${followUp.source}`);
  const arose = followUp.source === 'web-lead' ? t('callBack.left', { when: relativeDay(new Date(followUp.createdAt), now, language) }) : null;
  const last = followUp.lastAttemptOutcome;
  const tried =
    followUp.attempts > 0
      ? `${t('callBack.tried', { count: followUp.attempts })}${last ? `: ${isAttemptOutcome(last) ? t(`callBack.attempt.${last}`) : last}` : ''}`
      : null;
  return (
    <li className={`callback__row callback__row--${timing}`} aria-label={`${who}: ${followUp.reason}; ${due}`} data-timing={timing}>
      <span className="callback__who">
        {who}
        {followUp.name && <span className="callback__number"> {number}</span>}
      </span>
      <span className="callback__reason">{followUp.reason}</span>
      <span className="callback__details">
        {timing === 'overdue' && <strong className="callback__overdue">{t('callBack.overdue')}</strong>} {[dueWhen(t, followUp, now, language, locale), source, arose, tried].filter(Boolean).join(' · ')}
      </span>
      <span className="callback__actions">
        <button type="button" className="btn btn--small btn--answer" onClick={() => onCall(followUp)}>
          {t('colleagues.call', { who })}
        </button>
        <button type="button" className="btn btn--small" aria-expanded={rescheduling} onClick={() => setRescheduling(!rescheduling)} aria-label={t('callBack.rescheduleLabel', { who })}>
          {t('callBack.reschedule')}
        </button>
        <button
          type="button"
          className="btn btn--small"
          aria-label={t('callBack.doneLabel', { who })}
          onClick={() => api.followUps.done({ id: followUp.id }).catch((e: Error) => setProblem(errorText(e, t)))}
        >
          {t('callBack.done')}
        </button>
      </span>
      {rescheduling && <Reschedule api={api} followUp={followUp} who={who} onDone={() => setRescheduling(false)} />}
      {problem && <p role="alert">{problem}</p>}
    </li>
  );
}

/** How a follow-up is dialled: through the session (session.ts). */
export type FollowUpDialer = Pick<CallSession, 'dial' | 'snapshot'>;

/**
 * Calls a follow-up back: dials its number, links the call to it (the side panel shows the outbound
 * script for its source, the call's wrap-up closes it). Returns why it could not be called, or null.
 */
export function callFollowUp(api: FrontdeskApi, session: FollowUpDialer, f: FollowUp, region: string, localUser: string | null, onProblem: (problem: string) => void, t: TFunction): string | null {
  const parsed = parseDialString(f.number, region, t);
  if (!parsed.ok) return `${f.name ?? f.number}: ${parsed.problem}`;
  const id = session.dial(parsed.dial, f.name ?? (parsed.kind === 'number' ? parsed.display : null));
  if (!id) return t('callBack.cannotCall');
  linkCallback(id, f);
  const sipCallId = session.snapshot().calls.calls[id]?.sipCallId ?? null;
  if (localUser && sipCallId) {
    api.followUps.attempt({ id: f.id, localUser, sipCallId }).catch((e: Error) => onProblem(t('callBack.notLinked', { error: errorText(e, t) })));
  }
  return null;
}

/**
 * The Call back list: follow-ups due today or earlier (next steps agreed in wrap-ups, web leads,
 * missed calls of web leads, ones added by hand), soonest first, overdue ones marked, with a count. "Call <name>" dials the number; the side panel
 * then shows the outbound script for the follow-up's source, and that call's wrap-up closes it.
 */
export function CallBackList({ api, session, region, localUser }: { api: FrontdeskApi; session: FollowUpDialer; region: string; localUser: string | null }) {
  const { t } = useLocale();
  const now = useClock(30_000);
  const [list, setList] = useState<FollowUpList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const day = localDateText(now);

  const load = useCallback(() => {
    api.followUps.list({ dueBy: endOfLocalDay(new Date()).toISOString() }).then(
      (l) => {
        setList(l);
        setError(null);
      },
      (e: Error) => setError(t('callBack.cannotRead', { error: errorText(e, t) })),
    );
    // (a message in the language of the moment)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api]);
  // Again on every change (and when a call ends: how the last attempt went), and when the day
  // turns (tomorrow's follow-ups come back).
  useEffect(() => {
    load();
    const offFollowUps = api.followUps.onChanged(load);
    const offCalls = api.calls.onChanged(load);
    return () => {
      offFollowUps();
      offCalls();
    };
  }, [api, load, day]);

  const call = (f: FollowUp) => setError(callFollowUp(api, session, f, region, localUser, setError, t));

  const [adding, setAdding] = useState(false);
  const addButton = useRef<HTMLButtonElement>(null);
  const stopAdding = () => {
    setAdding(false);
    addButton.current?.focus();
  };
  const items = list?.items ?? [];
  const overdue = items.filter((f) => followUpTiming(f, now) === 'overdue').length;
  return (
    <section className="callback" aria-label={t('callBack.title')}>
      <h2 className="callback__heading">
        {t('callBack.title')}
        {items.length > 0 && (
          <span className="badge badge--due" role="img" aria-label={overdue ? t('callBack.countOverdue', { count: items.length, overdue }) : t('callBack.count', { count: items.length })}>
            {items.length}
          </span>
        )}
      </h2>
      <button ref={addButton} type="button" className="btn btn--small" aria-expanded={adding} onClick={() => setAdding(!adding)}>
        {t('callBack.add')}
      </button>
      {adding && <AddFollowUp api={api} region={region} onDone={stopAdding} />}
      {error && <p role="alert">{error}</p>}
      {list && items.length === 0 && <p className="callback__empty">{t('callBack.nobody')}</p>}
      <ul className="callback__list" aria-label={t('callBack.due')}>
        {items.map((f) => (
          <Row key={f.id} followUp={f} now={now} region={region} onCall={call} api={api} />
        ))}
      </ul>
      {list && list.later > 0 && (
        <p className="callback__later">
          {t('callBack.later', { count: list.later })}
        </p>
      )}
    </section>
  );
}

/** On a call made from the list: who we are calling back and why, above the script. */
export function CallingBack({ followUp }: { followUp: FollowUp }) {
  const { t, language } = useLocale();
  const now = new Date();
  const when = relativeDay(new Date(followUp.createdAt), now, language);
  return (
    <section className="context" aria-label={t('callBack.callingBack')}>
      <h3>{t('callBack.callingBackWhat', { source: t(`followUpSource.${followUp.source}`) })}</h3>
      <p className="context__lead">{followUp.reason}</p>
      <p className="script__why">
        {followUp.source === 'web-lead' ? t('callBack.leftWhen', { when }) : t('callBack.aroseWhen', { when })}
        {followUp.originNote ? t('callBack.lastNotes', { notes: followUp.originNote }) : ''}
      </p>
    </section>
  );
}
