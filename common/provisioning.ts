import type { TFunction } from 'i18next';
import { z } from 'zod';
import { CrmConfigSchema, PbxHeadersConfigSchema } from './crm';
import { issueData, IssueDataSchema, issueText, check } from './said';
import { SettingKeySchema, SettingsPatchSchema } from './settings';

// common/ runs everywhere, so it checks the URL's shape itself rather than relying on a URL global.
const isUrl = (u: string) => /^wss?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?(\/[^\s]*)?$/i.test(u);
const wsUrl = z
  .string()
  .refine((u) => /^wss?:\/\//i.test(u), { ...check('wsUrl'), abort: true })
  .refine(isUrl, check('url', { example: 'wss://pbx.example.com:8089/ws' }));

/** The SIP account a provisioning file names. */
export const SipAccountSchema = z
  .object({
    /** SIP user part (usually the extension), e.g. "1000". */
    user: z.string().trim().min(1, 'must not be empty').regex(/^[^\s@:;]+$/, 'must not contain spaces, @, : or ;'),
    /** Digest authentication user, when it differs from `user`. */
    authUser: z.string().trim().min(1).optional(),
    password: z.string().min(1, 'must not be empty'),
    /** SIP domain (registrar realm), e.g. "pbx.example.com". */
    domain: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .regex(/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:]+\]$/, 'must be a host name or an IP address'),
    /** WebSocket URL of the PBX's SIP-over-WebSocket listener. */
    wsUrl,
    displayName: z.string().trim().min(1).max(64).optional(),
    /** REGISTER expiry in seconds. */
    registerExpires: z.number().int().min(30).max(3600).default(600),
  })
  .strict();
export type SipAccount = z.infer<typeof SipAccountSchema>;

const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/i, 'must be an http:// or https:// URL');

/** Delivery of messages by e-mail and webhook (SIP MESSAGE needs nothing configured). */
export const MessagesConfigSchema = z.strictObject({
  smtp: z
    .strictObject({
      host: z.string().trim().min(1, 'must not be empty').max(255),
      port: z.number().int().min(1).max(65535).default(587),
      /** true: TLS from the start (port 465); false: STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      user: z.string().max(255).optional(),
      password: z.string().max(1000).optional(),
      /** The sender, e.g. "Frontdesk <frontdesk@example.com>". */
      from: z.string().trim().min(3).max(300),
      /** Refuse a server whose certificate does not verify (default true). */
      requireValidCertificate: z.boolean().default(true),
    })
    .optional(),
  webhook: z
    .strictObject({
      url: httpUrl,
      headers: z.record(z.string(), z.string().max(2000)).optional(),
    })
    .optional(),
});
export type MessagesConfig = z.infer<typeof MessagesConfigSchema>;

/** A colleague a call can be transferred to: the transfer dialog's directory. */
export const ColleagueSchema = z.strictObject({
  extension: z.string().trim().min(1, 'must not be empty').max(64).regex(/^[^\s@:;]+$/, 'must not contain spaces, @, : or ;'),
  name: z.string().trim().min(1, 'must not be empty').max(100),
  department: z.string().trim().max(100).optional(),
  /** Where messages taken for this colleague are e-mailed too (needs `messages.smtp`). */
  email: z.string().trim().max(200).regex(/^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/, 'must be an e-mail address').optional(),
});
export type Colleague = z.infer<typeof ColleagueSchema>;

/** Colleague presence (BLF): SUBSCRIBE/NOTIFY for the colleagues' line and presence, PUBLISH of this desk's own. */
export const PresenceConfigSchema = z.strictObject({
  /** Off for a PBX without presence: nothing is subscribed or published, colleagues read "unknown". */
  enabled: z.boolean().default(true),
  /** How long a subscription or publication lasts before it is refreshed (seconds). */
  expiresS: z.number().int('must be a whole number of seconds').min(60, 'must be at least 60 seconds').max(3600, 'must be at most 3600 seconds').default(600),
});
export type PresenceConfig = z.infer<typeof PresenceConfigSchema>;
export const defaultPresenceConfig: PresenceConfig = { enabled: true, expiresS: 600 };

