import { z } from 'zod';
import { digitsOf } from './callLog';
import { formatDayMonth, scriptLocale } from './i18n/format';
import type { TFunction } from 'i18next';
import { fixedT } from './i18n/translate';
import { check, checkSaid, issueData, IssueDataSchema, issueText, SaidSchema, saidText, type CheckKey, type IssueData, type Said } from './said';
import { FollowUpSourceSchema, relativeDay, type FollowUpSource } from './wrapUp';

/**
 * Call scripts: pages of stock phrases and questions that pop with the client card when a call
 * rings. An office manager writes them as YAML files (main/services/call-scripts/FORMAT.md is the
 * reference); this module is the pure half: the schema of a parsed script with its cross-checks,
 * the template language (`{client.name|"there"}`), the time-of-day greeting, the choice of a
 * script for a call (with the reason shown in the panel), and `ScriptRun`, the reducer the panel
 * keeps the agent's answers in. Pure TypeScript (zod only): the services validate files with it,
 * the contract validates what crosses, the renderer runs scripts with it.
 */

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

export const scriptLanguages = ['ru', 'en'] as const;
export const ScriptLanguageSchema = z.enum(scriptLanguages, { error: 'must be "ru" or "en"' });
export type ScriptLanguage = z.infer<typeof ScriptLanguageSchema>;

/** The five stages of an inbound call (call-handling.md), and "other" for hold phrases and the like. */
export const scriptStages = ['greeting', 'request', 'clarify', 'present', 'close', 'other'] as const;
export type ScriptStage = (typeof scriptStages)[number];

export const questionKinds = ['open', 'yes-no', 'choice'] as const;
export type QuestionKind = (typeof questionKinds)[number];

export const weekDays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekDay = (typeof weekDays)[number];

/** The page id `next` may name to end the script. */
export const END = 'end';
/** The option every question gets automatically: the agent types what the client actually said. */
export const NO_SUITABLE = 'no-suitable';

/**
 * Fields of the client card a script may read as `{client.<field>}` and, where `writable`, fill
 * from an answer with `saveTo: client.<field>`. Needs answers go to `client.needs.<key>`.
 * The names follow the client card (common/crm.ts: name, company, position, phones, emails,
 * accountManager, tags, request, notes, urgency, priceQuoted, nextStep, nextStepDate, birthday)
 * plus what the brief's card adds (preferred address, lead source, agreements, last call).
 */
export const clientFields = {
  name: { writable: true, about: 'name as on the card' },
  preferredAddress: { writable: true, about: 'how they want to be addressed: "Ivan Petrovich", "Anna"' },
  company: { writable: true, about: 'their company' },
  position: { writable: true, about: 'their position' },
  phones: { writable: true, about: 'phone numbers (an answer is added to the list)' },
  emails: { writable: true, about: 'e-mail addresses (an answer is added to the list)' },
  accountManager: { writable: false, about: 'whose client it is' },
  leadSource: { writable: true, about: 'how they found us' },
  referredBy: { writable: true, about: 'who referred them' },
  request: { writable: true, about: 'what they asked for' },
  details: { writable: true, about: 'details of the request' },
  notes: { writable: true, about: 'free notes on the card' },
  urgency: { writable: true, about: 'how urgent it is' },
  priceQuoted: { writable: true, about: 'the price quoted' },
  previousAgreements: { writable: true, about: 'what was agreed before' },
  nextStep: { writable: true, about: 'the agreed next step' },
  nextStepDate: { writable: true, about: 'when the next step is due' },
  saleDate: { writable: false, about: 'date of the sale' },
  birthday: { writable: true, about: 'birthday' },
  tags: { writable: false, about: 'tags, joined with commas' },
  lastCallDate: { writable: false, about: 'date of the last call' },
  lastCallNote: { writable: false, about: 'the note of the last call' },
} as const satisfies Record<string, { writable: boolean; about: string }>;
export type ClientField = keyof typeof clientFields;
export type WritableClientField = { [K in ClientField]: (typeof clientFields)[K]['writable'] extends true ? K : never }[ClientField];
const clientFieldNames = Object.keys(clientFields) as ClientField[];
const writableFieldNames = clientFieldNames.filter((f) => clientFields[f].writable);
const isClientField = (name: string): name is ClientField => Object.hasOwn(clientFields, name);

/** Variables every call has, so they need no fallback. */
const alwaysThere = new Set(['greeting', 'date', 'time']);
const builtInVariables = [
  'greeting',
  'date',
  'time',
  'agent.name',
  'line.company',
  'line.business',
  'line.number',
  // On a call made from the Call back list: what to call about, the notes of the call it came
  // from, and when it arose ("today", "yesterday", "on 3 February").
  'followUp.reason',
  'followUp.note',
  'followUp.when',
];

const words = {
  ru: { yes: 'Да', no: 'Нет', noSuitable: 'Нет подходящего ответа' },
  en: { yes: 'Yes', no: 'No', noSuitable: 'No suitable answer' },
} as const;

// ---------------------------------------------------------------------------------------------
// The schema of a script file. YAML files are read with the failsafe schema (every scalar is
// text, so "+74951234567", "0123", "yes" and "18:00" stay exactly as written): flags and numbers
// accept their text form. The output parses again to itself, so the contract can use it too.
// ---------------------------------------------------------------------------------------------

const textError = (iss: { input?: unknown }) =>
  iss.input === undefined
    ? 'is missing'
    : typeof iss.input === 'object' && iss.input !== null
      ? 'is not text: a phrase that starts with "{" or contains ": " must be in quotes, or written on the next line after >-'
      : 'must be text';
const text = (max: number) =>
  z
    .string({ error: textError })
    .trim()
    .refine((v) => v.length > 0, check('scriptEmpty'))
    .refine((v) => v.length <= max, check('scriptTooLong', { max }));
/** A list's "at least one" / "at most" checks, said as data. */
const listOf = <T extends z.ZodType>(item: T, least: CheckKey, most?: [number, CheckKey]) =>
  z.array(item).refine((a) => a.length > 0, check(least)).refine((a) => !most || a.length <= most[0], most ? check(most[1], { max: most[0] }) : undefined);
const idPattern = /^[\p{L}\p{N}][\p{L}\p{N}_-]*$/u;
const idKeys = { option: 'scriptIdOption', question: 'scriptIdQuestion', page: 'scriptIdPage', script: 'scriptIdScript' } as const;
const id = (what: keyof typeof idKeys) => text(64).refine((v) => idPattern.test(v), check(idKeys[what]));
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'must be true or false' });

/** A dialled number as written in the file ("+7 495 123-45-67", "1000"): kept as written, matched by its digits. */
const PhoneSchema = text(40).refine((v) => {
  const compact = v.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) || /^\d{1,6}$/.test(compact);
}, check('scriptNumber'));

const clockPattern = /^(\d{1,2}):(\d{2})$/;
const minutesOf = (clock: string): number => {
  const m = clockPattern.exec(clock);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};
const clock = (allow24: boolean) =>
  text(5)
    .refine((v) => {
      const minutes = minutesOf(v);
      return minutes >= 0 && (minutes < 24 * 60 || (allow24 && minutes === 24 * 60)) && Number(v.split(':')[1]) < 60;
    }, check('scriptTime', { last: allow24 ? '24:00' : '23:59' }))
    .transform((v) => v.padStart(5, '0'));

