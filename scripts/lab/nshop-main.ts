/**
 * Entry point of the namespace helper (see nshop.ts): reads `{ op, args }` as
 * JSON on stdin, runs it from inside the lab namespace, prints one JSON line.
 */
import { ngRequestDirect, type NgOptions } from './rtpengine';
import { kamailioRpcDirect, sipOptionsPingDirect, tcpConnectDirect, udpSendDirect, type RpcArgs } from './probes';
import type { BValue } from './bencode';

async function run(op: string, args: unknown): Promise<unknown> {
  switch (op) {
    case 'ng': {
      const a = args as { command: { [key: string]: BValue }; opts?: NgOptions };
      return ngRequestDirect(a.command, a.opts ?? {});
    }
    case 'sipOptions':
      return sipOptionsPingDirect(args as { timeoutMs?: number });
    case 'tcpConnect':
      return tcpConnectDirect(args as { port?: number; timeoutMs?: number });
    case 'rpc':
      return kamailioRpcDirect(args as RpcArgs);
    case 'udpSend':
      return udpSendDirect(args as { port: number; message: string });
    default:
      throw new Error(`unknown op ${op}`);
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => (input += d));
process.stdin.on('end', () => {
  void (async () => {
    try {
      const { op, args } = JSON.parse(input) as { op: string; args: unknown };
      const value = await run(op, args);
      process.stdout.write(`${JSON.stringify({ ok: true, value })}\n`);
    } catch (e) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) })}\n`);
    }
    process.exit(0);
  })();
});
