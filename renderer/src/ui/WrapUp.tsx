import { useCallback, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { outcomeForEndReason } from '../../../common/callLog';
import {
  localDateText,
  dueFromInputs,
  needsWrapUp,
  talkedOutcomes,
  wrapUpOutcomes,
  type FollowUp,
  type WrapUp,
  type WrapUpOutcome,
} from '../../../common/wrapUp';
import type { Call } from '../sip/callMachine';
import type { TFunction } from 'i18next';
import { clockTime, formatNumber } from './format';
import { errorText, useLocale } from '../i18n';

/** The call a wrap-up form is for: a call on screen, or a pending one from the services. */
interface Target {
  /** The SIP call when known (the key the services match a wrap-up by), else the history id. */
  key: string;
  sipCallId: string | null;
  callId: string | null;
  remoteNumber: string;
  remoteName: string | null;
  clientId: string | null;
  /** The follow-up this call was the call back for (its wrap-up closes it). */
  followUpId: string | null;
  who: string;
}

interface Draft {
  outcome: WrapUpOutcome | null;
  notes: string;
  step: string;
  date: string;
  time: string;
}
const emptyDraft: Draft = { outcome: null, notes: '', step: '', date: '', time: '' };

const whoOf = (number: string, name: string | null, region: string) => {
  const formatted = formatNumber(number, region);
  return name && name !== number ? `${name}, ${formatted}` : formatted;
};

function targetOfCall(call: Call, region: string, client: { id: string; name: string | null } | null, followUp: FollowUp | null): Target {
  return {
    key: call.sipCallId ?? `call:${call.id}`,
    sipCallId: call.sipCallId,
    callId: null,
    remoteNumber: call.remote.number,
    remoteName: call.remote.displayName,
    clientId: client?.id ?? null,
    followUpId: followUp?.id ?? null,
    who: whoOf(call.remote.number, client?.name ?? call.remote.displayName, region),
  };
}

function targetOfPending(w: WrapUp, region: string): Target {
  return {
    key: w.sipCallId ?? `history:${w.callId}`,
    sipCallId: w.sipCallId,
    callId: w.callId,
    remoteNumber: w.remoteNumber,
    remoteName: w.remoteName,
    clientId: w.clientId,
    followUpId: w.callbackOf,
    who: whoOf(w.remoteNumber, w.remoteName, region),
  };
}

/** A call someone talked on with an outside party (the services' rule for a pending wrap-up too): it gets a wrap-up. */
const talkedOn = (call: Call) => {
  const ended = call.phase === 'ended' && call.endReason !== null;
  const talked = call.answeredAt !== null && (!ended || talkedOutcomes.has(outcomeForEndReason(call.endReason!, call.direction)));
  return needsWrapUp({ answered: talked, remoteNumber: call.remote.number });
};
const isLive = (call: Call) => call.phase !== 'ended';

/** What is wrong with a draft, in words, or the next step it gives. */
function check(d: Draft, t: TFunction): { problem: string } | { nextStep: { what: string; dueAt: string; allDay: boolean } | null } {
  if (!d.outcome) return { problem: t('wrapUp.chooseOutcome') };
  const what = d.step.trim();
  const date = d.date.trim();
  if (!what && !date) {
    return d.outcome === 'callback' ? { problem: t('wrapUp.callbackNeedsStep') } : { nextStep: null };
  }
  if (!what) return { problem: t('wrapUp.stepWhat') };
  if (!date) return { problem: t('wrapUp.stepDate') };
  const due = dueFromInputs(date, d.time, t);
  if ('problem' in due) return due;
  return { nextStep: { what, dueAt: due.due.toISOString(), allDay: due.allDay } };
}

const inDays = (n: number) => localDateText(new Date(Date.now() + n * 86_400_000));

/**
 * The quick dates for the next step, with their keys: Alt + the number of days (Alt+0 today, Alt+1
 * tomorrow, Alt+3, Alt+7), anywhere in the form. With them the keyboard path of a wrap-up is as
 * short as the mouse's: outcome (arrows), Tab, notes, Tab, next step, Alt+1, Ctrl+Enter.
 */
const quickDates = [
  { label: 'today', days: 0 },
  { label: 'tomorrow', days: 1 },
  { label: 'in3days', days: 3 },
  { label: 'inAWeek', days: 7 },
] as const;
const quickDateOfKey = (e: KeyboardEvent) => {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return undefined;
  // By the key's place (Digit1), so a Russian or any other layout gives the same.
  const digit = /^Digit(\d)$/.exec(e.code)?.[1] ?? (/^\d$/.test(e.key) ? e.key : undefined);
  return quickDates.find((q) => String(q.days) === digit);
};

function WrapUpForm({ api, target, localUser, draft, onDraft, onSaved, onLater }: {
  api: FrontdeskApi;
  target: Target;
  localUser: string;
  draft: Draft;
  onDraft: (d: Draft) => void;
  onSaved: () => void;
  onLater: () => void;
}) {
  const { t } = useLocale();
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const id = `wrapup-${target.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  // The form takes the focus when it appears (the call ended, or the agent asked for it), unless the
  // agent is typing somewhere else.
  useEffect(() => {
    const active = document.activeElement;
    const typing = (active instanceof HTMLInputElement && active.type !== 'radio') || active instanceof HTMLTextAreaElement;
    if (typing && !formRef.current?.contains(active)) return;
    const radios = formRef.current?.querySelectorAll<HTMLInputElement>('input[type="radio"]');
    const checked = [...(radios ?? [])].find((r) => r.checked);
    (checked ?? radios?.[0])?.focus();
  }, [target.key]);

  const set = (patch: Partial<Draft>) => {
    onDraft({ ...draft, ...patch });
    setProblem(null);
  };
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (saving) return;
    const checked = check(draft, t);
    if ('problem' in checked) {
      setProblem(checked.problem);
      return;
    }
    setSaving(true);
    api.wrapUps
      .save({
        localUser,
        sipCallId: target.sipCallId,
        callId: target.callId,
        remoteNumber: target.remoteNumber,
        remoteName: target.remoteName,
        clientId: target.clientId,
        outcome: draft.outcome!,
        notes: draft.notes,
        nextStep: checked.nextStep,
        followUpId: target.followUpId,
      })
      .then(
        () => {
          setSaving(false);
          onSaved();
        },
        (err: Error) => {
          setSaving(false);
          setProblem(t('card.notSaved', { error: errorText(err, t) }));
        },
      );
  };
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    const quick = quickDateOfKey(e);
    if (quick) {
      e.preventDefault();
      set({ date: inDays(quick.days) });
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onLater();
    } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey || (e.target instanceof HTMLInputElement && e.target.type === 'radio'))) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form ref={formRef} className="wrapup" aria-label={t('wrapUp.label', { who: target.who })} onSubmit={submit} onKeyDown={onKeyDown}>
      <h3 className="wrapup__title">{t('wrapUp.label', { who: target.who })}</h3>
      <fieldset className="wrapup__outcomes">
        <legend>{t('wrapUp.outcome')}</legend>
        {wrapUpOutcomes.map((o) => (
          <label key={o} className="wrapup__outcome">
            <input type="radio" name={`${id}-outcome`} value={o} checked={draft.outcome === o} onChange={() => set({ outcome: o })} />
            {t(`wrapUpOutcome.${o}`)}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-notes`}>{t('crm.notes')}</label>
      <textarea id={`${id}-notes`} rows={3} value={draft.notes} onChange={(e) => set({ notes: e.target.value })} />
      <fieldset className="wrapup__next">
        <legend>{t('wrapUp.nextLegend')}</legend>
        <label htmlFor={`${id}-step`}>{t('crm.nextStep')}</label>
        <input id={`${id}-step`} value={draft.step} onChange={(e) => set({ step: e.target.value })} autoComplete="off" />
        {/* Before the date and time fields in Tab order: the quick choice is one Tab away (or one key, Alt+days). */}
        <div className="wrapup__quick" role="group" aria-label={t('wrapUp.nextDate')} aria-describedby={`${id}-quick-keys`}>
          {quickDates.map(({ label, days }) => (
            <button
              key={label}
              type="button"
              className="btn btn--small"
              onClick={() => set({ date: inDays(days) })}
              aria-keyshortcuts={`Alt+${days}`}
              title={t('wrapUp.quickTitle', { label: t(`wrapUp.quick.${label}`), days })}
            >
              {t(`wrapUp.quick.${label}`)}
            </button>
          ))}
          <span id={`${id}-quick-keys`} className="wrapup__hint">
            {t('wrapUp.quickKeys')}
          </span>
        </div>
        <div className="wrapup__when">
          <span>
            <label htmlFor={`${id}-date`}>{t('callBack.date')}</label>
            <input id={`${id}-date`} type="date" value={draft.date} onChange={(e) => set({ date: e.target.value })} />
          </span>
          <span>
            <label htmlFor={`${id}-time`}>{t('callBack.time')}</label>
            <input id={`${id}-time`} type="time" value={draft.time} onChange={(e) => set({ time: e.target.value })} aria-describedby={`${id}-time-hint`} />
          </span>
          <span id={`${id}-time-hint`} className="wrapup__hint">
            {t('wrapUp.noTime')}
          </span>
        </div>
      </fieldset>
      {problem && (
        <p role="alert" className="wrapup__problem">
          {problem}
        </p>
      )}
      <div className="wrapup__actions">
        <button type="submit" className="btn btn--answer" disabled={saving} aria-keyshortcuts="Control+Enter">
          {t('wrapUp.save')}
        </button>
        <button type="button" className="btn" onClick={onLater} aria-keyshortcuts="Escape">
          {t('wrapUp.later')}
        </button>
      </div>
    </form>
  );
}

