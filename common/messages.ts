import { z } from 'zod';
import { en as uiEnglish } from './i18n/en';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { parseDialString } from './phone';
import type { TFunction } from 'i18next';
import { fixedT } from './i18n/translate';
import type { Base64Codec } from './transfer';
import { dateTimeFormat } from './i18n/intl';

/**
 * Taking a message for an absent colleague (docs: /work/shared/product/call-handling.md, "Taking a
 * message"): the form's fields, what is checked before it is saved, how a message reads as plain
 * text (a desk phone's screen) and in an e-mail, in Russian or English, and how it travels between
 * Frontdesks. Pure TypeScript (zod and libphonenumber-js): the services store and deliver what these
 * schemas accept, the renderer's form uses the same checks.
 *
 * ## How a message travels (and why)
 * - **SIP MESSAGE** to each recipient's extension, `text/plain;charset=UTF-8`: the body is the
 *   plain-text rendering (`messagePlainText`), which every SIP phone and softphone shows. The
 *   structured message (its fields and its id) rides beside it in `X-Frontdesk-Message` (base64url
 *   of the JSON, `encodeMessage`), which a Frontdesk reads. A multipart/alternative body was
 *   rejected: desk phones, baresip and the PBXs' own message stores accept text/plain only (baresip
 *   answers anything else with 415), so a multipart message would reach no ordinary phone at all.
 *   A PBX that stores messages for an offline extension (Kamailio's msilo in the lab) keeps the
 *   header with the body and delivers both when the colleague registers again.
 * - **Receipts**: the recipient's Frontdesk answers with a MESSAGE of its own to the extension of
 *   whoever took the message, `application/vnd.frontdesk.message-status+json` (`MessageStatusSchema`):
 *   delivered (it is in their inbox), read, done, forwarded. Phones never see these: an ordinary
 *   phone answers the type with 415, a Frontdesk with 200.
 * - The stable id (`PhoneMessage.id`) makes every retry harmless: the recipient's inbox keeps a
 *   message once whatever number of times it arrives, by SIP, again after a crash, or both.
 */

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

/** What the caller asks (the paper form's boxes: more than one may be ticked). */
export const messageAsks = ['call-back', 'will-call-again', 'returned-call', 'for-information', 'urgent'] as const;
export const MessageAskSchema = z.enum(messageAsks);
export type MessageAsk = z.infer<typeof MessageAskSchema>;

/** The caller's mood, kept as the receptionist heard it ("if they were unhappy, the message says so"). */
export const callerMoods = ['calm', 'friendly', 'worried', 'annoyed', 'angry'] as const;
export const CallerMoodSchema = z.enum(callerMoods);
export type CallerMood = z.infer<typeof CallerMoodSchema>;