const dayAliases: Record<string, WeekDay> = {};
weekDays.forEach((d, i) => {
  dayAliases[d] = d;
  dayAliases[['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'][i]!] = d;
  dayAliases[['пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс'][i]!] = d;
});
/** "mon-fri", "пн–пт", ["sat", "sun"], "mon, wed" → the days in week order. Unknown words are left for the enum to report. */
function expandDays(input: unknown): unknown {
  const items = typeof input === 'string' ? input.split(',') : input;
  if (!Array.isArray(items)) return input;
  const out: unknown[] = [];
  for (const item of items) {
    if (typeof item !== 'string') return input;
    const [from, to, ...rest] = item.trim().toLowerCase().split(/\s*[-–]\s*/);
    const a = from !== undefined ? dayAliases[from] : undefined;
    const b = to !== undefined ? dayAliases[to] : undefined;
    if (a && to === undefined) out.push(a);
    else if (a && b && rest.length === 0) {
      for (let i = weekDays.indexOf(a); ; i = (i + 1) % 7) {
        out.push(weekDays[i]);
        if (weekDays[i] === b) break;
      }
    } else out.push(item);
  }
  const known = out.filter((d): d is WeekDay => (weekDays as readonly unknown[]).includes(d));
  if (known.length !== out.length) return out;
  return weekDays.filter((d) => known.includes(d));
}
const DaysSchema = z.preprocess(
  expandDays,
  z.array(z.enum(weekDays, { error: 'must be days such as mon, tue … sun (or пн … вс), or a range such as mon-fri' })).refine((a) => a.length > 0, check('scriptOneDay')),
);

/** A time window in the PC's local time. One that crosses midnight (18:00–09:00) belongs to the day it starts on. */
export const TimeWindowSchema = z
  .strictObject({
    /** Absent: every day. */
    days: DaysSchema.optional(),
    from: clock(false),
    to: clock(true),
  })
  .superRefine((w, ctx) => {
    if (minutesOf(w.from) === minutesOf(w.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], ...check('scriptWindowEmpty') });
    }
  });
export type TimeWindow = z.output<typeof TimeWindowSchema>;

const tag = text(64).transform((t) => t.toLowerCase());
/** `ivrChoice: 2`, `queue: sales`, `campaign: [spring, summer]`: one value or a list, numbers read as text. */
const contextValues = z.preprocess(
  (v) => (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'number' ? String(x) : x)),
  listOf(text(200), 'scriptOneValue'),
);
export const scriptDirections = ['inbound', 'outbound', 'any'] as const;
const MatchSchema = z
  .strictObject({
    /**
     * Calls the script is for: "inbound" (the default), "outbound" (calls the agent makes), "any".
     * With `source` the default is "outbound".
     */
    direction: z.enum(scriptDirections, { error: 'must be "inbound", "outbound" or "any"' }).optional(),
    /** Outbound calls made from the Call back list for follow-ups of these sources (web-lead, wrap-up, missed-call, manual). */
    source: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()) : v),
        listOf(FollowUpSourceSchema, 'scriptOneSource'),
      )
      .optional(),
    /** Dialled numbers, "lines" (the numbers under `lines`) or "any". */
    dialled: z
      .preprocess(
        (v) => (typeof v === 'string' && v.trim() !== 'any' && v.trim() !== 'lines' ? [v] : typeof v === 'string' ? v.trim() : v),
        z.union([z.literal('any'), z.literal('lines'), listOf(PhoneSchema, 'scriptOneNumber')], {
          error: 'must be "any", "lines" or a list of numbers',
        }),
      )
      .default('any'),
    client: z.enum(['new', 'returning', 'any'], { error: 'must be "new", "returning" or "any"' }).default('any'),
    /** Any of these tags on the client card (case does not matter). */
    tags: z.preprocess((v) => (typeof v === 'string' ? [v] : v), listOf(tag, 'scriptOneTag')).optional(),
    /** Any of these windows. */
    time: listOf(TimeWindowSchema, 'scriptOneWindow').optional(),
    /** What the PBX said before the call rang (headers named in the provisioning's pbxHeaders): any of these values, case does not matter. */
    ivrChoice: contextValues.optional(),
    queue: contextValues.optional(),
    campaign: contextValues.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.source && m.direction === 'inbound') {
      ctx.addIssue({ code: 'custom', path: ['source'], ...check('scriptCallBackInbound') });
    }
  })
  .transform((m) => ({ ...m, direction: m.direction ?? (m.source ? 'outbound' : 'inbound') }) as typeof m & { direction: (typeof scriptDirections)[number] });
export type ScriptMatch = z.output<typeof MatchSchema>;

export const ScriptLineSchema = z.strictObject({
  number: PhoneSchema,
  /** As the greeting says it: "«Жемчуг»", "Zhemchug Dental". */
  company: text(200),
  /** The line of business, for a name that doesn't say it: "Стоматологическая клиника". */
  business: text(200).optional(),
});
export type ScriptLine = z.output<typeof ScriptLineSchema>;

const pageRef = text(64).refine((v) => idPattern.test(v), check('scriptPageRef'));
const needKey = /^[\p{L}\p{N}_-]+$/u;
/** True for "client.<writable field>" and "client.needs.<key>". */
export function isSaveToPath(path: string): boolean {
  const [root, field, key, ...rest] = path.split('.');
  if (root !== 'client' || field === undefined || rest.length) return false;
  if (field === 'needs') return key !== undefined && needKey.test(key);
  return key === undefined && (writableFieldNames as string[]).includes(field);
}
const SaveToSchema = text(100).superRefine((v, ctx) => {
  if (!isSaveToPath(v)) {
    ctx.addIssue({ code: 'custom', ...check('scriptSaveTo', { field: v, fields: writableFieldNames.join(', ') }) });
  }
});

export const ScriptOptionSchema = z.strictObject({
  id: id('option'),
  /** What the agent clicks. Optional only on yes/no questions ("Да"/"Yes", "Нет"/"No"). */
  label: text(200).optional(),
  /** What is saved and shown as {answer.<question>}; the label when absent. */
  value: text(500).optional(),
  /** A stock phrase to say after this answer. */
  say: text(2000).optional(),
  /** The page this answer goes to at once. */
  next: pageRef.optional(),
});
export type ScriptOption = z.output<typeof ScriptOptionSchema>;

export const ScriptQuestionSchema = z
  .strictObject({
    id: id('question'),
    text: text(2000),
    /** Absent: "choice" when there are options, "open" when not. */
    kind: z.enum(questionKinds, { error: 'must be "open", "yes-no" or "choice"' }).optional(),
    options: listOf(ScriptOptionSchema, 'scriptOneOption', [30, 'scriptMostOptions']).optional(),
    /** Where the answer goes on the client card. */
    saveTo: SaveToSchema.optional(),
    /** The page any answer goes to (an option's own `next` wins). */
    next: pageRef.optional(),
  })
  .superRefine((q, ctx) => {
    const kind = q.kind ?? (q.options ? 'choice' : 'open');
    const options = q.options ?? [];
    const issue = (path: (string | number)[], key: CheckKey, values?: Record<string, string>) => ctx.addIssue({ code: 'custom', path, ...check(key, values) });
    if (kind === 'open' && q.options) issue(['options'], 'scriptOpenOptions');
    if (kind === 'choice' && options.length < 2) issue(['options'], 'scriptChoiceTwo');
    const seen = new Set<string>();
    options.forEach((o, i) => {
      if (o.id === NO_SUITABLE) issue(['options', i, 'id'], 'scriptNoSuitableId', { id: NO_SUITABLE });
      else if (seen.has(o.id)) issue(['options', i, 'id'], 'scriptOptionTwice', { id: o.id });
      seen.add(o.id);
      if (kind === 'yes-no' && o.id !== 'yes' && o.id !== 'no') issue(['options', i, 'id'], 'scriptYesNo');
      if (kind === 'choice' && o.label === undefined) issue(['options', i, 'label'], 'scriptMissing');
    });
  })
  .transform((q) => ({ ...q, kind: q.kind ?? (q.options ? 'choice' : 'open') }) as typeof q & { kind: QuestionKind });
