/**
 * Lab CLI:
 *   tsx scripts/lab/cli.ts start | stop | status
 *   tsx scripts/lab/cli.ts exec -- CMD ARGS…          run CMD inside the lab namespace
 *   tsx scripts/lab/cli.ts call --from +74951234567 --to 1000 [--name "Ivan"] [--hangup-after 20] [--cancel-after 5] [--as 1001] [--call-id ID]
 *                                [--follow-refer | --refer-reply 603] [--refer-to sip:1001@lab.frontdesk.test [--refer-after 2]]
 *   tsx scripts/lab/cli.ts answer [--port 5070] [--ring 1] [--reject 486] [--hangup-after 30] [--reinvite-reply 491 [--reinvite-failures 1]]
 *   tsx scripts/lab/cli.ts phone --user 1002 --port 5092 [--ring 2] [--no-answer] [--reinvite-reply 491 [--reinvite-failures 1]]
 *   tsx scripts/lab/cli.ts message --as 1000 --to 1001 --body "Клиент ждёт" [--ws] [--header X-Name=value]
 *   tsx scripts/lab/cli.ts rtp [CALL-ID]               rtpengine calls / per-leg counters
 *   tsx scripts/lab/cli.ts regs [USER]                 current registrations
 *   tsx scripts/lab/cli.ts restart-kamailio [--no-presence]
 */
import { spawn } from 'node:child_process';
import { answerCalls, describeTransfers, placeCall, registerAsPhone, sendTextMessage, type AnswerCallsOptions, type ReferRefusal } from './caller';
import { labAccounts, labDomain, labHost, labSipPort, pstnGatewayPort, rtpengineNgPort, rtpPortMax, rtpPortMin } from './config';
import { LabPortBusyError, labStatus, registrations, restartKamailio, startLab, stopLab } from './lab';
import { ensureNamespace, labNetMode } from './netns';
import { watchPresence } from './presence';
import { describeState } from '../../common/presence';
import { list, query } from './rtpengine';

function usage(): never {
  console.error(`Usage: tsx scripts/lab/cli.ts <command>
  start                      start rtpengine + Kamailio (in the ${labNetMode().mode === 'namespace' ? 'lab namespace' : 'host loopback'})
  stop                       stop them (and any SIPp the lab started)
  status                     what runs and whether it answers
  exec -- CMD [ARGS...]      run CMD inside the lab namespace (stdio inherited, exits with CMD's code)
  call --from NUM --to EXT [--name NAME] [--hangup-after S] [--cancel-after S] [--as EXT] [--call-id ID]
       [--follow-refer | --refer-reply 403|603|405|501] [--refer-to URI [--refer-after S]]
                             an outside caller (or extension EXT with --as) calls EXT with G.711 audio;
                             --follow-refer: a REFER is followed (a new call to its target);
                             --refer-to: REFER the call there S seconds after the answer
  answer [--port P] [--ring S] [--reject CODE] [--hangup-after S] [--reinvite-reply 491|500|488 [--reinvite-failures N]]
         [--follow-refer | --refer-reply CODE] [--refer-to URI [--refer-after S]] [--bye-replaced]
                             answer calls like the PSTN gateway (default port ${pstnGatewayPort}) until Ctrl-C;
                             prints DTMF as it arrives (RFC 4733 and SIP INFO)
  phone --user EXT --port P [--ring S] [--no-answer] [--reject CODE] [--reinvite-reply 491|500|488 [--reinvite-failures N]]
        [--follow-refer | --refer-reply CODE] [--refer-to URI [--refer-after S]] [--bye-replaced]
                             a SIP desk phone registered as EXT answering calls until Ctrl-C;
                             prints the text messages (SIP MESSAGE) it receives
  message --to EXT --body TEXT [--as EXT | --from NUM] [--ws] [--header X-Name=value]
                             send one out-of-dialog SIP MESSAGE (text/plain, UTF-8); --ws: JsSIP over
                             WebSocket like Frontdesk (needs --as)
  watch [--as EXT] EXT…      watch colleagues' presence and line state as a desk does (SUBSCRIBE over the
                             WebSocket; default as 1000) and print each change until Ctrl-C
  rtp [CALL-ID]              rtpengine's calls, or per-leg packet counters of one call
  regs [USER]                current registrations
  restart-kamailio [--no-presence]
                             restart Kamailio (forgets all registrations, subscriptions and publications);
                             --no-presence: without its presence server, as a PBX without presence
                             (FRONTDESK_LAB_PRESENCE=0 does the same for start)`);
  process.exit(2);
}

