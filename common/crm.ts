import { z } from 'zod';
import type { TFunction } from 'i18next';
import { fixedT } from './i18n/translate';
import { check } from './said';

/**
 * The CRM connector's model: what the admin configures (provisioning key `crm`), what the PBX tells
 * about the call before it rang (provisioning key `pbxHeaders`), and the pure helpers that turn a
 * CRM's JSON into client cards. Pure TypeScript (zod only): the services fetch, the renderer shows,
 * both use these types and the contract validates them.
 */

// ---------------------------------------------------------------------------------------------
// JSON paths

/** One step of a JSON path: an object key, an array index, or every element of an array. */
export type PathSegment = { key: string } | { index: number } | { each: true };

/**
 * Parses a JSON path as admins write them: dot paths with array indexes, `data.0.name`,
 * `contacts[0].phones`, `PHONE[*].VALUE` (every element), an optional leading `$.`.
 * A bare number between dots is an index when the value there is an array, a key otherwise.
 * Returns null for a path that cannot be read.
 */
export function parseJsonPath(path: string): PathSegment[] | null {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1).replace(/^\./, '');
  if (!rest || rest.length > 300) return null;
  const segments: PathSegment[] = [];
  let i = 0;
  let expectKey = true; // at the start or after a dot a key (or a bracket at the start) comes
  while (i < rest.length) {
    const ch = rest[i];
    if (ch === '[') {
      const end = rest.indexOf(']', i);
      if (end < 0) return null;
      const inner = rest.slice(i + 1, end).trim();
      if (inner === '*') segments.push({ each: true });
      else if (/^\d{1,6}$/.test(inner)) segments.push({ index: Number(inner) });
      else return null;
      i = end + 1;
      expectKey = false;
      if (i < rest.length && rest[i] !== '.' && rest[i] !== '[') return null;
    } else if (ch === '.') {
      if (expectKey) return null; // ".." or a leading dot
      i += 1;
      expectKey = true;
      if (i >= rest.length) return null; // trailing dot
    } else {
      if (!expectKey) return null;
      let end = i;
      while (end < rest.length && rest[end] !== '.' && rest[end] !== '[') end += 1;
      const key = rest.slice(i, end);
      if (key === '*') segments.push({ each: true });
      else segments.push({ key });
      i = end;
      expectKey = false;
      if (rest[i] === ']') return null;
    }
  }
  return segments.length ? segments : null;
}

const jsonPath = z
  .string()
  .max(300, 'must be at most 300 characters')
  .refine((p) => parseJsonPath(p) !== null, check('jsonPath'));