export type ScriptQuestion = z.output<typeof ScriptQuestionSchema>;

export type ScriptBlock =
  /** A stock phrase: "verbatim" to be said word for word, "loose" to be said in the agent's own words. */
  | { say: string; style: 'verbatim' | 'loose' }
  /** Advice for the agent, never said aloud. */
  | { note: string }
  | { question: ScriptQuestion };
const ScriptBlockSchema = z
  .strictObject({
    say: text(2000).optional(),
    style: z.enum(['verbatim', 'loose'], { error: 'must be "verbatim" or "loose"' }).optional(),
    note: text(2000).optional(),
    question: ScriptQuestionSchema.optional(),
  })
  .superRefine((b, ctx) => {
    const kinds = [b.say, b.note, b.question].filter((v) => v !== undefined).length;
    if (kinds !== 1) ctx.addIssue({ code: 'custom', path: [], ...check('scriptBlockKind') });
    if (b.style !== undefined && b.say === undefined) ctx.addIssue({ code: 'custom', path: ['style'], ...check('scriptStyle') });
  })
  .transform((b): ScriptBlock => {
    if (b.question) return { question: b.question };
    if (b.note !== undefined) return { note: b.note };
    return { say: b.say ?? '', style: b.style ?? 'verbatim' };
  });

export const ScriptPageSchema = z.strictObject({
  id: id('page'),
  title: text(200),
  stage: z.enum(scriptStages, { error: `must be one of ${scriptStages.join(', ')}` }).default('other'),
  blocks: listOf(ScriptBlockSchema, 'scriptOneBlock', [100, 'scriptMostBlocks']),
  /** The page after this one; absent: the next page in the file (after the last one, the end). */
  next: pageRef.optional(),
});
export type ScriptPage = z.output<typeof ScriptPageSchema>;

export const CallScriptSchema = z
  .strictObject({
    id: id('script'),
    title: text(200),
    language: ScriptLanguageSchema,
    description: text(2000).optional(),
    /** false: loaded and checked, never chosen. */
    enabled: flag.default(true),
    /** Chosen when no other script matches (at most one per language). */
    default: flag.default(false),
    /** Higher is tried first; equal priorities keep file order. */
    priority: z
      .union([z.number().int(), z.string().trim().regex(/^[+-]?\d{1,4}$/).transform(Number)], { error: 'must be a whole number' })
      .pipe(z.number().min(-1000, 'must be at least -1000').max(1000, 'must be at most 1000'))
      .default(0),
    match: MatchSchema.optional().transform((m) => m ?? MatchSchema.parse({})),
    /** Per dialled number: the company and line of business the greeting names. */
    lines: z.array(ScriptLineSchema).max(100).default([]),
    pages: listOf(ScriptPageSchema, 'scriptOnePage', [200, 'scriptMostPages']),
  })
  .superRefine((s, ctx) => {
    if (s.match.dialled === 'lines' && s.lines.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['match', 'dialled'], ...check('scriptNoLines') });
    }
  })
  .transform((s) => ({ ...s, match: { ...s.match, dialled: s.match.dialled === 'lines' ? s.lines.map((l) => l.number) : s.match.dialled } }));
export type CallScript = z.output<typeof CallScriptSchema>;

// ---------------------------------------------------------------------------------------------
// Templates: "{greeting}! {line.company|"Reception"}, {agent.name|""} speaking."
// `{a|b|"text"}` is the first of a, b that has a value, else the quoted text ("…" or '…').
// Variables that may be missing (all but greeting, date and time) must end in a quoted fallback;
// the checker enforces it, so a rendered phrase never has a gap or "undefined" in it.
// ---------------------------------------------------------------------------------------------

type Alternative = { variable: string } | { literal: string };
type TemplatePart = { text: string } | { slot: Alternative[]; raw: string };
const variablePattern = /^[\p{L}_][\p{L}\p{N}_-]*(?:\.[\p{L}\p{N}_-]+)*$/u;
const quotes: Record<string, string> = { '"': '"', "'": "'", '“': '”' };

/** Splits a template into text and `{…}` slots; `{{` and `}}` stand for braces. */
export function parseTemplate(template: string): { parts: TemplatePart[]; errors: Said[] } {
  const parts: TemplatePart[] = [];
  const errors: Said[] = [];
  let plain = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if ((ch === '{' || ch === '}') && template[i + 1] === ch) {
      plain += ch;
      i += 2;
      continue;
    }
    if (ch !== '{') {
      plain += ch;
      i += 1;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) {
      errors.push(checkSaid('templateUnclosed', { start: template.slice(i, i + 30) }));
      plain += template.slice(i);
      break;
    }
    const raw = template.slice(i, close + 1);
    const slot = parseSlot(raw.slice(1, -1), errors, raw);
    if (plain) parts.push({ text: plain });
    plain = '';
    parts.push(slot ? { slot, raw } : { text: raw });
    i = close + 1;
  }
  if (plain) parts.push({ text: plain });
  return { parts, errors };
}

