import { useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import {
  callerMoods,
  messageAsks,
  messageProblems,
  spokenGroups,
  type MessageDraft,
  type MessageProblem,
  type SentMessage,
} from '../../../common/messages';
import type { Colleague } from '../../../common/provisioning';
import { withClient } from '../messageDraft';
import { clockTime, formatNumber } from './format';
import { errorText, useLocale } from '../i18n';
import { matchColleagues, resolveColleague } from './Transfer';
import { MessageWhat } from './Messages';
import { dateTimeFormat } from '../../../common/i18n/intl';

/** A label as a sentence starts it ("please call back" → "Please call back"). */
const capitalized = (text: string, locale: string) => text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);

/**
 * The message-taking form (call-handling.md, "Taking a message"): fields in the order a
 * conversation goes, prefilled from the call, the handoff note and the client card; a read-back
 * step that shows the number grouped as people say it; field-level checks; a draft saved on every
 * change (it survives closing the window, a reload, a crash), kept when the form is closed.
 *
 * Keys: Enter in a one-line field or Ctrl+Enter anywhere (Alt+R too) goes to the read-back; there,
 * Enter (on "The caller confirmed") saves and sends, Esc goes back. Esc in the form closes it and
 * keeps the draft. Alt+S saves without reading back.
 */

/** Time zones a Russian-speaking office's callers are in, offered as you type (any IANA zone is accepted). */
const zones = [
  'Europe/Kaliningrad', 'Europe/Moscow', 'Europe/Samara', 'Asia/Yekaterinburg', 'Asia/Omsk', 'Asia/Novosibirsk', 'Asia/Krasnoyarsk',
  'Asia/Irkutsk', 'Asia/Yakutsk', 'Asia/Vladivostok', 'Asia/Magadan', 'Asia/Kamchatka', 'Europe/Minsk', 'Asia/Almaty', 'Asia/Tashkent',
  'Asia/Tbilisi', 'Asia/Yerevan', 'Asia/Baku', 'Europe/Kyiv', 'Europe/Berlin', 'Europe/London',
];

/** Saves the draft as it changes: one write at a time, the latest wins; says when it was last saved. */
function useDraftSaver(api: FrontdeskApi, localUser: string, draft: MessageDraft, dirty: boolean) {
  const [state, setState] = useState<{ savedAt: string | null; problem: string | null }>({ savedAt: null, problem: null });
  const pending = useRef<MessageDraft | null>(null);
  const busy = useRef(false);
  useEffect(() => {
    if (!dirty) return;
    pending.current = draft;
    const flush = async () => {
      if (busy.current) return;
      busy.current = true;
      try {
        while (pending.current) {
          const next = pending.current;
          pending.current = null;
          try {
            const { savedAt } = await api.messages.saveDraft({ localUser, draft: next });
            setState({ savedAt, problem: null });
          } catch (error) {
            setState((s) => ({ ...s, problem: errorText(error) }));
          }
        }
      } finally {
        busy.current = false;
      }
    };
    void flush();
  }, [api, localUser, draft, dirty]);
  return state;
}

const fieldOrder = ['recipients', 'caller.name', 'text'] as const;

