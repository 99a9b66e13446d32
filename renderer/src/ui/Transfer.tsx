import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { Colleague } from '../../../common/provisioning';
import { absenceSentence, colleagueState, describeState, isAbsent } from '../../../common/presence';
import { HandoffNoteSchema, transferWarningAt, type HandoffNote } from '../../../common/transfer';
import { liveCalls, type Call, type Party } from '../sip/callMachine';
import type { TextMessage } from '../sip/engine';
import type { CallSession } from '../session';
import type { PresenceSnapshot } from '../sip/presence';
import { clockTime, formatNumber } from './format';
import { useLocale } from '../i18n';
import { issueData, issuesText } from '../../../common/said';

/**
 * Transfers, as the agent sees them: the dialog that picks the colleague and writes the handoff
 * note, the transfer's progress on the caller's call, the note on the colleague's side, and the
 * offer to take a message when the colleague cannot take the caller.
 */

const partyName = (p: Party) => (p.displayName && p.displayName !== p.number ? `${p.displayName} (${p.number})` : p.number);

const folded = (v: string) => v.trim().toLowerCase().replace(/ё/g, 'е');

/** Colleagues whose name, department or extension contains what was typed. */
export function matchColleagues(colleagues: readonly Colleague[], text: string): Colleague[] {
  const q = folded(text);
  if (!q) return [...colleagues];
  return colleagues.filter((c) => [c.name, c.extension, c.department ?? ''].some((v) => folded(v).includes(q)));
}

/**
 * The colleague a typed text means: an exact extension, the one colleague of exactly that name
 * (others of a department called so do not make it ambiguous), the one match, or a dialable extension.
 */