function parseSlot(body: string, errors: Said[], raw: string): Alternative[] | null {
  const pieces: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (quotes[ch]) quote = quotes[ch];
    else if (ch === '|') {
      pieces.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  pieces.push(current);
  const alternatives: Alternative[] = [];
  for (const piece of pieces.map((p) => p.trim())) {
    const open = piece[0];
    if (open && quotes[open] && piece.length >= 2 && piece.endsWith(quotes[open])) alternatives.push({ literal: piece.slice(1, -1) });
    else if (variablePattern.test(piece)) alternatives.push({ variable: piece });
    else {
      errors.push(
        piece === ''
          ? checkSaid('templateEmptyAlternative', { slot: raw })
          : checkSaid('templateNotVariable', { slot: raw, piece, example: `{client.name|"${piece}"}` }),
      );
      return null;
    }
  }
  return alternatives;
}

/** Why a variable name is not usable in this script, or null when it is. */
function variableProblem(name: string, questionIds: ReadonlySet<string>): Said | null {
  if (builtInVariables.includes(name)) return null;
  const [root, first, second, ...rest] = name.split('.');
  if (root === 'client') {
    if (first === 'needs' && second !== undefined && rest.length === 0) return null;
    if (first !== undefined && second === undefined && isClientField(first)) return null;
    return checkSaid('templateUnknownCardField', { name, fields: clientFieldNames.join(', ') });
  }
  if (root === 'answer' && first !== undefined && second === undefined) {
    return questionIds.has(first) ? null : checkSaid('templateNoQuestion', { name, question: first });
  }
  return checkSaid('templateUnknownVariable', { name, variables: builtInVariables.join(', ') });
}

/** Problems of one template: syntax, unknown variables, a value that may be missing without a quoted fallback. */
export function checkTemplate(template: string, questionIds: ReadonlySet<string> = new Set()): string[] {
  return templateProblems(template, questionIds).map((said) => saidText(said));
}

/** checkTemplate's problems as data (said in the window's language). */
function templateProblems(template: string, questionIds: ReadonlySet<string>): Said[] {
  const { parts, errors } = parseTemplate(template);
  for (const part of parts) {
    if (!('slot' in part)) continue;
    for (const alt of part.slot) {
      if ('variable' in alt) {
        const problem = variableProblem(alt.variable, questionIds);
        if (problem) errors.push(problem);
      }
    }
    const last = part.slot[part.slot.length - 1];
    if (last && 'variable' in last && !alwaysThere.has(last.variable) && !part.slot.some((a) => 'literal' in a)) {
      errors.push(checkSaid('templateNoFallback', { slot: part.raw, example: `{${part.raw.slice(1, -1)}|"…"}` }));
    }
  }
  return errors;
}

/** The flat values a template reads: "client.name", "line.company", "answer.budget", "greeting"… */
export type TemplateValues = Readonly<Record<string, string | number | null | undefined>>;

/**
 * Fills a template. Each `{a|b|"text"}` becomes the first variable with a non-blank value, or the
 * first quoted text; never "undefined". When a slot comes out empty (`|""`, or a value missing
 * with no fallback), the spaces and commas around it are tidied: "Thank you, {client.name|""}!"
 * → "Thank you!". A slot that does not parse is left as written.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const { parts } = parseTemplate(template);
  let out = '';
  let emptied = false;
  for (const part of parts) {
    if (!('slot' in part)) {
      out += part.text;
      continue;
    }
    let value: string | null = null;
    for (const alt of part.slot) {
      if ('literal' in alt) {
        value = alt.literal;
        break;
      }
      const v = Object.hasOwn(values, alt.variable) ? values[alt.variable] : undefined;
      const s = v === null || v === undefined ? '' : String(v).trim();
      if (s) {
        value = s;
        break;
      }
    }
    if (!value) emptied = true;
    out += value ?? '';
  }
  return emptied ? tidy(out) : out;
}

/** What a variable stands for, in words, for a template shown without a call (reports). */
const variableNames: Record<ScriptLanguage, Record<string, string>> = {
  ru: {
    greeting: 'приветствие',
    date: 'дата',
    time: 'время',
    'agent.name': 'имя сотрудника',
    'line.company': 'компания',
    'line.business': 'сфера деятельности',
    'line.number': 'номер линии',
    'followUp.reason': 'причина звонка',
    'followUp.note': 'заметка',
    'followUp.when': 'когда',
    'client.name': 'имя клиента',
    'client.preferredAddress': 'обращение',
    'client.company': 'компания клиента',
    'client.position': 'должность',
    'client.phones': 'телефоны',
    'client.emails': 'e-mail',
    'client.accountManager': 'менеджер',
    'client.leadSource': 'источник',
    'client.referredBy': 'кто порекомендовал',
    'client.request': 'запрос',
    'client.details': 'подробности',
    'client.notes': 'заметки',
    'client.urgency': 'срочность',
    'client.priceQuoted': 'названная цена',
    'client.previousAgreements': 'договорённости',
    'client.nextStep': 'следующий шаг',
    'client.nextStepDate': 'дата следующего шага',
    'client.saleDate': 'дата продажи',
    'client.birthday': 'день рождения',
    'client.tags': 'теги',
    'client.lastCallDate': 'дата последнего звонка',
    'client.lastCallNote': 'заметка о последнем звонке',
  },
  en: {
    greeting: 'greeting',
    date: 'date',
    time: 'time',
    'agent.name': "agent's name",
    'line.company': 'company',
    'line.business': 'line of business',
    'line.number': 'line number',
    'followUp.reason': 'reason for the call',
    'followUp.note': 'note',
    'followUp.when': 'when',
    'client.name': "client's name",
    'client.preferredAddress': 'form of address',
    'client.company': "client's company",
    'client.position': 'position',
    'client.phones': 'phones',
    'client.emails': 'e-mail',
    'client.accountManager': 'account manager',
    'client.leadSource': 'lead source',
    'client.referredBy': 'referred by',
    'client.request': 'request',
    'client.details': 'details',
    'client.notes': 'notes',
    'client.urgency': 'urgency',
    'client.priceQuoted': 'price quoted',
    'client.previousAgreements': 'agreements',
    'client.nextStep': 'next step',
    'client.nextStepDate': 'next step date',
    'client.saleDate': 'sale date',
    'client.birthday': 'birthday',
    'client.tags': 'tags',
    'client.lastCallDate': 'date of the last call',
    'client.lastCallNote': 'note of the last call',
  },
};

/** A variable in words: "имя клиента", "answer to budget", the need's key for client.needs.<key>. */
function variableName(variable: string, language: ScriptLanguage): string {
  const known = variableNames[language][variable];
  if (known) return known;
  const [root, first, second] = variable.split('.');
  if (root === 'client' && first === 'needs' && second) return second;
  if (root === 'answer' && first) return language === 'ru' ? `ответ на «${first}»` : `answer to "${first}"`;
  return variable;
}

/**
 * A template as a person reads it away from a call (reports, exports): the author's text with each
 * `{…}` shown as a name in «»: its first quoted fallback that says something, else what its first
 * variable stands for. `С чем обращается {client.name|"клиент"}?` → `С чем обращается «клиент»?`;
 * `{greeting}!` → `«приветствие»!`. The same text wherever a question is shown without a call.
 */
export function readableTemplate(template: string, language: ScriptLanguage): string {
  const { parts } = parseTemplate(template);
  let out = '';
  for (const part of parts) {
    if (!('slot' in part)) {
      out += part.text;
      continue;
    }
    const literal = part.slot.find((a): a is { literal: string } => 'literal' in a && a.literal.trim() !== '');
    const variable = part.slot.find((a): a is { variable: string } => 'variable' in a);
    const name = literal ? literal.literal.trim() : variable ? variableName(variable.variable, language) : '';
    out += !name ? '' : name.startsWith('«') && name.endsWith('»') ? name : `«${name}»`;
  }
  return out;
}

function tidy(s: string): string {
  return s
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/[ \t]+([,.!?;:…»)])/g, '$1')
    .replace(/([«(])[ \t]+/g, '$1')
    .replace(/,+([,.!?…])/g, '$1')
    .replace(/^[\s,;:]+/, '')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// Time of day and dates
// ---------------------------------------------------------------------------------------------

/**
 * The greeting for the PC's local time: 05:00–11:59 morning, 12:00–17:59 afternoon ("день"),
 * 18:00–04:59 evening (a business call never says "good night").
 */
export function timeOfDayGreeting(date: Date, language: ScriptLanguage): string {
  const h = date.getHours();
  const part = h >= 5 && h < 12 ? 0 : h >= 12 && h < 18 ? 1 : 2;
  return (language === 'ru' ? ['Доброе утро', 'Добрый день', 'Добрый вечер'] : ['Good morning', 'Good afternoon', 'Good evening'])[part]!;
}

/** "3 февраля 2025" / "3 February 2025" (the month's name from Intl). */
export function formatScriptDate(date: Date, language: ScriptLanguage): string {
  return formatDayMonth(date, scriptLocale[language], { year: true });
}
const two = (n: number) => String(n).padStart(2, '0');
const clockOf = (date: Date) => `${two(date.getHours())}:${two(date.getMinutes())}`;

// ---------------------------------------------------------------------------------------------
// Cross-checks of a parsed script, and validation of a raw one
// ---------------------------------------------------------------------------------------------

export type ScriptPath = (string | number)[];
/** One problem with a script: where in the file's data (for the line number) and what, in full. */
export interface ScriptIssue {
  path: ScriptPath;
  message: string;
  /** What it says as data (the window words it in its language): a check's words, or zod's issue for zod's locale. */
  said?: Said;
  issue?: IssueData;
  /** Where in the script, as data ("page "needs", question "budget", kind"). */
  place?: ScriptPlace[];
}

/** Every question of a script with where it is. */
export function scriptQuestions(script: CallScript): { question: ScriptQuestion; page: ScriptPage; path: ScriptPath }[] {
  return script.pages.flatMap((page, p) =>
    page.blocks.flatMap((block, b) => ('question' in block ? [{ question: block.question, page, path: ['pages', p, 'blocks', b, 'question'] }] : [])),
  );
}

/** Checks what the schema alone cannot: unique ids, `next` targets, variables in phrases, match rules. */
export function crossCheckScript(script: CallScript): ScriptIssue[] {
  const issues: ScriptIssue[] = [];
  /** An issue said by a check's key (its English is the message). */
  const said = (path: ScriptPath, key: CheckKey, values?: Record<string, string>) => {
    const words = checkSaid(key, values);
    issues.push({ path, message: saidText(words), said: words });
  };
  const pageIds = new Set<string>();
  script.pages.forEach((page, p) => {
    if (page.id === END) said(['pages', p, 'id'], 'scriptPageEnd', { end: END });
    else if (pageIds.has(page.id)) said(['pages', p, 'id'], 'scriptPageTwice', { id: page.id });
    pageIds.add(page.id);
  });
  const target = (path: ScriptPath, from: { page: string } | { question: string; option?: string }, next: string | undefined) => {
    if (next !== undefined && next !== END && !pageIds.has(next)) {
      if ('page' in from) said([...path, 'next'], 'scriptNoPageFromPage', { from: from.page, page: next });
      else if (from.option === undefined) said([...path, 'next'], 'scriptNoPageFromQuestion', { question: from.question, page: next });
      else said([...path, 'next'], 'scriptNoPageFromOption', { question: from.question, option: from.option, page: next });
    }
  };
  const questions = scriptQuestions(script);
  const questionIds = new Set<string>();
  for (const { question, path } of questions) {
    if (questionIds.has(question.id)) said([...path, 'id'], 'scriptQuestionTwice', { id: question.id });
    questionIds.add(question.id);
  }
  const phrase = (path: ScriptPath, where: string, place: ScriptPlace[], template: string | undefined) => {
    if (template === undefined) return;
    for (const said of templateProblems(template, questionIds)) issues.push({ path, message: `${where}: ${saidText(said)}`, said, place });
  };
  script.pages.forEach((page, p) => {
    target(['pages', p], { page: page.id }, page.next);
    page.blocks.forEach((block, b) => {
      const at: ScriptPath = ['pages', p, 'blocks', b];
      if ('say' in block) phrase([...at, 'say'], `page "${page.id}"`, [{ item: 'page', id: page.id }], block.say);
      else if ('note' in block) phrase([...at, 'note'], `page "${page.id}"`, [{ item: 'page', id: page.id }], block.note);
      else {
        const q = block.question;
        const qPath: ScriptPath = [...at, 'question'];
        phrase([...qPath, 'text'], `question "${q.id}"`, [{ item: 'question', id: q.id }], q.text);
        target(qPath, { question: q.id }, q.next);
        (q.options ?? []).forEach((o, i) => {
          target([...qPath, 'options', i], { question: q.id, option: o.id }, o.next);
          phrase([...qPath, 'options', i, 'say'], `question "${q.id}": option "${o.id}"`, [{ item: 'question', id: q.id }, { item: 'option', id: o.id }], o.say);
        });
      }
    });
  });
  const numbers = new Set<string>();
  script.lines.forEach((line, i) => {
    const digits = digitsOf(line.number);
    if (numbers.has(digits)) said(['lines', i, 'number'], 'scriptLineTwice', { number: line.number });
    numbers.add(digits);
  });
  if (script.default && hasConditions(script.match)) {
    said(['default'], 'scriptDefaultConditions');
  }
  return issues;
}

/** Conditions a default script may not have (its direction it may: a default for outbound calls). */
const hasConditions = (m: ScriptMatch) =>
  m.dialled !== 'any' || m.client !== 'any' || m.tags !== undefined || m.time !== undefined || m.source !== undefined || callContextKeys.some((k) => m[k] !== undefined);

/** A script as read from a file (any value): the script, or every problem with a path into the data. */
export function validateCallScript(raw: unknown): { ok: true; script: CallScript } | { ok: false; issues: ScriptIssue[] } {
  const parsed = CallScriptSchema.safeParse(raw);
  if (!parsed.success) {
    const issues: ScriptIssue[] = [];
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const hint = /\s/.test(key.trim()) ? ' (inside { … } a comma starts a new field: put text with commas in quotes)' : '';
          const said = checkSaid(/\s/.test(key.trim()) ? 'scriptUnknownFieldComma' : 'scriptUnknownField', { key });
          const place = placeOf(raw, path);
          issues.push({ path: [...path, key], message: `${placeText(place)}unknown field "${key}"${hint}`, said, place });
        }
      } else {
        const missing = issue.code === 'invalid_type' && valueAt(raw, path) === undefined;
        const place = placeOf(raw, path);
        issues.push({
          path,
          message: `${placeText(place)}${missing ? 'is missing' : issue.message}`,
          ...(missing ? { said: checkSaid('scriptMissing') } : { issue: issueData([issue])[0]! }),
          place,
        });
      }
    }
    return { ok: false, issues };
  }
  const issues = crossCheckScript(parsed.data);
  return issues.length ? { ok: false, issues } : { ok: true, script: parsed.data };
}

