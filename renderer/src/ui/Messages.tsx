import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { askLabels, callerLine, moodLabels, type InboxMessage, type MessageDraft, type MessageEvent, type MessageList, type RecipientState, type SentMessage } from '../../../common/messages';
import type { Colleague } from '../../../common/provisioning';
import { callFollowUp, type FollowUpDialer } from './CallBack';
import { formatNumber } from './format';
import { resolveColleague } from './Transfer';

/**
 * Messages, as the desk sees them: the inbox (messages colleagues took for this desk, with an unread
 * badge; Call back, Mark done, Forward in one action each; each message's history), the messages
 * taken here with how far each got (queued → sent → delivered → done, flagged when not delivered
 * in time), and drafts not sent yet.
 */

const stateLabels: Record<RecipientState, string> = { queued: 'Queued', sent: 'Sent', delivered: 'Delivered', done: 'Done' };
const time = (iso: string) => new Date(iso).toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const callerOf = (m: { caller: { name: string; company: string; phones: string[] } }, region: string) =>
  [m.caller.name, m.caller.company].filter(Boolean).join(', ') || (m.caller.phones[0] ? formatNumber(m.caller.phones[0], region) : 'a caller');

function History({ events }: { events: readonly MessageEvent[] }) {
  return (
    <ol className="messages-box__history" aria-label="History">
      {events.map((e, i) => (
        <li key={i}>
          {time(e.at)} · {e.what}
          {e.detail ? `: ${e.detail}` : ''}
        </li>
      ))}
    </ol>
  );
}

/** What the caller wants, as the read-back and the inbox both show it: subject, their words, what they ask, when to call back. */
export function MessageWhat({ message: m, textClass }: { message: Pick<MessageDraft, 'subject' | 'text' | 'asks' | 'callBack'>; textClass: string }) {
  const w = m.callBack;
  const span = [w.date, w.from && w.to ? `${w.from}–${w.to}` : w.from || w.to].filter(Boolean).join(', ');
  return (
    <>
      {m.subject && (
        <>
          <dt>About</dt>
          <dd>{m.subject}</dd>
        </>
      )}
      <dt>Message</dt>
      <dd className={textClass}>{m.text || '—'}</dd>
      {m.asks.length > 0 && (
        <>
          <dt>Asks</dt>
          <dd>{m.asks.map((a) => askLabels[a]).join(', ')}</dd>
        </>
      )}
      {span && (
        <>
          <dt>Call back</dt>
          <dd>
            {span}
            {w.timeZone ? ` (caller's time, ${w.timeZone})` : ''}
          </dd>
        </>
      )}
    </>
  );
}

