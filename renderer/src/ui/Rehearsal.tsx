import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import { chooseScript, startScriptRun, type ScriptLibrary } from '../../../common/callScript';
import type { Client } from '../../../common/directory';
import { normalisePhone } from '../../../common/directory';
import { emptyCalls, reduceCalls } from '../sip/callMachine';
import type { CallSession } from '../session';
import { CallCard } from './CallCard';
import { CrmSection } from './CallerPanel';
import { ClientCard } from './ClientCards';
import { ScriptPanel } from './ScriptPanel';
import { valuesOf } from './SidePanel';

/**
 * The first call after start pops as fast as any later one: right after Frontdesk has registered,
 * a ringing call, a client card and the call script it would get are drawn once, out of sight
 * (inert, hidden from assistive technology, transparent), laid out and painted, then removed. What
 * a call's pop does the first time — React's first render of those components, the styles of their
 * elements, the fonts of a Cyrillic name and the layout — is then done, and the phone-number
 * metadata is read. Nothing is sent or saved: no control of it can be reached; what it asks the
 * services for is read-only (the first client of the directory, looked up by number, and its last
 * calls; no CRM request).
 */
export function Rehearsal({ api, session, region, registered, agentName, line }: {
  api: FrontdeskApi;
  session: CallSession;
  region: string;
  registered: boolean;
  agentName: string | null;
  /** This desk's line (its extension): what a call to it dials. */
  line: string | null;
}) {
  const [stage, setStage] = useState<'waiting' | 'drawing' | 'done'>('waiting');
  const [library, setLibrary] = useState<ScriptLibrary | null>(null);
  const [known, setClient] = useState<Client | null>(null);
  const [at, setAt] = useState(0);
  const started = useRef(false);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!registered || started.current) return;
    started.current = true;
    // (Reading a number the way a lookup does loads libphonenumber's metadata for the region.)
    normalisePhone(rehearsalNumber, region);
    // A client of the directory, looked up by number the way a ringing call's is (read-only): the
    // bridge, the contract's checks of a card on both sides and the lookup have all run once.
    const lookedUp = api.directory
      .search({ text: '', limit: 1 })
      .then(async ([first]) => (first?.phones[0] ? ((await api.directory.findByNumber({ number: first.phones[0].raw }))[0] ?? first) : null))
      .catch(() => null);
    void Promise.all([api.scripts.list().catch(() => null), lookedUp]).then(([l, c]) => {
      setLibrary(l);
      setClient(c);
      setAt(Date.now());
      setStage('drawing');
    });
  }, [api, region, registered]);

  useLayoutEffect(() => {
    if (stage !== 'drawing') return;
    // Layout now, paint with the next frame, then go.
    box.current?.getBoundingClientRect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setStage('done'), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [stage]);

  if (stage !== 'drawing') return null;
  const made = reduceCalls(emptyCalls, { type: 'incoming', id: 'rehearsal', remote: { number: rehearsalNumber, displayName: 'Петрова Анна' }, dialled: line ?? '', sipCallId: 'rehearsal', at });
  const call = made.calls.rehearsal!;
  const client = known ?? rehearsalClient(at);
  // The script a call to this desk's line would get, and every other one (the first page of each is
  // drawn: its phrases' placeholders are read the first time there).
  const chosen = library
    ? chooseScript(library.scripts, { direction: 'inbound', source: null, dialled: line, client: 'returning', tags: client.tags, now: new Date(at), ivrChoice: null, queue: null, campaign: null })
    : null;
  const choices = [...(chosen ? [chosen] : []), ...(library?.scripts ?? []).filter((s) => s.enabled && s !== chosen?.script).map((script) => ({ script, because: { default: false, parts: [] }, line: null }))];
  return (
    <div ref={box} className="rehearsal" aria-hidden="true" inert>
      <div className="workspace">
        <section className="lines">
          <CallCard call={call} region={region} now={at} session={session} focusAnswer={false} consult={null} consultOf={null} onTransfer={noop} onTakeMessage={noop} onMessage={noop} />
        </section>
        <section className="side-panel">
          <CrmSection api={api} call={call} region={region} status={null} />
          <ClientCard api={api} client={client} region={region} onSaved={noop} />
          {choices.map((choice) => (
            <ScriptPanel
              key={choice.script.id}
              api={api}
              choice={choice}
              run={startScriptRun(choice.script, new Date(at).toISOString())}
              onAction={noop}
              client={valuesOf(client)}
              agentName={agentName}
              held={false}
              followUp={null}
            />
          ))}
        </section>
      </div>
    </div>
  );
}

const noop = () => undefined;

const rehearsalNumber = '+7 495 000-00-00';

function rehearsalClient(at: number): Client {
  const time = new Date(at).toISOString();
  return {
    id: 'rehearsal',
    name: 'Петрова Анна Сергеевна',
    preferredAddress: 'Анна Сергеевна',
    formality: 'formal',
    company: 'ООО «Ромашка»',
    position: 'Директор',
    phones: [{ number: '+74950000000', label: 'work', raw: rehearsalNumber }],
    emails: ['anna@example.com'],
    accountManager: 'Мария Орлова',
    leadSource: null,
    referredBy: null,
    request: null,
    needs: {},
    urgency: null,
    priceQuoted: null,
    agreements: null,
    nextStep: null,
    nextStepDate: null,
    saleDate: null,
    birthday: null,
    tags: ['VIP'],
    notes: null,
    createdAt: time,
    updatedAt: time,
    source: 'manual',
  };
}