function valueAt(raw: unknown, path: ScriptPath): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

const containerNames = { pages: 'page', options: 'option', lines: 'line', time: 'timeWindow', blocks: 'block', days: 'day', tags: 'tag', dialled: 'number' } as const;
type ScriptItem = (typeof containerNames)[keyof typeof containerNames] | 'question';
/** A part of a place in a script: a field's name as written in the file, or an item by its id or its number. */
export type ScriptPlace = { field: string } | { item: ScriptItem; id?: string; n?: number };
export const ScriptPlaceSchema: z.ZodType<ScriptPlace> = z.union([
  z.object({ field: z.string() }),
  z.object({ item: z.enum(['page', 'option', 'line', 'timeWindow', 'block', 'day', 'tag', 'number', 'question']), id: z.string().optional(), n: z.number().optional() }),
]);
/** `page "needs", question "budget", kind: ` in the language of `t` (English unless given). */
export function placeText(place: readonly ScriptPlace[] | undefined, t: TFunction = fixedT('en')): string {
  if (!place?.length) return '';
  const words = place.map((part) => {
    if ('field' in part) return part.field;
    const what = t(`scriptPlace.${part.item}`);
    return part.id !== undefined ? t('scriptPlace.withId', { what, id: part.id }) : part.n !== undefined ? t('scriptPlace.withNumber', { what, n: part.n }) : what;
  });
  return `${words.join(', ')}: `;
}
/** Where a path into a script's data is: page "needs", question "budget", kind. */
function placeOf(raw: unknown, path: ScriptPath): ScriptPlace[] {
  const names: ScriptPlace[] = [];
  let node = raw;
  path.forEach((key, i) => {
    node = valueAt(node, [key]);
    const nodeId = (node as { id?: unknown } | null | undefined)?.id;
    const ident = typeof nodeId === 'string' ? nodeId.trim() : '';
    const next = path[i + 1];
    if (typeof key === 'number') {
      const parent = String(path[i - 1]);
      if (parent === 'blocks' && next === 'question') return;
      const item = Object.hasOwn(containerNames, parent) ? containerNames[parent as keyof typeof containerNames] : null;
      if (!item) names.push({ field: `${parent} ${key + 1}` });
      else names.push(ident && (parent === 'pages' || parent === 'options') ? { item, id: ident } : { item, n: key + 1 });
    } else if (key === 'question') names.push(ident ? { item: 'question', id: ident } : { item: 'question' });
    else if (typeof next !== 'number') names.push({ field: key });
  });
  return names;
}