/** The caller's card as the message gives it. */
function CallerCard({ item, region }: { item: InboxMessage; region: string }) {
  const m = item.message;
  return (
    <dl className="messages-box__card">
      <dt>Caller</dt>
      <dd>{callerLine(m) || '—'}</dd>
      {m.caller.phones.length > 0 && (
        <>
          <dt>Phone</dt>
          <dd>{m.caller.phones.map((p) => formatNumber(p, region)).join(', ')}</dd>
        </>
      )}
      {m.caller.email && (
        <>
          <dt>E-mail</dt>
          <dd>{m.caller.email}</dd>
        </>
      )}
      <MessageWhat message={m} textClass="messages-box__text" />
      {m.mood && (
        <>
          <dt>Mood</dt>
          <dd>{moodLabels[m.mood]}</dd>
        </>
      )}
      <dt>Taken</dt>
      <dd>
        by {m.takenBy.name || m.takenBy.user} ({m.takenBy.user}), {time(m.takenAt)}; {m.readBackAt ? 'read back to the caller' : 'not read back'}
        {m.call?.startedAt ? `; during a call at ${time(m.call.startedAt)}` : ''}
        {m.forwarded ? `; forwarded by ${m.forwarded.by.name || m.forwarded.by.user}${m.forwarded.note ? `: ${m.forwarded.note}` : ''}` : ''}
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
  const m = item.message;
  const [open, setOpen] = useState(false);
  const [forwarding, setForwarding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const who = callerOf(m, region);
  const unread = item.readAt === null;
  const markRead = () => {
    if (unread) api.messages.markRead({ localUser, id: m.id }).catch(() => undefined);
  };
  const callBack = async () => {
    markRead();
    const number = m.caller.phones[0];
    if (!number) return setProblem('The message has no phone number to call');
    try {
      // A call back from a message is a follow-up of its own (once per message): the client call-back script, and the call's wrap-up closes it.
      const followUp = await api.followUps.add({
        source: 'manual',
        number,
        name: m.caller.name || m.caller.company || null,
        clientId: m.clientId,
        reason: [m.subject, m.text].filter(Boolean).join(': ').slice(0, 4000) || 'Message taken for you',
        externalId: `message:${m.id}`,
      });
      setProblem(callFollowUp(api, session, followUp, region, localUser, setProblem));
    } catch (error) {
      setProblem(`Cannot call back: ${(error as Error).message}`);
    }
  };
  const label = `Message from ${who}`;
  return (
    <li className={`messages-box__item${unread ? ' messages-box__item--unread' : ''}${item.doneAt ? ' messages-box__item--done' : ''}`}>
      <article aria-label={label}>
        <p className="messages-box__summary">
          {unread && <strong className="messages-box__new">New · </strong>}
          {m.asks.includes('urgent') && <strong className="messages-box__urgent">Urgent · </strong>}
          <span>{who}</span> · {time(item.receivedAt)}
          {item.doneAt && ' · done'}
          {item.forwardedTo && ` · forwarded to ${item.forwardedTo}`}
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
            aria-label={`${open ? 'Hide' : 'Open'} the message from ${who}`}
          >
            {open ? 'Hide' : 'Open'}
          </button>
          {m.caller.phones.length > 0 && (
            <button type="button" className="btn btn--small btn--answer" onClick={() => void callBack()} aria-label={`Call back ${who}`}>
              Call back
            </button>
          )}
          {!item.doneAt && (
            <button type="button" className="btn btn--small" onClick={() => api.messages.markDone({ localUser, id: m.id }).catch((e: Error) => setProblem(e.message))} aria-label={`Mark done: ${who}`}>
              Mark done
            </button>
          )}
          {!item.forwardedTo && (
            <button type="button" className="btn btn--small" aria-expanded={forwarding} onClick={() => setForwarding(!forwarding)} aria-label={`Forward: ${who}`}>
              Forward
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
  const [who, setWho] = useState('');
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [newId] = useState(() => crypto.randomUUID());
  const base = `forward-${item.message.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const target = resolveColleague(colleagues, who);
    if (!target) return setProblem(who.trim() ? `No colleague matches "${who.trim()}"` : 'Choose who to forward it to');
    api.messages
      .forward({ localUser, id: item.message.id, newId, to: [{ extension: target.number, name: target.displayName ?? '' }], note, by: agent })
      .then(onDone, (err: Error) => setProblem(err.message));
  };
  return (
    <form className="messages-box__forward" aria-label="Forward the message" onSubmit={submit} onKeyDown={(e) => e.key === 'Escape' && onDone()}>
      <label htmlFor={`${base}-who`}>Forward to (name or extension)</label>
      <input id={`${base}-who`} value={who} onChange={(e) => setWho(e.target.value)} autoComplete="off" autoFocus list={`${base}-colleagues`} />
      <datalist id={`${base}-colleagues`}>
        {colleagues.map((c) => (
          <option key={c.extension} value={c.extension}>
            {c.name}
          </option>
        ))}
      </datalist>
      <label htmlFor={`${base}-note`}>Note (optional)</label>
      <input id={`${base}-note`} value={note} onChange={(e) => setNote(e.target.value)} autoComplete="off" />
      <button type="submit" className="btn btn--small">
        Forward
      </button>
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}

function SentItem({ item, api, localUser, region }: { item: SentMessage; api: FrontdeskApi; localUser: string; region: string }) {
  const [open, setOpen] = useState(false);
  const m = item.message;
  const forWhom = item.recipients.map((r) => (r.name ? `${r.name} (${r.extension})` : r.extension)).join(', ');
  const label = `Message for ${forWhom}`;
  return (
    <li className={`messages-box__item messages-box__item--${item.state}`}>
      <article aria-label={label}>
        <p className="messages-box__summary">
          For {forWhom} · from {callerOf(m, region)} · {time(item.savedAt)}
        </p>
        <p role="status" aria-label={`Delivery of the message for ${forWhom}`} className="messages-box__state">
          {item.recipients.length === 1 ? stateLabels[item.state] : item.recipients.map((r) => `${r.name || r.extension}: ${stateLabels[r.state]}`).join(' · ')}
        </p>
        {item.flag && (
          <p role="alert" className="notice notice--warning">
            {item.flag}
          </p>
        )}
        <div className="messages-box__actions">
          <button type="button" className="btn btn--small" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={`History of the message for ${forWhom}`}>
            History
          </button>
          {item.state !== 'done' && item.state !== 'delivered' && (
            <button type="button" className="btn btn--small" onClick={() => void api.messages.retry({ localUser, id: m.id }).catch(() => null)} aria-label={`Send again: the message for ${forWhom}`}>
              Send again
            </button>
          )}
        </div>
        {open && (
          <>
            <History events={[...item.history]} />
            <ol className="messages-box__attempts" aria-label="Delivery attempts">
              {item.attempts.map((a, i) => (
                <li key={i}>
                  {time(a.at)} · {a.channel === 'sip' ? 'SIP MESSAGE' : a.channel === 'email' ? 'e-mail' : 'webhook'} to {a.target}: {a.result}
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
  const [list, setList] = useState<MessageList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    if (!localUser) return;
    api.messages.list({ localUser }).then(
      (l) => {
        setList(l);
        setError(null);
      },
      (e: Error) => setError(`Messages cannot be read: ${e.message}`),
    );
  }, [api, localUser]);
  useEffect(() => {
    load();
    const off = api.messages.onChanged(load);
    // A message becomes late by the clock alone (the flag).
    const t = setInterval(load, 30_000);
    return () => {
      off();
      clearInterval(t);
    };
  }, [api, load]);
  if (!localUser || !agent) return null;
  const unread = list?.unread ?? 0;
  return (
    <section className="messages-box" aria-label="Messages">
      <h2 className="messages-box__heading">
        Messages
        {unread > 0 && (
          <span className="badge" aria-label={`${unread} unread`}>
            {unread}
          </span>
        )}
        {(list?.flagged ?? 0) > 0 && <span className="badge badge--warn" aria-label={`${list!.flagged} not delivered in time`}>!</span>}
      </h2>
      <button type="button" className="btn btn--small" onClick={onNew}>
        New message
      </button>
      <p role="status" className="messages-box__notice" aria-label="Messages notice">
        {notice ?? ''}
      </p>
      {error && <p role="alert">{error}</p>}
      {list && list.drafts.length > 0 && (
        <>
          <h3>Drafts</h3>
          <ul className="messages-box__list" aria-label="Message drafts">
            {list.drafts.map(({ draft, updatedAt }) => {
              const what = `${draft.recipients.map((r) => r.name || r.extension).join(', ') || 'no one yet'}${draft.caller.name ? ` from ${draft.caller.name}` : ''}`;
              return (
                <li key={draft.id}>
                  Draft for {what} · {time(updatedAt)}{' '}
                  <button type="button" className="btn btn--small" onClick={() => onResume(draft)} aria-label={`Continue the draft for ${what}`}>
                    Continue
                  </button>
                  <button type="button" className="btn btn--small" onClick={() => void api.messages.discardDraft({ localUser, id: draft.id }).then(load)} aria-label={`Discard the draft for ${what}`}>
                    Discard
                  </button>
                </li>
              );
            })}
          </ul>
        </>
      )}
      <h3>For you</h3>
      {list && list.inbox.length === 0 && <p className="messages-box__empty">No messages for you.</p>}
      <ul className="messages-box__list" aria-label="Messages for you">
        {list?.inbox.map((item) => (
          <InboxItem key={item.message.id} item={item} api={api} session={session} region={region} localUser={localUser} colleagues={colleagues} agent={agent} />
        ))}
      </ul>
      {list && list.sent.length > 0 && (
        <>
          <h3>Taken here</h3>
          <ul className="messages-box__list" aria-label="Messages taken here">
            {list.sent.map((item) => (
              <SentItem key={item.message.id} item={item} api={api} localUser={localUser} region={region} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
