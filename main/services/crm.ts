import { STATUS_CODES } from 'node:http';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import {
  crmProblemText,
  crmRecordId,
  fillUrlTemplate,
  mapCrmResponse,
  mapLeadResponse,
  type CrmConfig,
  type CrmLeadResult,
  type CrmLookupResult,
  type CrmProblem,
  type CrmUnavailableReason,
  type LookupVariables,
} from '../../common/crm';
import { parseDialString } from '../../common/phone';

export interface CrmConnectorOptions {
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/** Answers larger than this are refused: a lookup is a handful of cards, not an export. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;
/** A number the CRM does not know is asked again after at most this long (it may have been added since). */
export const NOT_FOUND_CACHE_SECONDS = 30;
const MAX_CACHE_ENTRIES = 1000;

type Unavailable = { status: 'unavailable'; reason: CrmUnavailableReason; detail: string; problem: CrmProblem };
/** Unavailable for this reason: the problem as data, and in English for the log. */
const unavailableFor = (reason: CrmUnavailableReason, problem: CrmProblem): Unavailable => ({ status: 'unavailable', reason, detail: crmProblemText(problem), problem });
/** One URL's answer: JSON, "no such record", or why there is none. */
type Fetched = { status: 'json'; json: unknown; fetchedAt: string } | { status: 'not-found' } | Unavailable;

type CacheEntry = { expires: number; value: CrmLookupResult | CrmLeadResult };


/**
 * The caller's number as the lookup URL's placeholders, or null for what no CRM knows (an
 * extension, a service code, a SIP URI, "anonymous").
 */
export function lookupVariables(number: string, region: string): LookupVariables | null {
  const target = parseDialString(number, region);
  if (!target.ok || target.kind !== 'number') return null;
  const digits = target.dial.replace(/\D/g, '');
  if (!digits) return null;
  const parsed = parsePhoneNumberFromString(target.dial, region as CountryCode);
  return { number: target.dial, digits, national: parsed?.nationalNumber ?? digits };
}

/**
 * The CRM connector: looks a caller up over HTTP while the phone rings. It never throws and never
 * waits longer than the configured timeout: a slow or failing CRM is an answer ("unavailable", with
 * a reason the agent can read), so the call and the local card go on without it.
 *
 * Answers are cached per URL (found for `cacheSeconds`, not found for at most 30 s, failures never),
 * and lookups of the same URL while one is under way share its request.
 */
export class CrmConnector {
  private readonly fetch: typeof globalThis.fetch;
  private readonly now: () => Date;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<CrmLookupResult | CrmLeadResult>>();

  constructor(
    readonly config: CrmConfig,
    options: CrmConnectorOptions = {},
  ) {
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? (() => new Date());
  }

  /** The client cards for a caller's number (as the PBX sent it; read with the PC's region). */
  async lookup(number: string, region: string): Promise<CrmLookupResult> {
    try {
      if (!this.config.enabled) return unavailableFor('disabled', { code: 'off' });
      const variables = lookupVariables(number, region);
      if (!variables) return { status: 'not-found' };
      const url = fillUrlTemplate(this.config.lookupUrl, variables);
      return (await this.cached(`client ${url}`, url, (fetched) => {
        const { clients, notes } = mapCrmResponse(fetched.json, this.config.mapping, { clientUrl: this.config.clientUrl });
        return clients.length
          ? { status: 'found', clients, fetchedAt: fetched.fetchedAt, fromCache: false, notes }
          : { status: 'not-found' };
      })) as CrmLookupResult;
    } catch (error) {
      return unexpected(error);
    }
  }

  /** The web lead the caller left before calling (the id the PBX sent). */
  lookupLead(leadId: string): Promise<CrmLeadResult> {
    return this.lookupRecord(this.config.leadUrl, 'leadId', leadId, 'no-lead-url');
  }

  /** The chat the caller had before calling (the id the PBX sent). */
  lookupChat(chatId: string): Promise<CrmLeadResult> {
    return this.lookupRecord(this.config.chatUrl, 'chatId', chatId, 'no-chat-url');
  }

  /** Forgets every cached answer (after the agent changed the client in the CRM, say). */
  clearCache(): void {
    this.cache.clear();
  }

  private async lookupRecord(template: string | undefined, placeholder: string, id: string, missing: 'no-lead-url' | 'no-chat-url'): Promise<CrmLeadResult> {
    try {
      if (!this.config.enabled) return unavailableFor('disabled', { code: 'off' });
      if (!template || !this.config.leadMapping) return unavailableFor('disabled', { code: missing });
      if (typeof id !== 'string' || !crmRecordId.test(id)) return { status: 'not-found' };
      const url = fillUrlTemplate(template, { [placeholder]: id });
      const mapping = this.config.leadMapping;
      return (await this.cached(`lead ${url}`, url, (fetched) => {
        const { lead, notes } = mapLeadResponse(fetched.json, mapping);
        return lead
          ? { status: 'found', lead, fetchedAt: fetched.fetchedAt, fromCache: false, notes }
          : { status: 'not-found' };
      })) as CrmLeadResult;
    } catch (error) {
      return unexpected(error);
    }
  }

