/**
 * Helper process for media.ts when the caller is outside the lab namespace:
 * started with `ip netns exec NS node --import tsx media-main.ts '<options JSON>'`.
 * Runs one MediaEndpoint; stdout: JSON lines {type:'ready'|'fatal'|'state'|'done'};
 * stdin: JSON lines {op:'dtmf', id, digits, opts} | {op:'follow', file} | {op:'stop'}. Exits when told
 * to stop, when stdin closes (the parent went away) or at the endpoint's max life.
 */
import { MediaEndpoint, type MediaEndpointOptions, type SendDtmfOptions } from './media';

const opts = JSON.parse(process.argv[2] ?? '{}') as MediaEndpointOptions;
const ep = new MediaEndpoint(opts);
const out = (o: object): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

let last = '';
const report = (): void => {
  const s = JSON.stringify(ep.state());
  if (s !== last) {
    last = s;
    process.stdout.write(`{"type":"state","state":${s}}\n`);
  }
};

let finishing = false;
async function finish(code: number): Promise<void> {
  if (finishing) return;
  finishing = true;
  await ep.stop();
  report();
  process.stdout.write('', () => process.exit(code));
}

try {
  await ep.start();
} catch (e) {
  out({ type: 'fatal', error: e instanceof Error ? e.message : String(e) });
  report();
  process.exit(1);
}
out({ type: 'ready' });
report();
setInterval(report, 100);
setTimeout(() => void finish(0), opts.maxLifeMs + 1000);

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  buf += d;
  let nl: number;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    let cmd: { op: string; id?: number; digits?: string; opts?: SendDtmfOptions; file?: string };
    try {
      cmd = JSON.parse(line) as typeof cmd;
    } catch {
      continue;
    }
    if (cmd.op === 'stop') void finish(0);
    else if (cmd.op === 'follow' && typeof cmd.file === 'string') ep.follow(cmd.file);
    else if (cmd.op === 'dtmf') {
      ep.sendDtmf(cmd.digits ?? '', cmd.opts ?? {}).then(
        () => out({ type: 'done', id: cmd.id }),
        (e: unknown) => out({ type: 'done', id: cmd.id, error: e instanceof Error ? e.message : String(e) }),
      );
    }
  }
});
process.stdin.on('end', () => void finish(0));