/** Reads a path; `each` steps turn the result into a list. Own properties only; never throws. */
function readPath(json: unknown, segments: readonly PathSegment[], onNote?: (note: string) => void, label = ''): unknown {
  let current: unknown = json;
  for (let s = 0; s < segments.length; s += 1) {
    const seg = segments[s]!;
    if (current === null || current === undefined) return undefined;
    if ('each' in seg) {
      if (!Array.isArray(current)) return undefined;
      const rest = segments.slice(s + 1);
      const out: unknown[] = [];
      for (const item of current.slice(0, 100)) {
        const value = readPath(item, rest);
        if (Array.isArray(value)) out.push(...value);
        else if (value !== undefined && value !== null) out.push(value);
      }
      return out;
    }
    // `data.0` on a list is `data[0]`.
    const key = 'key' in seg ? seg.key : null;
    const index = 'index' in seg ? seg.index : Array.isArray(current) && key !== null && /^\d+$/.test(key) ? Number(key) : null;
    if (index !== null) {
      if (Array.isArray(current)) {
        if (index === 0 && current.length > 1) onNote?.(`${label}: the CRM sent ${current.length} entries where the path reads only the first`);
        current = current[index];
      } else {
        // PHP sends a list with gaps as an object with numeric keys.
        current = typeof current === 'object' && Object.hasOwn(current, String(index)) ? (current as Record<string, unknown>)[String(index)] : undefined;
      }
      continue;
    }
    if (key === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// URLs and templates

/** http(s) URL with a literal host (no placeholders, no user:password@), checked without a URL global. */
const httpUrlShape = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?(?:[/?#][^\s]*)?$/i;

export const isHttpUrl = (u: string): boolean => {
  const m = httpUrlShape.exec(u);
  return m !== null && (m[2] === undefined || Number(m[2]) <= 65535);
};

const placeholdersIn = (template: string) => [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');

function urlTemplate(placeholders: readonly string[], required: readonly string[], example: string) {
  const list = placeholders.map((p) => `{${p}}`).join(', ');
  return z
    .string()
    .trim()
    .max(2000, 'must be at most 2000 characters')
    .refine((u) => /^https?:\/\//i.test(u), { ...check('httpUrl'), abort: true })
    .refine(isHttpUrl, { ...check('url', { example }), abort: true })
    .superRefine((u, ctx) => {
      const used = placeholdersIn(u);
      const unknown = used.filter((p) => !placeholders.includes(p));
      if (unknown.length) {
        ctx.addIssue({ code: 'custom', ...check('unknownPlaceholder', { unknown: unknown.map((p) => `{${p}}`).join(', '), list }) });
      } else if (!used.some((p) => required.includes(p))) {
        ctx.addIssue({ code: 'custom', ...check('placeholderNeeded', { required: required.map((p) => `{${p}}`).join(' or '), example }) });
      }
    });
}

/** Placeholders of `lookupUrl`: the caller's number as E.164, its digits, its national number. */
export const lookupPlaceholders = ['number', 'digits', 'national'] as const;
export type LookupVariables = Record<(typeof lookupPlaceholders)[number], string>;

/** Fills `{name}` placeholders, each value URL-encoded (so "+7…" becomes "%2B7…"). */
export function fillUrlTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? encodeURIComponent(values[name]!) : whole,
  );
}

// ---------------------------------------------------------------------------------------------
// The client card as the CRM fills it

/** Card fields that hold one text. */
export const crmTextFields = [
  'name',
  'preferredAddress',
  'company',
  'position',
  'accountManager',
  'leadSource',
  'referredBy',
  'request',
  'notes',
  'urgency',
  'priceQuoted',
  'agreements',
  'nextStep',
  'nextStepDate',
  'saleDate',
  'birthday',
  'crmId',
  'crmUrl',
] as const;
/** Card fields that hold a list. */
export const crmListFields = ['phones', 'emails', 'tags'] as const;
export type CrmTextField = (typeof crmTextFields)[number];
export type CrmListField = (typeof crmListFields)[number];
export type CrmCardField = CrmTextField | CrmListField;

const LONG_TEXT = 4000;
const SHORT_TEXT = 300;
const LIST_ITEMS = 20;
const textLimit = (field: CrmTextField) =>
  field === 'request' || field === 'notes' || field === 'agreements' ? LONG_TEXT : field === 'crmUrl' ? 2000 : SHORT_TEXT;

const text = (max: number) => z.string().max(max);
export const CrmClientSchema = z.object({
  /** Name as the CRM has it. */
  name: text(SHORT_TEXT).optional(),
  /** How the person wants to be addressed ("Oleg", "Oleg Ivanovich"). */
  preferredAddress: text(SHORT_TEXT).optional(),
  company: text(SHORT_TEXT).optional(),
  position: text(SHORT_TEXT).optional(),
  phones: z.array(text(SHORT_TEXT)).max(LIST_ITEMS),
  emails: z.array(text(SHORT_TEXT)).max(LIST_ITEMS),
  /** Whose client it is. */
  accountManager: text(SHORT_TEXT).optional(),
  /** Where the client came from, and who referred them. */
  leadSource: text(SHORT_TEXT).optional(),
  referredBy: text(SHORT_TEXT).optional(),
  /** e.g. "new", "VIP", "client club". */
  tags: z.array(text(SHORT_TEXT)).max(LIST_ITEMS),
  /** The request and its details. */
  request: text(LONG_TEXT).optional(),
  notes: text(LONG_TEXT).optional(),
  urgency: text(SHORT_TEXT).optional(),
  priceQuoted: text(SHORT_TEXT).optional(),
  /** Previous agreements. */
  agreements: text(LONG_TEXT).optional(),
  /** The agreed next step and its date, as the CRM writes them. */
  nextStep: text(SHORT_TEXT).optional(),
  nextStepDate: text(SHORT_TEXT).optional(),
  /** A follow-up is due 3–4 days after a sale. */
  saleDate: text(SHORT_TEXT).optional(),
  birthday: text(SHORT_TEXT).optional(),
  /** The client's id in the CRM and a link to open it there (http/https only). */
  crmId: text(SHORT_TEXT).optional(),
  crmUrl: text(2000).refine(isHttpUrl, 'must be an http(s) URL').optional(),
});
export type CrmClient = z.infer<typeof CrmClientSchema>;

/** What came before the call, as the CRM keeps a web lead or a chat. */
export const CrmLeadSchema = z.object({
  /** The request the caller left, word for word. */
  request: text(LONG_TEXT).optional(),
  /** Where it came from: site form, chat widget, campaign… */
  source: text(SHORT_TEXT).optional(),
  createdAt: text(SHORT_TEXT).optional(),
  url: text(2000).refine(isHttpUrl, 'must be an http(s) URL').optional(),
});
export type CrmLead = z.infer<typeof CrmLeadSchema>;

// ---------------------------------------------------------------------------------------------
// The admin's configuration

const mappingFieldShape = Object.fromEntries(
  [...crmTextFields, ...crmListFields].map((f) => [f, jsonPath.optional()]),
) as { [F in CrmCardField]: z.ZodOptional<typeof jsonPath> };

/**
 * From the CRM's JSON to the card. Without `resultsPath` an array at the root is a list of clients
 * and an object is one client; paths that all start with the same `data.0` / `data[0]` read every
 * element of `data` (several matches are several cards, never silently the first).
 */
export const CrmMappingSchema = z
  .strictObject({
    /** Where the list of matches is, e.g. "data" or "result.contacts"; paths below are relative to each match. */
    resultsPath: jsonPath.optional(),
    ...mappingFieldShape,
  })
  .refine((m) => [...crmTextFields, ...crmListFields].some((f) => m[f] !== undefined), {
    message: 'must map at least one card field (name, company, phones…)',
  });
export type CrmMapping = z.infer<typeof CrmMappingSchema>;

export const CrmLeadMappingSchema = z
  .strictObject({
    request: jsonPath.optional(),
    source: jsonPath.optional(),
    createdAt: jsonPath.optional(),
    url: jsonPath.optional(),
  })
  .refine((m) => m.request !== undefined || m.source !== undefined || m.createdAt !== undefined || m.url !== undefined, {
    message: 'must map at least one of request, source, createdAt, url',
  });
export type CrmLeadMapping = z.infer<typeof CrmLeadMappingSchema>;

const headerName = z.string().refine((name) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(name), check('headerName'));
const headerValue = z
  .string()
  .max(4000, 'must be at most 4000 characters')
  .refine((value) => /^[^\r\n\0]*$/.test(value), check('lineBreaks'));
/** Headers fetch manages itself: setting them would be ignored or break the request. */
const reservedHeaders = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'accept-encoding']);

export const CrmConfigSchema = z
  .strictObject({
    /** Off leaves the card local-only (and the connector answers "disabled"). */
    enabled: z.boolean().default(true),
    /** Where to look a number up: `{number}` (E.164, "+74951234567"), `{digits}` ("74951234567"), `{national}` ("4951234567"). */
    lookupUrl: urlTemplate(lookupPlaceholders, lookupPlaceholders, 'https://crm.example.com/api/clients?phone={number}'),
    /** Where a web lead is, by the id the PBX sent, e.g. https://crm.example.com/api/leads/{leadId}. */
    leadUrl: urlTemplate(['leadId'], ['leadId'], 'https://crm.example.com/api/leads/{leadId}').optional(),
    /** Where a chat is, by the id the PBX sent, e.g. https://crm.example.com/api/chats/{chatId}. */
    chatUrl: urlTemplate(['chatId'], ['chatId'], 'https://crm.example.com/api/chats/{chatId}').optional(),
    /** A link to the client in the CRM's web UI, for clients whose JSON has none: `{crmId}`. */
    clientUrl: urlTemplate(['crmId'], ['crmId'], 'https://crm.example.com/clients/{crmId}').optional(),
    method: z.literal('GET', 'must be "GET"').default('GET'),
    /** Sent with every request, e.g. { "Authorization": "Bearer …" }. */
    headers: z
      .record(headerName, headerValue)
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (reservedHeaders.has(name.toLowerCase())) {
            ctx.addIssue({ code: 'custom', path: [name], ...check('reservedHeader', { name }) });
          }
        }
      })
      .default({}),
    /** How long the card waits for the CRM before it says "CRM unavailable". */
    timeoutMs: z.number().int().min(100, 'must be at least 100').max(10_000, 'must be at most 10000 (10 s)').default(1500),
    /** How long an answer is reused for the same number (0: never). A number that is not found is reused for at most 30 s. */
    cacheSeconds: z.number().int().min(0, 'must be 0 or more').max(86_400, 'must be at most 86400 (a day)').default(300),
    mapping: CrmMappingSchema,
    /** For lead and chat answers (required with leadUrl or chatUrl). */
    leadMapping: CrmLeadMappingSchema.optional(),
  })
  .superRefine((config, ctx) => {
    if ((config.leadUrl || config.chatUrl) && !config.leadMapping) {
      ctx.addIssue({ code: 'custom', path: ['leadMapping'], message: 'is required when leadUrl or chatUrl is set' });
    }
  });