function parseFlags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) usage();
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else {
      const v = args[i + 1];
      if (v === undefined || v.startsWith('--')) out[a.slice(2)] = 'true';
      else {
        out[a.slice(2)] = v;
        i++;
      }
    }
  }
  return out;
}

const seconds = (v: string | undefined, what: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${what}: not a number of seconds: ${v}`);
  return Math.round(n * 1000);
};

/** --follow-refer, --refer-reply CODE, --refer-to URI, --refer-after S. */
function referFlags(f: Record<string, string>): { followRefer?: boolean; referReply?: ReferRefusal; referTo?: string; referAfterMs?: number } {
  const referAfterMs = seconds(f['refer-after'], '--refer-after');
  return {
    ...(f['follow-refer'] === 'true' ? { followRefer: true } : {}),
    ...(f['refer-reply'] ? { referReply: Number(f['refer-reply']) as ReferRefusal } : {}),
    ...(f['refer-to'] ? { referTo: f['refer-to'] } : {}),
    ...(referAfterMs !== undefined ? { referAfterMs } : {}),
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function cmdStart(): Promise<void> {
  const info = await startLab();
  console.log(`
Frontdesk lab ${info.alreadyRunning ? 'was already running' : 'is running'} — ${info.netDescription}
  SIP domain      ${info.domain}
  SIP             ${labHost}:${labSipPort} (udp, tcp)
  WebSocket       ${info.wsUrl}   (JsSIP)
  rtpengine ng    ${labHost}:${rtpengineNgPort}, RTP ports ${rtpPortMin}-${rtpPortMax}
  PSTN gateway    ${labHost}:${pstnGatewayPort} (udp; start one with: tsx scripts/lab/cli.ts answer)
  Accounts        ${labAccounts.map((a) => `${a.user} ${a.displayName} / ${a.password}`).join('\n                  ')}
  State and logs  ${info.stateDir}  (kamailio pid ${info.kamailio.pid}, rtpengine pid ${info.rtpengine.pid})
${info.net.mode === 'namespace' && !info.net.inside ? `  Reach it from   tsx scripts/lab/cli.ts exec -- <command>   (the lab's 127.0.0.1 is inside namespace ${info.net.name})\n` : ''}  Stop it with    tsx scripts/lab/cli.ts stop   (npm run lab:stop)
`);
}

async function cmdStatus(): Promise<number> {
  const s = await labStatus();
  const line = (d: typeof s.kamailio): string =>
    d.running ? `running (pid ${d.pid})${d.responding === false ? ', NOT answering' : d.responding ? ', answering' : ''}` : 'not running';
  console.log(`Frontdesk lab (${s.netDescription})
  state dir   ${s.stateDir}
  rtpengine   ${line(s.rtpengine)}   log ${s.rtpengine.logFile}
  kamailio    ${line(s.kamailio)}   log ${s.kamailio.logFile}`);
  if (s.running) {
    try {
      const regs = await registrations();
      console.log(`  registered  ${regs.length === 0 ? 'nobody' : regs.map((r) => `${r.user} (${r.contact})`).join(', ')}`);
      const calls = await list();
      console.log(`  rtpengine   ${calls.length} call(s) known`);
    } catch (e) {
      console.log(`  (could not query: ${(e as Error).message})`);
    }
  }
  return s.running && s.kamailio.responding !== false && s.rtpengine.responding !== false ? 0 : 1;
}

async function cmdExec(args: string[]): Promise<number> {
  const dd = args.indexOf('--');
  const cmd = dd >= 0 ? args.slice(dd + 1) : args;
  if (cmd.length === 0) usage();
  const m = labNetMode();
  let argv = cmd;
  if (m.mode === 'namespace' && !m.inside) {
    ensureNamespace(m.name);
    argv = ['ip', 'netns', 'exec', m.name, ...cmd];
  } else if (m.mode === 'host') {
    console.error(`NOTE: no namespace (${m.reason}); running on the host.`);
  }
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'inherit' });
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  return new Promise<number>((resolve) => {
    child.once('error', (e) => {
      console.error(`exec: ${e.message}`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15) : 1)));
  });
}

async function cmdCall(args: string[]): Promise<number> {
  const f = parseFlags(args);
  if (!f.to || (!f.from && !f.as)) usage();
  const hangupAfterMs = seconds(f['hangup-after'], '--hangup-after');
  const cancelAfterMs = seconds(f['cancel-after'], '--cancel-after');
  const call = placeCall({
    from: f.from ?? '',
    to: f.to,
    ...(f.name ? { fromName: f.name } : {}),
    ...(hangupAfterMs !== undefined ? { hangupAfterMs } : {}),
    ...(cancelAfterMs !== undefined ? { cancelAfterMs } : {}),
    ...(f['call-id'] ? { callId: f['call-id'] } : {}),
    ...(f.as ? { asExtension: f.as } : {}),
    ...referFlags(f),
  });
  console.log(`Calling ${f.to}@${labDomain} from ${f.as ? `extension ${f.as}` : f.from} (Call-ID ${call.callId})…`);
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) return;
    stopping = true;
    console.log('Hanging up…');
    void call.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const r = await call.result;
  console.log(`Result: ${r.code ? `${r.code} ${r.reason}` : 'no final answer'}, ended: ${r.ended}${r.answeredAt ? `, answered ${r.answeredAt}` : ''}${r.endedAt ? `, ended ${r.endedAt}` : ''}`);
  console.log(`RTP: ${r.rtp.packetsIn} packets received ${JSON.stringify(r.rtp.byPayloadType)}, ${r.rtp.packetsOut} sent${r.dtmf ? `; DTMF received: ${r.dtmfEvents.map((e) => `${e.digit} (${e.via})`).join(' ')}` : ''}`);
  for (const t of r.transfers) console.log(`Transfer: ${describeTransfers([t])}`);
  if (r.referReplies.length > 0) console.log(`Our REFER: answered ${r.referReplies.join(', ')}; NOTIFY sipfrags ${r.notifyFrags.join(', ') || 'none'}`);
  for (const l of r.legs.slice(1)) console.log(`Leg ${l.callId}: ${l.code} ${l.reason}, ended ${l.ended}, RTP ${l.rtp.packetsIn} in / ${l.rtp.packetsOut} out`);
  console.log(`SIP messages: ${r.messagesFile}`);
  return r.ended === 'failed' ? 1 : 0;
}

async function runAnswerer(kind: 'answer' | 'phone', args: string[]): Promise<number> {
  const f = parseFlags(args);
  const ringMs = seconds(f.ring, '--ring');
  const hangupAfterMs = seconds(f['hangup-after'], '--hangup-after');
  const opts: AnswerCallsOptions = {
    ...(ringMs !== undefined ? { ringMs } : {}),
    ...(hangupAfterMs !== undefined ? { hangupAfterMs } : {}),
    ...(f.reject ? { rejectCode: Number(f.reject) as AnswerCallsOptions['rejectCode'] } : {}),
    ...(f['no-answer'] === 'true' ? { answer: false } : {}),
    ...(f['bye-replaced'] === 'true' ? { byeReplaced: true } : {}),
    ...(f['reinvite-reply'] ? { reinviteReply: Number(f['reinvite-reply']) as NonNullable<AnswerCallsOptions['reinviteReply']> } : {}),
    ...(f['reinvite-failures'] ? { reinviteFailures: Number(f['reinvite-failures']) } : {}),
    ...referFlags(f),
  };
  let answerer;
  if (kind === 'phone') {
    if (!f.user || !f.port) usage();
    answerer = await registerAsPhone({ user: f.user, port: Number(f.port), ...opts, ...(f.password ? { password: f.password } : {}) });
    console.log(`Desk phone registered as ${f.user} at ${answerer.contact}; answering calls until Ctrl-C. Trace: ${answerer.messagesFile}`);
  } else {
    answerer = answerCalls({ port: f.port ? Number(f.port) : pstnGatewayPort, ...opts });
    console.log(`Answering calls on ${labHost}:${answerer.port} until Ctrl-C. Trace: ${answerer.messagesFile}`);
  }
  const seen = new Set<string>();
  const printed = new Map<string, { dtmf: number; reinvites: number; frags: number }>();
  let textsShown = 0;
  let transfersShown = '';
  const timer = setInterval(() => {
    const ts = answerer.transfers();
    const tsLine = ts.length ? describeTransfers(ts) : '';
    if (tsLine !== transfersShown) {
      transfersShown = tsLine;
      console.log(`  transfers: ${tsLine}`);
    }
    const texts = answerer.textMessages();
    for (const t of texts.slice(textsShown)) {
      const hdrs = Object.entries(t.headers).map(([k, v]) => `${k}: ${v}`).join('; ');
      console.log(`  MESSAGE from ${t.fromUser} (${t.contentType})${hdrs ? ` [${hdrs}]` : ''}: ${t.body}`);
    }
    textsShown = texts.length;
    for (const c of answerer.calls()) {
      if (!seen.has(c.callId)) {
        seen.add(c.callId);
        console.log(`  call from ${c.fromName ? `"${c.fromName}" ` : ''}${c.fromUser} to ${c.requestUri} (Call-ID ${c.callId})`);
        for (const [k, v] of Object.entries(c.headers)) console.log(`    ${k}: ${v}`);
        if (c.replaces) console.log(`    Replaces: ${c.replaces}`);
      }
      const p = printed.get(c.callId) ?? { dtmf: 0, reinvites: 0, frags: 0 };
      // an RFC 4733 digit once its end packet came (or it went quiet)
      let dtmfShown = p.dtmf;
      for (const e of c.dtmfEvents.slice(p.dtmf)) {
        if (e.via === 'rfc4733' && !e.ended && Date.now() - e.at < 2000) break;
        console.log(`    DTMF ${e.digit} (${e.via}${e.durationMs !== undefined ? `, ${e.durationMs} ms` : ''})`);
        dtmfShown++;
      }
      const frags = answerer.notifyFrags(c.callId);
      if (frags.length > p.frags) console.log(`    our REFER: ${answerer.referReplies(c.callId).join(', ') || 'no answer yet'}; NOTIFY ${frags.join(', ')}`);
      const answered = c.reinviteAnswers.filter((x) => x.code !== 0);
      for (const r of answered.slice(p.reinvites)) console.log(`    re-INVITE ${r.direction} → ${r.code}${r.answerDirection ? ` ${r.answerDirection}` : ''}`);
      printed.set(c.callId, { dtmf: dtmfShown, reinvites: answered.length, frags: frags.length });
    }
  }, 500);
  await Promise.race([waitForSignal(), answerer.run.exited]);
  clearInterval(timer);
  await answerer.stop();
  for (const c of answerer.calls()) {
    console.log(`  ${c.callId}: answer ${c.answer ?? '-'}${c.cancelled ? ', cancelled' : ''}${c.byeFrom ? `, BYE from ${c.byeFrom}` : ''}${c.dtmf ? `, DTMF ${c.dtmf}` : ''}, RTP ${c.rtp.packetsIn} in / ${c.rtp.packetsOut} out`);
  }
  return 0;
}

async function cmdMessage(args: string[]): Promise<number> {
  // --header may repeat: collect those by hand, the rest through parseFlags
  const headers: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--header') {
      const hv = args[++i] ?? '';
      const eq = hv.indexOf('=');
      if (eq <= 0) usage();
      headers[hv.slice(0, eq)] = hv.slice(eq + 1);
    } else rest.push(args[i]!);
  }
  const f = parseFlags(rest);
  if (!f.to || f.body === undefined) usage();
  const r = await sendTextMessage({
    to: f.to,
    body: f.body,
    headers,
    ...(f.as ? { asExtension: f.as } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.ws === 'true' ? { transport: 'ws' as const } : {}),
  });
  console.log(`MESSAGE to ${f.to}: ${r.code ? `${r.code} ${r.reason}` : `no answer${r.reason ? ` (${r.reason})` : ''}`}${r.messagesFile ? `; trace ${r.messagesFile}` : ''}`);
  return r.code >= 200 && r.code < 300 ? 0 : 1;
}

/** Watches colleagues' presence as a desk would (over the WebSocket) and prints each change until Ctrl-C. */
async function cmdWatch(args: string[]): Promise<number> {
  const asAt = args.indexOf('--as');
  const as = asAt >= 0 ? args[asAt + 1] : '1000';
  const targets = args.filter((a, i) => !a.startsWith('--') && i !== asAt + 1);
  if (!as || targets.length === 0) usage();
  const watcher = watchPresence({ as, targets });
  const shown = new Map<string, string>();
  const timer = setInterval(() => {
    for (const t of targets) {
      const text = describeState(watcher.state(t), Date.now()).replace(/, \d+:\d\d(:\d\d)?$/, '');
      if (shown.get(t) !== text) {
        shown.set(t, text);
        console.log(`${new Date().toISOString()}  ${t}: ${text}`);
      }
    }
  }, 100);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  clearInterval(timer);
  await watcher.stop();
  return 0;
}

async function cmdRtp(args: string[]): Promise<number> {
  if (args[0]) {
    const s = await query(args[0]);
    for (const l of s.legs) console.log(`leg ${l.tag}: ${l.packets} packets / ${l.bytes} bytes received (${l.medias.map((m) => m.protocol).join(', ')})`);
    for (const l of s.unansweredBranches) console.log(`unanswered branch: ${l.packets} packets`);
  } else {
    const calls = await list();
    console.log(calls.length ? calls.join('\n') : 'rtpengine knows no calls');
  }
  return 0;
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  switch (cmd) {
    case 'start':
      await cmdStart();
      return 0;
    case 'stop':
      await stopLab();
      return 0;
    case 'status':
      return cmdStatus();
    case 'exec':
      return cmdExec(rest);
    case 'call':
      return cmdCall(rest);
    case 'answer':
      return runAnswerer('answer', rest);
    case 'phone':
      return runAnswerer('phone', rest);
    case 'message':
      return cmdMessage(rest);
    case 'rtp':
      return cmdRtp(rest);
    case 'watch':
      return cmdWatch(rest);
    case 'regs': {
      const regs = await registrations(rest[0]);
      console.log(regs.length ? regs.map((r) => `${r.user}\t${r.contact}\texpires ${r.expires}s\t${r.userAgent ?? ''}`).join('\n') : 'no registrations');
      return 0;
    }
    case 'restart-kamailio':
      await restartKamailio(rest.includes('--no-presence') ? { presence: false } : {});
      return 0;
    default:
      return usage();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof LabPortBusyError) console.error(e.message);
    else console.error(`lab: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
