import { z } from 'zod';
import { DEFAULT_HOTKEYS, HOTKEY_ACTIONS, hotkeyCombination, hotkeyProblemSaid, type HotkeyAction, type HotkeyMap } from './hotkeys';
import { check, issueData, saidText } from './said';
import { AwaySchema } from './presence';
import { languageSettings } from './i18n';

/**
 * The settings model. Every key has a default; a person may change a key unless the
 * provisioning file locks it. Later issues add keys here (recording policy, DND, ringer device…):
 * the layering (defaults < user < provisioned) and the locks apply to every key alike.
 */
/** Every action's hotkey: the setting's over the defaults. */
export const effectiveHotkeys = (setting: Partial<Record<HotkeyAction, string | undefined>>): HotkeyMap => {
  const map = { ...DEFAULT_HOTKEYS };
  for (const action of HOTKEY_ACTIONS) {
    const value = setting[action];
    if (value !== undefined) map[action] = value;
  }
  return map;
};

/** One global hotkey: an Electron accelerator, or "" for none. */
const hotkey = z.string().superRefine((text, ctx) => {
  const said = hotkeyProblemSaid(text);
  if (said) ctx.addIssue({ code: 'custom', message: saidText(said), params: { said } });
});

/**
 * The global hotkeys that differ from the defaults (an action left out keeps its default; "" turns
 * it off). Two actions on one combination, the defaults included, are refused at the second one, on
 * any platform, so a file deployed to mixed PCs works on each.
 */
const hotkeysField = z.strictObject(Object.fromEntries(HOTKEY_ACTIONS.map((a) => [a, hotkey.optional()])) as Record<HotkeyAction, z.ZodOptional<typeof hotkey>>).superRefine((partial, ctx) => {
  const map = effectiveHotkeys(partial);
  for (const platform of ['win32', 'darwin', 'linux'] as const) {
    const seen = new Map<string, HotkeyAction>();
    for (const action of HOTKEY_ACTIONS) {
      const combination = hotkeyCombination(map[action], platform);
      if (combination === null) continue;
      const earlier = seen.get(combination);
      if (earlier) {
        const at = partial[action] !== undefined ? action : earlier;
        const other = at === action ? earlier : action;
        // The English (the provisioning check's) names the action by its id; the window by its name.
        const words = check(platform === 'darwin' ? 'sameHotkeyMac' : 'sameHotkey', { action: { say: `desktop.hotkeyAction.${other}` }, hotkey: map[other] });
        ctx.addIssue({ code: 'custom', path: [at], ...words, message: `is the same hotkey as ${other} (${map[other]})${platform === 'darwin' ? ' on macOS' : ''}` });
        return;
      }
      seen.set(combination, action);
    }
  }
});

