/**
 * Network probes of the lab daemons and Kamailio's JSON-RPC. Each has a direct
 * form (run from a process that reaches the lab's loopback) and a wrapper that
 * crosses into the namespace when needed.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { carrierDomain, labDomain, labHost, labRpcUrl, labSipPort, labWsPort } from './config';
import { needsNamespaceHop } from './netns';
import { runInLabNet } from './nshop';

/** Send a SIP OPTIONS over UDP; resolves with the reply's status code (0 when none arrived in time). */
export function sipOptionsPingDirect(args: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<number> {
  const host = args.host ?? labHost;
  const port = args.port ?? labSipPort;
  const timeoutMs = args.timeoutMs ?? 1000;
  const callId = `${randomBytes(8).toString('hex')}@lab-probe`;
  return new Promise<number>((resolve) => {
    const sock = dgram.createSocket('udp4');
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(code);
    };
    const timer = setTimeout(() => finish(0), timeoutMs);
    sock.on('error', () => finish(0));
    sock.on('message', (msg) => {
      const text = msg.toString('utf8');
      if (!text.includes(callId)) return;
      const m = /^SIP\/2\.0 (\d{3})/.exec(text);
      if (m && Number(m[1]) >= 200) finish(Number(m[1]));
    });
    sock.bind(0, labHost, () => {
      const local = sock.address();
      const msg = [
        `OPTIONS sip:${labDomain} SIP/2.0`,
        `Via: SIP/2.0/UDP ${labHost}:${local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        'Max-Forwards: 70',
        `From: <sip:lab-probe@${carrierDomain}>;tag=${randomBytes(4).toString('hex')}`,
        `To: <sip:${labDomain}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 OPTIONS',
        'User-Agent: Frontdesk lab probe',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      sock.send(msg, port, host, (err) => {
        if (err) finish(0);
      });
    });
  });
}

/** TCP connect test; true when something accepted the connection. */
export function tcpConnectDirect(args: { host?: string; port?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const host = args.host ?? labHost;
  const port = args.port ?? labWsPort;
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, args.timeoutMs ?? 1000);
    s.once('connect', () => {
      clearTimeout(timer);
      s.end();
      resolve(true);
    });
    s.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

/** Send one UDP datagram to 127.0.0.1:port (e.g. the HANGUP request to a SIPp). */
export function udpSendDirect(args: { port: number; message: string }): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind(0, labHost, () => {
      sock.send(args.message, args.port, labHost, (err) => {
        sock.close();
        resolve(!err);
      });
    });
  });
}

export function udpSend(port: number, message: string): Promise<boolean> {
  const args = { port, message };
  return needsNamespaceHop() ? runInLabNet<boolean>('udpSend', args) : udpSendDirect(args);
}

export interface RpcArgs {
  method: string;
  params?: unknown[];
  timeoutMs?: number;
}

/** Kamailio JSON-RPC over HTTP (jsonrpcs via xhttp at /RPC). Returns `result`. */
export async function kamailioRpcDirect(args: RpcArgs): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', method: args.method, params: args.params ?? [], id: 1 });
  const res = await fetch(labRpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(args.timeoutMs ?? 3000),
  });
  const json = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (json.error) throw new Error(`kamailio rpc ${args.method}: ${json.error.code} ${json.error.message}`);
  return json.result;
}

export function sipOptionsPing(args: { timeoutMs?: number } = {}): Promise<number> {
  return needsNamespaceHop() ? runInLabNet<number>('sipOptions', args) : sipOptionsPingDirect(args);
}

export function tcpConnect(args: { port?: number; timeoutMs?: number } = {}): Promise<boolean> {
  return needsNamespaceHop() ? runInLabNet<boolean>('tcpConnect', args) : tcpConnectDirect(args);
}

export function kamailioRpc(method: string, params: unknown[] = [], timeoutMs = 3000): Promise<unknown> {
  const args: RpcArgs = { method, params, timeoutMs };
  return needsNamespaceHop() ? runInLabNet<unknown>('rpc', args) : kamailioRpcDirect(args);
}