export type CrmConfig = z.output<typeof CrmConfigSchema>;
export type CrmConfigInput = z.input<typeof CrmConfigSchema>;

// ---------------------------------------------------------------------------------------------
// What the connector answers (crosses the contract)

export const CrmUnavailableReasonSchema = z.enum(['timeout', 'http-error', 'network', 'bad-response', 'disabled']);
export type CrmUnavailableReason = z.infer<typeof CrmUnavailableReasonSchema>;

/** Why the CRM gave no answer, as data: the window tells it in its language (crmProblemText). */
export const CrmProblemSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('timeout'), seconds: z.number() }),
  z.object({ code: z.literal('http'), status: z.number().int(), reason: z.string(), location: z.string().nullable() }),
  z.object({ code: z.enum(['refused', 'closed', 'host-not-found']), host: z.string() }),
  z.object({ code: z.literal('unreachable'), host: z.string(), message: z.string().nullable() }),
  z.object({ code: z.literal('tls'), error: z.string() }),
  z.object({ code: z.literal('empty'), status: z.number().int() }),
  z.object({ code: z.literal('not-json'), type: z.string() }),
  z.object({ code: z.literal('too-large'), mb: z.number() }),
  z.object({ code: z.literal('failed'), message: z.string() }),
  z.object({ code: z.enum(['off', 'no-lead-url', 'no-chat-url']) }),
]);
export type CrmProblem = z.infer<typeof CrmProblemSchema>;

