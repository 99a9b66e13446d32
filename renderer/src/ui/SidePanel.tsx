import { useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { chooseScript, reduceScriptRun, startScriptRun, type ScriptLibrary, type ScriptRun, type ScriptRunAction } from '../../../common/callScript';
import type { CrmStatus } from '../../../common/crm';
import type { Call } from '../sip/callMachine';
import { CrmSection, focusedCall } from './CallerPanel';
import { ScriptPanel } from './ScriptPanel';

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
  if (!call) {
    return (
      <section className="side-panel" aria-label="Caller">
        <p className="side-panel__empty">The caller&apos;s card and the call script appear here when a call rings.</p>
        {library && library.problems.length > 0 && <ScriptProblems library={library} />}
      </section>
    );
  }

  const client = null; // the local client card (directory) joins here
  const choice = library ? chooseScript(library.scripts, { dialled: call.dialled, client: client ? 'returning' : 'new', now: new Date(call.startedAt) }) : null;
  const run = choice ? (runs[call.id]?.scriptId === choice.script.id ? runs[call.id]! : startScriptRun(choice.script, new Date(call.startedAt).toISOString())) : null;
  const onAction = (action: ScriptRunAction) => {
    if (!choice || !run) return;
    const next = reduceScriptRun(choice.script, run, action);
    setRuns((all) => ({ ...all, [call.id]: next }));
    // Saved with the call as the agent goes.
    if (localUser && call.sipCallId) void api.scripts.saveRun({ localUser, sipCallId: call.sipCallId, run: next }).catch(() => undefined);
  };

  return (
    <section className="side-panel" aria-label="Caller">
      <CrmSection api={api} call={call} region={region} status={crmStatus} />
      {choice && run && (
        <ScriptPanel api={api} choice={choice} run={run} onAction={onAction} client={client} agentName={agentName} held={call.phase === 'held'} />
      )}
      {library && library.problems.length > 0 && <ScriptProblems library={library} />}
    </section>
  );
}

function ScriptProblems({ library }: { library: ScriptLibrary }) {
  return (
    <details className="notice">
      <summary>
        {library.problems.length === 1 ? 'A call script was skipped' : `${library.problems.length} call scripts were skipped`}
      </summary>
      <ul>
        {library.problems.map((p) => (
          <li key={p.text}>{p.text}</li>
        ))}
      </ul>
    </details>
  );
}
