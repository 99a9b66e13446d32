import type { TFunction } from 'i18next';
import { z } from 'zod';
import zodEnglish from 'zod/v4/locales/en.js';
import zodRussian from 'zod/v4/locales/ru.js';
import type { en } from './i18n/en';
import { fixedT } from './i18n/translate';

/**
 * What a value's check or a service says to the person, as data: a key of the UI's strings and its
 * values, put into words by whoever shows it. The schemas and the services run without the
 * person's language (in Node, or before the language is known), so a refused value and a failed
 * service call carry their key and values; the window words them in its language when it shows
 * them (`errorText`), as it does for call end causes, CRM problems and import rows. Node's own
 * readers (the provisioning check, the logs, a SIP Warning header) read the English message that
 * goes with it, made from the same English strings.
 *
 * - A value's check: a custom zod issue (`.refine(ok, check('email'))`, `ctx.addIssue({ code:
 *   'custom', ...check(...) })`) carries `params.said`. zod's own checks (too long, not a number…)
 *   carry their data (maximum, origin…), which zod's locale for the language puts into words.
 * - A service's failure: it throws `SaidError`; the contract's dispatcher sends its `said` beside
 *   the English message, and the renderer's ContractError keeps it.
 */

/** A key without its plural suffix: i18next picks the form from `count`. */
type Unplural<K> = K extends `${infer Base}_${'one' | 'other'}` ? Base : K;
/** The value checks' words (en.check) and the services' (en.fault). */
export type CheckKey = Exclude<Unplural<keyof typeof en.check>, 'language' | 'separator' | 'wrongType'>;
export type FaultKey = Unplural<keyof typeof en.fault>;
export type SaidKey = `check.${CheckKey}` | `fault.${FaultKey}`;

/** Words a value may be: a hotkey action's name, a service's reason (fault.noWritePermission…). */
export type SayableWords = `desktop.hotkeyAction.${keyof typeof en.desktop.hotkeyAction}` | `fault.${FaultKey}`;
/** A value said: text or a number as it is, or words of the UI's strings (an action's name, a reason). */
export type SaidValue = string | number | { say: SayableWords };
export interface Said {
  key: SaidKey;
  values?: Record<string, SaidValue>;
}

const SaidValueSchema = z.union([z.string(), z.number(), z.object({ say: z.string().regex(/^(desktop\.hotkeyAction|fault)\.\w+$/) as z.ZodType<SayableWords> })]);
export const SaidSchema = z.object({
  key: z.string().regex(/^(check|fault)\.\w+$/) as z.ZodType<SaidKey>,
  values: z.record(z.string(), SaidValueSchema).optional(),
});

/** A said thing in words. `t`: the language (English unless the window passes its own). */
export function saidText(said: Said, t: TFunction = fixedT('en')): string {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(said.values ?? {})) values[name] = typeof value === 'object' ? t(value.say) : value;
  return t(said.key, values);
}

/** A check's words as data. */
export const checkSaid = (key: CheckKey, values?: Record<string, SaidValue>): Said => (values ? { key: `check.${key}`, values } : { key: `check.${key}` });

/** What a check's custom issue is given: its English message (Node's readers) and its words as data. */
export function check(key: CheckKey, values?: Record<string, SaidValue>): { message: string; params: { said: Said } } {
  const said = checkSaid(key, values);
  return { message: saidText(said), params: { said } };
}

/** What a service says when it fails: a key under en.fault and its values. */
export const fault = (key: FaultKey, values?: Record<string, SaidValue>): Said => (values ? { key: `fault.${key}`, values } : { key: `fault.${key}` });

/**
 * An error a service throws: said as data (the window words it in its language; `message` is its
 * English), or plain English for what only a developer meets (a bad id, a bug).
 */
export class SaidError extends Error {
  readonly said: Said | undefined;
  constructor(what: Said | string) {
    super(typeof what === 'string' ? what : saidText(what));
    this.said = typeof what === 'string' ? undefined : what;
  }
}