const settingFields = {
  /** The language of the interface: "auto" follows the OS (Russian for a Russian locale, else English). */
  language: z.enum(languageSettings, { error: 'must be "auto", "ru" or "en"' }),
  /** ISO 3166-1 alpha-2 region used to read numbers written without a country code. */
  defaultRegion: z.string().refine((region) => /^[A-Z]{2}$/.test(region), check('countryCode')),
  /** Answer incoming calls automatically (headset/intercom use). */
  autoAnswer: z.boolean(),
  /** SIP response code used when the agent declines a call. */
  declineCode: z.union([z.literal(486), z.literal(603)], { error: 'must be 486 (busy) or 603 (decline)' }),
  /** How DTMF digits are sent: RFC 4733 telephone-events in the media, or SIP INFO. */
  dtmfTransport: z.enum(['rfc4733', 'info'], { error: 'must be "rfc4733" or "info"' }),
  /** Do not disturb: off; reject incoming calls (busy); or reject them and log them as missed. */
  dnd: z.enum(['off', 'reject', 'missed'], { error: 'must be "off", "reject" or "missed"' }),
  /** Audio devices of this PC (MediaDeviceInfo.deviceId; "" = the system default). */
  microphoneId: z.string().max(512),
  speakerId: z.string().max(512),
  /** Where the ringtone plays: a separate ringer (loudspeaker) while the headset stays on the call. */
  ringerId: z.string().max(512),
  /** How long a colleague's phone may ring during a warm transfer before the caller comes back (seconds). */
  transferRingTimeoutS: z.number().int('must be a whole number of seconds').min(5, 'must be at least 5 seconds').max(120, 'must be at most 120 seconds'),
  /**
   * How many calls this desk carries at once (ringing, talking, held). A call beyond them gets 486
   * Busy Here (the PBX's busy handling: voicemail, a queue, another desk) and is logged as missed.
   */
  maxLines: z.number().int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20'),
  /**
   * Out of office: until when and why ("at a meeting"), published to colleagues with presence;
   * null when in. It ends by itself at its time.
   */
  away: AwaySchema.nullable(),
  /**
   * Which calls are recorded: none ("off"), those the agent records ("on-demand"), every call,
   * inbound or outbound ones, or the calls to the `recordingLines` (dialled numbers).
   */
  recordingPolicy: z.enum(['off', 'on-demand', 'all', 'inbound', 'outbound', 'lines'], { error: 'must be off, on-demand, all, inbound, outbound or lines' }),
  /** With the policy "lines": the dialled numbers whose calls are recorded (as the PBX puts them in To). */
  recordingLines: z.array(z.string().trim().min(1).max(64)).max(50),
  /** What the caller is told when a recording starts: nothing, an announcement, a beep every 15 s, or both. */
  recordingConsent: z.enum(['none', 'announcement', 'beep', 'announcement-and-beep'], { error: 'must be none, announcement, beep or announcement-and-beep' }),
  /** The built-in announcement's language (a file of the office's own is set in recordingAnnouncementFile). */
  recordingAnnouncementLanguage: z.enum(['ru', 'en'], { error: 'must be "ru" or "en"' }),
  /** An audio file (WAV, MP3, Ogg…) on this PC to play instead of the built-in announcement; "" for the built-in one. */
  recordingAnnouncementFile: z.string().max(1024),
  /** Whether the agent may stop or pause a recording the policy started. */
  recordingAgentMayStop: z.boolean(),
  /** Recordings older than this many days are deleted (at start and daily); 0 keeps them. */
  recordingRetentionDays: z.number().int('must be a whole number of days').min(0, 'must be 0 (keep) or more').max(3650, 'must be at most 3650'),
  /** Where recordings go ("" = the "recordings" folder in Frontdesk's data folder). */
  recordingsFolder: z.string().max(1024),
  /** The language messages taken here are written in for colleagues: the e-mail and a desk phone's text. */
  messageLanguage: z.enum(['ru', 'en'], { error: 'must be "ru" or "en"' }),
  /** A message no recipient's Frontdesk confirmed within this many minutes is flagged to whoever took it. */
  messageAlertMinutes: z.number().int('must be a whole number of minutes').min(1, 'must be at least 1 minute').max(1440, 'must be at most 1440 minutes (a day)'),
  /** Global hotkeys (the desktop app): answer, hang up, mute, hold, call the number in the clipboard. */
  hotkeys: hotkeysField,
  /** The desktop app: closing the window keeps Frontdesk running in the tray (Quit is in the tray's menu). */
  closeToTray: z.boolean(),
  /** The desktop app starts when the person logs in to the PC (in the tray, without its window). */
  startAtLogin: z.boolean(),
  /** A ringing call brings the desktop app's window to the front. */
  bringToFrontOnCall: z.boolean(),
  /** The desktop app installs updates from `updateFeedUrl` (when no call is going on). */
  autoUpdate: z.boolean(),
  /**
   * The admin's update feed: the http(s) address of a folder holding electron-builder's
   * latest.yml / latest-mac.yml / latest-linux.yml and the installers; "" for none.
   */
  updateFeedUrl: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .refine((u) => u === '' || /^https?:\/\/[^\s/?#@]+(\/[^\s]*)?$/i.test(u), check('updateFeed')),
  /** Ask "Call +7 …?" before dialling a tel:, sip: or callto: link handed to Frontdesk (a browser, a CRM page, the OS). */
  confirmLinkCalls: z.boolean(),
};

export const defaultSettings = {
  language: 'auto',
  defaultRegion: 'RU',
  autoAnswer: false,
  declineCode: 486,
  dtmfTransport: 'rfc4733',
  dnd: 'off',
  microphoneId: '',
  speakerId: '',
  ringerId: '',
  transferRingTimeoutS: 25,
  maxLines: 4,
  away: null,
  recordingPolicy: 'on-demand',
  recordingLines: [],
  recordingConsent: 'none',
  recordingAnnouncementLanguage: 'ru',
  recordingAnnouncementFile: '',
  recordingAgentMayStop: true,
  recordingRetentionDays: 0,
  recordingsFolder: '',
  messageLanguage: 'ru',
  messageAlertMinutes: 15,
  hotkeys: {},
  closeToTray: true,
  startAtLogin: false,
  bringToFrontOnCall: true,
  autoUpdate: true,
  updateFeedUrl: '',
  confirmLinkCalls: true,
} as const satisfies { [K in keyof typeof settingFields]: z.output<(typeof settingFields)[K]> };

export const SettingsSchema = z.object(settingFields);

export type Settings = z.infer<typeof SettingsSchema>;
export type SettingKey = keyof Settings;
export const settingKeys = Object.keys(SettingsSchema.shape) as SettingKey[];
export const SettingKeySchema = z.enum(settingKeys as [SettingKey, ...SettingKey[]]);

/** A partial set of settings, as a user store or a provisioning file holds it (no defaults filled in). */
export const SettingsPatchSchema = SettingsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;


/** Where the effective value of a setting comes from. */
export const SettingSourceSchema = z.enum(['default', 'user', 'provisioned']);

export const SettingsViewSchema = z.object({
  values: SettingsSchema,
  locked: z.array(SettingKeySchema),
  sources: z.record(z.string(), SettingSourceSchema),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;

/** One change to one setting, validated against that key's own schema. */
export const SettingChangeSchema = z
  .object({ key: SettingKeySchema, value: z.unknown() })
  .superRefine((change, ctx) => {
    const field = SettingsSchema.shape[change.key];
    const parsed = field.safeParse(change.value);
    if (!parsed.success) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `${change.key}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        params: { issues: issueData(parsed.error.issues) },
      });
    }
  });
export type SettingChange = { key: SettingKey; value: unknown };
