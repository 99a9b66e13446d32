import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { TFunction } from 'i18next';
import { callerLine, flagText, messageEventText, type InboxMessage, type MessageDraft, type MessageEvent, type MessageList, type RecipientState, type SentMessage } from '../../../common/messages';
import type { Colleague } from '../../../common/provisioning';
import { callFollowUp, type FollowUpDialer } from './CallBack';
import { formatNumber, shortDateTime } from './format';
import { errorText, useLocale } from '../i18n';
import { resolveColleague } from './Transfer';

/**
 * Messages, as the desk sees them: the inbox (messages colleagues took for this desk, with an unread
 * badge; Call back, Mark done, Forward in one action each; each message's history), the messages
 * taken here with how far each got (queued → sent → delivered → done, flagged when not delivered
 * in time), and drafts not sent yet.
 */

const stateLabel = (t: TFunction, state: RecipientState) => t(`messages.state.${state}`);
/** "3 Mar, 15:05" in the UI's locale. */
function useTime() {
  const { locale } = useLocale();
  return (iso: string) => shortDateTime(new Date(iso), locale);
}
const callerOf = (m: { caller: { name: string; company: string; phones: string[] } }, region: string, t: TFunction) =>
  [m.caller.name, m.caller.company].filter(Boolean).join(', ') || (m.caller.phones[0] ? formatNumber(m.caller.phones[0], region) : t('messages.aCaller'));

function History({ events }: { events: readonly MessageEvent[] }) {
  const { t } = useLocale();
  const time = useTime();
  return (
    <ol className="messages-box__history" aria-label={t('history.title')}>
      {events.map((e, i) => (
        <li key={i}>
          {time(e.at)} · {messageEventText(e, t)}
        </li>
      ))}
    </ol>
  );
}

/** What the caller wants, as the read-back and the inbox both show it: subject, their words, what they ask, when to call back. */
export function MessageWhat({ message: m, textClass }: { message: Pick<MessageDraft, 'subject' | 'text' | 'asks' | 'callBack'>; textClass: string }) {
  const { t } = useLocale();
  const w = m.callBack;
  const span = [w.date, w.from && w.to ? `${w.from}–${w.to}` : w.from || w.to].filter(Boolean).join(', ');
  return (
    <>
      {m.subject && (
        <>
          <dt>{t('messages.about')}</dt>
          <dd>{m.subject}</dd>
        </>
      )}
      <dt>{t('messages.message')}</dt>
      <dd className={textClass}>{m.text || '—'}</dd>
      {m.asks.length > 0 && (
        <>
          <dt>{t('messages.asks')}</dt>
          <dd>{m.asks.map((a) => t(`messages.ask.${a}`)).join(', ')}</dd>
        </>
      )}
      {span && (
        <>
          <dt>{t('callBack.title')}</dt>
          <dd>
            {span}
            {w.timeZone ? ` ${t('messages.callerTime', { zone: w.timeZone })}` : ''}
          </dd>
        </>
      )}
    </>
  );
}

/** The caller's card as the message gives it. */
function CallerCard({ item, region }: { item: InboxMessage; region: string }) {
  const { t } = useLocale();
  const time = useTime();
  const m = item.message;
  return (
    <dl className="messages-box__card">
      <dt>{t('sidePanel.caller')}</dt>
      <dd>{callerLine(m) || '—'}</dd>
      {m.caller.phones.length > 0 && (
        <>
          <dt>{t('messages.phone')}</dt>
          <dd>{m.caller.phones.map((p) => formatNumber(p, region)).join(', ')}</dd>
        </>
      )}
      {m.caller.email && (
        <>
          <dt>{t('messages.email')}</dt>
          <dd>{m.caller.email}</dd>
        </>
      )}
      <MessageWhat message={m} textClass="messages-box__text" />
      {m.mood && (
        <>
          <dt>{t('messages.mood')}</dt>
          <dd>{t(`messages.moods.${m.mood}`)}</dd>
        </>
      )}
      <dt>{t('messages.taken')}</dt>
      <dd>
        {t('messages.takenBy', { who: `${m.takenBy.name || m.takenBy.user} (${m.takenBy.user})`, when: time(m.takenAt) })}; {m.readBackAt ? t('messages.readBack') : t('messages.notReadBack')}
        {m.call?.startedAt ? t('messages.duringCall', { when: time(m.call.startedAt) }) : ''}
        {m.forwarded ? t('messages.forwardedBy', { who: m.forwarded.by.name || m.forwarded.by.user }) + (m.forwarded.note ? `: ${m.forwarded.note}` : '') : ''}
      </dd>
    </dl>
  );
}