export function resolveColleague(colleagues: readonly Colleague[], text: string): Party | null {
  const typed = text.trim();
  if (!typed) return null;
  const exact = colleagues.find((c) => c.extension === typed || `${c.name} (${c.extension})` === typed);
  if (exact) return { number: exact.extension, displayName: exact.name };
  const named = colleagues.filter((c) => folded(c.name) === folded(typed));
  if (named.length === 1) return { number: named[0]!.extension, displayName: named[0]!.name };
  const matches = matchColleagues(colleagues, typed);
  if (matches.length === 1) return { number: matches[0]!.extension, displayName: matches[0]!.name };
  if (/^[0-9*#+]{2,32}$/.test(typed)) return { number: typed, displayName: null };
  return null;
}

/**
 * "Absent first": before a call is placed to a colleague who is out, busy or offline, the dialog says
 * so (the receptionist tells the caller that first, then asks who is calling) and offers what else
 * to do: take a message, another colleague of the same department who is available, or try anyway.
 */
/** The transfer commands of the session (session.ts). */
export type TransferCommands = Pick<CallSession, 'snapshot' | 'startTransfer' | 'completeTransfer' | 'cancelTransfer' | 'blindTransferInstead'>;

export function TransferDialog({ api, session, call, colleagues, agent, region, presence, now, initialWho = '', onTakeMessage, onClose }: {
  api: FrontdeskApi;
  session: TransferCommands;
  call: Call;
  colleagues: readonly Colleague[];
  agent: { user: string; displayName: string | null };
  region: string;
  presence: PresenceSnapshot;
  now: number;
  /** The colleague already chosen (from the Colleagues panel). */
  initialWho?: string;
  /** Instead of the transfer: a message for the colleague, with the note as typed so far. */
  onTakeMessage: (colleague: Party, note: HandoffNote) => void;
  onClose: () => void;
}) {
  const { t, locale } = useLocale();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const absentRef = useRef<HTMLElement>(null);
  const [who, setWho] = useState(initialWho);
  /** The colleague the agent chose to try although they are absent, and what they pressed. */
  const [tryAnyway, setTryAnyway] = useState<string | null>(null);
  const [note, setNote] = useState<HandoffNote>(() =>
    HandoffNoteSchema.parse({
      callerName: call.subject.displayName ?? '',
      callerNumber: call.subject.number,
      fromUser: agent.user,
      fromName: agent.displayName ?? '',
      // A caller handed to us keeps the note they came with.
      ...(call.handoff ? { company: call.handoff.note.company, reason: call.handoff.note.reason, identifiers: call.handoff.note.identifiers, callerName: call.handoff.note.callerName || (call.subject.displayName ?? '') } : {}),
    }),
  );
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
  }, []);

  // Prefill from the client card (what the script captured is saved on it as the agent goes).
  useEffect(() => {
    let live = true;
    if (!/\d/.test(call.subject.number)) return;
    api.directory.findByNumber({ number: call.subject.number }).then(
      (clients) => {
        const c = clients[0];
        if (!live || !c) return;
        setNote((n) => ({
          ...n,
          callerName: n.callerName || c.name || '',
          company: n.company || c.company || '',
          reason: n.reason || c.request || '',
          identifiers: n.identifiers || (c.agreements ?? ''),
          text: n.text || [c.urgency && t('transfer.urgency', { urgency: c.urgency }), c.accountManager && t('card.manager', { who: c.accountManager })].filter(Boolean).join('; '),
        }));
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
    // (the prefill is made once, in the language of the moment)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, call.subject.number]);

  const matches = useMemo(() => matchColleagues(colleagues, who).slice(0, 8), [colleagues, who]);
  // Whether this desk is on a call with a colleague right now (their state says the rest).
  const onCallWith = new Set(liveCalls(session.snapshot().calls).map((c) => c.remote.number));
  const stateOf = (extension: string) => colleagueState(presence.colleagues[extension], now);
  const target = resolveColleague(colleagues, who);
  const targetColleague = target ? colleagues.find((c) => c.extension === target.number) : undefined;
  const targetState = targetColleague ? stateOf(targetColleague.extension) : null;
  const absent = target && targetState && isAbsent(targetState) && tryAnyway !== target.number ? targetState : null;
  const targetName = target ? (target.displayName ?? target.number) : '';
  // Others of the same department who are in.
  const instead = absent && targetColleague?.department
    ? colleagues.filter((c) => c.extension !== targetColleague.extension && c.extension !== agent.user && c.department === targetColleague.department && stateOf(c.extension).kind === 'available').slice(0, 3)
    : [];
  const set = (key: keyof HandoffNote) => (e: { target: { value: string } }) => setNote((n) => ({ ...n, [key]: e.target.value }));
  const [pendingKind, setPendingKind] = useState<'warm' | 'blind'>('warm');
  const go = (kind: 'warm' | 'blind', anyway = false) => {
    if (!target) {
      setProblem(who.trim() ? t('transfer.noMatch', { who: who.trim() }) : t('transfer.chooseFirst'));
      return;
    }
    if (absent && !anyway) {
      // Nothing is placed: the agent hears first that the colleague is out, and chooses.
      setPendingKind(kind);
      absentRef.current?.querySelector<HTMLButtonElement>('button')?.focus();
      return;
    }
    const parsed = HandoffNoteSchema.safeParse(note);
    if (!parsed.success) {
      setProblem(issuesText(issueData(parsed.error.issues), t));
      return;
    }
    if (!session.startTransfer(call.id, kind, target, parsed.data)) {
      setProblem(t('transfer.cannot'));
      return;
    }
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go('warm');
  };
  const label = t('transfer.label', { who: partyName({ ...call.subject, number: formatNumber(call.subject.number, region) }) });
  const id = (k: string) => `transfer-${call.id}-${k}`;
  return (
    <dialog ref={dialogRef} className="dialog" aria-label={label} onClose={onClose} onCancel={onClose}>
      <form method="dialog" onSubmit={submit}>
        <h2>{label}</h2>
        {call.transfers >= transferWarningAt && (
          <p role="alert" className="notice notice--warning">
            {t('transfer.manyTimes', { count: call.transfers })}
          </p>
        )}
        <label htmlFor={id('who')}>{t('transfer.who')}</label>
        <input
          id={id('who')}
          value={who}
          autoFocus
          autoComplete="off"
          onChange={(e) => {
            setWho(e.target.value);
            setProblem(null);
          }}
          aria-describedby={id('target')}
        />
        {matches.length > 0 && (
          <ul className="transfer__matches" aria-label={t('transfer.colleagues')}>
            {matches.map((c) => (
              <li key={c.extension}>
                <button type="button" className="btn btn--small" aria-pressed={target?.number === c.extension} onClick={() => setWho(c.extension)}>
                  {c.name} ({c.extension}){c.department ? `, ${c.department}` : ''}
                  {onCallWith.has(c.extension) ? ` — ${t('transfer.onCallWithYou')}` : ` — ${describeState(stateOf(c.extension), now, undefined, { t, locale })}`}
                </button>
              </li>
            ))}
          </ul>
        )}
        <p id={id('target')} className="transfer__target">
          {target ? t('transfer.to', { who: partyName(target) }) : t('transfer.noneChosen')}
        </p>
        {absent && target && (
          <section ref={absentRef} role="alert" aria-label={t('transfer.notAvailable', { who: targetName })} className="notice notice--warning transfer__absent">
            <p>
              <strong>{absenceSentence(targetName, absent, now, undefined, { t, locale })}.</strong> {t('transfer.tellFirst')}
            </p>
            <div className="dialog__actions">
              <button type="button" className="btn btn--answer" onClick={() => onTakeMessage(target, note)}>
                {t('transfer.messageFor', { who: targetName })}
              </button>
              {instead.map((c) => (
                <button
                  key={c.extension}
                  type="button"
                  className="btn"
                  onClick={() => {
                    setWho(c.extension);
                    setProblem(null);
                  }}
                >
                  {t('transfer.instead', { who: `${c.name} (${c.extension})` })}
                </button>
              ))}
              <button
                type="button"
                className="btn"
                onClick={() => {
                  setTryAnyway(target.number);
                  go(pendingKind, true);
                }}
              >
                {t('transfer.tryAnyway')}
              </button>
            </div>
          </section>
        )}
        <fieldset className="transfer__note">
          <legend>{t('history.handoffNote')}</legend>
          <label htmlFor={id('name')}>{t('transfer.callerName')}</label>
          <input id={id('name')} value={note.callerName} onChange={set('callerName')} autoComplete="off" />
          <label htmlFor={id('company')}>{t('crm.company')}</label>
          <input id={id('company')} value={note.company} onChange={set('company')} autoComplete="off" />
          <label htmlFor={id('reason')}>{t('transfer.reason')}</label>
          <input id={id('reason')} value={note.reason} onChange={set('reason')} autoComplete="off" />
          <label htmlFor={id('ids')}>{t('transfer.ids')}</label>
          <input id={id('ids')} value={note.identifiers} onChange={set('identifiers')} autoComplete="off" />
          <label htmlFor={id('text')}>{t('transfer.note')}</label>
          <textarea id={id('text')} value={note.text} onChange={set('text')} rows={3} />
        </fieldset>
        {problem && (
          <p role="alert" className="dialer__problem">
            {problem}
          </p>
        )}
        <div className="dialog__actions">
          <button type="submit" className="btn btn--answer">
            {t('transfer.callColleague')}
          </button>
          <button type="button" className="btn" onClick={() => go('blind')}>
            {t('transfer.blind')}
          </button>
          <button type="button" className="btn" onClick={onClose}>
            {t('transfer.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** The transfer of this call (the caller's leg): where it stands, and what the agent can do now. */
export function TransferStatus({ call, consult, session, onTakeMessage }: {
  call: Call;
  consult: Call | null;
  session: TransferCommands;
  onTakeMessage: (call: Call, colleague: Party) => void;
}) {
  const { t } = useLocale();
  const tr = call.transfer;
  if (!tr || call.phase === 'ended') return null;
  const to = partyName(tr.target);
  let text: string;
  if (tr.stage === 'failed') text = tr.problem ?? t('transfer.didNotHappen');
  else if (tr.stage === 'completing') text = t('transfer.handingOver', { who: to });
  else if (tr.kind === 'blind') text = t('transfer.sending', { who: to });
  else if (consult && consult.phase === 'active') text = t('transfer.talking', { who: to });
  else text = t('transfer.calling', { who: to });
  return (
    <section className={`transfer transfer--${tr.stage}`} aria-label={t('call.transfer')}>
      <p role="status" aria-label={t('transfer.status')}>
        {text}
      </p>
      <div className="call__actions">
        {tr.stage === 'consulting' && tr.kind === 'warm' && (
          <>
            <button type="button" className="btn btn--answer" onClick={() => session.completeTransfer(call.id)} aria-keyshortcuts="Alt+C">
              {t('transfer.complete')}
            </button>
            <button type="button" className="btn" onClick={() => session.cancelTransfer(call.id)}>
              {t('transfer.cancelTransfer')}
            </button>
          </>
        )}
        {tr.stage === 'failed' && (
          <>
            {tr.offerMessage && (
              <button type="button" className="btn btn--answer" onClick={() => onTakeMessage(call, tr.target)}>
                {t('transfer.messageFor', { who: tr.target.displayName ?? tr.target.number })}
              </button>
            )}
            {tr.referRefused && (
              <button type="button" className="btn" onClick={() => session.blindTransferInstead(call.id)}>
                {t('transfer.blindInstead')}
              </button>
            )}
            <button type="button" className="btn" onClick={() => session.cancelTransfer(call.id)}>
              {tr.referRefused ? t('transfer.keepCaller') : t('call.dismiss')}
            </button>
          </>
        )}
      </div>
    </section>
  );
}

/** On the colleague's side: the note that came with the call, before they take it. */
export function HandoffNoteView({ call, region }: { call: Call; region: string }) {
  const { t } = useLocale();
  const h = call.handoff;
  if (!h) return null;
  const n = h.note;
  const from = n.fromName ? `${n.fromName}${n.fromUser ? ` (${n.fromUser})` : ''}` : n.fromUser || t('transfer.aColleague');
  return (
    <section className="handoff" aria-label={t('transfer.noteFrom', { who: from })}>
      <h3 className="handoff__title">{h.kind === 'warm' ? t('transfer.warmFrom', { who: from }) : t('transfer.blindFrom', { who: from })}</h3>
      <dl className="handoff__fields">
        {(n.callerName || n.callerNumber) && (
          <>
            <dt>{t('sidePanel.caller')}</dt>
            <dd>{[n.callerName, n.callerNumber && formatNumber(n.callerNumber, region)].filter(Boolean).join(', ')}</dd>
          </>
        )}
        {n.company && (
          <>
            <dt>{t('crm.company')}</dt>
            <dd>{n.company}</dd>
          </>
        )}
        {n.reason && (
          <>
            <dt>{t('transfer.reasonShort')}</dt>
            <dd>{n.reason}</dd>
          </>
        )}
        {n.identifiers && (
          <>
            <dt>{t('transfer.reference')}</dt>
            <dd>{n.identifiers}</dd>
          </>
        )}
        {n.text && (
          <>
            <dt>{t('transfer.note')}</dt>
            <dd>{n.text}</dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** "Transferred twice": on every side of a transferred call. */
export function TransferCount({ call }: { call: Call }) {
  const { t } = useLocale();
  if (call.transfers <= 0) return null;
  return (
    <span className={`call__transfers${call.transfers >= transferWarningAt ? ' call__transfers--warn' : ''}`}>
      {' '}
      · {t('transfer.transferredTimes', { count: call.transfers })}
    </span>
  );
}

/** Text messages received (colleagues' notes and any other SIP MESSAGE), newest first. */
export function TextMessages({ messages, region }: { messages: readonly TextMessage[]; region: string }) {
  const { t, locale } = useLocale();
  if (messages.length === 0) return null;
  return (
    <section className="messages" aria-label={t('transfer.textMessages')}>
      <h2 className="messages__title">{t('transfer.textMessages')}</h2>
      <ol role="log" aria-label={t('transfer.received')}>
        {[...messages].reverse().map((m) => (
          <li key={m.id} className="messages__item">
            <p className="messages__from">
              {m.from.displayName ? `${m.from.displayName} (${m.from.number})` : formatNumber(m.from.number, region)} ·{' '}
              {clockTime(new Date(m.at), locale)}
            </p>
            <p className="messages__body">{m.body}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