// ---------------------------------------------------------------------------------------------
// Choosing the script for a call
// ---------------------------------------------------------------------------------------------

export interface ScriptChoiceContext {
  /** Inbound (the default) or a call the agent makes. */
  direction?: 'inbound' | 'outbound';
  /** A call made from the Call back list: the source of its follow-up ("web-lead", "wrap-up"…). */
  source?: FollowUpSource | null;
  /** The number the caller dialled (E.164, national, an extension or a SIP URI), when known. */
  dialled: string | null;
  /** Returning: the caller has a client card. */
  client: 'new' | 'returning';
  /** Tags of the client card. */
  tags?: readonly string[];
  /** Now, read in the PC's local time. */
  now: Date;
  /** The agent's language: among scripts of equal priority, those in it are tried first. */
  language?: ScriptLanguage | null;
  /** What the PBX said about the call before it rang (the INVITE's headers, see common/crm.ts extractCallContext). */
  ivrChoice?: string | null;
  queue?: string | null;
  campaign?: string | null;
}

const callContextKeys = ['ivrChoice', 'queue', 'campaign'] as const;

/** One condition of a script that a call met, as data: the panel puts it into words in the UI's language. */
export type ScriptMatchPart =
  | { kind: 'outbound' }
  | { kind: 'callBack'; source: FollowUpSource }
  | { kind: 'dialled'; number: string; company: string | null }
  | { kind: 'client'; client: 'new' | 'returning' }
  | { kind: 'tags'; tags: string[] }
  | { kind: 'time'; window: TimeWindow; now: Date }
  | { kind: (typeof callContextKeys)[number]; value: string };

export interface ScriptChoice {
  script: CallScript;
  /** Why (see choiceReason): the default script, or the conditions met (none: a script for every call). */
  because: { default: boolean; parts: ScriptMatchPart[] };
  /** The dialled line as some script describes it (the chosen one first), for the greeting. */
  line: ScriptLine | null;
}

/** Dialled numbers match by their digits; two long numbers also when their last ten digits agree ("8 495…" and "+7 495…"). */
export function numbersMatch(a: string, b: string): boolean {
  const da = digitsOf(userPart(a));
  const db = digitsOf(userPart(b));
  if (!da || !db) return false;
  return da === db || (da.length >= 10 && db.length >= 10 && da.slice(-10) === db.slice(-10));
}
const userPart = (n: string) => n.replace(/^sips?:/i, '').replace(/@.*$/, '');

/** The line a dialled number belongs to: in `preferred` first, then in every script in order. */
export function findLine(scripts: readonly CallScript[], dialled: string | null, preferred?: CallScript): ScriptLine | null {
  if (!dialled) return null;
  for (const script of preferred ? [preferred, ...scripts] : scripts) {
    const line = script.lines.find((l) => numbersMatch(l.number, dialled));
    if (line) return line;
  }
  return null;
}

const dayIndex = (d: Date): WeekDay => weekDays[(d.getDay() + 6) % 7]!;
/** Whether a local time falls in a window; a window crossing midnight belongs to the day it starts on. */
export function inTimeWindow(window: TimeWindow, now: Date): boolean {
  const days = window.days ?? weekDays;
  const today = dayIndex(now);
  const yesterday = weekDays[(weekDays.indexOf(today) + 6) % 7]!;
  const minute = now.getHours() * 60 + now.getMinutes();
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from < to) return days.includes(today) && minute >= from && minute < to;
  return (days.includes(today) && minute >= from) || (days.includes(yesterday) && minute < to);
}

/** "Mon–Fri 18:00–09:00", "Sat–Sun all day" (`t`: the language, English unless the window passes its own). */
export function describeTimeWindow(window: TimeWindow, t: TFunction = fixedT('en')): string {
  const dayName = (d: WeekDay) => t(`script.because.day.${d}`);
  const days = window.days ?? weekDays;
  const runs: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!days.includes(weekDays[i]!)) continue;
    let j = i;
    while (j + 1 < 7 && days.includes(weekDays[j + 1]!)) j++;
    const a = dayName(weekDays[i]!);
    const b = dayName(weekDays[j]!);
    runs.push(i === j ? a : j === i + 1 ? `${a}, ${b}` : `${a}–${b}`);
    i = j;
  }
  const span = window.from === '00:00' && window.to === '24:00' ? t('script.because.allDay') : `${window.from}–${window.to}`;
  return `${days.length === 7 ? t('script.because.everyDay') : runs.join(', ')} ${span}`;
}

/**
 * Why a script was chosen, for the panel: "Dialled line +7 495 123-45-67 (Zhemchug Dental),
 * returning client". `t`: the language (English unless the window passes its own).
 */
export function choiceReason(choice: Pick<ScriptChoice, 'because'>, t: TFunction = fixedT('en')): string {
  const { parts } = choice.because;
  const quote = (value: string) => t('script.because.quoted', { value });
  const part = (p: ScriptMatchPart): string => {
    switch (p.kind) {
      case 'outbound':
        return t('script.because.outbound');
      case 'callBack':
        return t('script.because.callBack', { source: t(`followUpSource.${p.source}`) });
      case 'dialled':
        return p.company ? t('script.because.dialledLine', { number: p.number, company: p.company }) : t('script.because.dialled', { number: p.number });
      case 'client':
        return t(p.client === 'new' ? 'script.because.clientNew' : 'script.because.clientReturning');
      case 'tags':
        return t('script.because.tags', { count: p.tags.length, list: p.tags.map(quote).join(', ') });
      case 'time':
        return t('script.because.time', { window: describeTimeWindow(p.window, t), day: t(`script.because.day.${dayIndex(p.now)}`), time: clockOf(p.now) });
      default:
        return t(`script.because.${p.kind}`, { value: quote(p.value) });
    }
  };
  const reason = choice.because.default ? t('script.because.default') : parts.length ? parts.map(part).join(', ') : t('script.because.everyCall');
  return reason[0]!.toLocaleUpperCase() + reason.slice(1);
}

/** Why a script matches a call (its parts), or null when it does not. */
function matchReasons(script: CallScript, context: ScriptChoiceContext, line: ScriptLine | null): ScriptMatchPart[] | null {
  const m = script.match;
  const parts: ScriptMatchPart[] = [];
  const direction = context.direction ?? 'inbound';
  if (m.direction !== 'any' && m.direction !== direction) return null;
  if (m.direction === 'outbound') parts.push({ kind: 'outbound' });
  if (m.source) {
    const source = context.source ?? null;
    if (source === null || !m.source.includes(source)) return null;
    parts.push({ kind: 'callBack', source });
  }
  if (m.dialled !== 'any') {
    const dialled = context.dialled;
    const hit = dialled ? m.dialled.find((n) => numbersMatch(n, dialled)) : undefined;
    if (hit === undefined) return null;
    parts.push({ kind: 'dialled', number: hit, company: line ? line.company : null });
  }
  if (m.client !== 'any') {
    if (m.client !== context.client) return null;
    parts.push({ kind: 'client', client: m.client });
  }
  if (m.tags) {
    const have = new Set((context.tags ?? []).map((t) => t.trim().toLowerCase()));
    const hits = m.tags.filter((t) => have.has(t));
    if (!hits.length) return null;
    parts.push({ kind: 'tags', tags: hits });
  }
  if (m.time) {
    const window = m.time.find((w) => inTimeWindow(w, context.now));
    if (!window) return null;
    parts.push({ kind: 'time', window, now: context.now });
  }
  for (const key of callContextKeys) {
    const wanted = m[key];
    if (!wanted) continue;
    const have = context[key]?.trim().toLowerCase();
    const hit = have ? wanted.find((w) => w.toLowerCase() === have) : undefined;
    if (hit === undefined) return null;
    parts.push({ kind: key, value: context[key]!.trim() });
  }
  return parts;
}

