/**
 * The lab's constants: one place for the addresses, ports and accounts that the
 * lab daemons, the CLI and the app's tests share. Everything listens on
 * 127.0.0.1 only (inside the `frontdesk-lab` network namespace when run as root).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** SIP domain of the lab PBX (Kamailio `alias`), also the digest realm. */
export const labDomain = 'lab.frontdesk.test';
/** Digest realm used in the PBX's 401/407 challenges. */
export const labRealm = labDomain;
/** The only address anything in the lab listens on or sends to. */
export const labHost = '127.0.0.1';

/** Kamailio SIP over UDP and TCP. */
export const labSipPort = 5060;
/** Kamailio SIP over plain WebSocket (JsSIP). */
export const labWsPort = 8080;
export const labWsUrl = `ws://${labHost}:${labWsPort}`;
/** Kamailio JSON-RPC over HTTP on the WebSocket port (usrloc inspection). */
export const labRpcUrl = `http://${labHost}:${labWsPort}/RPC`;

/** rtpengine ng control protocol (bencode over UDP). */
export const rtpengineNgPort = 22222;
export const rtpPortMin = 30000;
export const rtpPortMax = 30999;

/** Where calls to numbers that are not lab extensions go ("PSTN gateway"). */
export const pstnGatewayPort = 5070;
/** Domain used in the From of outside (carrier) callers. */
export const carrierDomain = 'carrier.lab.test';

export interface LabAccount {
  user: string;
  password: string;
  displayName: string;
  /** The colleague's department in the lab's provisioning (the Colleagues panel groups by it). */
  department?: string;
}

/** Lab extensions. Passwords are lab-only secrets, safe to hard-code in tests. */
export const labAccounts: readonly LabAccount[] = Object.freeze([
  { user: '1000', password: 'lab-1000-secret', displayName: 'Reception', department: 'Front office' },
  { user: '1001', password: 'lab-1001-secret', displayName: 'Sales', department: 'Sales' },
  { user: '1002', password: 'lab-1002-secret', displayName: 'Accounting', department: 'Accounting' },
  { user: '1003', password: 'lab-1003-secret', displayName: 'Support', department: 'Support' },
  { user: '1004', password: 'lab-1004-secret', displayName: 'Spare', department: 'Support' },
]);

/**
 * Fifty more extensions, 2000–2049, for the presence benchmark (a receptionist watching 50
 * colleagues); registered only while it runs, never in a provisioning file by default.
 */
export const labBenchAccounts: readonly LabAccount[] = Object.freeze(
  Array.from({ length: 50 }, (_, i) => ({ user: String(2000 + i), password: `lab-${2000 + i}-secret`, displayName: `Colleague ${2000 + i}`, department: `Team ${1 + Math.floor(i / 10)}` })),
);

export function labAccount(user: string): LabAccount {
  const account = labAccounts.find((a) => a.user === user) ?? labBenchAccounts.find((a) => a.user === user);
  if (!account) throw new Error(`No lab account ${user} (have ${labAccounts.map((a) => a.user).join(', ')})`);
  return account;
}

export function labSipUri(user: string): string {
  return `sip:${user}@${labDomain}`;
}

/** What a JsSIP UA needs to register as a lab extension. */
export function labUaSettings(user: string): {
  uri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  wsUrl: string;
  realm: string;
} {
  const a = labAccount(user);
  return {
    uri: labSipUri(a.user),
    authorizationUser: a.user,
    password: a.password,
    displayName: a.displayName,
    wsUrl: labWsUrl,
    realm: labRealm,
  };
}

/** Repository root (scripts/lab/config.ts → ../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lab state dir: generated configs, pid files, logs. Env FRONTDESK_LAB_DIR or <repo>/.lab (gitignored). */
export function labStateDir(): string {
  const fromEnv = process.env.FRONTDESK_LAB_DIR;
  return path.resolve(fromEnv && fromEnv.trim() !== '' ? fromEnv : path.join(repoRoot, '.lab'));
}

/** Directory with the SIPp scenario files shipped with the lab. */
export const sippScenarioDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sipp');
