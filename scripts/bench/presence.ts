/**
 * Colleague presence benchmark (issue 13): prints figures, asserts nothing, exits 0.
 *
 *   npm run bench:presence -- [--calls 25] [--phones 5] [--until 600] [--expires 600] [--keep]
 *   (= npm run build -- --quiet && tsx scripts/lab/cli.ts exec -- tsx scripts/bench/presence.ts …)
 *
 * It runs inside the lab's network namespace (cli.ts exec; FRONTDESK_LAB_NETNS / FRONTDESK_LAB_DIR
 * pick it) and
 *  1. starts the lab unless it runs, and registers the 50 benchmark extensions 2000–2049 with the
 *     lab's Kamailio: --phones of them as SIPp desk phones that answer after 1 s and hang up 1.5 s
 *     later, the others with one REGISTER each;
 *  2. starts a browser host for 1000 (tests/e2e/support/frontdesk.ts's startHost) provisioned with those 50 as its colleagues (presence expiresS
 *     --expires), opens it in headless Chromium, and from then counts every SIP message on the
 *     page's WebSocket to the PBX by method (Playwright's websocket frame events) and stamps every
 *     change of a colleague's entry in the Colleagues panel (a MutationObserver on its accessible
 *     name, Date.now() in the page: the same clock as the SIPp traces');
 *  3. waits until all 50 read "Available" (how long that takes, and the traffic it took);
 *  4. places --calls calls from an outside caller to the phones, one at a time; each is three state
 *     changes of a colleague — the INVITE reaching their phone (→ "Ringing"), their 200 OK
 *     (→ "On a call"), their BYE (→ "Available") — timed from that message in the phone's SIPp
 *     trace to the panel showing the new state;
 *  5. stays idle until --until seconds after the page opened (by default past JsSIP's first refresh
 *     of every subscription, which it sends 50–88 % into the expiry), and reports SUBSCRIBE, NOTIFY
 *     and PUBLISH per minute while idle, and in all;
 *  6. prints the figures and the environment, stops what it started (unregistering the 50) and exits 0.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../chromium';
import { startHost } from '../../tests/e2e/support/frontdesk';
import { placeCall, register, registerAsPhone, type Phone } from '../lab/caller';
import { labBenchAccounts, labStateDir, labWsPort } from '../lab/config';
import { startLab, stopLab } from '../lab/lab';
import { traceTimeMs } from '../lab/rtp';
import { readSippTrace, runName } from '../lab/sipp';
import { atCleanup, runBench } from './cleanup';
import { requireLabNamespaceAndBuild } from './preflight';
import { ms, summarize, type Summary } from './stats';

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name}: not a number: ${args[i + 1]}`);
    process.exit(2);
  }
  return Math.round(n);
}
const calls = option('calls', 25);
const phoneCount = Math.min(option('phones', 5), labBenchAccounts.length);
const untilS = option('until', 600);
const expiresS = option('expires', 600);
const keep = args.includes('--keep');

const sleep = (t: number) => new Promise<void>((r) => setTimeout(r, t));
const log = (msg: string) => console.log(`[bench] ${msg}`);

/** In the page: each colleague entry's accessible name as it changes, with Date.now(). */
const pageScript = `
window.__presenceBench = { changes: [] };
const seen = new Map();
const scan = () => {
  const now = Date.now();
  for (const b of document.querySelectorAll('.colleague__button')) {
    const label = b.getAttribute('aria-label') || '';
    const ext = (/\\((\\d+)\\):/.exec(label) || [])[1];
    if (!ext) continue;
    const state = label.slice(label.indexOf('): ') + 3).replace(/, \\d+:\\d\\d(:\\d\\d)?$/, '');
    if (seen.get(ext) !== state) {
      seen.set(ext, state);
      window.__presenceBench.changes.push({ ext, state, at: now });
    }
  }
};
new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label'] });
`;

interface PanelChange {
  ext: string;
  state: string;
  at: number;
}

