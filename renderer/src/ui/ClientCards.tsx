import { useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import type { FrontdeskApi } from '../../../common/contract';
import type { Client } from '../../../common/directory';
import { callerClients, callerKey, settledCallerClients } from '../callerLookup';
import type { Call } from '../sip/callMachine';
import { formatNumber } from './format';
import { LastCalls } from './LastCalls';
import { errorText, useLocale } from '../i18n';

/** The editable fields of the card, in the order the agent reads them (their labels: card.field.*). */
const editable = ['name', 'preferredAddress', 'company', 'position', 'request', 'urgency', 'priceQuoted', 'agreements', 'nextStep', 'nextStepDate', 'notes'] as const satisfies readonly (keyof Client)[];
type EditableKey = (typeof editable)[number];

function Field({ client, field, label, onSave }: { client: Client; field: EditableKey; label: string; onSave: (field: EditableKey, value: string | null) => void }) {
  const stored = client[field] ?? '';
  const [draft, setDraft] = useState(stored);
  // The card changed elsewhere (a script answer, the wrap-up, another window): the field takes the
  // new value, unless the agent is typing in it, whose words are never thrown away.
  const [base, setBase] = useState(stored);
  if (stored !== base) {
    setBase(stored);
    if (draft === base) setDraft(stored);
  }
  const id = `client-${client.id}-${field}`;
  const long = field === 'notes' || field === 'request' || field === 'agreements';
  const commit = () => {
    if (draft.trim() !== stored) onSave(field, draft.trim() || null);
  };
  return (
    <div className="card__edit">
      <label htmlFor={id}>{label}</label>
      {long ? (
        <textarea id={id} rows={2} value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit} />
      ) : (
        <input
          id={id}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => e.key === 'Enter' && commit()}
          autoComplete="off"
        />
      )}
    </div>
  );
}

/** One client card, editable during the call; every edit is saved at once. */
export function ClientCard({ api, client, region, onSaved }: { api: FrontdeskApi; client: Client; region: string; onSaved: (c: Client) => void }) {
  const { t } = useLocale();
  const [status, setStatus] = useState<string | null>(null);
  const save = (field: EditableKey, value: string | null) => {
    setStatus(t('card.saving'));
    api.directory.update({ id: client.id, patch: { [field]: value } }).then(
      (c) => {
        onSaved(c);
        setStatus(t('card.saved'));
      },
      (e: Error) => setStatus(t('card.notSaved', { error: errorText(e, t) })),
    );
  };
  const title = client.name ?? client.company ?? formatNumber(client.phones[0]?.number ?? '', region);
  return (
    <article className="card" aria-label={t('card.label', { title })}>
      <h3 className="card__name">{title}</h3>
      <p className="card__phones">{client.phones.map((p) => formatNumber(p.number, region)).join(', ')}</p>
      {client.tags.length > 0 && (
        <ul className="card__tags" aria-label={t('crm.tags')}>
          {client.tags.map((tag) => (
            <li key={tag}>{tag}</li>
          ))}
        </ul>
      )}
      {client.accountManager && <p className="card__manager">{t('card.manager', { who: client.accountManager })}</p>}
      {Object.keys(client.needs).length > 0 && (
        <dl className="card__fields" aria-label={t('card.needs')}>
          {Object.entries(client.needs).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
      <div className="card__form">
        {editable.map((field) => (
          <Field key={field} client={client} field={field} label={t(`card.field.${field}`)} onSave={save} />
        ))}
      </div>
      {status && (
        <p role="status" aria-label={t('card.savingLabel')} className="card__saved">
          {status}
        </p>
      )}
      <LastCalls api={api} clientId={client.id} />
    </article>
  );
}

/** Unknown caller: a new card with the number, made in a couple of keystrokes. */
export function QuickCreate({ api, call, region, onCreated }: { api: FrontdeskApi; call: Call; region: string; onCreated: (c: Client) => void }) {
  const { t } = useLocale();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="card card--new"
      aria-label={t('card.newClient')}
      onSubmit={(e) => {
        e.preventDefault();
        api.directory.quickCreate({ number: call.subject.number, ...(name.trim() ? { name: name.trim() } : {}) }).then(onCreated, (err: Error) => setError(errorText(err, t)));
      }}
    >
      <h3 className="card__name">{t('card.newCaller', { number: formatNumber(call.subject.number, region) })}</h3>
      <label htmlFor={`new-client-${call.id}`}>{t('card.field.name')}</label>
      <div className="dialer__row">
        <input id={`new-client-${call.id}`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        <button type="submit" className="btn btn--small">
          {t('card.create')}
        </button>
      </div>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

/**
 * The directory's cards for a call: looked up the moment it rings (callerLookup.ts); all matches
 * shown. A ringing call usually shows once its lookup has answered (presentation.ts), so the
 * answer is read in the same render as the call; one that comes later is drawn when it comes.
 */
export function useClientMatches(api: FrontdeskApi, call: Call | null): {
  clients: Client[] | null;
  setClient: (c: Client) => void;
} {
  const [found, setFound] = useState<{ key: string; clients: Client[] } | null>(null);
  const key = call ? callerKey(call) : '';
  const callId = call?.id ?? '';
  const number = call?.subject.number ?? '';
  const settled = key && /\d/.test(number) ? settledCallerClients(api, { id: callId, subject: { number } }) : undefined;
  const waiting = settled === undefined;
  useEffect(() => {
    if (!key || !/\d/.test(number) || !waiting) return;
    let live = true;
    void callerClients(api, { id: callId, subject: { number } }).then((clients) => {
      // Drawn in the task that brought the answer, not in a later one: a frame painted in between
      // would show the ringing call without its card for one more frame.
      if (live) flushSync(() => setFound({ key, clients }));
    });
    return () => {
      live = false;
    };
  }, [api, key, callId, number, waiting]);
  const clients = found && found.key === key ? found.clients : (settled ?? null);
  // A card on screen that changes elsewhere (the wrap-up's next step, an edit from another window,
  // an import) is drawn again at once: the card and its Last calls never disagree.
  const shownIds = (clients ?? []).map((c) => c.id).join(' ');
  useEffect(() => {
    if (!key || !shownIds) return;
    let live = true;
    const shown = new Set(shownIds.split(' '));
    const off = api.directory.onChanged((change) => {
      if (change.ids.length > 0 && !change.ids.some((id) => shown.has(id))) return;
      void Promise.all([...shown].map((id) => api.directory.get({ id }).then((card) => card?.client ?? null, () => undefined))).then((cards) => {
        if (!live) return;
        setFound((f) => {
          const current = f && f.key === key ? f.clients : (settled ?? []);
          const fresh = new Map(cards.filter((c): c is Client => Boolean(c)).map((c) => [c.id, c]));
          // A card deleted meanwhile (null) leaves; one that could not be read (undefined) stays as it was.
          const gone = new Set([...shown].filter((_, i) => cards[i] === null));
          return { key, clients: current.filter((c) => !gone.has(c.id)).map((c) => fresh.get(c.id) ?? c) };
        });
      });
    });
    return () => {
      live = false;
      off();
    };
  }, [api, key, shownIds, settled]);
  return {
    clients,
    setClient: (c: Client) =>
      setFound((f) => {
        const current = f && f.key === key ? f.clients : (settled ?? []);
        return { key, clients: current.some((x) => x.id === c.id) ? current.map((x) => (x.id === c.id ? c : x)) : [c, ...current] };
      }),
  };
}