function InboxItem({ item, api, session, region, localUser, colleagues, agent }: {
  item: InboxMessage;
  api: FrontdeskApi;
  session: FollowUpDialer;
  region: string;
  localUser: string;
  colleagues: readonly Colleague[];
  agent: { user: string; name: string };
}) {
  const { t } = useLocale();
  const time = useTime();
  const m = item.message;
  const [open, setOpen] = useState(false);
  const [forwarding, setForwarding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const who = callerOf(m, region, t);
  const unread = item.readAt === null;
  const markRead = () => {
    if (unread) api.messages.markRead({ localUser, id: m.id }).catch(() => undefined);
  };
  const callBack = async () => {
    markRead();
    const number = m.caller.phones[0];
    if (!number) return setProblem(t('messages.noNumber'));
    try {
      // A call back from a message is a follow-up of its own (once per message): the client call-back script, and the call's wrap-up closes it.
      const followUp = await api.followUps.add({
        source: 'manual',
        number,
        name: m.caller.name || m.caller.company || null,
        clientId: m.clientId,
        reason: [m.subject, m.text].filter(Boolean).join(': ').slice(0, 4000) || t('messages.takenForYou'),
        externalId: `message:${m.id}`,
      });
      setProblem(callFollowUp(api, session, followUp, region, localUser, setProblem, t));
    } catch (error) {
      setProblem(t('messages.cannotCallBack', { error: errorText(error, t) }));
    }
  };
  const label = t('messages.from', { who });
  return (
    <li className={`messages-box__item${unread ? ' messages-box__item--unread' : ''}${item.doneAt ? ' messages-box__item--done' : ''}`}>
      <article aria-label={label}>
        <p className="messages-box__summary">
          {unread && <strong className="messages-box__new">{t('messages.new')} · </strong>}
          {m.asks.includes('urgent') && <strong className="messages-box__urgent">{t('messages.urgent')} · </strong>}
          <span>{who}</span> · {time(item.receivedAt)}
          {item.doneAt && ` · ${t('messages.done')}`}
          {item.forwardedTo && ` · ${t('messages.forwardedTo', { who: item.forwardedTo })}`}
        </p>
        <p className="messages-box__preview">{m.subject || m.text.slice(0, 120)}</p>
        <div className="messages-box__actions">
          <button
            type="button"
            className="btn btn--small"
            aria-expanded={open}
            onClick={() => {
              setOpen(!open);
              markRead();
            }}
            aria-label={open ? t('messages.hideLabel', { who }) : t('messages.openLabel', { who })}
          >
            {open ? t('messages.hide') : t('messages.open')}
          </button>
          {m.caller.phones.length > 0 && (
            <button type="button" className="btn btn--small btn--answer" onClick={() => void callBack()} aria-label={t('history.callBackLabel', { who })}>
              {t('history.callBack')}
            </button>
          )}
          {!item.doneAt && (
            <button type="button" className="btn btn--small" onClick={() => api.messages.markDone({ localUser, id: m.id }).catch((e: Error) => setProblem(errorText(e, t)))} aria-label={t('messages.markDoneLabel', { who })}>
              {t('messages.markDone')}
            </button>
          )}
          {!item.forwardedTo && (
            <button type="button" className="btn btn--small" aria-expanded={forwarding} onClick={() => setForwarding(!forwarding)} aria-label={t('messages.forwardLabel', { who })}>
              {t('messages.forward')}
            </button>
          )}
        </div>
        {forwarding && <ForwardForm api={api} item={item} localUser={localUser} colleagues={colleagues} agent={agent} onDone={() => setForwarding(false)} />}
        {problem && <p role="alert">{problem}</p>}
        {open && (
          <>
            <CallerCard item={item} region={region} />
            <History events={[...item.history]} />
          </>
        )}
      </article>
    </li>
  );
}

function ForwardForm({ api, item, localUser, colleagues, agent, onDone }: {
  api: FrontdeskApi;
  item: InboxMessage;
  localUser: string;
  colleagues: readonly Colleague[];
  agent: { user: string; name: string };
  onDone: () => void;
}) {
  const { t } = useLocale();
  const [who, setWho] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [newId] = useState(() => crypto.randomUUID());
  const base = `forward-${item.message.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const target = resolveColleague(colleagues, who);
    if (!target) return setProblem(who.trim() ? t('colleagues.noMatch', { query: who.trim() }) : t('messages.chooseForward'));
    api.messages
      .forward({ localUser, id: item.message.id, newId, to: [{ extension: target.number, name: target.displayName ?? '' }], note, by: agent })
      .then(onDone, (err: Error) => setProblem(errorText(err, t)));
  };
  return (
    <form className="messages-box__forward" aria-label={t('messages.forwardForm')} onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label htmlFor={`${base}-who`}>{t('messages.forwardTo')}</label>
      <input id={`${base}-who`} value={who} onChange={(e) => setWho(e.target.value)} autoComplete="off" autoFocus list={`${base}-colleagues`} />
      <datalist id={`${base}-colleagues`}>
        {colleagues.map((c) => (
          <option key={c.extension} value={c.extension}>
            {c.name}
          </option>
        ))}
      </datalist>
      <label htmlFor={`${base}-note`}>{t('messages.noteOptional')}</label>
      <input id={`${base}-note`} value={note} onChange={(e) => setNote(e.target.value)} autoComplete="off" />
      <button type="submit" className="btn btn--small">
        {t('messages.forward')}
      </button>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}

function SentItem({ item, api, localUser, region }: { item: SentMessage; api: FrontdeskApi; localUser: string; region: string }) {
  const { t } = useLocale();
  const time = useTime();
  const [open, setOpen] = useState(false);
  const m = item.message;
  const forWhom = item.recipients.map((r) => (r.name ? `${r.name} (${r.extension})` : r.extension)).join(', ');
  const label = t('messages.for', { who: forWhom });
  return (
    <li className={`messages-box__item messages-box__item--${item.state}`}>
      <article aria-label={label}>
        <p className="messages-box__summary">
          {t('messages.sentSummary', { to: forWhom, from: callerOf(m, region, t), when: time(item.savedAt) })}
        </p>
        <p role="status" aria-label={t('messages.delivery', { who: forWhom })} className="messages-box__state">
          {item.recipients.length === 1 ? stateLabel(t, item.state) : item.recipients.map((r) => `${r.name || r.extension}: ${stateLabel(t, r.state)}`).join(' · ')}
        </p>
        {item.flag && (
          <p role="alert" className="notice notice--warning">
            {flagText(item, t)}
          </p>
        )}
        <div className="messages-box__actions">
          <button type="button" className="btn btn--small" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={t('messages.historyLabel', { who: forWhom })}>
            {t('history.title')}
          </button>
          {item.state !== 'done' && item.state !== 'delivered' && (
            <button type="button" className="btn btn--small" onClick={() => void api.messages.retry({ localUser, id: m.id }).catch(() => null)} aria-label={t('messages.sendAgainLabel', { who: forWhom })}>
              {t('messages.sendAgain')}
            </button>
          )}
        </div>
        {open && (
          <>
            <History events={[...item.history]} />
            <ol className="messages-box__attempts" aria-label={t('messages.attempts')}>
              {item.attempts.map((a, i) => (
                <li key={i}>
                  {time(a.at)} · {t('messages.attempt', { channel: t(`messages.channel.${a.channel}`), target: a.target, result: a.result })}
                </li>
              ))}
            </ol>
          </>
        )}
      </article>
    </li>
  );
}

export function Messages({ api, session, localUser, region, colleagues, agent, notice, onNew, onResume }: {
  api: FrontdeskApi;
  session: FollowUpDialer;
  localUser: string | null;
  region: string;
  colleagues: readonly Colleague[];
  agent: { user: string; name: string } | null;
  /** What was just done ("Message for Accounting (1002) saved"). */
  notice: string | null;
  onNew: () => void;
  onResume: (draft: MessageDraft) => void;
}) {
  const { t } = useLocale();
  const time = useTime();
  const [list, setList] = useState<MessageList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    if (!localUser) return;
    api.messages.list({ localUser }).then(
      (l) => {
        setList(l);
        setError(null);
      },
      (e: Error) => setError(t('messages.cannotRead', { error: errorText(e, t) })),
    );
  }, [api, localUser, t]);
  useEffect(() => {
    load();
    const off = api.messages.onChanged(load);
    // A message becomes late by the clock alone (the flag).
    const timer = setInterval(load, 30_000);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [api, load]);
  if (!localUser || !agent) return null;
  const unread = list?.unread ?? 0;
  return (
    <section className="messages-box" aria-label={t('messages.title')}>
      <h2 className="messages-box__heading">
        {t('messages.title')}
        {unread > 0 && (
          <span className="badge" aria-label={t('messages.unread', { count: unread })}>
            {unread}
          </span>
        )}
        {(list?.flagged ?? 0) > 0 && <span className="badge badge--warn" aria-label={t('messages.flagged', { count: list!.flagged })}>!</span>}
      </h2>
      <button type="button" className="btn btn--small" onClick={onNew}>
        {t('messages.newMessage')}
      </button>
      <p role="status" className="messages-box__notice" aria-label={t('messages.notice')}>
        {notice ?? ''}
      </p>
      {error && <p role="alert">{error}</p>}
      {list && list.drafts.length > 0 && (
        <>
          <h3>{t('messages.drafts')}</h3>
          <ul className="messages-box__list" aria-label={t('messages.draftsLabel')}>
            {list.drafts.map(({ draft, updatedAt }) => {
              const to = draft.recipients.map((r) => r.name || r.extension).join(', ') || t('messages.noOneYet');
              const what = draft.caller.name ? t('messages.draftWhatFrom', { to, from: draft.caller.name }) : to;
              return (
                <li key={draft.id}>
                  {t('messages.draftFor', { what })} · {time(updatedAt)}{' '}
                  <button type="button" className="btn btn--small" onClick={() => onResume(draft)} aria-label={t('messages.continueLabel', { what })}>
                    {t('messages.continue')}
                  </button>
                  <button type="button" className="btn btn--small" onClick={() => void api.messages.discardDraft({ localUser, id: draft.id }).then(load)} aria-label={t('messages.discardLabel', { what })}>
                    {t('messages.discard')}
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <h3>{t('messages.forYou')}</h3>
      {list && list.inbox.length === 0 && <p className="messages-box__empty">{t('messages.noneForYou')}</p>}
      <ul className="messages-box__list" aria-label={t('messages.forYouLabel')}>
        {list?.inbox.map((item) => (
          <InboxItem key={item.message.id} item={item} api={api} session={session} region={region} localUser={localUser} colleagues={colleagues} agent={agent} />
        ))}
      </ul>
      {list && list.sent.length > 0 && (
        <>
          <h3>{t('messages.takenHere')}</h3>
          <ul className="messages-box__list" aria-label={t('messages.takenHereLabel')}>
            {list.sent.map((item) => (
              <SentItem key={item.message.id} item={item} api={api} localUser={localUser} region={region} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
