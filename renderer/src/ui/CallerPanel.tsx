import { useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { callContextLines, extractCallContext, type CrmClient, type CrmLeadResult, type CrmLookupResult, type CrmStatus } from '../../../common/crm';
import type { Call } from '../sip/callMachine';
import { formatNumber } from './format';

/**
 * The side panel for the call in focus: what came before the call (PBX headers, the web lead or
 * chat the caller left), the local client card, and the CRM's card — the local one at once, the
 * CRM's when it arrives. A slow or failing CRM says so and never holds anything up.
 */

type Lookup<T> = { state: 'idle' } | { state: 'loading' } | { state: 'done'; result: T };

function CrmCard({ client, region }: { client: CrmClient; region: string }) {
  const rows: [string, string | undefined][] = [
    ['Address as', client.preferredAddress],
    ['Company', [client.company, client.position].filter(Boolean).join(', ') || undefined],
    ['Phones', client.phones.map((p) => formatNumber(p, region)).join(', ') || undefined],
    ['Email', client.emails.join(', ') || undefined],
    ['Account manager', client.accountManager],
    ['Source', [client.leadSource, client.referredBy && `referred by ${client.referredBy}`].filter(Boolean).join(', ') || undefined],
    ['Request', client.request],
    ['Urgency', client.urgency],
    ['Price quoted', client.priceQuoted],
    ['Agreements', client.agreements],
    ['Next step', [client.nextStep, client.nextStepDate].filter(Boolean).join(' — ') || undefined],
    ['Sale date', client.saleDate],
    ['Birthday', client.birthday],
    ['Notes', client.notes],
  ];
  return (
    <article className="card card--crm" aria-label={`CRM card: ${client.name ?? 'unnamed'}`}>
      <h3 className="card__name">{client.name ?? 'Unnamed client'}</h3>
      {client.tags.length > 0 && (
        <ul className="card__tags" aria-label="Tags">
          {client.tags.map((t) => (
            <li key={t}>{t}</li>
          ))}
        </ul>
      )}
      <dl className="card__fields">
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {client.crmUrl && (
        <a href={client.crmUrl} target="_blank" rel="noreferrer noopener">
          Open in CRM
        </a>
      )}
    </article>
  );
}

export function CrmSection({ api, call, region, status }: { api: FrontdeskApi; call: Call; region: string; status: CrmStatus | null }) {
  const [lookup, setLookup] = useState<{ callId: string; value: Lookup<CrmLookupResult> }>({ callId: '', value: { state: 'idle' } });
  const [lead, setLead] = useState<{ callId: string; value: Lookup<CrmLeadResult> }>({ callId: '', value: { state: 'idle' } });
  const context = extractCallContext(call.sipHeaders, status?.pbxHeaders);
  const lines = callContextLines(context, status?.pbxHeaders);
  const enabled = status?.enabled ?? false;
  const number = call.subject.number;
  const leadKey = context.leadId ? (['lead', context.leadId] as const) : context.chatId ? (['chat', context.chatId] as const) : null;

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api.crm.lookup({ number }).then(
      (result) => live && setLookup({ callId: call.id, value: { state: 'done', result } }),
      (e: Error) => live && setLookup({ callId: call.id, value: { state: 'done', result: { status: 'unavailable', reason: 'network', detail: e.message } } }),
    );
    return () => {
      live = false;
    };
  }, [api, call.id, number, enabled]);

  const leadKind = leadKey?.[0];
  const leadId = leadKey?.[1];
  useEffect(() => {
    if (!leadKind || !leadId || !(leadKind === 'lead' ? status?.leads : status?.chats)) return;
    let live = true;
    api.crm.lookupLead({ kind: leadKind, id: leadId }).then(
      (result) => live && setLead({ callId: call.id, value: { state: 'done', result } }),
      (e: Error) => live && setLead({ callId: call.id, value: { state: 'done', result: { status: 'unavailable', reason: 'network', detail: e.message } } }),
    );
    return () => {
      live = false;
    };
  }, [api, call.id, leadKind, leadId, status?.leads, status?.chats]);

  const crm = lookup.callId === call.id ? lookup.value : { state: 'loading' as const };
  const leadValue = lead.callId === call.id ? lead.value : null;

  return (
    <>
      {lines.length > 0 && (
        <section className="context" aria-label="Before the call">
          <h3>Before the call</h3>
          <dl className="card__fields">
            {lines.map((l) => (
              <div key={l.label}>
                <dt>{l.label}</dt>
                <dd>{l.value}</dd>
              </div>
            ))}
          </dl>
          {leadValue?.state === 'done' && leadValue.result.status === 'found' && (
            <blockquote className="context__lead" aria-label="What the caller left">
              {leadValue.result.lead.request ?? '(no text)'}
            </blockquote>
          )}
        </section>
      )}
      {enabled && (
        <section className="crm" aria-label="CRM">
          <p role="status" aria-label="CRM status" className={`crm__status crm__status--${crm.state === 'done' ? crm.result.status : 'loading'}`}>
            {crm.state !== 'done'
              ? 'CRM: looking up…'
              : crm.result.status === 'found'
                ? `CRM: ${crm.result.clients.length === 1 ? '1 match' : `${crm.result.clients.length} matches`}`
                : crm.result.status === 'not-found'
                  ? 'CRM: no client with this number'
                  : `CRM unavailable: ${crm.result.detail}`}
          </p>
          {crm.state === 'done' && crm.result.status === 'found' && crm.result.clients.map((c, i) => <CrmCard key={c.crmId ?? i} client={c} region={region} />)}
        </section>
      )}
    </>
  );
}

/** The call the panel is about: a ringing call first, else the one in progress, else the latest. */
export function focusedCall(calls: readonly Call[]): Call | null {
  const live = calls.filter((c) => c.phase !== 'ended');
  const found =
    live.find((c) => c.phase === 'ringing-in') ??
    live.find((c) => c.phase === 'active' || c.phase === 'answering') ??
    live[0] ??
    calls[calls.length - 1] ??
    null;
  // A consultation call is about the caller on hold: the panel stays on the caller's call.
  return (found?.consultFor && live.find((c) => c.id === found.consultFor)) || found;
}