export function MessageForm({ api, localUser, initial, colleagues, region, callLabel, onClose, onSaved }: {
  api: FrontdeskApi;
  localUser: string;
  initial: MessageDraft;
  colleagues: readonly Colleague[];
  region: string;
  /** "the call from +7 495 123 45 67 at 10:55", when it was taken on a call. */
  callLabel: string | null;
  onClose: () => void;
  onSaved: (sent: SentMessage) => void;
}) {
  const { t, locale } = useLocale();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [draft, setDraft] = useState<MessageDraft>(initial);
  const [dirty, setDirty] = useState(false);
  const [who, setWho] = useState('');
  const [problems, setProblems] = useState<MessageProblem[]>([]);
  const [step, setStep] = useState<'form' | 'read-back'>('form');
  const [saving, setSaving] = useState(false);
  const [saveProblem, setSaveProblem] = useState<string | null>(null);
  const saver = useDraftSaver(api, localUser, draft, dirty);
  const id = (k: string) => `msg-${initial.id}-${k.replace(/\./g, '-')}`;

  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
    // The first field the conversation still has to fill takes the focus.
    const first = fieldOrder.find((f) => (f === 'recipients' ? initial.recipients.length === 0 : f === 'caller.name' ? !initial.caller.name : true))!;
    document.getElementById(id(first === 'recipients' ? 'who' : first))?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // The client card (with what the call script saved on it) fills what is still empty.
  const firstPhone = initial.caller.phones[0];
  useEffect(() => {
    let live = true;
    if (!firstPhone || !/\d/.test(firstPhone)) return;
    api.directory.findByNumber({ number: firstPhone }).then(
      (clients) => {
        if (live && clients.length === 1) setDraft((d) => withClient(d, clients[0]!));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, firstPhone]);

  const update = (fn: (d: MessageDraft) => MessageDraft) => {
    setDraft(fn);
    setDirty(true);
    setSaveProblem(null);
  };
  const setCaller = (key: 'name' | 'position' | 'company' | 'email') => (e: { target: { value: string } }) => update((d) => ({ ...d, caller: { ...d.caller, [key]: e.target.value } }));
  const setPhone = (i: number) => (e: { target: { value: string } }) =>
    update((d) => {
      const phones = [...d.caller.phones];
      while (phones.length <= i) phones.push('');
      phones[i] = e.target.value;
      while (phones.length && !phones[phones.length - 1]) phones.pop();
      return { ...d, caller: { ...d.caller, phones } };
    });
  const setWindow = (key: 'date' | 'from' | 'to' | 'timeZone') => (e: { target: { value: string } }) => update((d) => ({ ...d, callBack: { ...d.callBack, [key]: e.target.value } }));

  const matches = useMemo(() => (who.trim() ? matchColleagues(colleagues, who).slice(0, 6) : []), [colleagues, who]);
  const addRecipient = (c: { extension: string; name: string }) => {
    update((d) => (d.recipients.some((r) => r.extension === c.extension) ? d : { ...d, recipients: [...d.recipients, { extension: c.extension, name: c.name }] }));
    setWho('');
    setProblems((p) => p.filter((x) => x.field !== 'recipients'));
    document.getElementById(id('who'))?.focus();
  };
  const addTyped = (): boolean => {
    const t = resolveColleague(colleagues, who);
    if (!t) return false;
    addRecipient({ extension: t.number, name: t.displayName ?? '' });
    return true;
  };

  const problemOf = (field: string) => problems.find((p) => p.field === field)?.message ?? null;
  const check = (): boolean => {
    // A colleague typed but not picked yet counts as picked.
    let d = draft;
    if (who.trim()) {
      const typed = resolveColleague(colleagues, who);
      if (typed && !d.recipients.some((r) => r.extension === typed.number)) {
        d = { ...d, recipients: [...d.recipients, { extension: typed.number, name: typed.displayName ?? '' }] };
        setDraft(d);
        setWho('');
      }
    }
    const found = messageProblems(d, region, t);
    setProblems(found);
    if (found.length) {
      const f = found[0]!.field;
      const el = document.getElementById(id(f === 'recipients' ? 'who' : f));
      el?.focus();
      return false;
    }
    return true;
  };
  const toReadBack = () => {
    if (!check()) return;
    setStep('read-back');
  };
  const save = async (readBack: boolean) => {
    if (!check()) {
      setStep('form');
      return;
    }
    setSaving(true);
    setSaveProblem(null);
    try {
      const final = { ...draft, readBackAt: readBack ? new Date().toISOString() : null };
      const sent = await api.messages.save({ localUser, draft: final });
      onSaved(sent);
      onClose();
    } catch (error) {
      // Nothing is lost: the form and its draft stay as they are.
      setSaveProblem(t('messageForm.notSaved', { error: errorText(error, t) }));
      setSaving(false);
    }
  };
  const discard = async () => {
    await api.messages.discardDraft({ localUser, id: draft.id }).catch(() => false);
    onClose();
  };

  const onFormKeys = (e: KeyboardEvent) => {
    if ((e.ctrlKey && e.key === 'Enter') || (e.altKey && e.key.toLowerCase() === 'r')) {
      e.preventDefault();
      toReadBack();
    } else if (e.altKey && e.key.toLowerCase() === 's') {
      e.preventDefault();
      void save(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (who.trim() && document.activeElement?.id === id('who') && addTyped()) return;
    toReadBack();
  };

  const described = (field: string) => (problemOf(field) ? { 'aria-invalid': true as const, 'aria-describedby': id(`${field}-problem`) } : {});
  const problemText = (field: string) =>
    problemOf(field) && (
      <p id={id(`${field}-problem`)} className="field-problem">
        {problemOf(field)}
      </p>
    );
  const forWhom = draft.recipients.map((r) => (r.name ? `${r.name} (${r.extension})` : r.extension)).join(', ');
  const title = forWhom ? t('transfer.messageFor', { who: forWhom }) : t('call.takeMessage');
  const taken = clockTime(new Date(draft.takenAt), locale);

  return (
    <dialog
      ref={dialogRef}
      className="dialog dialog--message"
      aria-label={title}
      onClose={onClose}
      onCancel={(e) => {
        if (step === 'read-back') {
          e.preventDefault();
          setStep('form');
        }
      }}
    >
      {step === 'read-back' ? (
        <ReadBack draft={draft} region={region} saving={saving} problem={saveProblem} onConfirm={() => void save(true)} onBack={() => setStep('form')} />
      ) : (
        <form onSubmit={submit} onKeyDown={onFormKeys} noValidate>
          <h2>{title}</h2>
          {problems.length > 0 && (
            <p role="alert" className="dialer__problem">
              {t('messageForm.toFix', { count: problems.length })}: {problems.map((p) => p.message).join('; ')}
            </p>
          )}
          <fieldset className="message-form__group">
            <legend>{t('messageForm.forWhom')}</legend>
            {draft.recipients.length > 0 && (
              <ul className="message-form__recipients" aria-label={t('messageForm.recipients')}>
                {draft.recipients.map((r) => (
                  <li key={r.extension}>
                    {r.name ? `${r.name} (${r.extension})` : r.extension}{' '}
                    <button type="button" className="btn btn--small" aria-label={t('messageForm.remove', { who: r.name || r.extension })} onClick={() => update((d) => ({ ...d, recipients: d.recipients.filter((x) => x.extension !== r.extension) }))}>
                      ×
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <label htmlFor={id('who')}>{draft.recipients.length ? t('messageForm.addAnother') : t('messageForm.colleague')}</label>
            <input
              id={id('who')}
              value={who}
              autoComplete="off"
              onChange={(e) => setWho(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.ctrlKey && who.trim()) {
                  e.preventDefault();
                  e.stopPropagation();
                  addTyped();
                }
              }}
              {...described('recipients')}
            />
            {problemText('recipients')}
            {matches.length > 0 && (
              <ul className="transfer__matches" aria-label={t('messageForm.matching')}>
                {matches.map((c) => (
                  <li key={c.extension}>
                    <button type="button" className="btn btn--small" onClick={() => addRecipient(c)}>
                      {t('messageForm.add', { who: `${c.name} (${c.extension})${c.department ? `, ${c.department}` : ''}` })}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </fieldset>
          <fieldset className="message-form__group">
            <legend>{t('sidePanel.caller')}</legend>
            <label htmlFor={id('caller.name')}>{t('messageForm.callerName')}</label>
            <input id={id('caller.name')} value={draft.caller.name} onChange={setCaller('name')} autoComplete="off" />
            <label htmlFor={id('caller.company')}>{t('crm.company')}</label>
            <input id={id('caller.company')} value={draft.caller.company} onChange={setCaller('company')} autoComplete="off" />
          </fieldset>
          <label htmlFor={id('text')}>{t('messageForm.text')}</label>
          <textarea id={id('text')} value={draft.text} rows={4} onChange={(e) => update((d) => ({ ...d, text: e.target.value }))} {...described('text')} />
          {problemText('text')}
          <label htmlFor={id('subject')}>{t('messageForm.subject')}</label>
          <input id={id('subject')} value={draft.subject} onChange={(e) => update((d) => ({ ...d, subject: e.target.value }))} autoComplete="off" />
          <fieldset className="message-form__group">
            <legend>{t('messageForm.reach')}</legend>
            <label htmlFor={id('caller.phones.0')}>{t('messages.phone')}</label>
            <input id={id('caller.phones.0')} value={draft.caller.phones[0] ?? ''} onChange={setPhone(0)} inputMode="tel" autoComplete="off" {...described('caller.phones.0')} />
            {problemText('caller.phones.0')}
            <label htmlFor={id('caller.phones.1')}>{t('messageForm.phone2')}</label>
            <input id={id('caller.phones.1')} value={draft.caller.phones[1] ?? ''} onChange={setPhone(1)} inputMode="tel" autoComplete="off" {...described('caller.phones.1')} />
            {problemText('caller.phones.1')}
            <label htmlFor={id('caller.email')}>{t('messages.email')}</label>
            <input id={id('caller.email')} type="email" value={draft.caller.email} onChange={setCaller('email')} autoComplete="off" {...described('caller.email')} />
            {problemText('caller.email')}
            <label htmlFor={id('caller.position')}>{t('card.field.position')}</label>
            <input id={id('caller.position')} value={draft.caller.position} onChange={setCaller('position')} autoComplete="off" />
          </fieldset>
          <fieldset className="message-form__group message-form__asks">
            <legend>{t('messageForm.asks')}</legend>
            {messageAsks.map((a) => (
              <label key={a} className="message-form__check">
                <input
                  type="checkbox"
                  checked={draft.asks.includes(a)}
                  onChange={(e) => update((d) => ({ ...d, asks: e.target.checked ? messageAsks.filter((x) => x === a || d.asks.includes(x)) : d.asks.filter((x) => x !== a) }))}
                />{' '}
                {capitalized(t(`messages.ask.${a}`), locale)}
              </label>
            ))}
          </fieldset>
          <fieldset className="message-form__group message-form__window">
            <legend>{t('messageForm.bestTime')}</legend>
            <label htmlFor={id('callBack.date')}>{t('messageForm.day')}</label>
            <input id={id('callBack.date')} type="date" value={draft.callBack.date} onChange={setWindow('date')} />
            <label htmlFor={id('callBack.from')}>{t('messageForm.from')}</label>
            <input id={id('callBack.from')} type="time" value={draft.callBack.from} onChange={setWindow('from')} />
            <label htmlFor={id('callBack.to')}>{t('messageForm.until')}</label>
            <input id={id('callBack.to')} type="time" value={draft.callBack.to} onChange={setWindow('to')} {...described('callBack.to')} />
            {problemText('callBack.to')}
            <label htmlFor={id('callBack.timeZone')}>{t('messageForm.zone')}</label>
            <input id={id('callBack.timeZone')} list={id('zones')} value={draft.callBack.timeZone} onChange={setWindow('timeZone')} autoComplete="off" placeholder={t('messageForm.zonePlaceholder')} {...described('callBack.timeZone')} />
            <datalist id={id('zones')}>
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            {problemText('callBack.timeZone')}
          </fieldset>
          <label htmlFor={id('mood')}>{t('messageForm.mood')}</label>
          <select id={id('mood')} value={draft.mood} onChange={(e) => update((d) => ({ ...d, mood: e.target.value as MessageDraft['mood'] }))}>
            <option value="">{t('messageForm.notNoted')}</option>
            {callerMoods.map((m) => (
              <option key={m} value={m}>
                {capitalized(t(`messages.moods.${m}`), locale)}
              </option>
            ))}
          </select>
          <p className="message-form__taken">
            {t('messageForm.takenBy', { who: `${draft.takenBy.name || draft.takenBy.user} (${draft.takenBy.user})`, time: taken })}
            {callLabel ? t('messageForm.during', { call: callLabel }) : ''}
            {draft.call?.recordingId ? ` ${t('messageForm.recorded')}` : ''}
          </p>
          <p role="status" className="message-form__draft" aria-label={t('messageForm.draft')}>
            {saver.problem ? t('messageForm.draftProblem', { problem: saver.problem }) : saver.savedAt ? t('messageForm.draftSaved', { time: dateTimeFormat(locale, { timeStyle: 'medium' }).format(new Date(saver.savedAt)) }) : ''}
          </p>
          {saveProblem && <p role="alert">{saveProblem}</p>}
          <div className="dialog__actions">
            <button type="submit" className="btn btn--answer" aria-keyshortcuts="Control+Enter Alt+R">
              {t('messageForm.readBack')}
            </button>
            <button type="button" className="btn" onClick={() => void save(false)} disabled={saving} aria-keyshortcuts="Alt+S">
              {t('messageForm.saveNoReadBack')}
            </button>
            <button type="button" className="btn" onClick={onClose}>
              {t('messageForm.close')}
            </button>
            <button type="button" className="btn" onClick={() => void discard()}>
              {t('messages.discard')}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}

/** Reading it back to the caller: the number in the groups people say it in, the message, the time to call back. */
function ReadBack({ draft, region, saving, problem, onConfirm, onBack }: {
  draft: MessageDraft;
  region: string;
  saving: boolean;
  problem: string | null;
  onConfirm: () => void;
  onBack: () => void;
}) {
  const { t } = useLocale();
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  const phones = draft.caller.phones.filter((p) => p.trim());
  return (
    <section className="read-back" aria-label={t('messageForm.readBackTitle')}>
      <h2>{t('messageForm.readBackTitle')}</h2>
      <p className="read-back__hint">{t('messageForm.readBackHint')}</p>
      <dl className="read-back__fields">
        {draft.caller.name && (
          <>
            <dt>{t('card.field.name')}</dt>
            <dd>{[draft.caller.name, draft.caller.company].filter(Boolean).join(', ')}</dd>
          </>
        )}
        {phones.map((p, i) => {
          const groups = spokenGroups(p, region);
          return (
            <div key={i} className="read-back__phone">
              <dt>{i === 0 ? t('callBack.number') : t('messageForm.otherNumber')}</dt>
              <dd aria-label={t('messageForm.asSaid', { label: i === 0 ? t('callBack.number') : t('messageForm.otherNumber'), groups: groups.join(', ') })}>
                {groups.map((g, j) => (
                  <span key={j} className="read-back__group">
                    {g}
                  </span>
                ))}
                <span className="read-back__as-written"> ({formatNumber(p.trim(), region)})</span>
              </dd>
            </div>
          );
        })}
        <MessageWhat message={draft} textClass="read-back__text" />
      </dl>
      {problem && <p role="alert">{problem}</p>}
      <div className="dialog__actions">
        <button ref={confirmRef} type="button" className="btn btn--answer" disabled={saving} onClick={onConfirm}>
          {t('messageForm.confirmed')}
        </button>
        <button type="button" className="btn" onClick={onBack} aria-keyshortcuts="Escape">
          {t('messageForm.backToForm')}
        </button>
      </div>
    </section>
  );
}
