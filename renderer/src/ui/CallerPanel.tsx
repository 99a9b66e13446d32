import { useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { callContextLines, crmUnavailableText, extractCallContext, type CrmClient, type CrmLeadResult, type CrmLookupResult, type CrmStatus } from '../../../common/crm';
import type { Call } from '../sip/callMachine';
import { formatNumber } from './format';
import { errorText, useLocale } from '../i18n';

/**
 * The side panel for the call in focus: what came before the call (PBX headers, the web lead or
 * chat the caller left), the local client card, and the CRM's card — the local one at once, the
 * CRM's when it arrives. A slow or failing CRM says so and never holds anything up.
 */

type Lookup<T> = { state: 'idle' } | { state: 'loading' } | { state: 'done'; result: T };

function CrmCard({ client, region }: { client: CrmClient; region: string }) {
  const { t } = useLocale();
  const rows: [string, string | undefined][] = [
    [t('crm.addressAs'), client.preferredAddress],
    [t('crm.company'), [client.company, client.position].filter(Boolean).join(', ') || undefined],
    [t('crm.phones'), client.phones.map((p) => formatNumber(p, region)).join(', ') || undefined],
    [t('crm.email'), client.emails.join(', ') || undefined],
    [t('crm.accountManager'), client.accountManager],
    [t('crm.source'), [client.leadSource, client.referredBy && t('crm.referredBy', { who: client.referredBy })].filter(Boolean).join(', ') || undefined],
    [t('crm.request'), client.request],
    [t('crm.urgency'), client.urgency],
    [t('crm.priceQuoted'), client.priceQuoted],
    [t('crm.agreements'), client.agreements],
    [t('crm.nextStep'), [client.nextStep, client.nextStepDate].filter(Boolean).join(' — ') || undefined],
    [t('crm.saleDate'), client.saleDate],
    [t('crm.birthday'), client.birthday],
    [t('crm.notes'), client.notes],
  ];
  return (
    <article className="card card--crm" aria-label={t('crm.card', { name: client.name ?? t('crm.unnamed') })}>
      <h3 className="card__name">{client.name ?? t('crm.unnamedClient')}</h3>
      {client.tags.length > 0 && (
        <ul className="card__tags" aria-label={t('crm.tags')}>
          {client.tags.map((tag) => (
            <li key={tag}>{tag}</li>
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
          {t('crm.open')}
        </a>
      )}
    </article>
  );
}

export function CrmSection({ api, call, region, status }: { api: FrontdeskApi; call: Call; region: string; status: CrmStatus | null }) {
  const { t } = useLocale();
  const [lookup, setLookup] = useState<{ callId: string; value: Lookup<CrmLookupResult> }>({ callId: '', value: { state: 'idle' } });
  const [lead, setLead] = useState<{ callId: string; value: Lookup<CrmLeadResult> }>({ callId: '', value: { state: 'idle' } });
  const context = extractCallContext(call.sipHeaders, status?.pbxHeaders);
  const lines = callContextLines(context, status?.pbxHeaders, t);
  const enabled = status?.enabled ?? false;
  const number = call.subject.number;
  const leadKey = context.leadId ? (['lead', context.leadId] as const) : context.chatId ? (['chat', context.chatId] as const) : null;

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api.crm.lookup({ number }).then(
      (result) => live && setLookup({ callId: call.id, value: { state: 'done', result } }),
      (e: Error) => live && setLookup({ callId: call.id, value: { state: 'done', result: { status: 'unavailable', reason: 'network', detail: errorText(e) } } }),
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
      (e: Error) => live && setLead({ callId: call.id, value: { state: 'done', result: { status: 'unavailable', reason: 'network', detail: errorText(e) } } }),
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
        <section className="context" aria-label={t('crm.before')}>
          <h3>{t('crm.before')}</h3>
          <dl className="card__fields">
            {lines.map((l) => (
              <div key={l.label}>
                <dt>{l.label}</dt>
                <dd>{l.value}</dd>
              </div>
            ))}
          </dl>
          {leadValue?.state === 'done' && leadValue.result.status === 'found' && (
            <blockquote className="context__lead" aria-label={t('crm.whatLeft')}>
              {leadValue.result.lead.request ?? t('crm.noText')}
            </blockquote>
          )}
        </section>
      )}
      {enabled && (
        <section className="crm" aria-label={t('crm.crm')}>
          <p role="status" aria-label={t('crm.status')} className={`crm__status crm__status--${crm.state === 'done' ? crm.result.status : 'loading'}`}>
            {crm.state !== 'done'
              ? t('crm.lookingUp')
              : crm.result.status === 'found'
                ? t('crm.matches', { count: crm.result.clients.length })
                : crm.result.status === 'not-found'
                  ? t('crm.notFound')
                  : t('crm.unavailable', { detail: crmUnavailableText(crm.result, t) })}
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
