import type { FrontdeskApi } from '../../common/contract';
import type { Client } from '../../common/directory';
import type { Call } from './sip/callMachine';
import type { SipEngine } from './sip/engine';

/**
 * The directory's cards for each caller, asked for the moment the SIP engine reports the call —
 * inside the INVITE's own task, before React draws the ringing call — so the services' answer is
 * on its way while the ringing card renders instead of being asked for afterwards (the side panel
 * then shows card and script one round trip sooner). One lookup per call and number; forgotten
 * with the call.
 */
type Lookups = Map<string, Lookup>;
interface Lookup {
  callId: string;
  clients: Promise<Client[]>;
  /** The answer, once it came: what a render can read without waiting for a promise. */
  settled?: Client[];
}
const byApi = new WeakMap<FrontdeskApi, Lookups>();

const lookupsOf = (api: FrontdeskApi): Lookups => {
  let lookups = byApi.get(api);
  if (!lookups) byApi.set(api, (lookups = new Map()));
  return lookups;
};

/** Who a lookup is for: the call and the number of whom it is about (the caller, also on a consultation call). */
type CallSubject = { id: string; subject: { number: string } };

/** The key of a call's lookup: a call whose subject changes is looked up again. */
export const callerKey = (call: CallSubject) => `${call.id}:${call.subject.number}`;

/**
 * Lookups started as a new call's INVITE arrived (SipEngine's onCallArriving), before JsSIP has
 * read it and before the engine reports the call: by number, each waiting for its call.
 */
interface EarlyLookup {
  clients: Promise<Client[]>;
  settled?: Client[];
  at: number;
}
const earlyByApi = new WeakMap<FrontdeskApi, Map<string, EarlyLookup>>();
/** An early lookup no call took within this long is dropped (its call was refused, or read another number). */
const earlyKeptMs = 5_000;
/** At most this many early lookups wait at once (a flood of INVITEs asks no more). */
const earlyMost = 20;

/** Starts the lookup of a caller whose call is arriving (the INVITE's From, before JsSIP reads it); the call adopts it when it is reported with that number. */
export function lookUpArrivingCaller(api: FrontdeskApi, number: string, now = Date.now()): void {
  if (!/\d/.test(number)) return;
  let early = earlyByApi.get(api);
  if (!early) earlyByApi.set(api, (early = new Map()));
  for (const [n, e] of early) if (now - e.at > earlyKeptMs) early.delete(n);
  if (early.has(number) || early.size >= earlyMost) return;
  const entry: EarlyLookup = { clients: Promise.resolve([]), at: now };
  entry.clients = api.directory
    .findByNumber({ number })
    .catch(() => [])
    .then((clients) => (entry.settled = clients));
  early.set(number, entry);
}

/** The early lookup of this number, taken (once) by the call it was for. */
function takeEarly(api: FrontdeskApi, number: string, now = Date.now()): EarlyLookup | undefined {
  const early = earlyByApi.get(api);
  const entry = early?.get(number);
  if (!entry) return undefined;
  early!.delete(number);
  return now - entry.at <= earlyKeptMs ? entry : undefined;
}

/** The clients with the number of whom this call is about (none when the lookup fails): the lookup already under way, or a new one. */
export function callerClients(api: FrontdeskApi, call: CallSubject): Promise<Client[]> {
  const lookups = lookupsOf(api);
  const key = callerKey(call);
  let entry = lookups.get(key);
  if (!entry) {
    const lookup: Lookup = { callId: call.id, clients: Promise.resolve([]) };
    const early = takeEarly(api, call.subject.number);
    // Settled before anyone else's then() runs: whoever waits on the lookup can read the answer at once.
    if (early?.settled) lookup.clients = Promise.resolve((lookup.settled = early.settled));
    else
      lookup.clients = (early?.clients ?? api.directory.findByNumber({ number: call.subject.number }).catch(() => [])).then(
        (clients) => (lookup.settled = clients),
      );
    lookups.set(key, (entry = lookup));
  }
  return entry.clients;
}

/** The answer of this call's lookup if it has come (none when the lookup failed), undefined while it is on its way or was never asked. */
export function settledCallerClients(api: FrontdeskApi, call: CallSubject): Client[] | undefined {
  return byApi.get(api)?.get(callerKey(call))?.settled;
}

/** A call ringing in from a number the directory can know: looked up as it rings (and shown with its card, presentation.ts). */
export const ringsInFromANumber = (call: Call) => call.direction === 'inbound' && call.phase === 'ringing-in' && /\d/.test(call.subject.number);

/** Starts the lookup of every new caller with a number as the engine reports the call. */
export function lookUpCallersAsTheyRing(engine: SipEngine, api: FrontdeskApi): () => void {
  const lookups = lookupsOf(api);
  return engine.subscribe(() => {
    const { calls } = engine.getSnapshot();
    for (const id of calls.order) {
      const call = calls.calls[id]!;
      if (ringsInFromANumber(call)) void callerClients(api, call);
    }
    for (const [key, entry] of lookups) if (!calls.calls[entry.callId]) lookups.delete(key);
  });
}
