import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { Colleague } from '../../../common/provisioning';
import { colleagueState, describeState, maxAwayNote, untilText, type Away, type ColleagueState } from '../../../common/presence';
import type { SipEngine } from '../sip/engine';
import type { PresenceSnapshot } from '../sip/presence';
import { matchColleagues } from './Transfer';
import { errorText, useLocale } from '../i18n';

/**
 * Who is in: the provisioned colleagues, searchable, grouped by department, each with their state
 * as the PBX reports it (available, ringing, on a call and for how long, on hold, do not disturb,
 * out of office until a time with a note, offline, or unknown with the reason). A colleague opens
 * a menu — click, right-click, Enter, Shift+F10 or the context-menu key — to call them, transfer
 * the caller to them or take a message for them. Above them, this desk's own state and its
 * "out of office until …".
 */

export function usePresence(engine: SipEngine): PresenceSnapshot {
  return useSyncExternalStore(engine.presence.subscribe, engine.presence.getSnapshot);
}

/** Each colleague's state at `now`, by extension. */
export function statesOf(presence: PresenceSnapshot, colleagues: readonly Colleague[], now: number): Map<string, ColleagueState> {
  return new Map(colleagues.map((c) => [c.extension, colleagueState(presence.colleagues[c.extension], now)]));
}

/** The group of colleagues without a department (shown as colleagues.other). */
export const otherDepartment = '\u0000other';

/** Colleagues by department, in the order the provisioning file lists them; those without one last. */
export function byDepartment(colleagues: readonly Colleague[]): [string, Colleague[]][] {
  const groups = new Map<string, Colleague[]>();
  for (const c of colleagues) {
    const d = c.department?.trim() || otherDepartment;
    groups.set(d, [...(groups.get(d) ?? []), c]);
  }
  const other = groups.get(otherDepartment);
  groups.delete(otherDepartment);
  return [...groups.entries(), ...(other ? [[otherDepartment, other] as [string, Colleague[]]] : [])];
}

export interface ColleagueActions {
  call(c: Colleague): void;
  /** Null: no call to transfer now. */
  transferTo: ((c: Colleague) => void) | null;
  takeMessage(c: Colleague): void;
}

function ColleagueMenu({ colleague, actions, canCall, onClose }: { colleague: Colleague; actions: ColleagueActions; canCall: boolean; onClose: (refocus: boolean) => void }) {
  const { t } = useLocale();
  const ref = useRef<HTMLUListElement>(null);
  const items = () => [...(ref.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]:not([aria-disabled="true"])') ?? [])];
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  });
  useEffect(() => {
    // the first action takes the focus once, when the menu opens (the row redraws every second)
    ref.current?.querySelector<HTMLButtonElement>('[role="menuitem"]:not([aria-disabled="true"])')?.focus();
    const away = (e: MouseEvent) => {
      if (!ref.current?.parentElement?.contains(e.target as Node)) closeRef.current(false);
    };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, []);
  const onKeyDown = (e: ReactKeyboardEvent) => {
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = list[(at + (e.key === 'ArrowDown' ? 1 : list.length - 1)) % list.length];
      next?.focus();
    } else if (e.key === 'Home') list[0]?.focus();
    else if (e.key === 'End') list[list.length - 1]?.focus();
    else if (e.key === 'Escape') onClose(true);
    else if (e.key === 'Tab') onClose(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
    e.stopPropagation();
  };
  const run = (fn: () => void) => () => {
    onClose(false);
    fn();
  };
  const item = (label: string, fn: (() => void) | null, why?: string) => (
    <li role="none">
      <button
        type="button"
        role="menuitem"
        className="colleague-menu__item"
        aria-disabled={fn ? undefined : true}
        title={fn ? undefined : why}
        onClick={fn ? run(fn) : undefined}
      >
        {label}
        {!fn && why ? <span className="visually-hidden"> ({why})</span> : null}
      </button>
    </li>
  );
  const transferTo = actions.transferTo;
  return (
    <ul ref={ref} role="menu" aria-label={t('colleagues.actionsFor', { who: `${colleague.name} (${colleague.extension})` })} className="colleague-menu" onKeyDown={onKeyDown}>
      {item(t('colleagues.call', { who: colleague.name }), canCall ? () => actions.call(colleague) : null, t('colleagues.notRegistered'))}
      {item(t('colleagues.transferTo', { who: colleague.name }), transferTo ? () => transferTo(colleague) : null, t('colleagues.noCall'))}
      {item(t('transfer.messageFor', { who: colleague.name }), () => actions.takeMessage(colleague))}
    </ul>
  );
}