/**
 * A CRM problem in words: "CRM did not answer within 1.5 s", "CRM answered 503 Service
 * Unavailable". `t`: the language (English, for the services' `detail` and the log, unless the
 * window passes its own).
 */
export function crmProblemText(problem: CrmProblem, t: TFunction = fixedT('en')): string {
  switch (problem.code) {
    case 'timeout':
      return t('crm.problem.timeout', { seconds: problem.seconds });
    case 'http': {
      const head = t('crm.problem.http', { status: `${problem.status}${problem.reason ? ` ${problem.reason}` : ''}` });
      if (problem.status === 401 || problem.status === 403) return t('crm.problem.httpAuth', { head });
      if (problem.status >= 300 && problem.status < 400) return t(problem.location ? 'crm.problem.redirectTo' : 'crm.problem.redirect', { head, location: problem.location ?? '' });
      return head;
    }
    case 'refused':
      return t('crm.problem.refused', { host: problem.host });
    case 'closed':
      return t('crm.problem.closed', { host: problem.host });
    case 'host-not-found':
      return t('crm.problem.hostNotFound', { host: problem.host });
    case 'unreachable':
      return problem.message ? t('crm.problem.unreachableBecause', { host: problem.host, message: problem.message }) : t('crm.problem.unreachable', { host: problem.host });
    case 'tls':
      return t('crm.problem.tls', { error: problem.error });
    case 'empty':
      return t('crm.problem.empty', { status: problem.status });
    case 'not-json':
      return t('crm.problem.notJson', { type: problem.type });
    case 'too-large':
      return t('crm.problem.tooLarge', { mb: problem.mb });
    case 'failed':
      return t('crm.problem.failed', { message: problem.message });
    case 'off':
      return t('crm.problem.off');
    case 'no-lead-url':
      return t('crm.problem.noLeadUrl');
    case 'no-chat-url':
      return t('crm.problem.noChatUrl');
  }
}