/** SIP messages on the page's WebSocket to the PBX, by what they are, with their time. */
class SipTraffic {
  readonly messages: Array<{ at: number; dir: 'out' | 'in'; kind: string }> = [];
  watch(page: Page) {
    page.on('websocket', (ws) => {
      if (!ws.url().includes(`:${labWsPort}`)) return;
      const record = (dir: 'out' | 'in') => (frame: { payload: string | Buffer }) => {
        const first = String(frame.payload).split('\r\n', 1)[0] ?? '';
        if (!first) return;
        const response = /^SIP\/2\.0 (\d{3})/.exec(first);
        const cseq = /\r\nCSeq:\s*\d+\s+(\w+)/i.exec(String(frame.payload))?.[1] ?? '?';
        this.messages.push({ at: Date.now(), dir, kind: response ? `${response[1]} ${cseq}` : first.split(' ', 1)[0]! });
      };
      ws.on('framesent', record('out'));
      ws.on('framereceived', record('in'));
    });
  }
  count(kind: string | RegExp, from = 0, to = Infinity): number {
    return this.messages.filter((m) => m.at >= from && m.at < to && (typeof kind === 'string' ? m.kind === kind : kind.test(m.kind))).length;
  }
}

function row(label: string, s: Summary | undefined): string {
  const num = (x: number | undefined) => (x === undefined ? 'n/a' : ms(x)).padStart(8);
  return `${label.padEnd(34)} ${String(s?.n ?? 0).padStart(4)} ${num(s?.p50)} ${num(s?.p95)} ${num(s?.max)}`;
}

