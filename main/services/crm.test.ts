import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyMapping,
  callContextLines,
  CrmConfigSchema,
  crmStatusOf,
  extractCallContext,
  mapCrmResponse,
  mapLeadResponse,
  parseJsonPath,
  PbxHeadersConfigSchema,
  type CrmConfigInput,
  type CrmMapping,
} from '../../common/crm';
import { fixedT } from '../../common/i18n/translate';
import { describeIssues, provisioningProblemText } from '../../common/provisioning';
import { fakeCrmConfig, startCrmServer, type FakeCrm } from '../../tests/e2e/support/crmServer';
import { CrmConnector, lookupVariables, MAX_RESPONSE_BYTES } from './crm';

// ---------------------------------------------------------------------------------------------
// A real HTTP server per test, on 127.0.0.1 and a free port.

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
}
interface TestServer {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<TestServer> {
  const seen: Seen[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const handle: TestServer = {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      closed
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            closed = true;
            for (const t of timers) clearTimeout(t);
            server.close(() => resolve());
            server.closeAllConnections();
          }),
  };
  servers.push(handle);
  return handle;
}

const json = (status: number, body: unknown, extra: Record<string, string> = {}): Handler => (_req, res) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...extra });
  res.end(JSON.stringify(body));
};
const later = (ms: number, handler: Handler): Handler => (req, res) => {
  setTimeout(() => {
    if (!res.destroyed) handler(req, res);
  }, ms);
};

const mapping = { resultsPath: 'data', name: 'name', company: 'company', phones: 'phones', crmId: 'id' } satisfies CrmConfigInput['mapping'];
const config = (url: string, over: Partial<CrmConfigInput> = {}) =>
  CrmConfigSchema.parse({
    lookupUrl: `${url}/clients?phone={number}`,
    leadUrl: `${url}/leads/{leadId}`,
    chatUrl: `${url}/chats/{chatId}`,
    headers: { Authorization: 'Bearer s3cret' },
    mapping,
    leadMapping: { request: 'lead.text', source: 'lead.source', createdAt: 'lead.created_at', url: 'lead.url' },
    ...over,
  });

/** A clock the test moves. */
const clock = (start = Date.UTC(2025, 0, 15, 9, 0, 0)) => {
  let t = start;
  return { now: () => new Date(t), advance: (seconds: number) => (t += seconds * 1000) };
};

const anna = { id: 'c-1', name: 'Анна Петрова', company: 'Жемчуг', phones: ['+74951234567'] };
const oleg = { id: 'c-2', name: 'Oleg Sidorov', company: 'Zhemchug Dental', phones: ['+74951234567', '+79161234567'] };