export const ProvisioningFileSchema = z
  .object({
    /** Format version of the provisioning file. */
    version: z.literal(1, 'must be 1'),
    account: SipAccountSchema,
    /** Settings the administrator sets for this PC. */
    settings: SettingsPatchSchema.optional(),
    /** Settings a person cannot change on this PC. */
    locked: z.array(SettingKeySchema).optional(),
    /** The CRM the client card looks callers up in. */
    crm: CrmConfigSchema.optional(),
    /** Which INVITE headers tell what came before the call (IVR choice, queue, campaign, lead, chat). */
    pbxHeaders: PbxHeadersConfigSchema.optional(),
    /** The office's extensions, for transfers and the Colleagues panel (name, extension, department). */
    colleagues: z.array(ColleagueSchema).max(2000, 'must list at most 2000 colleagues').optional(),
    /** Watching colleagues' presence through the PBX, and publishing this desk's. */
    presence: PresenceConfigSchema.optional(),
    /** How messages taken for colleagues are delivered besides SIP: e-mail over SMTP, a webhook. */
    messages: MessagesConfigSchema.optional(),
  })
  .strict();
export type ProvisioningFile = z.infer<typeof ProvisioningFileSchema>;

/** The problems about the file the window tells in its language from a code; a field's value's problem is told from its issue. */
export const provisioningProblemCodes = ['missing', 'unreadable', 'notJson', 'required', 'passwordNotStored'] as const;
export const ProvisioningProblemSchema = z.object({
  /** Dotted path of the field, e.g. "account.wsUrl"; empty for the whole file. */
  field: z.string(),
  /** In English, as the log and `npm run provisioning:check` say it. */
  message: z.string(),
  /** The problem as data, for the window: a key under provisioning.problem and its values. */
  code: z.enum(provisioningProblemCodes).optional(),
  params: z.object({ error: z.string().optional(), who: z.string().optional() }).optional(),
  /** A field's value's problem as data: the window says it in its language (common/said.ts). */
  issue: IssueDataSchema.optional(),
});
export type ProvisioningProblem = z.infer<typeof ProvisioningProblemSchema>;

/** A problem as the window says it: in its language from its code or its issue, else the English message. */
export const provisioningProblemText = (problem: ProvisioningProblem, t: TFunction): string =>
  problem.code ? t(`provisioning.problem.${problem.code}`, { ...problem.params }) : problem.issue ? issueText(problem.issue, t) : problem.message;

/** What the app knows about provisioning: shown to the person, never silently ignored. */
export const ProvisioningStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('none'), file: z.string().nullable() }),
  z.object({
    state: z.literal('applied'),
    file: z.string(),
    appliedAt: z.string(),
    /** What the admin should know although the file was applied (a password left readable by every user of the PC). */
    warnings: z.array(ProvisioningProblemSchema).optional(),
  }),
  z.object({
    state: z.literal('rejected'),
    file: z.string(),
    problems: z.array(ProvisioningProblemSchema),
    /** Whether the last good provisioning is still in use. */
    usingLastGood: z.boolean(),
  }),
]);
export type ProvisioningStatus = z.infer<typeof ProvisioningStatusSchema>;

/** Turns zod issues into problems that name the field. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): ProvisioningProblem[] {
  return issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      return { field, message: 'is required', code: 'required' as const };
    }
    return { field, message, issue: issueData([issue])[0] };
  });
}

/** Validates the text of a provisioning file. Never throws. */
export function parseProvisioning(
  text: string,
): { ok: true; value: ProvisioningFile } | { ok: false; problems: ProvisioningProblem[] } {
  const json = parseProvisioningJson(text);
  return json.ok ? validateProvisioning(json.value) : json;
}

/** The JSON of a provisioning file's text (a BOM is allowed), or the problem. */
export function parseProvisioningJson(text: string): { ok: true; value: unknown } | { ok: false; problems: ProvisioningProblem[] } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (error) {
    const detail = (error as Error).message;
    return { ok: false, problems: [{ field: '', message: `not valid JSON: ${detail}`, code: 'notJson', params: { error: detail } }] };
  }
}

/** Validates a provisioning file already read as JSON. Never throws. */
export function validateProvisioning(json: unknown): { ok: true; value: ProvisioningFile } | { ok: false; problems: ProvisioningProblem[] } {
  const result = ProvisioningFileSchema.safeParse(json);
  if (!result.success) return { ok: false, problems: describeIssues(result.error.issues) };
  return { ok: true, value: result.data };
}
