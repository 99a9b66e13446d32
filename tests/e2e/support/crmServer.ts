import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CrmConfig } from '../../../common/crm';

/**
 * A fake CRM for end-to-end tests: a real HTTP server on 127.0.0.1 that answers the way a typical
 * CRM's REST API does, so Frontdesk's connector is tested over the wire, with its timeout and its
 * errors, and never against a mock.
 *
 * What it serves (every request needs `Authorization: Bearer <token>`, else 401):
 *
 *   GET /clients?phone=<number>   200 { "data": [ <client>, … ] }   (every client with a phone whose
 *                                 digits end with the number's last 10 digits; [] when none)
 *   GET /leads/<id>               200 { "lead": <lead> }  or 404 { "error": "not found" }
 *   GET /chats/<id>               200 { "lead": <lead> }  or 404 (chats share the lead shape)
 *   anything else                 404 { "error": "not found" }
 *
 *   <client> = { "id", "url", "name", "company", "position", "phones": [..], "emails": [..],
 *                "manager": { "name" }, "source", "tags": [..], "request", "notes", "urgency", "price",
 *                "next_step": { "text", "date" }, "birthday" }
 *   <lead>   = { "id", "text", "source", "created_at", "url" }
 *
 * `fakeCrmConfig(url)` is the `crm` section of a provisioning file that reads exactly this.
 */

export interface FakeCrmClient {
  id: string;
  name: string;
  phones: string[];
  company?: string;
  position?: string;
  emails?: string[];
  manager?: string;
  /** Where the client came from ("site", "referral"). */
  source?: string;
  tags?: string[];
  request?: string;
  notes?: string;
  urgency?: string;
  price?: number;
  nextStep?: string;
  nextStepDate?: string;
  birthday?: string;
}

export interface FakeCrmLead {
  text: string;
  source?: string;
  createdAt?: string;
}

export interface FakeCrmOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  clients: FakeCrmClient[];
  leads?: Record<string, FakeCrmLead>;
  chats?: Record<string, FakeCrmLead>;
  /** Wait this long before every answer (a slow CRM). */
  delayMs?: number;
  /** The bearer token the server expects. */
  token?: string;
}

export interface FakeCrm {
  /** e.g. "http://127.0.0.1:41234" */
  url: string;
  port: number;
  /** Every request so far, as "GET /clients?phone=%2B74951234567". */
  requests(): string[];
  /** A slow CRM from now on (0: answer at once). */
  setDelay(ms: number): void;
  /** Answer every request with this status (e.g. 503) from now on; null: behave normally. */
  setStatus(status: number | null): void;
  stop(): Promise<void>;
}

export const FAKE_CRM_TOKEN = 'fake-crm-token';

const digits = (s: string) => s.replace(/\D/g, '');
const tail = (s: string) => digits(s).slice(-10);

export async function startCrmServer(options: FakeCrmOptions): Promise<FakeCrm> {
  const token = options.token ?? FAKE_CRM_TOKEN;
  let delayMs = options.delayMs ?? 0;
  let forcedStatus: number | null = null;
  const seen: string[] = [];
  const pending = new Set<ReturnType<typeof setTimeout>>();
  let base = '';

  const clientJson = (c: FakeCrmClient) => ({
    id: c.id,
    url: `${base}/ui/clients/${encodeURIComponent(c.id)}`,
    name: c.name,
    company: c.company ?? null,
    position: c.position ?? null,
    phones: c.phones,
    emails: c.emails ?? [],
    manager: c.manager ? { name: c.manager } : null,
    source: c.source ?? null,
    tags: c.tags ?? [],
    request: c.request ?? null,
    notes: c.notes ?? null,
    urgency: c.urgency ?? null,
    price: c.price ?? null,
    next_step: c.nextStep ? { text: c.nextStep, date: c.nextStepDate ?? null } : null,
    birthday: c.birthday ?? null,
  });
  const leadJson = (kind: 'leads' | 'chats', id: string, l: FakeCrmLead) => ({
    id,
    text: l.text,
    source: l.source ?? null,
    created_at: l.createdAt ?? null,
    url: `${base}/ui/${kind}/${encodeURIComponent(id)}`,
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    if (forcedStatus !== null) return send(res, forcedStatus, { error: `status ${forcedStatus} forced by the test` });
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'unauthorized' });
    if (req.method !== 'GET') return send(res, 405, { error: 'method not allowed' });
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/clients') {
      const phone = url.searchParams.get('phone') ?? '';
      const wanted = tail(phone);
      const found = wanted ? options.clients.filter((c) => c.phones.some((p) => tail(p) === wanted)) : [];
      return send(res, 200, { data: found.map(clientJson) });
    }
    const record = /^\/(leads|chats)\/([^/]+)$/.exec(url.pathname);
    if (record) {
      const kind = record[1] as 'leads' | 'chats';
      const id = decodeURIComponent(record[2]!);
      const table = (kind === 'leads' ? options.leads : options.chats) ?? {};
      const lead = Object.hasOwn(table, id) ? table[id] : undefined;
      return lead ? send(res, 200, { lead: leadJson(kind, id, lead) }) : send(res, 404, { error: 'not found' });
    }
    return send(res, 404, { error: 'not found' });
  };

  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (delayMs <= 0) return answer(req, res);
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (!res.destroyed) answer(req, res);
    }, delayMs);
    pending.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    port,
    requests: () => [...seen],
    setDelay: (ms) => {
      delayMs = ms;
    },
    setStatus: (status) => {
      forcedStatus = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer);
        pending.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The provisioning file's `crm` section for this fake CRM, with every default spelled out (so it is
 * both a valid file section and a parsed `CrmConfig`): `startHost({ provisioning: { crm: fakeCrmConfig(crm.url) } })`.
 */
export function fakeCrmConfig(url: string, overrides: Partial<CrmConfig> = {}): CrmConfig {
  return {
    enabled: true,
    method: 'GET',
    lookupUrl: `${url}/clients?phone={number}`,
    leadUrl: `${url}/leads/{leadId}`,
    chatUrl: `${url}/chats/{chatId}`,
    headers: { Authorization: `Bearer ${FAKE_CRM_TOKEN}` },
    timeoutMs: 1500,
    cacheSeconds: 300,
    mapping: {
      resultsPath: 'data',
      crmId: 'id',
      crmUrl: 'url',
      name: 'name',
      company: 'company',
      position: 'position',
      phones: 'phones',
      emails: 'emails',
      accountManager: 'manager.name',
      leadSource: 'source',
      tags: 'tags',
      request: 'request',
      notes: 'notes',
      urgency: 'urgency',
      priceQuoted: 'price',
      nextStep: 'next_step.text',
      nextStepDate: 'next_step.date',
      birthday: 'birthday',
    },
    leadMapping: { request: 'lead.text', source: 'lead.source', createdAt: 'lead.created_at', url: 'lead.url' },
    ...overrides,
  };
}