export const messageLanguages = ['ru', 'en'] as const;
export type MessageLanguage = (typeof messageLanguages)[number];

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).default('');
const isoTime = z.iso.datetime({ offset: true });
const extension = z.string().trim().min(1, 'must not be empty').max(64).regex(/^[^\s@:;<>"]+$/, 'must not contain spaces, @, :, ;, <, > or quotes');

/** A message id: letters, digits and dashes (a UUID), fit for a SIP header, an e-mail's Message-ID and a file name. */
export const MessageIdSchema = z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'must be 8 to 64 letters, digits or dashes');

export const MessageRecipientSchema = z.strictObject({
  extension,
  name: text(100),
});
export type MessageRecipient = z.infer<typeof MessageRecipientSchema>;

export const MessageCallerSchema = z.strictObject({
  name: text(200),
  position: text(200),
  company: text(200),
  /** As typed; read as the dialler reads numbers when saved. */
  phones: z.array(z.string().max(64)).max(5).default([]),
  email: text(200),
});
export type MessageCaller = z.infer<typeof MessageCallerSchema>;

/** The best time to call back: a day and a window, in the caller's time zone when it differs from the office's. */
export const CallBackWindowSchema = z.strictObject({
  /** YYYY-MM-DD, or '' for "any day". */
  date: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date')]).default(''),
  /** HH:MM, or ''. */
  from: z.union([z.literal(''), z.string().regex(/^\d{2}:\d{2}$/, 'must be a time')]).default(''),
  to: z.union([z.literal(''), z.string().regex(/^\d{2}:\d{2}$/, 'must be a time')]).default(''),
  /** The caller's IANA time zone when it differs from the office's (e.g. Asia/Yekaterinburg), else ''. */
  timeZone: z.string().max(64).default(''),
});
export type CallBackWindow = z.infer<typeof CallBackWindowSchema>;

/** The call a message was taken on: a link to it (and its recording) in the history. */
export const MessageCallLinkSchema = z.strictObject({
  sipCallId: z.string().max(500).nullable().default(null),
  conversationId: z.string().max(80).nullable().default(null),
  startedAt: isoTime.nullable().default(null),
  /** The call's history id once known. */
  callId: z.string().max(100).nullable().default(null),
  recordingId: z.string().max(200).nullable().default(null),
});
export type MessageCallLink = z.infer<typeof MessageCallLinkSchema>;

export const MessagePartySchema = z.strictObject({ user: z.string().max(64), name: z.string().max(200).default('') });
export type MessageParty = z.infer<typeof MessagePartySchema>;

/** What the form holds while the agent types: everything may still be empty. Saved as typed (a draft). */
export const MessageDraftSchema = z.strictObject({
  id: MessageIdSchema,
  recipients: z.array(MessageRecipientSchema).max(20).default([]),
  caller: MessageCallerSchema.default({ name: '', position: '', company: '', phones: [], email: '' }),
  subject: text(300),
  /** The message in the caller's words. */
  text: text(4000),
  asks: z.array(MessageAskSchema).max(messageAsks.length).default([]),
  callBack: CallBackWindowSchema.default({ date: '', from: '', to: '', timeZone: '' }),
  mood: z.union([z.literal(''), CallerMoodSchema]).default(''),
  takenBy: MessagePartySchema,
  /** When the form was opened (the message was taken then). */
  takenAt: isoTime,
  call: MessageCallLinkSchema.nullable().default(null),
  /** The client card it is about, when known. */
  clientId: z.string().max(100).nullable().default(null),
  /** Set when the agent read the number and the message back to the caller and they confirmed. */
  readBackAt: isoTime.nullable().default(null),
  /** A message forwarded on by a colleague: who, when, their note. */
  forwarded: z
    .strictObject({ by: MessagePartySchema, at: isoTime, note: text(1000), originalId: MessageIdSchema })
    .nullable()
    .default(null),
});
export type MessageDraft = z.infer<typeof MessageDraftSchema>;
export type MessageDraftInput = z.input<typeof MessageDraftSchema>;

/** A saved message: a draft that passed `messageProblems`, phones normalised. */
export const PhoneMessageSchema = MessageDraftSchema;
export type PhoneMessage = MessageDraft;

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/** A field the form shows a problem on: "recipients", "caller.phones.0", "caller.email", "text"… */
export interface MessageProblem {
  field: string;
  message: string;
}

const emailPattern = /^[^\s@<>()[\],;:"]+@[^\s@<>()[\],;:"]+\.[^\s@<>()[\],;:"]+$/;

/** A phone as the caller gave it, or why it cannot be one (told by `t`, English unless given). Extensions are numbers too. */
export function phoneProblem(raw: string, region: string, t: TFunction = fixedT('en')): string | null {
  const text = raw.trim();
  if (!text) return null;
  if (!/\d/.test(text)) return t('messageProblems.phoneNoDigits', { text });
  const dial = parseDialString(text, region, t);
  if (!dial.ok) return t('messageProblems.phoneCharacters', { text });
  if (dial.kind === 'sip-uri' || dial.kind === 'service') return t('messageProblems.notAPhone', { text });
  const digits = text.replace(/\D/g, '');
  if (digits.length > 15) return t('messageProblems.phoneTooLong', { text, count: digits.length });
  if (dial.kind === 'number' && digits.length < 7) return t('messageProblems.phoneTooShort', { text });
  return null;
}

/**
 * What stops a message from being saved, field by field, in the order the form shows them. The
 * services check it again: nothing the form let through is trusted blindly.
 */
export function messageProblems(draft: MessageDraft, region: string, t: TFunction = fixedT('en')): MessageProblem[] {
  const out: MessageProblem[] = [];
  if (draft.recipients.length === 0) out.push({ field: 'recipients', message: t('messageProblems.noRecipient') });
  draft.caller.phones.forEach((p, i) => {
    const problem = phoneProblem(p, region, t);
    if (problem) out.push({ field: `caller.phones.${i}`, message: problem });
  });
  const email = draft.caller.email.trim();
  if (email && !emailPattern.test(email)) out.push({ field: 'caller.email', message: t('messageProblems.notAnEmail', { email }) });
  if (!draft.text.trim() && !draft.subject.trim()) out.push({ field: 'text', message: t('messageProblems.noText') });
  const hasPhone = draft.caller.phones.some((p) => p.trim());
  if (draft.asks.includes('call-back') && !hasPhone) {
    out.push({ field: 'caller.phones.0', message: t('messageProblems.callBackNeedsPhone') });
  }
  const w = draft.callBack;
  if (w.from && w.to && w.from >= w.to) out.push({ field: 'callBack.to', message: t('messageProblems.windowReversed', { from: w.from, to: w.to }) });
  if (w.timeZone && !isTimeZone(w.timeZone)) out.push({ field: 'callBack.timeZone', message: t('messageProblems.notATimeZone', { zone: w.timeZone }) });
  return out;
}

export function isTimeZone(zone: string): boolean {
  try {
    dateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The saved form of a draft: trimmed text, phones as the dialler dials them, empty phones dropped. */
export function normaliseMessage(draft: MessageDraft, region: string): PhoneMessage {
  const trim = (s: string) => s.trim();
  return {
    ...draft,
    recipients: draft.recipients.map((r) => ({ extension: r.extension.trim(), name: r.name.trim() })),
    caller: {
      name: trim(draft.caller.name),
      position: trim(draft.caller.position),
      company: trim(draft.caller.company),
      email: trim(draft.caller.email),
      phones: draft.caller.phones.map(trim).filter(Boolean).map((p) => {
        const dial = parseDialString(p, region);
        return dial.ok ? dial.dial : p;
      }),
    },
    subject: trim(draft.subject),
    // The caller's words as they were written: only the outer blank lines go.
    text: draft.text.replace(/^\s*\n|\s+$/g, ''),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading a number back
// ---------------------------------------------------------------------------------------------

/**
 * A number in the groups people say it in, to read it back: "+7 495 123-45-67" is
 * ["+7", "495", "123", "45", "67"] (Russian numbers: the last seven digits as 123-45-67), other
 * countries as their own formatting groups them, an extension or an unknown number in twos and
 * threes from the right, as one says "12-34" or "123-45-67".
 */
export function spokenGroups(raw: string, region: string): string[] {
  const t = raw.trim();
  if (!t) return [];
  const parsed = /\d{7,}/.test(t.replace(/\D/g, '')) ? parsePhoneNumberFromString(t, region as CountryCode) : undefined;
  if (parsed?.isValid()) {
    const national = parsed.nationalNumber;
    if (parsed.countryCallingCode === '7' && national.length === 10) {
      return [`+7`, national.slice(0, 3), national.slice(3, 6), national.slice(6, 8), national.slice(8)];
    }
    return [`+${parsed.countryCallingCode}`, ...parsed.formatNational().replace(/^[0(]*/, '').split(/[\s()-]+/).filter(Boolean)];
  }
  const digits = t.replace(/\D/g, '');
  const plus = t.startsWith('+') ? '+' : '';
  return groupFromRight(digits).map((g, i) => (i === 0 ? plus + g : g));
}

/** "1234567" → ["123", "45", "67"]; "1002" → ["10", "02"]; "12345" → ["1", "23", "45"]. */
function groupFromRight(digits: string): string[] {
  if (digits.length <= 3) return digits ? [digits] : [];
  const groups: string[] = [];
  let rest = digits;
  // Two pairs at the end, then threes: "123-45-67", "12-34", "1234-56-78" → "1-234-56-78".
  for (let pairs = 0; pairs < 2 && rest.length > 3; pairs++) {
    groups.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  while (rest.length > 3) {
    groups.unshift(rest.slice(-3));
    rest = rest.slice(0, -3);
  }
  if (rest) groups.unshift(rest);
  return groups;
}

// ---------------------------------------------------------------------------------------------
// Reading a message: plain text (desk phones) and e-mail, in Russian or English
// ---------------------------------------------------------------------------------------------

interface Words {
  messageFor: string;
  from: string;
  caller: string;
  position: string;
  company: string;
  phones: string;
  email: string;
  subject: string;
  message: string;
  asks: string;
  callBack: string;
  callerTime: string;
  mood: string;
  takenBy: string;
  readBack: string;
  notReadBack: string;
  call: string;
  forwardedBy: string;
  anyDay: string;
  ask: Record<MessageAsk, string>;
  moods: Record<CallerMood, string>;
  mailSubject: (who: string, asks: string) => string;
  urgent: string;
}

const words: Record<MessageLanguage, Words> = {
  ru: {
    messageFor: 'Сообщение для',
    from: 'От',
    caller: 'Кто звонил',
    position: 'Должность',
    company: 'Компания',
    phones: 'Телефон',
    email: 'E-mail',
    subject: 'Тема',
    message: 'Сообщение',
    asks: 'Просит',
    callBack: 'Когда перезвонить',
    callerTime: 'время звонившего',
    mood: 'Настроение',
    takenBy: 'Принял(а)',
    readBack: 'зачитано звонившему',
    notReadBack: 'не зачитано звонившему',
    call: 'Звонок',
    forwardedBy: 'Переслал(а)',
    anyDay: 'в любой день',
    ask: {
      'call-back': 'перезвонить',
      'will-call-again': 'перезвонит сам(а)',
      'returned-call': 'ответил(а) на ваш звонок',
      'for-information': 'для сведения',
      urgent: 'срочно',
    },
    moods: { calm: 'спокоен(на)', friendly: 'доброжелателен(на)', worried: 'обеспокоен(а)', annoyed: 'недоволен(на)', angry: 'раздражён(а), сердит(а)' },
    mailSubject: (who, asks) => `Сообщение от ${who}${asks ? `: ${asks}` : ''}`,
    urgent: 'СРОЧНО',
  },
  en: {
    messageFor: 'Message for',
    from: 'From',
    caller: 'Caller',
    position: 'Position',
    company: 'Company',
    phones: 'Phone',
    email: 'E-mail',
    subject: 'Subject',
    message: 'Message',
    asks: 'Asks',
    callBack: 'Best time to call back',
    callerTime: "caller's time",
    mood: 'Mood',
    takenBy: 'Taken by',
    readBack: 'read back to the caller',
    notReadBack: 'not read back',
    call: 'Call',
    forwardedBy: 'Forwarded by',
    anyDay: 'any day',
    // The same words as the English UI's.
    ask: uiEnglish.messages.ask,
    moods: uiEnglish.messages.moods,
    mailSubject: (who, asks) => `Message from ${who}${asks ? `: ${asks}` : ''}`,
    urgent: 'URGENT',
  },
};


const partyText = (p: { name: string; user?: string; extension?: string }) => {
  const ext = p.user ?? p.extension ?? '';
  return p.name ? `${p.name}${ext ? ` (${ext})` : ''}` : ext;
};

/** A time in the language's way, in the office's time zone (or the one given). */
function when(iso: string, language: MessageLanguage, timeZone?: string): string {
  return dateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

function callBackText(w: CallBackWindow, language: MessageLanguage): string {
  const l = words[language];
  const day = w.date
    ? dateTimeFormat(language === 'ru' ? 'ru-RU' : 'en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${w.date}T12:00:00Z`))
    : '';
  const span = w.from && w.to ? `${w.from}–${w.to}` : w.from ? (language === 'ru' ? `с ${w.from}` : `from ${w.from}`) : w.to ? (language === 'ru' ? `до ${w.to}` : `until ${w.to}`) : '';
  if (!day && !span) return '';
  const zone = w.timeZone && (span || day) ? ` (${l.callerTime}, ${w.timeZone})` : '';
  return `${[day || (span ? l.anyDay : ''), span].filter(Boolean).join(', ')}${zone}`;
}

/** Who called, in one line: "Иван Петров, директор, ООО «Ромашка»". */
export function callerLine(m: Pick<PhoneMessage, 'caller'>): string {
  return [m.caller.name, m.caller.position, m.caller.company].filter(Boolean).join(', ');
}

/** The labelled fields of a message, most important first, each present only when filled. */
export function messageFields(m: PhoneMessage, language: MessageLanguage, options: { timeZone?: string; formatPhone?: (p: string) => string } = {}): [string, string][] {
  const l = words[language];
  const phone = options.formatPhone ?? ((p: string) => p);
  const fields: [string, string | false][] = [
    [l.messageFor, m.recipients.map((r) => partyText(r)).join(', ')],
    [l.caller, m.caller.name],
    [l.position, m.caller.position],
    [l.company, m.caller.company],
    [l.phones, m.caller.phones.map(phone).join(', ')],
    [l.email, m.caller.email],
    [l.subject, m.subject],
    [l.message, m.text],
    [l.asks, m.asks.map((a) => l.ask[a]).join(', ')],
    [l.callBack, callBackText(m.callBack, language)],
    [l.mood, m.mood ? l.moods[m.mood] : ''],
    [l.takenBy, `${partyText(m.takenBy)}, ${when(m.takenAt, language, options.timeZone)}; ${m.readBackAt ? l.readBack : l.notReadBack}`],
    [l.call, m.call?.startedAt ? `${when(m.call.startedAt, language, options.timeZone)}${m.call.sipCallId ? `, Call-ID ${m.call.sipCallId}` : ''}` : ''],
    [l.forwardedBy, m.forwarded ? `${partyText(m.forwarded.by)}, ${when(m.forwarded.at, language, options.timeZone)}${m.forwarded.note ? `: ${m.forwarded.note}` : ''}` : ''],
  ];
  return fields.filter((f): f is [string, string] => Boolean(f[1]));
}

/**
 * The message as a SIP phone's screen shows it: one field a line, "Label: value", the urgent flag
 * first, the message in the caller's words in quotes (Russian «ёлочки»).
 */
export function messagePlainText(m: PhoneMessage, language: MessageLanguage, options: { timeZone?: string } = {}): string {
  const l = words[language];
  const quoted = (s: string) => (language === 'ru' ? `«${s}»` : `"${s}"`);
  const lines = messageFields(m, language, options).map(([label, value]) => `${label}: ${label === l.message ? quoted(value) : value}`);
  return [m.asks.includes('urgent') ? `${l.urgent}!` : '', ...lines].filter(Boolean).join('\n');
}

/** The e-mail's subject line: who called and what they ask. */
export function messageMailSubject(m: PhoneMessage, language: MessageLanguage): string {
  const l = words[language];
  const who = callerLine(m) || m.caller.phones[0] || (language === 'ru' ? 'звонившего' : 'a caller');
  const asks = m.asks.map((a) => l.ask[a]).join(', ');
  return `${m.asks.includes('urgent') ? `[${l.urgent}] ` : ''}${l.mailSubject(who, asks)}${m.subject ? ` — ${m.subject}` : ''}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The e-mail's HTML part: the same fields as a table, the message kept with its line breaks. */
export function messageMailHtml(m: PhoneMessage, language: MessageLanguage, options: { timeZone?: string } = {}): string {
  const rows = messageFields(m, language, options)
    .map(([label, value]) => `<tr><th align="left" valign="top" style="padding:4px 12px 4px 0">${escapeHtml(label)}</th><td style="padding:4px 0;white-space:pre-wrap">${escapeHtml(value)}</td></tr>`)
    .join('\n');
  const urgent = m.asks.includes('urgent') ? `<p><strong>${escapeHtml(words[language].urgent)}</strong></p>\n` : '';
  return `<!doctype html>\n<html lang="${language}"><head><meta charset="utf-8"></head><body>\n${urgent}<table>\n${rows}\n</table>\n</body></html>\n`;
}

// ---------------------------------------------------------------------------------------------
// On the wire
// ---------------------------------------------------------------------------------------------

export const messageHeaders = {
  /** The structured message, base64url of its JSON (see `encodeMessage`). */
  message: 'X-Frontdesk-Message',
} as const;
/** The content type of a receipt (delivered / read / done / forwarded), sent back to whoever took the message. */
export const messageStatusContentType = 'application/vnd.frontdesk.message-status+json';

export const messageStatuses = ['delivered', 'read', 'done', 'forwarded'] as const;
export const MessageStatusSchema = z.strictObject({
  /** The message the receipt is about. */
  id: MessageIdSchema,
  status: z.enum(messageStatuses),
  /** The recipient whose Frontdesk sends it. */
  by: MessagePartySchema,
  at: isoTime,
  /** forwarded: to whom. */
  to: z.string().max(300).nullable().default(null),
});
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

const toBase64Url = (b64: string) => b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The message for the `X-Frontdesk-Message` header. */
export function encodeMessage(m: PhoneMessage, codec: Base64Codec): string {
  return toBase64Url(codec.utf8ToBase64(JSON.stringify(m)));
}

/** A decoded `X-Frontdesk-Message`, or null when it is not a valid message. */
export function decodeMessage(value: string, codec: Base64Codec): PhoneMessage | null {
  if (!/^[A-Za-z0-9_-]{1,64000}$/.test(value)) return null;
  try {
    const b64 = value.replace(/-/g, '+').replace(/_/g, '/');
    const parsed = PhoneMessageSchema.safeParse(JSON.parse(codec.base64ToUtf8(b64 + '='.repeat((4 - (b64.length % 4)) % 4))));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// What the contract carries
// ---------------------------------------------------------------------------------------------

export const deliveryChannels = ['sip', 'email', 'webhook'] as const;
export type DeliveryChannel = (typeof deliveryChannels)[number];

/** How far one recipient's copy got: queued → sent → delivered (their Frontdesk has it) → done (they marked it). */
export const recipientStates = ['queued', 'sent', 'delivered', 'done'] as const;
export type RecipientState = (typeof recipientStates)[number];

export const DeliveryAttemptSchema = z.object({
  channel: z.enum(deliveryChannels),
  target: z.string(),
  at: isoTime,
  ok: z.boolean(),
  /** "202 Accepted", "250 2.0.0 OK", "480 Temporarily Unavailable", "connect ECONNREFUSED…" */
  result: z.string(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

export const DeliverySchema = z.object({
  id: z.string(),
  channel: z.enum(deliveryChannels),
  target: z.string(),
  /** The recipient's extension (null for the webhook, which is for the office). */
  recipient: z.string().nullable(),
  state: z.enum(['queued', 'sending', 'sent', 'failed']),
  attempts: z.number().int().nonnegative(),
  nextAttemptAt: isoTime.nullable(),
  lastResult: z.string().nullable(),
  sentAt: isoTime.nullable(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

export const RecipientStatusSchema = MessageRecipientSchema.extend({
  state: z.enum(recipientStates),
  deliveredAt: isoTime.nullable(),
  readAt: isoTime.nullable(),
  doneAt: isoTime.nullable(),
  forwardedTo: z.string().nullable(),
});
export type RecipientStatus = z.infer<typeof RecipientStatusSchema>;

/** What can happen to a message, as the history tells it (see messageEventText). */
export const messageEventKeys = [
  'taken',
  'forwardedBy',
  'readBack',
  'saved',
  'sent',
  'sentStored',
  'notSent',
  'sentAgain',
  'sentAgainTo',
  'received',
  'delivered',
  'read',
  'readBy',
  'done',
  'doneBy',
  'forwardedOn',
  'forwardedTo',
] as const;
export type MessageEventKey = (typeof messageEventKeys)[number];
/** An event's particulars: names ("Anna (1001)"), a channel and its target, the answer it got, a note. */
export const MessageEventParamsSchema = z.object({
  by: z.string().optional(),
  to: z.string().optional(),
  from: z.string().optional(),
  recipients: z.string().optional(),
  channel: z.enum(deliveryChannels).optional(),
  target: z.string().optional(),
  result: z.string().optional(),
  note: z.string().optional(),
});
export type MessageEventParams = z.infer<typeof MessageEventParamsSchema>;
export const MessageEventDataSchema = z.object({ key: z.enum(messageEventKeys), params: MessageEventParamsSchema });
export type MessageEventData = z.infer<typeof MessageEventDataSchema>;

/**
 * An event of a message's history. `says` is the event as data, told in the UI's language; events
 * recorded before that (`says` null) are told by `what` and `detail`, in English.
 */
export const MessageEventSchema = z.object({ at: isoTime, what: z.string(), detail: z.string().nullable(), says: MessageEventDataSchema.nullable() });
export type MessageEvent = z.infer<typeof MessageEventSchema>;

const channelTarget = (params: { channel?: DeliveryChannel; target?: string }, t: TFunction) => ({
  channel: params.channel ? t(`messages.channel.${params.channel}`) : '',
  target: params.channel === 'webhook' ? t('messages.theWebhook') : (params.target ?? ''),
});

/** "taken: by Anna (1001)", "sent: SIP MESSAGE to 1002: 202 Accepted". `t`: the language (English unless the window passes its own). */
export function messageEventText(event: Pick<MessageEvent, 'what' | 'detail' | 'says'>, t: TFunction = fixedT('en')): string {
  if (!event.says) return event.detail ? `${event.what}: ${event.detail}` : event.what;
  const { key, params } = event.says;
  const text = t(`messages.event.${key}`, { ...params, ...channelTarget(params, t) });
  return params.note ? `${text}: ${params.note}` : text;
}

/** Why a message taken here is flagged: not confirmed in time, or a channel that gave up. */
export const MessageFlagSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unconfirmed'), who: z.string(), minutes: z.number() }),
  z.object({ kind: z.literal('undelivered'), channels: z.array(z.enum(deliveryChannels)) }),
]);
export type MessageFlag = z.infer<typeof MessageFlagSchema>;

/** A message this desk took, with how far it got. */
export const SentMessageSchema = z.object({
  message: PhoneMessageSchema,
  savedAt: isoTime,
  /** The least advanced recipient's state. */
  state: z.enum(recipientStates),
  recipients: z.array(RecipientStatusSchema),
  deliveries: z.array(DeliverySchema),
  attempts: z.array(DeliveryAttemptSchema),
  history: z.array(MessageEventSchema),
  /** Not delivered in time (what was tried: `deliveries`, see flagText), or null. */
  flag: MessageFlagSchema.nullable(),
});
export type SentMessage = z.infer<typeof SentMessageSchema>;

/** The flag as the receptionist reads it, with what was tried; null when not flagged. `t`: the language (English unless the window passes its own). */
export function flagText(item: Pick<SentMessage, 'flag' | 'deliveries'>, t: TFunction = fixedT('en')): string | null {
  const flag = item.flag;
  if (!flag) return null;
  const tried = item.deliveries
    .map((d) =>
      t('messages.tried', {
        ...channelTarget(d, t),
        how: d.attempts === 0 ? t('messages.notTriedYet') : t('messages.attemptsLast', { count: d.attempts, last: d.lastResult ?? t('messages.noAnswerYet') }),
      }),
    )
    .join('; ');
  if (flag.kind === 'unconfirmed') return t('messages.flagUnconfirmed', { who: flag.who, minutes: flag.minutes, tried });
  return t('messages.flagUndelivered', { channels: flag.channels.map((c) => t(`messages.channel.${c}`)).join(t('messages.and')), tried });
}

/** A message for this desk (its inbox). */
export const InboxMessageSchema = z.object({
  message: PhoneMessageSchema,
  receivedAt: isoTime,
  /** Who it came from (the SIP From: the taker, or the colleague who forwarded it). */
  from: MessagePartySchema,
  readAt: isoTime.nullable(),
  doneAt: isoTime.nullable(),
  forwardedTo: z.string().nullable(),
  history: z.array(MessageEventSchema),
});
export type InboxMessage = z.infer<typeof InboxMessageSchema>;

export const MessageListSchema = z.object({
  inbox: z.array(InboxMessageSchema),
  sent: z.array(SentMessageSchema),
  /** Inbox messages not opened yet (the badge). */
  unread: z.number().int().nonnegative(),
  /** Sent messages flagged as not delivered in time. */
  flagged: z.number().int().nonnegative(),
  drafts: z.array(z.object({ draft: MessageDraftSchema, updatedAt: isoTime })),
});
export type MessageList = z.infer<typeof MessageListSchema>;

/** A SIP MESSAGE for the renderer to send (the services keep the outbox; only the renderer speaks SIP). */
export const SipJobSchema = z.object({
  deliveryId: z.string(),
  attemptId: z.number().int(),
  target: z.string(),
  contentType: z.string(),
  body: z.string(),
  headers: z.array(z.string()),
});
export type SipJob = z.infer<typeof SipJobSchema>;

export const SipJobsSchema = z.object({
  jobs: z.array(SipJobSchema),
  /** When the next SIP delivery falls due (null: none waiting). */
  nextAt: isoTime.nullable(),
});

export const SipResultSchema = z.strictObject({
  deliveryId: z.string().max(200),
  attemptId: z.number().int(),
  ok: z.boolean(),
  /** The SIP answer ("202 Accepted") or why there was none ("Request Timeout", "Connection Error"). */
  result: z.string().max(500),
  status: z.number().int().min(0).max(699).nullable().default(null),
});
export type SipResult = z.input<typeof SipResultSchema>;

/** A structured message or receipt that reached this desk over SIP. */
export const MessageReceivedSchema = z.strictObject({
  localUser: z.string().min(1).max(64),
  from: MessagePartySchema,
  message: PhoneMessageSchema,
});
export const StatusReceivedSchema = z.strictObject({
  localUser: z.string().min(1).max(64),
  from: MessagePartySchema,
  status: MessageStatusSchema,
});

export const MessageSaveSchema = z.strictObject({
  localUser: z.string().min(1).max(64),
  draft: MessageDraftSchema,
});
export const DraftSaveSchema = MessageSaveSchema;
export const MessageRefSchema = z.strictObject({ localUser: z.string().min(1).max(64), id: MessageIdSchema });
export const MessageForwardSchema = z.strictObject({
  localUser: z.string().min(1).max(64),
  id: MessageIdSchema,
  /** The new message's id (the renderer makes it, so a retried forward is still one). */
  newId: MessageIdSchema,
  to: z.array(MessageRecipientSchema).min(1, 'Choose who to forward it to').max(20),
  note: text(1000),
  by: MessagePartySchema,
});

export const MessagesChangedSchema = z.object({ ids: z.array(z.string()), sipDue: z.boolean() });
export type MessagesChanged = z.infer<typeof MessagesChangedSchema>;

/** The problem list the services answer a refused save with: "field: message; field: message". */
export function describeProblems(problems: readonly MessageProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}`).join('; ');
}