const unavailable = z.object({
  status: z.literal('unavailable'),
  reason: CrmUnavailableReasonSchema,
  /** In English, for the log: "CRM did not answer within 1.5 s", "CRM answered 503 Service Unavailable". */
  detail: z.string(),
  /** The same as data, for the window to tell in its language (absent: only `detail` is known, e.g. the bridge failed). */
  problem: CrmProblemSchema.optional(),
});

/** What the window says about an unavailable CRM: the problem in its language, else the detail as it came. */
export const crmUnavailableText = (result: { detail: string; problem?: CrmProblem }, t: TFunction): string => (result.problem ? crmProblemText(result.problem, t) : result.detail);
const notFound = z.object({ status: z.literal('not-found') });

/** Found (with what was found, when, and what the mapping left out), not found, or unavailable. */
const lookupResult = <Shape extends z.core.$ZodShape>(found: Shape) =>
  z.discriminatedUnion('status', [
    z.object({
      status: z.literal('found'),
      ...found,
      fetchedAt: z.string(),
      fromCache: z.boolean(),
      /** What the mapping could not use (for the admin), e.g. "phones: 1 entry is not a text, ignored". */
      notes: z.array(z.string()),
    }),
    notFound,
    unavailable,
  ]);

export const CrmLookupResultSchema = lookupResult({
  /** Every match, in the CRM's order: several matches are several cards. */
  clients: z.array(CrmClientSchema).min(1),
});
export type CrmLookupResult = z.infer<typeof CrmLookupResultSchema>;

export const CrmLeadResultSchema = lookupResult({ lead: CrmLeadSchema });
export type CrmLeadResult = z.infer<typeof CrmLeadResultSchema>;

/** Lead and chat ids as they may travel into a URL: no "..", no slashes, no spaces. */
export const crmRecordId = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
export const CrmRecordIdSchema = z.string().regex(crmRecordId, 'must be an id of letters, digits and _ . : @ - (at most 128)');

// ---------------------------------------------------------------------------------------------
// Mapping

/** Control characters out (line breaks and tabs stay), then trimmed. */
const clean = (s: string) => s.replace(/\p{Cc}/gu, (c) => (c === '\n' || c === '\t' ? c : '')).trim();

function asText(value: unknown): string | undefined | null {
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return null; // does not fit
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function mapText(field: string, value: unknown, max: number, note: (n: string) => void): string | undefined {
  if (value === undefined || value === null) return undefined;
  const t = asText(value);
  if (t === null) {
    note(`${field}: ${kindOf(value)} where a text was expected, ignored`);
    return undefined;
  }
  if (!t) return undefined;
  if (t.length > max) {
    note(`${field}: longer than ${max} characters, shortened`);
    return `${t.slice(0, max - 1)}…`;
  }
  return t;
}

function mapList(field: string, value: unknown, note: (n: string) => void): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[,;\n]/) : [value];
  const out: string[] = [];
  let dropped = 0;
  for (const item of items) {
    const t = item === null || item === undefined ? undefined : asText(item);
    if (t === null) dropped += 1;
    else if (t && !out.includes(t)) out.push(t.length > SHORT_TEXT ? t.slice(0, SHORT_TEXT) : t);
  }
  if (dropped) note(`${field}: ${dropped} ${dropped === 1 ? 'entry is' : 'entries are'} not a text, ignored`);
  if (out.length > LIST_ITEMS) {
    note(`${field}: ${out.length} entries, the first ${LIST_ITEMS} kept`);
    out.length = LIST_ITEMS;
  }
  return out;
}