/**
 * The wrap-up of calls, at the top of the side panel: the form opens by itself when a call with an
 * outside party ends (or on demand during it), Enter / Ctrl+Enter saves, Escape postpones. A
 * postponed or unsaved wrap-up stays in "Wrap-up pending" (kept by the services: never lost, not
 * even by a restart) until it is done. Drafts survive switching between calls.
 */
/**
 * Sends what is typed in a wrap-up form to the services a moment after the last keystroke (one
 * write per pause, not per key; a drop goes at once), so it outlives the page.
 */
function useDraftKeeper(api: FrontdeskApi, localUser: string | null) {
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const t of all.values()) clearTimeout(t);
    };
  }, []);
  return useCallback(
    (key: string, draft: Draft | null) => {
      if (!localUser) return;
      clearTimeout(timers.current.get(key));
      const write = () => {
        timers.current.delete(key);
        void api.wrapUps.saveDraft({ localUser, key, draft }).catch(() => undefined);
      };
      if (draft === null) write();
      else timers.current.set(key, setTimeout(write, 300));
    },
    [api, localUser],
  );
}

export function WrapUpSection({ api, call, localUser, region, client, followUp }: {
  api: FrontdeskApi;
  /** The call the side panel is about, or null. */
  call: Call | null;
  localUser: string | null;
  region: string;
  /** The client card of that call, when exactly one matched. */
  client: { id: string; name: string | null } | null;
  /** The follow-up that call was dialled for from the Call back list. */
  followUp: FollowUp | null;
}) {
  const [pending, setPending] = useState<WrapUp[]>([]);
  const [opened, setOpened] = useState<Target | null>(null);
  const [postponed, setPostponed] = useState<ReadonlySet<string>>(new Set());
  const [saved, setSaved] = useState<ReadonlySet<string>>(new Set());
  const [drafts, setDrafts] = useState<Readonly<Record<string, Draft>>>({});
  const { t, locale } = useLocale();
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    if (!localUser) return;
    api.wrapUps.pending({ localUser }).then(setPending, () => undefined);
  }, [api, localUser]);
  // What was typed and not saved comes back after a crash, a restart or a closed window.
  useEffect(() => {
    if (!localUser) return;
    let live = true;
    api.wrapUps.drafts({ localUser }).then(
      (entries) => live && setDrafts((now) => ({ ...Object.fromEntries(entries.map((e) => [e.key, e.draft])), ...now })),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, localUser]);
  const keepDraft = useDraftKeeper(api, localUser);
  useEffect(() => {
    load();
    return api.wrapUps.onChanged(load);
  }, [api, load]);

  // The form on screen: one the agent opened, else the focused call's once it has ended.
  const own = call && talkedOn(call) ? targetOfCall(call, region, client, followUp) : null;
  const auto = own && call && !isLive(call) && !saved.has(own.key) && !postponed.has(own.key) ? own : null;
  const shown = opened && !saved.has(opened.key) ? opened : auto;
  const waiting = pending.filter((w) => targetOfPending(w, region).key !== shown?.key && !saved.has(targetOfPending(w, region).key));

  if (!localUser) return null;
  const close = (key: string, how: 'saved' | 'later') => {
    setOpened(null);
    if (how === 'saved') {
      setSaved((s) => new Set(s).add(key));
      setDrafts(({ [key]: _, ...rest }) => rest);
      keepDraft(key, null);
      setNotice(t('wrapUp.saved'));
    } else {
      setPostponed((s) => new Set(s).add(key));
      setNotice(t('wrapUp.postponed'));
    }
    load();
  };

  return (
    <>
      {notice && !shown && (
        <p role="status" aria-label={t('wrapUp.notice')} className="wrapup__notice">
          {notice}
        </p>
      )}
      {shown && (
        <WrapUpForm
          key={shown.key}
          api={api}
          target={shown}
          localUser={localUser}
          draft={drafts[shown.key] ?? emptyDraft}
          onDraft={(d) => {
            setDrafts((all) => ({ ...all, [shown.key]: d }));
            keepDraft(shown.key, d);
          }}
          onSaved={() => close(shown.key, 'saved')}
          onLater={() => close(shown.key, 'later')}
        />
      )}
      {!shown && own && call && isLive(call) && call.answeredAt !== null && !saved.has(own.key) && (
        <button type="button" className="btn wrapup__now" onClick={() => setOpened(own)}>
          {t('wrapUp.now')}
        </button>
      )}
      {waiting.length > 0 && (
        <section className="wrapup-pending" aria-label={t('wrapUp.pending')}>
          <h3>
            {t('wrapUp.pending')}{' '}
            <span className="badge" role="img" aria-label={t('wrapUp.waitCount', { count: waiting.length })}>
              {waiting.length}
            </span>
          </h3>
          <ul aria-label={t('wrapUp.waiting')}>
            {waiting.map((w) => {
              const target = targetOfPending(w, region);
              const ended = w.callEndedAt ? clockTime(new Date(w.callEndedAt), locale) : '';
              return (
                <li key={w.id}>
                  <span>
                    {target.who}
                    {ended && <span className="wrapup__when-ended"> · {t('wrapUp.ended', { time: ended })}</span>}
                    {drafts[target.key] && <span className="wrapup__when-ended"> · {t('wrapUp.draftKept')}</span>}
                  </span>
                  <button type="button" className="btn btn--small" onClick={() => setOpened(target)} aria-label={t('wrapUp.wrapUpLabel', { who: target.who })}>
                    {t('wrapUp.wrapUp')}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
    </>
  );
}