/** What a thrown error says as data, if it says it so (checked: it may have crossed a boundary). */
export function saidOf(error: unknown): Said | undefined {
  const said = error && typeof error === 'object' ? (error as Sayable).said : undefined;
  return said !== undefined && SaidSchema.safeParse(said).success ? said : undefined;
}

/**
 * A zod issue as it crosses the bridge (JSON, or Electron's structured clone): zod's issue without
 * the input (never sent: it may be a password), its data for zod's locales, and a check's words in
 * `params.said`. A setting's issue carries its value's own issues in `params.issues`.
 */
export interface IssueData {
  code: string;
  path: (string | number)[];
  message: string;
  params?: { said?: Said; issues?: IssueData[] };
  [data: string]: unknown;
}
export const IssueDataSchema: z.ZodType<IssueData> = z.looseObject({
  code: z.string(),
  path: z.array(z.union([z.string(), z.number()])),
  message: z.string(),
  params: z.looseObject({ said: SaidSchema.optional(), issues: z.array(z.lazy(() => IssueDataSchema)).optional() }).optional(),
});

/** zod's issues as data to send: paths of strings and numbers only (a symbol does not cross). */
export const issueData = (issues: readonly z.core.$ZodIssue[]): IssueData[] =>
  issues.map((issue) => ({ ...(issue as unknown as IssueData), path: issue.path.filter((p): p is string | number => typeof p !== 'symbol') }));

const zodLocales = { en: zodEnglish, ru: zodRussian } as const;
const zodWords = new Map<string, (issue: z.core.$ZodRawIssue) => string | undefined>();
function zodSays(language: string): ((issue: z.core.$ZodRawIssue) => string | undefined) | null {
  if (!Object.hasOwn(zodLocales, language)) return null;
  let says = zodWords.get(language);
  if (!says) {
    const { localeError } = zodLocales[language as keyof typeof zodLocales]();
    says = (issue) => {
      const words = localeError(issue);
      return typeof words === 'string' ? words : words?.message;
    };
    zodWords.set(language, says);
  }
  return says;
}

/** Whether `t` speaks English: then an issue is said as the schema worded it, as Node's readers read it. */
const english = (t: TFunction) => t('check.language') === 'en';

/**
 * One issue in words, without its path: in English its message (the schema's English, or zod's);
 * in another language a check's own words, a setting's value's issues, or zod's locale from the
 * issue's data (a wrong type is said without what was received: the input does not cross).
 */
export function issueText(issue: IssueData, t: TFunction = fixedT('en')): string {
  if (english(t)) return issue.message;
  if (issue.params?.said) return saidText(issue.params.said, t);
  if (issue.params?.issues?.length) return issuesText(issue.params.issues, t);
  if (issue.code === 'invalid_type') return t('check.wrongType');
  return zodSays(t('check.language'))?.(issue as unknown as z.core.$ZodRawIssue) ?? issue.message;
}

/**
 * Issues in words, each after its path ("emails.0: …") as the contract words them in English. A
 * setting's value is said by its own issues, without the wrapper's path and key.
 */
export const issuesText = (issues: readonly IssueData[], t: TFunction = fixedT('en')): string =>
  issues
    .map((issue) => {
      const words = issueText(issue, t);
      const wrapper = !english(t) && Boolean(issue.params?.issues?.length);
      return issue.path.length && !wrapper ? `${issue.path.join('.')}: ${words}` : words;
    })
    .join(t('check.separator'));

/** What a failure carries to be said in the person's language (a ContractError, a SaidError). */
export interface Sayable {
  said?: Said;
  issues?: IssueData[];
}

/**
 * A failed call or check in the window's language: what the service said, the checks that refused
 * a value, else the error's own message (a network failure, a bug: as it came).
 */
export function errorText(error: unknown, t: TFunction = fixedT('en')): string {
  if (english(t) && error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const { said, issues } = error as Sayable;
    if (said) return saidText(said, t);
    if (issues?.length) return issuesText(issues, t);
  }
  return error instanceof Error ? error.message : String(error);
}
