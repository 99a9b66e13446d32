import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { TFunction } from 'i18next';
import { useLocale } from '../i18n';
import type { FrontdeskApi } from '../../../common/contract';
import {
  chooseScript,
  clientUpdates,
  reduceScriptRun,
  scriptProblemText,
  startScriptRun,
  type ClientUpdates,
  type ClientValues,
  type ScriptLibrary,
  type ScriptRun,
  type ScriptRunAction,
} from '../../../common/callScript';
import type { Client, ClientPatch } from '../../../common/directory';
import { extractCallContext, type CrmStatus } from '../../../common/crm';
import type { Call } from '../sip/callMachine';
import { CrmSection, focusedCall } from './CallerPanel';
import { ClientCard, QuickCreate, useClientMatches } from './ClientCards';
import { ScriptPanel } from './ScriptPanel';
import { CallingBack } from './CallBack';
import { useCallbackOf } from './callbackLinks';
import { WrapUpSection } from './WrapUp';

/**
 * The side panel: it pops for the call in focus the moment it rings — what came before the call,
 * the client card, and the call script chosen for the dialled line and the caller.
 */
export function SidePanel({ api, calls, region, agentName, localUser }: {
  api: FrontdeskApi;
  calls: readonly Call[];
  region: string;
  agentName: string | null;
  localUser: string | null;
}) {
  const { t } = useLocale();
  const [library, setLibrary] = useState<ScriptLibrary | null>(null);
  const [crmStatus, setCrmStatus] = useState<CrmStatus | null>(null);
  const [runs, setRuns] = useState<Record<string, ScriptRun>>({});

  useEffect(() => {
    let live = true;
    api.scripts.list().then((l) => live && setLibrary(l), () => undefined);
    api.crm.status().then((s) => live && setCrmStatus(s), () => undefined);
    const offScripts = api.scripts.onChanged(setLibrary);
    const offAccount = api.account.onChanged(() => void api.crm.status().then(setCrmStatus, () => undefined));
    return () => {
      live = false;
      offScripts();
      offAccount();
    };
  }, [api]);

  const call = focusedCall(calls);
  const { clients, setClient } = useClientMatches(api, call);
  const followUp = useCallbackOf(call?.id ?? null);
  // A call's pop (the call with its card, or with none found): the page is laid out here, in the
  // commit that draws it, and not in the frame that shows it. The frame comes at the display's next
  // refresh, up to 16.7 ms later; the layout done while waiting for it is no longer done after it,
  // so the pop is painted sooner after that refresh (3–4 ms of style and layout on a first call).
  const panel = useRef<HTMLElement>(null);
  const popped = call && clients !== null ? `${call.id} ${clients.map((c) => c.id).join(' ')}` : null;
  useLayoutEffect(() => {
    if (popped !== null) panel.current?.getBoundingClientRect();
  }, [popped]);
  const wrapUp = (
    <WrapUpSection
      api={api}
      call={call}
      localUser={localUser}
      region={region}
      client={clients?.length === 1 ? { id: clients[0]!.id, name: clients[0]!.name ?? clients[0]!.company } : null}
      followUp={followUp}
    />
  );
  if (!call) {
    return (
      <section className="side-panel" aria-label={t('sidePanel.caller')}>
        {wrapUp}
        <p className="side-panel__empty">{t('sidePanel.empty')}</p>
        {library && library.problems.length > 0 && <ScriptProblems library={library} />}
      </section>
    );
  }

  const client = clients?.[0] ?? null;
  // What the PBX said before the call rang (IVR choice, queue, campaign) picks scripts too.
  const before = extractCallContext(call.sipHeaders, crmStatus?.pbxHeaders);
  const choice = library
    ? chooseScript(library.scripts, {
        direction: call.direction,
        source: followUp?.source ?? null,
        dialled: call.dialled,
        client: client ? 'returning' : 'new',
        tags: client?.tags ?? [],
        now: new Date(call.startedAt),
        ivrChoice: before.ivrChoice ?? null,
        queue: before.queue ?? null,
        campaign: before.campaign ?? null,
      })
    : null;
  const run = choice ? (runs[call.id]?.scriptId === choice.script.id ? runs[call.id]! : startScriptRun(choice.script, new Date(call.startedAt).toISOString())) : null;
  const onAction = (action: ScriptRunAction) => {
    if (!choice || !run) return;
    const next = reduceScriptRun(choice.script, run, action);
    setRuns((all) => ({ ...all, [call.id]: next }));
    // Answers the script maps to the card are saved on it at once (a new caller gets a card).
    const patch = patchFrom(clientUpdates(next, choice.script), clientUpdates(run, choice.script), client);
    if (patch) {
      const target = client ? Promise.resolve(client) : api.directory.quickCreate({ number: call.subject.number });
      void target
        .then((c) => api.directory.update({ id: c.id, patch }))
        .then(setClient)
        .catch(() => undefined);
    }
    // Saved with the call as the agent goes.
    if (localUser && call.sipCallId) void api.scripts.saveRun({ localUser, sipCallId: call.sipCallId, run: next }).catch(() => undefined);
  };

  return (
    <section ref={panel} className="side-panel" aria-label={t('sidePanel.caller')}>
      {wrapUp}
      {clients && clients.length > 1 && (
        <p className="notice" role="note">
          {t('sidePanel.severalClients', { count: clients.length })}
        </p>
      )}
      {clients === null && /\d/.test(call.subject.number) && (
        <p className="side-panel__looking" role="status">
          {t('sidePanel.lookingUp')}
        </p>
      )}
      {clients?.map((c) => <ClientCard key={c.id} api={api} client={c} region={region} onSaved={setClient} />)}
      {clients && clients.length === 0 && /\d/.test(call.subject.number) && <QuickCreate key={call.id} api={api} call={call} region={region} onCreated={setClient} />}
      <CrmSection api={api} call={call} region={region} status={crmStatus} />
      {followUp && <CallingBack followUp={followUp} />}
      {choice && run && (
        <ScriptPanel
          api={api}
          choice={choice}
          run={run}
          onAction={onAction}
          client={client ? valuesOf(client) : null}
          agentName={agentName}
          held={call.phase === 'held'}
          followUp={followUp}
        />
      )}
      {library && library.problems.length > 0 && <ScriptProblems library={library} />}
    </section>
  );
}