  /** A cached answer, the answer of a request under way, or a new request; then caches what it got. */
  private cached<R extends CrmLookupResult | CrmLeadResult>(
    key: string,
    url: string,
    interpret: (fetched: Extract<Fetched, { status: 'json' }>) => R,
  ): Promise<R> {
    const now = this.now().getTime();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) {
      return Promise.resolve(hit.value.status === 'found' ? ({ ...hit.value, fromCache: true } as R) : (hit.value as R));
    }
    if (hit) this.cache.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<R>;
    const request = (async (): Promise<R> => {
      const fetched = await this.get(url);
      const result = fetched.status === 'json' ? interpret(fetched) : (fetched as R);
      this.remember(key, result);
      return result;
    })().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, request);
    return request;
  }

  private remember(key: string, result: CrmLookupResult | CrmLeadResult) {
    const ttl =
      result.status === 'found'
        ? this.config.cacheSeconds
        : result.status === 'not-found'
          ? Math.min(NOT_FOUND_CACHE_SECONDS, this.config.cacheSeconds)
          : 0;
    if (ttl <= 0) return;
    const now = this.now().getTime();
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      for (const [k, entry] of this.cache) if (entry.expires <= now) this.cache.delete(k);
      // Still full: drop the oldest (a Map keeps insertion order).
      while (this.cache.size >= MAX_CACHE_ENTRIES) {
        const oldest = this.cache.keys().next();
        if (oldest.done) break;
        this.cache.delete(oldest.value);
      }
    }
    this.cache.set(key, { expires: now + ttl * 1000, value: result });
  }

  private timedOut(): Unavailable {
    return unavailableFor('timeout', { code: 'timeout', seconds: Number((this.config.timeoutMs / 1000).toFixed(1)) });
  }

  /** One GET within the timeout: JSON, not found (404, 204), or why not. Never throws. */
  private async get(url: string): Promise<Fetched> {
    const { timeoutMs } = this.config;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The race keeps the promise even with a fetch that ignores the signal.
    const timeout = new Promise<Unavailable>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(this.timedOut());
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.request(url, controller.signal), timeout]);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  private async request(url: string, signal: AbortSignal): Promise<Fetched> {
    let response: Response;
    try {
      response = await this.fetch(url, {
        method: this.config.method,
        headers: { Accept: 'application/json', 'User-Agent': 'Frontdesk', ...this.config.headers },
        // A redirect could carry the Authorization header elsewhere: the admin configures the final URL.
        redirect: 'manual',
        signal,
      });
    } catch (error) {
      return unavailableFor('network', networkProblem(error, url));
    }
    const { status } = response;
    if (status === 404 || status === 204) {
      await response.body?.cancel().catch(() => undefined);
      return { status: 'not-found' };
    }
    if (status < 200 || status > 299) {
      await response.body?.cancel().catch(() => undefined);
      return unavailableFor('http-error', httpProblem(response));
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      return tooLarge();
    }
    let bytes: Uint8Array;
    try {
      const body = await readLimited(response, MAX_RESPONSE_BYTES);
      if (!body) return tooLarge();
      bytes = body;
    } catch (error) {
      if (signal.aborted) return this.timedOut();
      return unavailableFor('network', networkProblem(error, url));
    }
    const contentType = response.headers.get('content-type') ?? '';
    const type = contentType.split(';')[0]?.trim() || 'no content type';
    const text = decode(bytes, /;\s*charset="?([\w.:-]+)"?/i.exec(contentType)?.[1]);
    if (!text.trim()) return unavailableFor('bad-response', { code: 'empty', status });
    try {
      return { status: 'json', json: JSON.parse(text) as unknown, fetchedAt: this.now().toISOString() };
    } catch {
      return unavailableFor('bad-response', { code: 'not-json', type });
    }
  }
}

const tooLarge = (): Unavailable => unavailableFor('bad-response', { code: 'too-large', mb: MAX_RESPONSE_BYTES / 1024 / 1024 });
const unexpected = (error: unknown): Unavailable => unavailableFor('bad-response', { code: 'failed', message: error instanceof Error ? error.message : String(error) });

/** Text in the declared charset (some CRMs still answer in windows-1251), else UTF-8; no BOM. */
function decode(bytes: Uint8Array, charset: string | undefined): string {
  let text: string;
  try {
    text = new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}

/** The body, or null when it is larger than `limit` bytes (reading stops there). */
async function readLimited(response: Response, limit: number): Promise<Uint8Array | null> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function httpProblem(response: Response): CrmProblem {
  const { status } = response;
  const location = status >= 300 && status < 400 ? response.headers.get('location') : null;
  return { code: 'http', status, reason: response.statusText || STATUS_CODES[status] || '', location: location || null };
}

function networkProblem(error: unknown, url: string): CrmProblem {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const code = String((cause as { code?: unknown } | null | undefined)?.code ?? (error as { code?: unknown } | null)?.code ?? '');
  let host = '';
  const m = /^https?:\/\/([^/?#]+)/i.exec(url);
  if (m) host = m[1]!;
  switch (code) {
    case 'ECONNREFUSED':
      return { code: 'refused', host };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { code: 'host-not-found', host: host.replace(/:\d+$/, '') };
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return { code: 'closed', host };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 'unreachable', host, message: null };
    default: {
      if (/CERT|SSL|TLS/i.test(code)) return { code: 'tls', error: code };
      const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
      return { code: 'unreachable', host, message };
    }
  }
}