describe('CrmConnector over HTTP', () => {
  it('maps every match of a list answer to a card of its own', async () => {
    const crm = await serve(json(200, { data: [anna, oleg] }));
    const result = await new CrmConnector(config(crm.url)).lookup('+7 495 123-45-67', 'RU');
    expect(result).toMatchObject({
      status: 'found',
      fromCache: false,
      clients: [
        { name: 'Анна Петрова', company: 'Жемчуг', phones: ['+74951234567'], crmId: 'c-1', emails: [], tags: [] },
        { name: 'Oleg Sidorov', company: 'Zhemchug Dental', phones: ['+74951234567', '+79161234567'], crmId: 'c-2' },
      ],
    });
    expect(result.status === 'found' && Date.parse(result.fetchedAt)).toBeGreaterThan(0);
  });

  it('sends the number URL-encoded, and the auth header', async () => {
    const crm = await serve(json(200, { data: [anna] }));
    await new CrmConnector(config(crm.url)).lookup('8 (495) 123-45-67', 'RU');
    expect(crm.seen).toHaveLength(1);
    expect(crm.seen[0]!.url).toBe('/clients?phone=%2B74951234567');
    expect(crm.seen[0]!.headers.authorization).toBe('Bearer s3cret');
    expect(crm.seen[0]!.headers.accept).toBe('application/json');
  });

  it('fills {digits} and {national}', async () => {
    const crm = await serve(json(200, []));
    const connector = new CrmConnector(config(crm.url, { lookupUrl: `${crm.url}/find/{digits}?n={national}` }));
    await connector.lookup('+7 495 123 45 67', 'GB');
    expect(crm.seen[0]!.url).toBe('/find/74951234567?n=4951234567');
  });

  it('does not ask the CRM about extensions or hidden numbers', async () => {
    const crm = await serve(json(200, { data: [anna] }));
    const connector = new CrmConnector(config(crm.url));
    expect(await connector.lookup('1001', 'RU')).toEqual({ status: 'not-found' });
    expect(await connector.lookup('anonymous', 'RU')).toEqual({ status: 'not-found' });
    expect(await connector.lookup('', 'RU')).toEqual({ status: 'not-found' });
    expect(crm.seen).toHaveLength(0);
  });

  it('is not found on a 404, an empty list and an empty object', async () => {
    for (const handler of [json(404, { error: 'no such client' }), json(200, { data: [] }), json(200, {}), json(200, { data: null })]) {
      const crm = await serve(handler);
      expect(await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU')).toEqual({ status: 'not-found' });
    }
  });

  it('gives up on a slow CRM when the timeout is over, without waiting for it', async () => {
    const crm = await serve(later(3000, json(200, { data: [anna] })));
    const connector = new CrmConnector(config(crm.url, { timeoutMs: 300 }));
    const started = performance.now();
    const result = await connector.lookup('+74951234567', 'RU');
    const took = performance.now() - started;
    expect(result).toMatchObject({ status: 'unavailable', reason: 'timeout', detail: 'CRM did not answer within 0.3 s' });
    // Waited for its own timeout, and not for the CRM's answer 3 s later (the margin is wide so a
    // busy machine cannot fail it: this is what the connector does, not how fast it does it).
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2000);
  });

  it('says the default timeout in seconds', async () => {
    const crm = await serve(later(2500, json(200, { data: [anna] })));
    const result = await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU');
    expect(result).toMatchObject({ status: 'unavailable', reason: 'timeout', detail: 'CRM did not answer within 1.5 s' });
  });

  it('is unavailable on a server error, with the code in the text', async () => {
    const crm = await serve(json(500, { error: 'boom' }));
    expect(await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU')).toMatchObject({
      status: 'unavailable',
      reason: 'http-error',
      detail: 'CRM answered 500 Internal Server Error',
    });
    const busy = await serve((_req, res) => {
      res.statusCode = 503;
      res.statusMessage = 'Service Unavailable';
      res.end('down for maintenance');
    });
    expect(await new CrmConnector(config(busy.url)).lookup('+74951234567', 'RU')).toMatchObject({
      reason: 'http-error',
      detail: 'CRM answered 503 Service Unavailable',
    });
  });

  it('points at the auth header on a 401, and does not follow redirects', async () => {
    const denied = await serve(json(401, { error: 'unauthorized' }));
    expect(await new CrmConnector(config(denied.url)).lookup('+74951234567', 'RU')).toMatchObject({
      reason: 'http-error',
      detail: expect.stringMatching(/^CRM answered 401 Unauthorized: check the CRM headers \(Authorization\)/),
    });
    const elsewhere = await serve(json(200, { data: [anna] }));
    const moved = await serve((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.url}/clients` });
      res.end();
    });
    expect(await new CrmConnector(config(moved.url)).lookup('+74951234567', 'RU')).toMatchObject({
      reason: 'http-error',
      detail: expect.stringContaining(`CRM answered 302 Found (to ${elsewhere.url}/clients)`),
    });
    expect(elsewhere.seen).toHaveLength(0);
  });

  it('refuses an answer that is not JSON', async () => {
    const crm = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Login</body></html>');
    });
    expect(await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU')).toMatchObject({
      status: 'unavailable',
      reason: 'bad-response',
      detail: 'CRM answered with something that is not JSON (text/html)',
    });
    const empty = await serve((_req, res) => res.end());
    expect(await new CrmConnector(config(empty.url)).lookup('+74951234567', 'RU')).toMatchObject({ reason: 'bad-response' });
  });

  it('reads an answer in the charset it declares', async () => {
    const crm = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=windows-1251' });
      // {"data":[{"name":"Анна"}]} in windows-1251
      res.end(Buffer.concat([Buffer.from('{"data":[{"name":"'), Buffer.from([0xc0, 0xed, 0xed, 0xe0]), Buffer.from('"}]}')]));
    });
    expect(await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU')).toMatchObject({ status: 'found', clients: [{ name: 'Анна' }] });
  });

  it('refuses an answer larger than 1 MB, declared or not', async () => {
    const big = JSON.stringify({ data: [{ name: 'x'.repeat(MAX_RESPONSE_BYTES) }] });
    const declared = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(big) });
      res.end(big);
    });
    const chunked = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      for (let i = 0; i < big.length; i += 64 * 1024) res.write(big.slice(i, i + 64 * 1024));
      res.end();
    });
    for (const crm of [declared, chunked]) {
      expect(await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU')).toMatchObject({
        status: 'unavailable',
        reason: 'bad-response',
        detail: 'CRM answered with more than 1 MB',
      });
    }
  });

  it('is a network failure when nothing listens any more', async () => {
    const crm = await serve(json(200, { data: [anna] }));
    await crm.close();
    const result = await new CrmConnector(config(crm.url)).lookup('+74951234567', 'RU');
    expect(result).toMatchObject({ status: 'unavailable', reason: 'network' });
    expect(result.status === 'unavailable' && result.detail).toBe(`CRM refused the connection (${crm.url.slice('http://'.length)})`);
  });

  it('never throws, even when fetch itself does something odd', async () => {
    const connector = new CrmConnector(config('http://crm.invalid'), {
      fetch: () => {
        throw new Error('synchronous failure');
      },
    });
    expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ status: 'unavailable', reason: 'network' });
    const garbage = new CrmConnector(config('http://crm.invalid'), { fetch: () => Promise.resolve(null as unknown as Response) });
    expect(await garbage.lookup('+74951234567', 'RU')).toMatchObject({ status: 'unavailable' });
  });

  it('answers "disabled" when the admin turned it off', async () => {
    const crm = await serve(json(200, { data: [anna] }));
    const connector = new CrmConnector(config(crm.url, { enabled: false }));
    expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ status: 'unavailable', reason: 'disabled' });
    expect(await connector.lookupLead('L-1')).toMatchObject({ status: 'unavailable', reason: 'disabled' });
    expect(crm.seen).toHaveLength(0);
  });

  describe('cache', () => {
    it('answers the same number from the cache until cacheSeconds are over', async () => {
      const crm = await serve(json(200, { data: [anna] }));
      const time = clock();
      const connector = new CrmConnector(config(crm.url, { cacheSeconds: 300 }), { now: time.now });
      const first = await connector.lookup('+74951234567', 'RU');
      const second = await connector.lookup('8 495 123-45-67', 'RU');
      expect(crm.seen).toHaveLength(1);
      expect(first).toMatchObject({ status: 'found', fromCache: false });
      expect(second).toMatchObject({ status: 'found', fromCache: true, clients: [{ name: 'Анна Петрова' }] });
      expect(second.status === 'found' && first.status === 'found' && second.fetchedAt).toBe(first.status === 'found' && first.fetchedAt);
      time.advance(299);
      await connector.lookup('+74951234567', 'RU');
      expect(crm.seen).toHaveLength(1);
      time.advance(2);
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ status: 'found', fromCache: false });
      expect(crm.seen).toHaveLength(2);
    });

    it('keeps "not found" for 30 s only, and failures not at all', async () => {
      let status = 404;
      const crm = await serve((req, res) => json(status, status === 200 ? { data: [anna] } : { error: 'x' })(req, res));
      const time = clock();
      const connector = new CrmConnector(config(crm.url), { now: time.now });
      await connector.lookup('+74951234567', 'RU');
      await connector.lookup('+74951234567', 'RU');
      expect(crm.seen).toHaveLength(1);
      time.advance(31);
      status = 500;
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ reason: 'http-error' });
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ reason: 'http-error' });
      expect(crm.seen).toHaveLength(3);
      status = 200;
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ status: 'found', fromCache: false });
      expect(crm.seen).toHaveLength(4);
    });

    it('does not cache with cacheSeconds 0, and forgets on clearCache', async () => {
      const crm = await serve(json(200, { data: [anna] }));
      const off = new CrmConnector(config(crm.url, { cacheSeconds: 0 }));
      await off.lookup('+74951234567', 'RU');
      await off.lookup('+74951234567', 'RU');
      expect(crm.seen).toHaveLength(2);
      const on = new CrmConnector(config(crm.url));
      await on.lookup('+74951234567', 'RU');
      on.clearCache();
      await on.lookup('+74951234567', 'RU');
      expect(crm.seen).toHaveLength(4);
    });

    it('shares one request between lookups of the same number made at once', async () => {
      const crm = await serve(later(100, json(200, { data: [anna, oleg] })));
      const connector = new CrmConnector(config(crm.url));
      const results = await Promise.all([
        connector.lookup('+74951234567', 'RU'),
        connector.lookup('+7 495 123 45 67', 'RU'),
        connector.lookup('84951234567', 'RU'),
        connector.lookup('+79161234567', 'RU'),
      ]);
      expect(crm.seen.map((s) => s.url).sort()).toEqual(['/clients?phone=%2B74951234567', '/clients?phone=%2B79161234567']);
      expect(results.map((r) => r.status)).toEqual(['found', 'found', 'found', 'found']);
    });
  });

  describe('leads and chats', () => {
    const leads: Record<string, unknown> = {
      'L-42': { lead: { text: 'Please call me about implants', source: 'site form', created_at: '2025-01-15T08:40:00Z', url: 'https://crm.example.com/leads/L-42' } },
    };
    const leadServer = () =>
      serve((req, res) => {
        const m = /^\/(leads|chats)\/(.+)$/.exec(req.url ?? '');
        const body = m ? leads[decodeURIComponent(m[2]!)] : undefined;
        json(body ? 200 : 404, body ?? { error: 'not found' })(req, res);
      });

    it('finds the request the caller left', async () => {
      const crm = await leadServer();
      const connector = new CrmConnector(config(crm.url));
      expect(await connector.lookupLead('L-42')).toMatchObject({
        status: 'found',
        lead: { request: 'Please call me about implants', source: 'site form', createdAt: '2025-01-15T08:40:00Z', url: 'https://crm.example.com/leads/L-42' },
      });
      expect(await connector.lookupChat('L-42')).toMatchObject({ status: 'found', lead: { source: 'site form' } });
      expect(crm.seen.map((s) => s.url)).toEqual(['/leads/L-42', '/chats/L-42']);
      expect(crm.seen[0]!.headers.authorization).toBe('Bearer s3cret');
    });

    it('is not found for an unknown id, and never puts an unsafe id in the URL', async () => {
      const crm = await leadServer();
      const connector = new CrmConnector(config(crm.url));
      expect(await connector.lookupLead('L-1')).toEqual({ status: 'not-found' });
      expect(await connector.lookupLead('../admin')).toEqual({ status: 'not-found' });
      expect(await connector.lookupLead('..')).toEqual({ status: 'not-found' });
      expect(crm.seen.map((s) => s.url)).toEqual(['/leads/L-1']);
    });

    it('says so when no lead or chat URL is configured', async () => {
      const crm = await leadServer();
      const { leadUrl: _l, chatUrl: _c, ...rest } = config(crm.url);
      const connector = new CrmConnector(CrmConfigSchema.parse(rest));
      expect(await connector.lookupLead('L-42')).toMatchObject({
        status: 'unavailable',
        reason: 'disabled',
        detail: 'No lead URL is configured (crm.leadUrl)',
      });
      expect(await connector.lookupChat('L-42')).toMatchObject({ reason: 'disabled' });
    });
  });

  describe('the fake CRM of the end-to-end tests', () => {
    let fake: FakeCrm | null = null;
    afterEach(async () => {
      await fake?.stop();
      fake = null;
    });

    it('answers the connector configured by fakeCrmConfig', async () => {
      fake = await startCrmServer({
        clients: [
          {
            id: 'c-7',
            name: 'Tatyana Ivanova',
            company: 'Zhemchug Dental',
            phones: ['+7 495 123-45-67'],
            manager: 'Anna',
            source: 'referral',
            tags: ['VIP'],
            price: 120000,
            nextStep: 'send the quote',
            nextStepDate: '2025-01-20',
          },
        ],
        leads: { 'L-42': { text: 'Call me back about whitening', source: 'site' } },
      });
      const connector = new CrmConnector(CrmConfigSchema.parse(fakeCrmConfig(fake.url)));
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({
        status: 'found',
        clients: [
          {
            crmId: 'c-7',
            crmUrl: `${fake.url}/ui/clients/c-7`,
            name: 'Tatyana Ivanova',
            company: 'Zhemchug Dental',
            phones: ['+7 495 123-45-67'],
            accountManager: 'Anna',
            leadSource: 'referral',
            tags: ['VIP'],
            priceQuoted: '120000',
            nextStep: 'send the quote',
            nextStepDate: '2025-01-20',
          },
        ],
        notes: [],
      });
      expect(await connector.lookup('+79990000000', 'RU')).toEqual({ status: 'not-found' });
      expect(await connector.lookupLead('L-42')).toMatchObject({ status: 'found', lead: { request: 'Call me back about whitening', source: 'site' } });
      expect(fake.requests()).toEqual(['GET /clients?phone=%2B74951234567', 'GET /clients?phone=%2B79990000000', 'GET /leads/L-42']);

      fake.setStatus(503);
      connector.clearCache();
      expect(await connector.lookup('+74951234567', 'RU')).toMatchObject({ status: 'unavailable', reason: 'http-error' });
      fake.setStatus(null);
      fake.setDelay(400);
      const slow = new CrmConnector(CrmConfigSchema.parse(fakeCrmConfig(fake.url, { timeoutMs: 200 })));
      expect(await slow.lookup('+74951234567', 'RU')).toMatchObject({ status: 'unavailable', reason: 'timeout' });
      const wrongToken = new CrmConnector(CrmConfigSchema.parse(fakeCrmConfig(fake.url, { headers: { Authorization: 'Bearer nope' } })));
      fake.setDelay(0);
      expect(await wrongToken.lookup('+74951234567', 'RU')).toMatchObject({ reason: 'http-error', detail: expect.stringContaining('401') });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Pure parts

const m = (over: Partial<CrmMapping>): CrmMapping => over as CrmMapping;

describe('applyMapping', () => {
  it('reads dot paths, bracket indexes, wildcards and $.', () => {
    expect(parseJsonPath('data.0.name')).toEqual([{ key: 'data' }, { key: '0' }, { key: 'name' }]);
    expect(parseJsonPath('$.contacts[0].phones')).toEqual([{ key: 'contacts' }, { index: 0 }, { key: 'phones' }]);
    expect(parseJsonPath('PHONE[*].VALUE')).toEqual([{ key: 'PHONE' }, { each: true }, { key: 'VALUE' }]);
    expect(parseJsonPath('[0].name')).toEqual([{ index: 0 }, { key: 'name' }]);
    for (const bad of ['', '.name', 'a..b', 'a.', 'a[x]', 'a[0', 'a[0]b', '$']) expect(parseJsonPath(bad), bad).toBeNull();
  });

  it('maps one object to one card, with nested paths and numbers as text', () => {
    const crm = { contact: { fio: 'Петров Олег Иванович', org: { title: 'ООО Ромашка' }, phones: ['+7 495 123-45-67'], price: 120000, vip: true } };
    expect(
      applyMapping(crm, m({ name: 'contact.fio', company: 'contact.org.title', phones: 'contact.phones', priceQuoted: 'contact.price', urgency: 'contact.vip' })),
    ).toEqual([{ name: 'Петров Олег Иванович', company: 'ООО Ромашка', phones: ['+7 495 123-45-67'], emails: [], tags: [], priceQuoted: '120000', urgency: 'yes' }]);
  });

  it('turns a list into several cards, never silently one', () => {
    const list = [
      { name: 'A', phone: '1' },
      { name: 'B', phone: '2' },
    ];
    expect(applyMapping(list, m({ name: 'name' })).map((c) => c.name)).toEqual(['A', 'B']);
    expect(applyMapping({ result: { items: list } }, m({ resultsPath: 'result.items', name: 'name' })).map((c) => c.name)).toEqual(['A', 'B']);
    // `data.0.…` on every path reads every element of data.
    expect(applyMapping({ data: list }, m({ name: 'data.0.name', phones: 'data[0].phone' }))).toMatchObject([
      { name: 'A', phones: ['1'] },
      { name: 'B', phones: ['2'] },
    ]);
    expect(applyMapping({ data: [] }, m({ name: 'data.0.name' }))).toEqual([]);
    // PHP's list with gaps.
    expect(applyMapping({ data: { 3: { name: 'C' }, 7: { name: 'D' } } }, m({ resultsPath: 'data', name: 'name' })).map((c) => c.name)).toEqual(['C', 'D']);
    // Paths that do not agree still say what they dropped.
    const { clients, notes } = mapCrmResponse({ data: list, meta: { tag: 'x' } }, m({ name: 'data.0.name', tags: 'meta.tag' }));
    expect(clients).toHaveLength(1);
    expect(notes).toContain('name: the CRM sent 2 entries where the path reads only the first');
  });

  it('tolerates missing paths and wrong types, with a note for each drop', () => {
    const { clients, notes } = mapCrmResponse(
      {
        name: { first: 'Anna' },
        company: null,
        phones: ['+7 1', { type: 'work' }, 79161234567],
        emails: 'a@example.com; b@example.com',
        tags: 'VIP, client club',
        crmUrl: 'javascript:alert(1)',
        notes: 'x'.repeat(5000),
      },
      m({ name: 'name', company: 'company', position: 'nowhere.at.all', phones: 'phones', emails: 'emails', tags: 'tags', crmUrl: 'crmUrl', notes: 'notes' }),
    );
    expect(clients).toHaveLength(1);
    const [card] = clients;
    expect(card).toMatchObject({ phones: ['+7 1', '79161234567'], emails: ['a@example.com', 'b@example.com'], tags: ['VIP', 'client club'] });
    expect(card?.name).toBeUndefined();
    expect(card?.company).toBeUndefined();
    expect(card?.crmUrl).toBeUndefined();
    expect(card?.notes).toHaveLength(4000);
    expect(notes).toEqual([
      'name: an object where a text was expected, ignored',
      'notes: longer than 4000 characters, shortened',
      'crmUrl: not an http(s) URL, ignored',
      'phones: 1 entry is not a text, ignored',
    ]);
  });

  it('collects lists through [*] and builds the CRM link from the id', () => {
    const bitrix = { result: [{ ID: '17', NAME: 'Oleg', PHONE: [{ VALUE: '+74951234567' }, { VALUE: '+79161234567' }] }] };
    const { clients } = mapCrmResponse(bitrix, m({ resultsPath: 'result', crmId: 'ID', name: 'NAME', phones: 'PHONE[*].VALUE' }), {
      clientUrl: 'https://crm.example.com/contacts/{crmId}/',
    });
    expect(clients).toEqual([
      { crmId: '17', name: 'Oleg', phones: ['+74951234567', '+79161234567'], emails: [], tags: [], crmUrl: 'https://crm.example.com/contacts/17/' },
    ]);
  });

  it('never throws, whatever the CRM sends', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    for (const input of [null, undefined, 42, 'text', [], [null, 1, 'x'], circular, { __proto__: { name: 'inherited' } }]) {
      expect(() => applyMapping(input, m({ name: 'name', phones: 'self.self.phones', resultsPath: undefined }))).not.toThrow();
    }
    expect(applyMapping({ __proto__: { name: 'inherited' } }, m({ name: 'name' }))).toEqual([]);
    expect(applyMapping({ data: 'oops' }, m({ resultsPath: 'data', name: 'name' }))).toEqual([]);
  });

  it('maps a lead', () => {
    expect(mapLeadResponse({ data: { message: ' Need a quote ', utm: { source: 'yandex' } } }, { request: 'data.message', source: 'data.utm.source' })).toEqual({
      lead: { request: 'Need a quote', source: 'yandex' },
      notes: [],
    });
    expect(mapLeadResponse({}, { request: 'data.message' }).lead).toBeNull();
  });
});

describe('CrmConfigSchema', () => {
  const problems = (input: unknown) => {
    const result = CrmConfigSchema.safeParse(input);
    return result.success ? [] : describeIssues(result.error.issues);
  };
  const good = { lookupUrl: 'https://crm.example.com/api/clients?phone={number}', mapping: { name: 'name' } };

  it('fills in the defaults', () => {
    expect(CrmConfigSchema.parse(good)).toEqual({ ...good, enabled: true, method: 'GET', headers: {}, timeoutMs: 1500, cacheSeconds: 300 });
  });

  it('names the field of each problem', () => {
    expect(problems({ ...good, lookupUrl: 'ftp://crm.example.com/{number}' })).toMatchObject([{ field: 'lookupUrl', message: 'must start with http:// or https://' }]);
    // The window says it in its language from the problem's issue; the provisioning check prints the English.
    expect(provisioningProblemText(problems({ ...good, lookupUrl: 'https://crm.example.com/?p={phone}' })[0]!, fixedT('ru'))).toBe('неизвестная подстановка {phone}: можно {number}, {digits}, {national}');
    expect(problems({ ...good, lookupUrl: 'https://crm.example.com/api/clients' })[0]).toMatchObject({
      field: 'lookupUrl',
      message: expect.stringMatching(/^must contain \{number\} or \{digits\} or \{national\}/),
    });
    expect(problems({ ...good, lookupUrl: 'https://crm.example.com/?p={phone}' })[0]).toMatchObject({
      field: 'lookupUrl',
      message: 'unknown placeholder {phone}: use {number}, {digits}, {national}',
    });
    expect(problems({ ...good, lookupUrl: 'https://{number}.example.com/' })[0]?.field).toBe('lookupUrl');
    expect(problems({ ...good, lookupUrl: 'https://user:pw@crm.example.com/{number}' })[0]?.field).toBe('lookupUrl');
    expect(problems({ ...good, timeoutMs: 60_000 })).toMatchObject([{ field: 'timeoutMs', message: 'must be at most 10000 (10 s)' }]);
    expect(problems({ ...good, mapping: { name: 'a..b' } })[0]?.field).toBe('mapping.name');
    expect(problems({ ...good, mapping: { nmae: 'name' } })).toContainEqual(expect.objectContaining({ field: 'mapping', message: 'unknown field: nmae' }));
    expect(problems({ ...good, mapping: {} })[0]).toMatchObject({ field: 'mapping' });
    expect(problems({ ...good, headers: { Authorization: 'Bearer a\r\nX-Evil: 1' } })[0]?.field).toBe('headers.Authorization');
    expect(problems({ ...good, headers: { Host: 'x' } })[0]?.field).toBe('headers.Host');
    expect(problems({ ...good, leadUrl: 'https://crm.example.com/leads/{leadId}' })).toMatchObject([{ field: 'leadMapping', message: 'is required when leadUrl or chatUrl is set' }]);
    expect(problems({ ...good, leadUrl: 'https://crm.example.com/leads/{chatId}', leadMapping: { request: 'text' } })[0]?.field).toBe('leadUrl');
    expect(problems({ ...good, method: 'POST' })).toMatchObject([{ field: 'method', message: 'must be "GET"' }]);
  });
});

describe('crmStatusOf', () => {
  it('tells the renderer what is configured, without URLs or secrets', () => {
    const withLeads = config('https://crm.example.com', { headers: { Authorization: 'Bearer s3cret' } });
    const status = crmStatusOf(withLeads, PbxHeadersConfigSchema.parse({ queue: 'X-Asterisk-Queue' }));
    expect(status).toMatchObject({ enabled: true, leads: true, chats: true, pbxHeaders: { queue: 'X-Asterisk-Queue', ivrChoice: 'X-IVR-Choice' } });
    expect(JSON.stringify(status)).not.toMatch(/s3cret|crm\.example\.com/);
    expect(crmStatusOf({ ...withLeads, enabled: false }, undefined)).toMatchObject({ enabled: false, leads: false, chats: false });
    expect(crmStatusOf(undefined, undefined).pbxHeaders.leadId).toBe('X-Lead-Id');
  });
});

describe('lookupVariables', () => {
  it('gives the number as E.164, digits and national number', () => {
    expect(lookupVariables('8 (495) 123-45-67', 'RU')).toEqual({ number: '+74951234567', digits: '74951234567', national: '4951234567' });
    expect(lookupVariables('+44 20 7946 0958', 'RU')).toEqual({ number: '+442079460958', digits: '442079460958', national: '2079460958' });
    expect(lookupVariables('1000', 'RU')).toBeNull();
    expect(lookupVariables('sip:alice@example.com', 'RU')).toBeNull();
  });
});

describe('extractCallContext', () => {
  it('reads the default headers whatever their case, trimmed', () => {
    const context = extractCallContext({
      'x-ivr-choice': ' 2 ',
      'X-QUEUE': 'sales',
      'X-Campaign': 'winter-implants',
      'x-lead-id': 'L-42',
      'X-Chat-Id': 'chat:9f1',
      'Via': 'SIP/2.0/WSS …',
    });
    expect(context).toEqual({ ivrChoice: '2', queue: 'sales', campaign: 'winter-implants', leadId: 'L-42', chatId: 'chat:9f1', other: {} });
  });

  it('follows the header names the admin configured, and the extra headers', () => {
    const config = PbxHeadersConfigSchema.parse({ queue: 'X-Asterisk-Queue', leadId: 'X-Roistat-Lead', other: { 'X-UTM-Source': 'Ad source' } });
    const context = extractCallContext({ 'X-Queue': 'ignored', 'x-asterisk-queue': 'support', 'X-ROISTAT-LEAD': '123', 'x-utm-source': 'yandex' }, config);
    expect(context).toEqual({ queue: 'support', leadId: '123', other: { 'X-UTM-Source': 'yandex' } });
    expect(callContextLines(context, config)).toEqual([
      { label: 'Queue', value: 'support' },
      { label: 'Web lead', value: '123' },
      { label: 'Ad source', value: 'yandex' },
    ]);
  });

  it('limits values and leaves out ids that are not safe in a URL', () => {
    const context = extractCallContext({ 'X-Campaign': `a\u0000b ${'x'.repeat(500)}`, 'X-Lead-Id': '../../admin', 'X-Chat-Id': '   ', 'X-Queue': '' });
    expect(context.campaign).toHaveLength(200);
    expect(context.campaign?.startsWith('ab x')).toBe(true);
    expect(context).not.toHaveProperty('leadId');
    expect(context).not.toHaveProperty('chatId');
    expect(context).not.toHaveProperty('queue');
  });

  it('rejects header names that are not header names', () => {
    expect(PbxHeadersConfigSchema.safeParse({ queue: 'X Queue' }).success).toBe(false);
    expect(PbxHeadersConfigSchema.safeParse({ other: { 'X-A': '' } }).success).toBe(false);
  });
});