/** `data.0` and `data[0]` are the same step. */
const stepKey = (s: PathSegment) => ('each' in s ? '[*]' : 'index' in s ? `[${s.index}]` : /^\d+$/.test(s.key) ? `[${Number(s.key)}]` : `.${s.key}`);
const samePrefix = (a: readonly PathSegment[], b: readonly PathSegment[], length: number) => {
  for (let i = 0; i < length; i += 1) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || stepKey(x) !== stepKey(y)) return false;
  }
  return true;
};
const isFirstIndex = (s: PathSegment | undefined) =>
  s !== undefined && (('index' in s && s.index === 0) || ('key' in s && s.key === '0'));

/**
 * When every mapped path starts with the same `…[0]` (e.g. `data.0.name`, `data.0.phones`) and
 * there is a list there, the list is the results: returns its position and the paths below it.
 */
function inferResults(json: unknown, paths: readonly PathSegment[][]): { at: PathSegment[]; rest: PathSegment[][] } | null {
  const first = paths[0];
  if (!first) return null;
  for (let k = 0; k < first.length - 1; k += 1) {
    if (!isFirstIndex(first[k])) continue;
    if (!paths.every((p) => p.length > k + 1 && samePrefix(p, first, k + 1))) return null;
    const at = first.slice(0, k);
    if (!Array.isArray(at.length ? readPath(json, at) : json)) return null;
    return { at, rest: paths.map((p) => p.slice(k + 1)) };
  }
  return null;
}

const MAX_RESULTS = 20;

/** Notes for the admin: each once, at most 50. */
function noteCollector() {
  const notes: string[] = [];
  const note = (n: string) => {
    if (!notes.includes(n) && notes.length < 50) notes.push(n);
  };
  return { notes, note };
}

/** `{"0": {…}, "1": {…}}`: how PHP encodes a list with gaps. */
const isNumberedObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0 && Object.keys(value).every((k) => /^\d+$/.test(k));

/**
 * The CRM's JSON as client cards. Pure and tolerant: a missing path leaves the field empty, a value
 * of the wrong type is dropped with a note, a match with nothing mapped is no card. Never throws.
 */