/**
 * The script for a call: the first enabled script whose every condition holds. Order: higher
 * `priority` first; at equal priority, scripts in the agent's language first, then the order given
 * (the loader's: folder, then file name). Default scripts come after all others. Null when none
 * matches and there is no default.
 */
export function chooseScript(scripts: readonly CallScript[], context: ScriptChoiceContext): ScriptChoice | null {
  const ordered = scripts
    .map((script, index) => ({ script, index }))
    .filter(({ script }) => script.enabled)
    .sort(
      (a, b) =>
        Number(a.script.default) - Number(b.script.default) ||
        b.script.priority - a.script.priority ||
        Number(a.script.language !== context.language) - Number(b.script.language !== context.language) ||
        a.index - b.index,
    );
  for (const { script } of ordered) {
    const line = findLine(scripts, context.dialled, script);
    const parts = matchReasons(script, context, line);
    if (!parts) continue;
    return { script, because: { default: script.default, parts }, line };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// A script being run on a call
// ---------------------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2025-01-31T09:30:00.000Z' });

export const ScriptAnswerSchema = z.object({
  /** What was answered: the option's value or label, the typed text, or what the client actually said. */
  value: z.string(),
  optionId: z.string().optional(),
  /** Set when the agent chose "No suitable answer": what the client actually said. */
  noSuitable: z.string().optional(),
  at: isoTime,
});
export type ScriptAnswer = z.infer<typeof ScriptAnswerSchema>;

/** The state of a script on one call: saved with the call as it changes. */
export const ScriptRunSchema = z.object({
  scriptId: z.string(),
  answers: z.record(z.string(), ScriptAnswerSchema),
  /** The pages on the way to the current one (the last); "back" steps along it. */
  history: z.array(z.object({ page: z.string(), at: isoTime })).min(1),
  /** The question answered last: with the current page, "where we stopped". */
  lastQuestionId: z.string().nullable(),
  /** Set when the script reached its end. */
  finishedAt: isoTime.nullable(),
});
export type ScriptRun = z.infer<typeof ScriptRunSchema>;

export type ScriptRunAction =
  /** A choice or yes/no option (`optionId`), or an open question's text (`text`; blank clears it). */
  | { type: 'answer'; questionId: string; optionId?: string; text?: string; at: string }
  /** "No suitable answer": what the client actually said. */
  | { type: 'no-suitable'; questionId: string; text: string; at: string }
  | { type: 'next'; at: string }
  | { type: 'back'; at: string }
  | { type: 'goto'; page: string; at: string };

/** What the agent can click on a question: its options (yes/no filled in) and, always, "No suitable answer". */
export interface AnswerOption {
  id: string;
  label: string;
  value?: string;
  say?: string;
  next?: string;
  noSuitable?: true;
}
export function answerOptions(question: ScriptQuestion, language: ScriptLanguage): AnswerOption[] {
  const w = words[language];
  const given = question.options ?? [];
  const options: AnswerOption[] =
    question.kind === 'yes-no'
      ? (['yes', 'no'] as const).map((yn) => {
          const o = given.find((g) => g.id === yn);
          return { ...o, id: yn, label: o?.label ?? w[yn] };
        })
      : question.kind === 'choice'
        ? given.map((o) => ({ ...o, label: o.label ?? o.id }))
        : [];
  return [...options, { id: NO_SUITABLE, label: w.noSuitable, noSuitable: true }];
}

export function findPage(script: CallScript, pageId: string): ScriptPage | undefined {
  return script.pages.find((p) => p.id === pageId);
}
export function findQuestion(script: CallScript, questionId: string): { question: ScriptQuestion; page: ScriptPage } | undefined {
  return scriptQuestions(script).find((q) => q.question.id === questionId);
}
/** The page on screen, or null when the script has ended. */
export function currentPage(script: CallScript, run: ScriptRun): ScriptPage | null {
  return run.finishedAt ? null : (findPage(script, run.history[run.history.length - 1]!.page) ?? null);
}

export function startScriptRun(script: CallScript, at: string): ScriptRun {
  return { scriptId: script.id, answers: {}, history: [{ page: script.pages[0]!.id, at }], lastQuestionId: null, finishedAt: null };
}

/** Where an answer branches to: the option's `next`, else the question's. */
function branchOf(question: ScriptQuestion, answer: ScriptAnswer): string | undefined {
  const option = answer.optionId ? question.options?.find((o) => o.id === answer.optionId) : undefined;
  return option?.next ?? question.next;
}

/**
 * Where "Next" goes from the current page: the branch of the latest answer on it that has one,
 * else the page's `next`, else the following page in the file, else the end.
 */
export function resolveNextPage(script: CallScript, run: ScriptRun): string | null {
  const page = currentPage(script, run);
  if (!page) return null;
  let best: { at: number; next: string } | null = null;
  for (const block of page.blocks) {
    if (!('question' in block)) continue;
    const answer = run.answers[block.question.id];
    const next = answer && branchOf(block.question, answer);
    if (answer && next && (!best || Date.parse(answer.at) >= best.at)) best = { at: Date.parse(answer.at), next };
  }
  if (best) return best.next;
  if (page.next) return page.next;
  return script.pages[script.pages.indexOf(page) + 1]?.id ?? END;
}

function go(run: ScriptRun, target: string, at: string): ScriptRun {
  if (target === END) return { ...run, finishedAt: at };
  return { ...run, history: [...run.history, { page: target, at }], finishedAt: null };
}

/**
 * The reducer of a script run. An answer is kept at once; choosing an option (or yes/no) on the
 * current page that branches moves to its page at once, typing never does ("Next" follows it).
 * Actions that name no question, option or page of the script leave the run as it is.
 */
export function reduceScriptRun(script: CallScript, run: ScriptRun, action: ScriptRunAction): ScriptRun {
  switch (action.type) {
    case 'answer':
    case 'no-suitable': {
      const found = findQuestion(script, action.questionId);
      if (!found) return run;
      const { question, page } = found;
      let answer: ScriptAnswer | null;
      if (action.type === 'no-suitable') {
        const said = action.text.trim();
        if (!said) return run;
        answer = { value: said, noSuitable: said, at: action.at };
      } else if (question.kind === 'open') {
        const typed = (action.text ?? '').trim();
        answer = typed ? { value: typed, at: action.at } : null;
      } else {
        const option = answerOptions(question, script.language).find((o) => o.id === action.optionId && !o.noSuitable);
        if (!option) return run;
        answer = { value: option.value ?? option.label, optionId: option.id, at: action.at };
      }
      const answers = { ...run.answers };
      if (answer) answers[question.id] = answer;
      else delete answers[question.id];
      const next: ScriptRun = { ...run, answers, lastQuestionId: answer ? question.id : run.lastQuestionId };
      const onScreen = currentPage(script, run)?.id === page.id;
      const target = answer?.optionId && onScreen ? branchOf(question, answer) : undefined;
      return target ? go(next, target, action.at) : next;
    }
    case 'next': {
      const target = resolveNextPage(script, run);
      return target ? go(run, target, action.at) : run;
    }
    case 'back':
      if (run.finishedAt) return { ...run, finishedAt: null };
      return run.history.length > 1 ? { ...run, history: run.history.slice(0, -1) } : run;
    case 'goto':
      return action.page === END || findPage(script, action.page) ? go(run, action.page, action.at) : run;
  }
}

/** "Thanks for waiting, we'd got as far as…": the page on screen and the last question answered. */
export function whereWeStopped(
  script: CallScript,
  run: ScriptRun,
): { page: ScriptPage | null; finished: boolean; question: ScriptQuestion | null; answer: ScriptAnswer | null } {
  const last = run.lastQuestionId ? findQuestion(script, run.lastQuestionId) : undefined;
  return {
    page: findPage(script, run.history[run.history.length - 1]!.page) ?? null,
    finished: run.finishedAt !== null,
    question: last?.question ?? null,
    answer: last ? (run.answers[last.question.id] ?? null) : null,
  };
}

/** Card fields to save from the answers of questions with `saveTo` (a later answer to the same field wins). */
export interface ClientUpdates {
  fields: Partial<Record<WritableClientField, string>>;
  needs: Record<string, string>;
}
export function clientUpdates(run: ScriptRun, script: CallScript): ClientUpdates {
  const updates: ClientUpdates = { fields: {}, needs: {} };
  const answered = scriptQuestions(script)
    .map(({ question }) => ({ question, answer: run.answers[question.id] }))
    .filter((a): a is { question: ScriptQuestion; answer: ScriptAnswer } => a.answer !== undefined && a.question.saveTo !== undefined)
    .sort((a, b) => Date.parse(a.answer.at) - Date.parse(b.answer.at));
  for (const { question, answer } of answered) {
    const [, field, key] = question.saveTo!.split('.');
    if (field === 'needs' && key) updates.needs[key] = answer.value;
    else if (field && (writableFieldNames as string[]).includes(field)) updates.fields[field as WritableClientField] = answer.value;
  }
  return updates;
}

// ---------------------------------------------------------------------------------------------
// The values a script's phrases read
// ---------------------------------------------------------------------------------------------

/** The client card as the panel has it: field → value (text, number, list of text; `needs` a map). */
export type ClientValues = Readonly<Record<string, unknown>>;

export interface ScriptValuesInput {
  language: ScriptLanguage;
  now: Date;
  client?: ClientValues | null;
  agent?: { name?: string | null } | null;
  line?: ScriptLine | null;
  /** With a run: {answer.<id>}, and the card fields the answers fill (a name just asked for is used at once). */
  script?: CallScript;
  run?: ScriptRun | null;
  /** A call made from the Call back list: its follow-up ({followUp.reason}, {followUp.note}, {followUp.when}). */
  followUp?: { reason: string; note?: string | null; createdAt: string } | null;
}

/** Everything `renderTemplate` needs for a script on a call, as flat values. */
export function scriptValues(input: ScriptValuesInput): Record<string, string> {
  const { language, now } = input;
  const values: Record<string, string> = {
    greeting: timeOfDayGreeting(now, language),
    date: formatScriptDate(now, language),
    time: clockOf(now),
  };
  const put = (key: string, v: unknown) => {
    const s = asText(v, language);
    if (s) values[key] = s;
  };
  put('agent.name', input.agent?.name);
  put('line.company', input.line?.company);
  put('line.business', input.line?.business);
  put('line.number', input.line?.number);
  if (input.followUp) {
    put('followUp.reason', input.followUp.reason);
    put('followUp.note', input.followUp.note);
    const created = new Date(input.followUp.createdAt);
    if (!Number.isNaN(created.getTime())) put('followUp.when', relativeDay(created, now, language));
  }
  for (const [field, v] of Object.entries(input.client ?? {})) {
    if (field === 'needs' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [key, need] of Object.entries(v)) put(`client.needs.${key}`, need);
    } else put(`client.${field}`, v);
  }
  if (input.script && input.run) {
    for (const [questionId, answer] of Object.entries(input.run.answers)) put(`answer.${questionId}`, answer.value);
    const updates = clientUpdates(input.run, input.script);
    for (const [field, v] of Object.entries(updates.fields)) put(`client.${field}`, v);
    for (const [key, v] of Object.entries(updates.needs)) put(`client.needs.${key}`, v);
  }
  return values;
}

/** Text for a card value: dates ("2025-02-03") read as dates, lists joined with commas. */
function asText(v: unknown, language: ScriptLanguage): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map((x) => asText(x, language)).filter(Boolean).join(', ');
  if (typeof v !== 'string') return '';
  const s = v.trim();
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(s);
  if (date && !Number.isNaN(Date.parse(s))) return formatScriptDate(new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])), language);
  return s;
}