function ColleagueRow({ colleague, state, now, actions, canCall }: { colleague: Colleague; state: ColleagueState; now: number; actions: ColleagueActions; canCall: boolean }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const { t, locale } = useLocale();
  const text = describeState(state, now, undefined, { t, locale });
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };
  return (
    <li className={`colleague colleague--${state.kind}`} data-state={state.kind}>
      <button
        ref={button}
        type="button"
        className="colleague__button"
        aria-label={`${colleague.name} (${colleague.extension}): ${text}`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-keyshortcuts="Shift+F10 ContextMenu"
        onClick={() => setOpen(!open)}
        onContextMenu={(e) => {
          e.preventDefault();
          setOpen(true);
        }}
        onKeyDown={(e) => {
          if ((e.key === 'F10' && e.shiftKey) || e.key === 'ContextMenu') {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        <span className="colleague__dot" aria-hidden="true" />
        <span className="colleague__name">
          {colleague.name} <span className="colleague__ext">({colleague.extension})</span>
        </span>
        <span className="colleague__state">{text}</span>
      </button>
      {open && <ColleagueMenu colleague={colleague} actions={actions} canCall={canCall} onClose={close} />}
    </li>
  );
}

export function ColleaguesPanel({ colleagues, presence, now, actions, canCall, own }: {
  colleagues: readonly Colleague[];
  presence: PresenceSnapshot;
  now: number;
  actions: ColleagueActions;
  /** The desk is registered: it can place calls. */
  canCall: boolean;
  own: ReactNode;
}) {
  const { t } = useLocale();
  const [query, setQuery] = useState('');
  const searchId = useId();
  const shown = useMemo(() => matchColleagues(colleagues, query), [colleagues, query]);
  const states = statesOf(presence, shown, now);
  const groups = byDepartment(shown);
  return (
    <section className="colleagues" aria-label={t('transfer.colleagues')}>
      <h2 className="colleagues__title">{t('transfer.colleagues')}</h2>
      {own}
      {colleagues.length === 0 ? (
        <p className="colleagues__empty">{t('colleagues.none')}</p>
      ) : (
        <>
          <label htmlFor={searchId} className="visually-hidden">
            {t('colleagues.search')}
          </label>
          <input id={searchId} type="search" className="colleagues__search" placeholder={t('colleagues.search')} value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
          {groups.length === 0 && <p className="colleagues__empty">{t('colleagues.noMatch', { query: query.trim() })}</p>}
          {groups.map(([group, members]) => {
            const department = group === otherDepartment ? t('colleagues.other') : group;
            return (
            <div key={group} className="colleagues__group">
              <h3 className="colleagues__department">{department}</h3>
              <ul className="colleagues__list" aria-label={department}>
                {members.map((c) => (
                  <ColleagueRow key={c.extension} colleague={c} state={states.get(c.extension)!} now={now} actions={actions} canCall={canCall} />
                ))}
              </ul>
            </div>
            );
          })}
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- this desk's own state

/** A local date and time as ISO 8601 with this PC's offset ("2025-03-03T15:00:00+03:00"). */
export function localIso(date: Date): string {
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00${off >= 0 ? '+' : '-'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

const dateInput = (d: Date) => localIso(d).slice(0, 10);

/** "You: Available" and the out-of-office form; says when colleagues cannot see it. */
export function OwnStatus({ api, engine, presence, away, dnd, now, locked }: {
  api: FrontdeskApi;
  engine: SipEngine;
  presence: PresenceSnapshot;
  away: Away | null;
  dnd: boolean;
  now: number;
  locked: boolean;
}) {
  const { t, locale } = useLocale();
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState('');
  const [date, setDate] = useState(() => dateInput(new Date(now)));
  const [time, setTime] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const noteId = useId();
  const timeId = useId();
  const dateId = useId();
  // (a boolean, so a call that rings, or any other change of the calls, does not draw this again)
  const onCall = useSyncExternalStore(engine.subscribe, () => Object.values(engine.getSnapshot().calls.calls).some((c) => c.answeredAt !== null && c.phase !== 'ended'));
  const current = away && Date.parse(away.until) > now ? away : null;
  const mine = current ? `${t('presence.awayUntil', { until: untilText(current.until, now, undefined, { t, locale }) })}${current.note ? `: ${current.note}` : ''}` : onCall ? t('colleagues.onCall') : dnd ? t('app.dnd') : t('presence.available');
  const p = presence.publication;
  const save = (value: Away | null) =>
    api.settings.set({ key: 'away', value }).then(
      () => {
        setEditing(false);
        setProblem(null);
      },
      (e: Error) => setProblem(errorText(e, t)),
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^\d{2}:\d{2}$/.test(time)) {
      setProblem(t('colleagues.sayWhen'));
      return;
    }
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    const until = new Date(y, m - 1, d, hh, mm);
    if (until.getTime() <= Date.now()) {
      setProblem(t('colleagues.passed', { when: `${date} ${time}` }));
      return;
    }
    void save({ until: localIso(until), note: note.trim() });
  };
  return (
    <div className="own-status">
      <p className="own-status__line" role="status" aria-label={t('colleagues.yourStatus')}>
        {t('colleagues.you', { state: mine })}
      </p>
      {(p.state === 'refused' || p.state === 'retrying') && p.reason && <p className="own-status__problem">{t('colleagues.notSeen', { reason: p.reason })}</p>}
      {current ? (
        <button type="button" className="btn btn--small" onClick={() => void save(null)} disabled={locked}>
          {t('colleagues.back')}
        </button>
      ) : !editing ? (
        <button type="button" className="btn btn--small" onClick={() => setEditing(true)} disabled={locked}>
          {t('colleagues.outOfOffice')}
        </button>
      ) : (
        <form className="own-status__form" aria-label={t('colleagues.outForm')} onSubmit={submit}>
          <label htmlFor={noteId}>{t('colleagues.reason')}</label>
          <input id={noteId} value={note} maxLength={maxAwayNote} placeholder={t('colleagues.atMeeting')} onChange={(e) => setNote(e.target.value)} autoFocus autoComplete="off" />
          <label htmlFor={dateId}>{t('colleagues.backOn')}</label>
          <input id={dateId} type="date" value={date} onChange={(e) => setDate(e.target.value)} />
          <label htmlFor={timeId}>{t('colleagues.backAt')}</label>
          <input id={timeId} type="time" value={time} onChange={(e) => setTime(e.target.value)} aria-invalid={problem ? true : undefined} />
          <div className="own-status__actions">
            <button
              type="button"
              className="btn btn--small"
              onClick={() => {
                setDate(dateInput(new Date(Date.now() + 86_400_000)));
                setTime('09:00');
                setNote((n) => n || t('colleagues.backTomorrowNote'));
              }}
            >
              {t('colleagues.backTomorrow')}
            </button>
            <button type="submit" className="btn btn--small btn--answer">
              {t('colleagues.setOut')}
            </button>
            <button type="button" className="btn btn--small" onClick={() => setEditing(false)}>
              {t('transfer.cancel')}
            </button>
          </div>
        </form>
      )}
      {problem && (
        <p role="alert" className="dialer__problem">
          {problem}
        </p>
      )}
    </div>
  );
}