export function mapCrmResponse(
  json: unknown,
  mapping: CrmMapping,
  options: { clientUrl?: string | undefined } = {},
): { clients: CrmClient[]; notes: string[] } {
  const { notes, note } = noteCollector();
  try {
    const fields = ([...crmTextFields, ...crmListFields] as CrmCardField[]).filter((f) => mapping[f] !== undefined);
    let paths = fields.map((f) => parseJsonPath(mapping[f]!) ?? []);
    let items: unknown[];
    if (mapping.resultsPath !== undefined) {
      const list = readPath(json, parseJsonPath(mapping.resultsPath) ?? []);
      if (list === undefined || list === null) items = [];
      else if (Array.isArray(list)) items = list;
      else if (isNumberedObject(list)) items = Object.values(list);
      else if (typeof list === 'object') items = [list];
      else {
        note(`resultsPath: ${kindOf(list)} where a list of matches was expected, ignored`);
        items = [];
      }
    } else {
      const inferred = inferResults(json, paths);
      if (inferred) {
        paths = inferred.rest;
        const list = inferred.at.length ? readPath(json, inferred.at) : json;
        items = Array.isArray(list) ? list : [];
      } else {
        items = Array.isArray(json) ? json : [json];
      }
    }
    if (items.length > MAX_RESULTS) {
      note(`the CRM sent ${items.length} matches, the first ${MAX_RESULTS} shown`);
      items = items.slice(0, MAX_RESULTS);
    }
    const clients: CrmClient[] = [];
    for (const item of items) {
      if (item === null || typeof item !== 'object') continue;
      const client: CrmClient = { phones: [], emails: [], tags: [] };
      let filled = false;
      fields.forEach((field, i) => {
        const value = readPath(item, paths[i] ?? [], note, field);
        if ((crmListFields as readonly string[]).includes(field)) {
          const list = mapList(field, value, note);
          client[field as CrmListField] = list;
          filled ||= list.length > 0;
        } else {
          const f = field as CrmTextField;
          let t = mapText(f, value, textLimit(f), note);
          if (t !== undefined && f === 'crmUrl' && !isHttpUrl(t)) {
            note('crmUrl: not an http(s) URL, ignored');
            t = undefined;
          }
          if (t !== undefined) {
            client[f] = t;
            filled = true;
          }
        }
      });
      if (!client.crmUrl && client.crmId && options.clientUrl) {
        const url = fillUrlTemplate(options.clientUrl, { crmId: client.crmId });
        if (isHttpUrl(url)) client.crmUrl = url;
      }
      if (filled) clients.push(client);
      else note('a match with none of the mapped fields was left out');
    }
    return { clients, notes };
  } catch (error) {
    note(`the answer could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return { clients: [], notes };
  }
}

/** `mapCrmResponse` without the notes. */
export function applyMapping(json: unknown, mapping: CrmMapping): CrmClient[] {
  return mapCrmResponse(json, mapping).clients;
}

/** A lead's or chat's JSON as what the agent sees; null when nothing mapped is there. Never throws. */
export function mapLeadResponse(json: unknown, mapping: CrmLeadMapping): { lead: CrmLead | null; notes: string[] } {
  const { notes, note } = noteCollector();
  try {
    const lead: CrmLead = {};
    for (const field of ['request', 'source', 'createdAt', 'url'] as const) {
      const path = mapping[field];
      if (path === undefined) continue;
      const value = readPath(json, parseJsonPath(path) ?? [], note, field);
      let t = mapText(field, value, field === 'request' ? LONG_TEXT : field === 'url' ? 2000 : SHORT_TEXT, note);
      if (t !== undefined && field === 'url' && !isHttpUrl(t)) {
        note('url: not an http(s) URL, ignored');
        t = undefined;
      }
      if (t !== undefined) lead[field] = t;
    }
    return { lead: Object.keys(lead).length ? lead : null, notes };
  } catch (error) {
    note(`the answer could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return { lead: null, notes };
  }
}

// ---------------------------------------------------------------------------------------------
// What came before the call: headers the PBX adds to the INVITE

const sipHeaderName = z.string().regex(/^[A-Za-z0-9!%*+.`'~_-]{1,100}$/, 'must be a SIP header name such as "X-Queue"');

/** Which INVITE headers carry what; names are matched without regard to case. */
export const PbxHeadersConfigSchema = z.strictObject({
  /** The caller's choice in the IVR menu ("2", "sales"). */
  ivrChoice: sipHeaderName.default('X-IVR-Choice'),
  /** The queue the call came through. */
  queue: sipHeaderName.default('X-Queue'),
  /** The advertising campaign (call tracking). */
  campaign: sipHeaderName.default('X-Campaign'),
  /** The web lead the caller left before calling: looked up through the CRM's leadUrl. */
  leadId: sipHeaderName.default('X-Lead-Id'),
  /** The chat the caller had before calling: looked up through the CRM's chatUrl. */
  chatId: sipHeaderName.default('X-Chat-Id'),
  /** More headers to show on the card as they are: header name → label, e.g. { "X-UTM-Source": "Ad source" }. */
  other: z.record(sipHeaderName, z.string().trim().min(1, 'must not be empty').max(60)).default({}),
});
export type PbxHeadersConfig = z.output<typeof PbxHeadersConfigSchema>;
export const defaultPbxHeaders: PbxHeadersConfig = PbxHeadersConfigSchema.parse({});

const CONTEXT_VALUE_MAX = 200;

export const CallContextSchema = z.object({
  ivrChoice: z.string().max(CONTEXT_VALUE_MAX).optional(),
  queue: z.string().max(CONTEXT_VALUE_MAX).optional(),
  campaign: z.string().max(CONTEXT_VALUE_MAX).optional(),
  leadId: CrmRecordIdSchema.optional(),
  chatId: CrmRecordIdSchema.optional(),
  /** The `other` headers present on the call, keyed by the header name as configured. */
  other: z.record(z.string(), z.string().max(CONTEXT_VALUE_MAX)),
});
export type CallContext = z.infer<typeof CallContextSchema>;

const headerText = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const t = clean(value.replace(/\s+/g, ' '));
  if (!t) return undefined;
  return t.length > CONTEXT_VALUE_MAX ? t.slice(0, CONTEXT_VALUE_MAX) : t;
};

/**
 * What the PBX told about the call, from the INVITE's headers. Names are matched without regard to
 * case, values are trimmed and at most 200 characters; a lead or chat id that could not safely go
 * into a URL is left out. Pure; never throws.
 */
export function extractCallContext(headers: Readonly<Record<string, string>>, config: PbxHeadersConfig = defaultPbxHeaders): CallContext {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string' && !byName.has(name.toLowerCase())) byName.set(name.toLowerCase(), value);
  }
  const get = (name: string) => headerText(byName.get(name.toLowerCase()));
  const id = (name: string) => {
    const v = get(name);
    return v !== undefined && crmRecordId.test(v) ? v : undefined;
  };
  const context: CallContext = { other: {} };
  const ivrChoice = get(config.ivrChoice);
  const queue = get(config.queue);
  const campaign = get(config.campaign);
  const leadId = id(config.leadId);
  const chatId = id(config.chatId);
  if (ivrChoice !== undefined) context.ivrChoice = ivrChoice;
  if (queue !== undefined) context.queue = queue;
  if (campaign !== undefined) context.campaign = campaign;
  if (leadId !== undefined) context.leadId = leadId;
  if (chatId !== undefined) context.chatId = chatId;
  for (const name of Object.keys(config.other)) {
    const v = get(name);
    if (v !== undefined) context.other[name] = v;
  }
  return context;
}

/** The context as lines for the card, in a fixed order: "IVR choice: 2", "Queue: sales", "Ad source: yandex". */
export function callContextLines(context: CallContext, config: PbxHeadersConfig = defaultPbxHeaders, t: TFunction = fixedT('en')): { label: string; value: string }[] {
  const lines: { label: string; value: string }[] = [];
  if (context.ivrChoice) lines.push({ label: t('crm.contextIvr'), value: context.ivrChoice });
  if (context.queue) lines.push({ label: t('crm.contextQueue'), value: context.queue });
  if (context.campaign) lines.push({ label: t('crm.contextCampaign'), value: context.campaign });
  if (context.leadId) lines.push({ label: t('crm.contextLead'), value: context.leadId });
  if (context.chatId) lines.push({ label: t('crm.contextChat'), value: context.chatId });
  for (const [name, value] of Object.entries(context.other)) lines.push({ label: config.other[name] ?? name, value });
  return lines;
}

// ---------------------------------------------------------------------------------------------
// For the renderer

/** What the renderer may know of the CRM set-up: no URLs, no headers, no secrets. */
export const CrmStatusSchema = z.object({
  /** A CRM is configured and on: the card waits for it (a "disabled" answer means there is none). */
  enabled: z.boolean(),
  /** Web leads / chats can be looked up (leadUrl / chatUrl are set). */
  leads: z.boolean(),
  chats: z.boolean(),
  /** Which INVITE headers carry the call's context, for `extractCallContext`. */
  pbxHeaders: PbxHeadersConfigSchema,
});
export type CrmStatus = z.infer<typeof CrmStatusSchema>;

/** The status for the provisioning's `crm` and `pbxHeaders` sections (either may be absent). */
export function crmStatusOf(crm: CrmConfig | undefined, pbxHeaders: PbxHeadersConfig | undefined): CrmStatus {
  const enabled = crm?.enabled === true;
  return {
    enabled,
    leads: enabled && crm?.leadUrl !== undefined,
    chats: enabled && crm?.chatUrl !== undefined,
    pbxHeaders: pbxHeaders ?? defaultPbxHeaders,
  };
}