/** "2 call scripts were skipped (5 problems)": files are counted, not their problems. */
export function skippedScriptsText(problems: readonly { file: string }[], t: TFunction): string {
  const files = new Set(problems.map((p) => p.file)).size;
  const what = t('sidePanel.skipped', { count: files });
  return problems.length > files ? t('sidePanel.skippedProblems', { what, problems: t('sidePanel.problems', { count: problems.length }) }) : what;
}

function ScriptProblems({ library }: { library: ScriptLibrary }) {
  const { t } = useLocale();
  return (
    <details className="notice">
      <summary>
        {skippedScriptsText(library.problems, t)}
      </summary>
      <ul>
        {library.problems.map((p) => (
          <li key={p.text}>{scriptProblemText(p, t)}</li>
        ))}
      </ul>
    </details>
  );
}

/** The card as the script's phrases read it ({client.previousAgreements} is the card's agreements). */
/** A card's values as the call script fills its phrases with them. */
export function valuesOf(client: Client): ClientValues {
  return { ...client, phones: client.phones.map((p) => p.number), previousAgreements: client.agreements };
}

/** What changed in the script's card updates, as a directory patch; null when nothing did. */
function patchFrom(now: ClientUpdates, before: ClientUpdates, client: Client | null): ClientPatch | null {
  const patch: Record<string, unknown> = {};
  const direct = ['name', 'preferredAddress', 'company', 'position', 'leadSource', 'referredBy', 'request', 'notes', 'urgency', 'priceQuoted', 'nextStep', 'nextStepDate', 'birthday'] as const;
  for (const field of direct) {
    const v = now.fields[field];
    if (v !== undefined && v !== before.fields[field]) patch[field] = v;
  }
  const agreements = now.fields.previousAgreements;
  if (agreements !== undefined && agreements !== before.fields.previousAgreements) patch.agreements = agreements;
  const details = now.fields.details;
  if (details !== undefined && details !== before.fields.details) patch.notes = [client?.notes, `Details: ${details}`].filter(Boolean).join('\n');
  const phone = now.fields.phones;
  if (phone !== undefined && phone !== before.fields.phones) patch.phones = [...(client?.phones ?? []).map((p) => ({ number: p.raw ?? p.number, label: p.label })), { number: phone, label: 'other' }];
  const email = now.fields.emails;
  if (email !== undefined && email !== before.fields.emails) patch.emails = [...(client?.emails ?? []), email];
  const needsChanged = Object.entries(now.needs).some(([k, v]) => before.needs[k] !== v);
  if (needsChanged) patch.needs = { ...(client?.needs ?? {}), ...now.needs };
  return Object.keys(patch).length ? (patch as ClientPatch) : null;
}