async function main(): Promise<void> {
  requireLabNamespaceAndBuild('bench:presence');
  const startedAt = new Date();
  const loadBefore = os.loadavg()[0]!;
  const benchDir = path.join(labStateDir(), 'bench', runName('presence'));
  fs.mkdirSync(benchDir, { recursive: true });
  if (!keep) atCleanup('bench data', async () => fs.rmSync(benchDir, { recursive: true, force: true }));

  const lab = await startLab({ log });
  if (!lab.alreadyRunning) atCleanup('lab', () => stopLab({ log }));

  // 1. the 50 colleagues register: a few desk phones that take calls, the rest registered only
  const phones: Phone[] = [];
  for (const a of labBenchAccounts.slice(0, phoneCount)) {
    const phone = await registerAsPhone({ user: a.user, port: 5200 + Number(a.user) - 2000, ringMs: 1000, hangupAfterMs: 1500 });
    phones.push(phone);
    atCleanup(`phone ${a.user}`, () => phone.stop());
  }
  const others = labBenchAccounts.slice(phoneCount);
  for (let i = 0; i < others.length; i += 5) {
    await Promise.all(
      others.slice(i, i + 5).map(async (a) => {
        const port = 5200 + Number(a.user) - 2000;
        // (a SIPp that starts slowly on a busy machine may miss its answer: once more)
        let r = await register({ user: a.user, port, expiresS: 3600 });
        for (let attempt = 1; !r.ok && attempt < 3; attempt++) r = await register({ user: a.user, port, expiresS: 3600 });
        if (!r.ok) throw new Error(`REGISTER of ${a.user} got ${r.code || 'no answer'}; trace ${r.messagesFile}`);
        atCleanup(`registration of ${a.user}`, () => register({ user: a.user, port, expiresS: 0 }));
      }),
    );
  }
  log(`${labBenchAccounts.length} colleagues registered (${phoneCount} of them desk phones that answer)`);

  // 2. Frontdesk for 1000 watching them (a browser host in a process of its own, as for the e2e tests)
  const colleagues = labBenchAccounts.map((a) => ({ extension: a.user, name: a.displayName, ...(a.department ? { department: a.department } : {}) }));
  const host = await startHost({ user: '1000', provisioning: { colleagues, presence: { enabled: true, expiresS } } });
  atCleanup('Frontdesk host', () => host.stop());
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs({ fakeMedia: true }) });
  const page = await (await browser.newContext()).newPage();
  atCleanup('Chromium', async () => {
    await page.goto('about:blank').catch(() => undefined);
    await browser.close().catch(() => undefined);
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const traffic = new SipTraffic();
  traffic.watch(page);
  await page.addInitScript({ content: pageScript });
  const opened = Date.now();
  await page.goto(host.url);
  await page.getByRole('status', { name: 'Registration' }).filter({ hasText: 'Registered as 1000' }).waitFor({ timeout: 30_000 });
  const registeredAt = Date.now();
  const changes = () => page.evaluate(() => (window as unknown as { __presenceBench: { changes: PanelChange[] } }).__presenceBench.changes);

  // 3. everyone shown
  const allAvailable = async () => {
    const latest = new Map<string, string>();
    for (const c of await changes()) latest.set(c.ext, c.state);
    return labBenchAccounts.every((a) => latest.get(a.user) === 'Available');
  };
  const deadline = Date.now() + 60_000;
  while (!(await allAvailable())) {
    if (Date.now() > deadline) throw new Error('not all 50 colleagues read "Available" within 60 s');
    await sleep(100);
  }
  const shownAt = Math.max(...(await changes()).filter((c) => c.state === 'Available').map((c) => c.at));
  log(`all ${labBenchAccounts.length} colleagues shown "Available" ${((shownAt - registeredAt) / 1000).toFixed(2)} s after this desk registered`);

  // 4. state changes: ringing, on a call, available again
  const samples: Record<'INVITE → Ringing' | '200 OK → On a call' | 'BYE → Available', number[]> = {
    'INVITE → Ringing': [],
    '200 OK → On a call': [],
    'BYE → Available': [],
  };
  const missed: string[] = [];
  const changesStart = Date.now();
  for (let i = 0; i < calls; i++) {
    const phone = phones[i % phones.length]!;
    const before = Date.now();
    const call = placeCall({ from: '+74951234567', to: phone.user, maxCallMs: 20_000 });
    const result = await call.result;
    // the panel's last change (Available) may come a moment after the caller's side has ended
    const settle = Date.now() + 3000;
    let mine: PanelChange[] = [];
    while (Date.now() < settle) {
      mine = (await changes()).filter((c) => c.ext === phone.user && c.at >= before);
      if (mine.some((c) => c.state === 'Available')) break;
      await sleep(50);
    }
    const trace = readSippTrace(phone.messagesFile).filter((m) => m.callId === result.callId || m.callId === call.callId);
    const at = (pred: (m: (typeof trace)[number]) => boolean) => {
      const m = trace.find(pred);
      return m ? traceTimeMs(m.time) : undefined;
    };
    const invite = at((m) => m.direction === 'received' && m.method === 'INVITE');
    const ok = at((m) => m.direction === 'sent' && m.status === 200 && m.cseq.method === 'INVITE');
    const bye = at((m) => m.method === 'BYE');
    const first = (state: string) => mine.find((c) => c.state.startsWith(state))?.at;
    const pairs: Array<[keyof typeof samples, number | undefined, number | undefined]> = [
      ['INVITE → Ringing', invite, first('Ringing')],
      ['200 OK → On a call', ok, first('On a call')],
      ['BYE → Available', bye, mine.filter((c) => c.state === 'Available').at(-1)?.at],
    ];
    for (const [what, from, to] of pairs) {
      if (from === undefined || to === undefined) missed.push(`call ${i + 1} (${phone.user}): ${what}: ${from === undefined ? 'not in the trace' : 'never shown'}`);
      else samples[what].push(to - from);
    }
    await sleep(300);
  }
  const changesEnd = Date.now();

  // 5. idle
  const idleFrom = Date.now();
  const idleUntil = opened + untilS * 1000;
  if (idleUntil > idleFrom) {
    log(`idle for ${Math.round((idleUntil - idleFrom) / 1000)} s (until ${untilS} s after the page opened), counting SIP messages`);
    await sleep(idleUntil - idleFrom);
  }
  const idleTo = Date.now();
  const idleMin = Math.max(idleTo - idleFrom, 1) / 60_000;

  // 6. figures
  const all = Object.values(samples).flat();
  const perMin = (kind: string | RegExp) => (traffic.count(kind, idleFrom, idleTo) / idleMin).toFixed(1);
  const startupTo = shownAt + 1;
  console.log('');
  console.log(`Colleague presence: 1000 watches ${labBenchAccounts.length} colleagues (dialog + presence each: ${2 * labBenchAccounts.length} subscriptions, expires ${expiresS} s)`);
  console.log('');
  console.log(`State change in the colleague's SIP trace → 1000's Colleagues panel shows it (ms; ${calls} calls, ${phoneCount} phones)`);
  console.log(`${'what'.padEnd(34)} ${'n'.padStart(4)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}`);
  for (const [what, v] of Object.entries(samples)) console.log(row(what, summarize(v)));
  console.log(row('all changes', summarize(all)));
  if (missed.length) console.log(`not measured (${missed.length}): ${missed.slice(0, 5).join('; ')}${missed.length > 5 ? '; …' : ''}`);
  console.log('');
  console.log('SIP messages on 1000\'s connection to the PBX');
  console.log(`  start-up (page opened → all ${labBenchAccounts.length} shown, ${((startupTo - opened) / 1000).toFixed(1)} s): SUBSCRIBE sent ${traffic.count('SUBSCRIBE', opened, startupTo)} (of them answered 407: ${traffic.count('407 SUBSCRIBE', opened, startupTo)}), NOTIFY received ${traffic.count('NOTIFY', opened, startupTo)}, PUBLISH sent ${traffic.count('PUBLISH', opened, startupTo)}`);
  console.log(`  state changes (${((changesEnd - changesStart) / 1000).toFixed(0)} s, ${calls * 3} changes): NOTIFY received ${traffic.count('NOTIFY', changesStart, changesEnd)} (${(traffic.count('NOTIFY', changesStart, changesEnd) / Math.max(1, calls * 3)).toFixed(2)} per change), SUBSCRIBE sent ${traffic.count('SUBSCRIBE', changesStart, changesEnd)}`);
  console.log(`  idle (${(idleMin).toFixed(1)} min, ${Math.round((idleFrom - opened) / 1000)}–${Math.round((idleTo - opened) / 1000)} s after start-up): SUBSCRIBE ${perMin('SUBSCRIBE')}/min, NOTIFY ${perMin('NOTIFY')}/min, PUBLISH ${perMin('PUBLISH')}/min, everything ${perMin(/.*/)}/min`);
  const total = (Date.now() - opened) / 60_000;
  console.log(`  whole run (${total.toFixed(1)} min): SUBSCRIBE ${traffic.count('SUBSCRIBE')} (${(traffic.count('SUBSCRIBE') / total).toFixed(1)}/min), NOTIFY ${traffic.count('NOTIFY')} (${(traffic.count('NOTIFY') / total).toFixed(1)}/min), PUBLISH ${traffic.count('PUBLISH')}, all SIP ${traffic.messages.length}`);
  console.log(`  (a subscription is refreshed by JsSIP 50–88 % into its expiry: ${2 * labBenchAccounts.length} subscriptions at ${expiresS} s are ${((2 * labBenchAccounts.length) / ((expiresS * 0.69) / 60)).toFixed(1)} re-SUBSCRIBE/min and as many NOTIFYs on average)`);
  if (pageErrors.length) console.log(`page errors: ${pageErrors.slice(0, 3).join('; ')}`);
  console.log('');
  console.log(`${startedAt.toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${loadBefore.toFixed(2)} before → ${os.loadavg()[0]!.toFixed(2)} after; Chromium ${browser.version()}; lab ${lab.netDescription}`);
}

void runBench(main);