// ---------------------------------------------------------------------------------------------
// What crosses the contract
// ---------------------------------------------------------------------------------------------

export const ScriptProblemSchema = z.object({
  /** The file's full path. */
  file: z.string(),
  /** 1-based; null when the problem is with the whole file (unreadable, empty). */
  line: z.number().int().positive().nullable(),
  message: z.string(),
  /** One line for the panel and the log: "reception.yaml:14: question "budget": …". */
  text: z.string(),
  /** What `message` says, as data for the window's language: the service's or a check's words, or zod's issue (zod's locale words it). */
  said: SaidSchema.optional(),
  issue: IssueDataSchema.optional(),
  /** Where in the script (the message's start, "page "needs", question "budget": "). */
  place: z.array(ScriptPlaceSchema).optional(),
});
export type ScriptProblem = z.infer<typeof ScriptProblemSchema>;

/**
 * A problem as the window says it: the file's name and line, then where and what in the language of
 * `t`, from its data; in English (or for a problem without data) its `text` as the log has it.
 */
export function scriptProblemText(problem: ScriptProblem, t: TFunction): string {
  if (t('check.language') === 'en' || (!problem.said && !problem.issue)) return problem.text;
  const words = problem.said ? saidText(problem.said, t) : issueText(problem.issue!, t);
  const name = problem.file.split(/[\\/]/).pop() ?? problem.file;
  return `${name}${problem.line ? `:${problem.line}` : ''}: ${placeText(problem.place, t)}${words}`;
}

export const ScriptLibrarySchema = z.object({
  /** The scripts that loaded, in load order (the order `chooseScript` keeps at equal priority). */
  scripts: z.array(CallScriptSchema),
  /** Script id → the file it came from. */
  files: z.record(z.string(), z.string()),
  /** Files reported and skipped. */
  problems: z.array(ScriptProblemSchema),
  /** True while the office has no scripts of its own and the shipped samples are in use. */
  usingSamples: z.boolean(),
});
export type ScriptLibrary = z.output<typeof ScriptLibrarySchema>;

export const NoSuitableNoteInputSchema = z.strictObject({
  scriptId: z.string().trim().min(1).max(64),
  questionId: z.string().trim().min(1).max(64),
  /** What the client actually said. */
  text: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  at: isoTime,
  callId: z.string().max(200).nullable().default(null),
});
export type NoSuitableNoteInput = z.input<typeof NoSuitableNoteInputSchema>;
export type NoSuitableNote = z.output<typeof NoSuitableNoteInputSchema>;

/** The notes for the scripts' authors, per script and question (in the script's order), oldest first. */
export const NoSuitableReportSchema = z.object({
  total: z.number().int().nonnegative(),
  groups: z.array(
    z.object({
      scriptId: z.string(),
      scriptTitle: z.string().nullable(),
      questionId: z.string(),
      /** The question as reports show it (placeholders as names, readableTemplate); null when it is no longer in the script. */
      questionText: z.string().nullable(),
      notes: z.array(z.object({ text: z.string(), at: z.string(), callId: z.string().nullable() })),
    }),
  ),
});
export type NoSuitableReport = z.infer<typeof NoSuitableReportSchema>;
