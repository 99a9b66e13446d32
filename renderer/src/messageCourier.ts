import type { FrontdeskApi } from '../../common/contract';
import type { SipEngine, StructuredMessage } from './sip/engine';

/**
 * The renderer's half of message delivery: it holds the SIP stack, the services hold the outbox.
 * While this desk is registered it takes the SIP MESSAGEs the outbox says are due (messages for
 * colleagues, receipts for whoever took a message for us), sends them, and reports each answer;
 * the outbox records the attempt and decides when to try again. Messages and receipts that arrive
 * go to the services (the inbox keeps a message once, whatever number of times it comes).
 */
export function deliverMessages(engine: SipEngine, api: FrontdeskApi, log: (message: string) => void): () => void {
  let pumping = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const localUser = () => {
    const s = engine.getSnapshot();
    return s.registration.state === 'registered' ? (s.account?.user ?? null) : null;
  };

  const pump = async () => {
    const user = localUser();
    if (!user || stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const { jobs, nextAt } = await api.messages.claimSip({ localUser: user });
        await Promise.all(
          jobs.map(async (job) => {
            const answer = await engine.sendMessage(job.target, job.body, job.contentType, job.headers);
            await api.messages.sipResult({ deliveryId: job.deliveryId, attemptId: job.attemptId, ok: answer.ok, result: answer.result.slice(0, 500), status: answer.status || null });
          }),
        );
        if (timer) clearTimeout(timer);
        timer = null;
        if (nextAt) timer = setTimeout(() => void pump(), Math.max(100, Math.min(Date.parse(nextAt) - Date.now(), 600_000)));
        if (jobs.length) again = true; // more may be due (20 at a time)
      } while (again && !stopped && localUser());
    } catch (error) {
      log(`messages could not be sent now: ${(error as Error).message}`);
      if (!timer) timer = setTimeout(() => void pump(), 5_000);
    } finally {
      pumping = false;
    }
  };

  let wasRegistered = false;
  const offEngine = engine.subscribe(() => {
    const registered = localUser() !== null;
    if (registered && !wasRegistered) void pump();
    wasRegistered = registered;
  });
  const offChanged = api.messages.onChanged((change) => {
    if (change.sipDue) void pump();
  });
  const offIncoming = engine.onStructuredMessage((m: StructuredMessage) => {
    const user = engine.getSnapshot().account?.user;
    if (!user) return;
    const done = m.kind === 'message' ? api.messages.received({ localUser: user, from: m.from, message: m.message }) : api.messages.statusReceived({ localUser: user, from: m.from, status: m.status });
    done.catch((error: Error) => log(`a ${m.kind === 'message' ? 'message' : 'receipt'} from ${m.from.user} could not be kept: ${error.message}`));
  });

  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    offEngine();
    offChanged();
    offIncoming();
  };
}
