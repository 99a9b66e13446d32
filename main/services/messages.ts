import {
  describeProblems,
  encodeMessage,
  InboxMessageSchema,
  MessageDraftSchema,
  MessageEventDataSchema,
  messageHeaders,
  messagePlainText,
  messageProblems,
  messageStatusContentType,
  MessageStatusSchema,
  normaliseMessage,
  PhoneMessageSchema,
  recipientStates,
  SentMessageSchema,
  type DeliveryChannel,
  type InboxMessage,
  type MessageDraft,
  type MessageEvent,
  type MessageEventData,
  type MessageFlag,
  type MessageLanguage,
  type MessageList,
  type MessageParty,
  type MessageRecipient,
  type MessagesChanged,
  type MessageStatus,
  type PhoneMessage,
  type RecipientState,
  type SentMessage,
  type SipJob,
  type SipResult,
} from '../../common/messages';
import type { Base64Codec } from '../../common/transfer';
import { prepareCached, type Database, type Statement } from './sqlite';

export class MessageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageInputError';
  }
}

/**
 * The call history's schema for messages (one migration of callLog.ts: a message, its call and the
 * history live in one database). Nothing here is ever deleted: a message stays, delivered or not,
 * with every attempt, for the history.
 */
export const messagesMigration = `
  -- A message taken here ('sent') or for this desk ('inbox'); the same id may be in both (a message to oneself).
  CREATE TABLE messages (
    id          TEXT    NOT NULL,
    box         TEXT    NOT NULL CHECK (box IN ('sent', 'inbox')),
    local_user  TEXT    NOT NULL,
    json        TEXT    NOT NULL,                   -- the PhoneMessage
    saved_ms    INTEGER NOT NULL,                   -- sent: when Save wrote it; inbox: when it arrived
    from_user   TEXT,                               -- inbox: who sent it (SIP From)
    from_name   TEXT,
    read_ms     INTEGER,
    done_ms     INTEGER,
    forwarded_to TEXT,
    PRIMARY KEY (id, box)
  );
  CREATE INDEX messages_by_box ON messages (box, saved_ms);

  -- Per recipient of a sent message: how far it got (their Frontdesk's receipts).
  CREATE TABLE message_recipients (
    message_id   TEXT    NOT NULL,
    extension    TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    delivered_ms INTEGER,
    read_ms      INTEGER,
    done_ms      INTEGER,
    forwarded_to TEXT,
    PRIMARY KEY (message_id, extension)
  );

  -- The outbox: one row per message (or receipt) per channel and target. The id is stable
  -- (message id, channel, target), so queueing it again changes nothing.
  CREATE TABLE message_deliveries (
    id          TEXT    PRIMARY KEY,
    message_id  TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('message', 'receipt')),
    channel     TEXT    NOT NULL CHECK (channel IN ('sip', 'email', 'webhook')),
    target      TEXT    NOT NULL,                   -- extension, e-mail address, URL
    recipient   TEXT,                               -- the extension it is for
    payload     TEXT,                               -- receipt: the MessageStatus JSON
    state       TEXT    NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_ms     INTEGER,                            -- due then (null: nothing more to do)
    last_result TEXT,
    sent_ms     INTEGER,
    created_ms  INTEGER NOT NULL
  );
  CREATE INDEX message_deliveries_due ON message_deliveries (channel, next_ms) WHERE next_ms IS NOT NULL;
  CREATE INDEX message_deliveries_by_message ON message_deliveries (message_id);

  -- Every delivery attempt and its result.
  CREATE TABLE message_attempts (
    seq         INTEGER PRIMARY KEY,
    delivery_id TEXT    NOT NULL,
    message_id  TEXT    NOT NULL,
    channel     TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    started_ms  INTEGER NOT NULL,
    ended_ms    INTEGER,
    ok          INTEGER CHECK (ok IN (0, 1)),
    result      TEXT
  );
  CREATE INDEX message_attempts_by_message ON message_attempts (message_id, seq);

  -- What happened to a message, in order (taken, read back, saved, sent, delivered, read, done, forwarded).
  CREATE TABLE message_events (
    seq        INTEGER PRIMARY KEY,
    message_id TEXT    NOT NULL,
    box        TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    what       TEXT    NOT NULL,
    detail     TEXT
  );
  CREATE INDEX message_events_by_message ON message_events (message_id, box, seq);

  -- The form as the agent types it: saved on every change, gone once the message is saved or discarded.
  CREATE TABLE message_drafts (
    id         TEXT    PRIMARY KEY,
    local_user TEXT    NOT NULL,
    json       TEXT    NOT NULL,
    updated_ms INTEGER NOT NULL
  );
`;

/** What the store needs to know of the office when it saves or renders a message. */
export interface MessageContext {
  region: string;
  language: MessageLanguage;
  /** Colleagues' e-mail addresses by extension (provisioning), when e-mail is configured. */
  emailOf: (extension: string) => string | null;
  webhook: boolean;
  alertAfterMs: number;
}

/** How long a claimed delivery is the sender's before it counts as lost (a renderer or host that died mid-send). */
export const claimLeaseMs = 30_000;
/** Retry delays, by the number of attempts so far (the last repeats). */
export const retryDelaysMs = [5_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000] as const;
export const retryDelay = (attempts: number) => retryDelaysMs[Math.min(Math.max(attempts - 1, 0), retryDelaysMs.length - 1)]!;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

interface MessageRow {
  id: string;
  box: 'sent' | 'inbox';
  local_user: string;
  json: string;
  saved_ms: number;
  from_user: string | null;
  from_name: string | null;
  read_ms: number | null;
  done_ms: number | null;
  forwarded_to: string | null;
}
interface RecipientRow {
  message_id: string;
  extension: string;
  name: string;
  delivered_ms: number | null;
  read_ms: number | null;
  done_ms: number | null;
  forwarded_to: string | null;
}
interface DeliveryRow {
  id: string;
  message_id: string;
  kind: 'message' | 'receipt';
  channel: DeliveryChannel;
  target: string;
  recipient: string | null;
  payload: string | null;
  state: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_ms: number | null;
  last_result: string | null;
  sent_ms: number | null;
}
interface AttemptRow {
  seq: number;
  channel: DeliveryChannel;
  target: string;
  started_ms: number;
  ended_ms: number | null;
  ok: number | null;
  result: string | null;
}

/** A delivery the services' own courier sends (e-mail, webhook), with what it needs. */
export interface ServerJob {
  deliveryId: string;
  attemptId: number;
  channel: 'email' | 'webhook';
  target: string;
  recipient: string | null;
  message: PhoneMessage;
}

/**
 * The messages: drafts, the durable outbox (every channel, every attempt), the inbox, receipts.
 * A message is in the database, fsynced, before `save` returns; each write is one transaction.
 */
export class MessageStore {
  private readonly cache = new Map<string, Statement>();
  private readonly listeners = new Set<(change: MessagesChanged) => void>();
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly codec: Base64Codec,
    options: { now?: () => number } = {},
  ) {
    this.now = options.now ?? (() => Date.now());
  }

  onChanged(listener: (change: MessagesChanged) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(ids: string[], sipDue = false) {
    for (const l of this.listeners) l({ ids, sipDue });
  }

  private st(sql: string): Statement {
    return prepareCached(this.cache, this.db, sql);
  }

  // ---- drafts ----

  saveDraft(localUser: string, draft: MessageDraft): { savedAt: string } {
    const parsed = MessageDraftSchema.safeParse(draft);
    if (!parsed.success) throw new MessageInputError(`invalid draft: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const now = this.now();
    // A draft of a message already saved stays saved: a late keystroke's write must not bring it back.
    if (this.st(`SELECT 1 FROM messages WHERE id = ? AND box = 'sent'`).get(parsed.data.id)) return { savedAt: iso(now) };
    this.st(`INSERT INTO message_drafts (id, local_user, json, updated_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated_ms = excluded.updated_ms`).run(parsed.data.id, localUser, JSON.stringify(parsed.data), now);
    return { savedAt: iso(now) };
  }

  discardDraft(localUser: string, id: string): boolean {
    return this.st(`DELETE FROM message_drafts WHERE id = ? AND local_user = ?`).run(id, localUser).changes > 0;
  }

  drafts(localUser: string): { draft: MessageDraft; updatedAt: string }[] {
    const rows = this.st(`SELECT json, updated_ms FROM message_drafts WHERE local_user = ? ORDER BY updated_ms`).all(localUser) as { json: string; updated_ms: number }[];
    return rows.flatMap((r) => {
      const parsed = MessageDraftSchema.safeParse(JSON.parse(r.json));
      return parsed.success ? [{ draft: parsed.data, updatedAt: iso(r.updated_ms) }] : [];
    });
  }

  // ---- taking a message ----

  /**
   * Saves a message and queues its deliveries, in one transaction: on disk before this returns.
   * Saving the same id again (a retried Save) returns the message as first saved and queues nothing.
   */
  save(localUser: string, draft: MessageDraft, ctx: MessageContext): SentMessage {
    const parsed = MessageDraftSchema.safeParse(draft);
    if (!parsed.success) throw new MessageInputError(`invalid message: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const problems = messageProblems(parsed.data, ctx.region);
    if (problems.length) throw new MessageInputError(`the message was not saved: ${describeProblems(problems)}`);
    const message = normaliseMessage(parsed.data, ctx.region);
    const now = this.now();
    const created = this.db.transaction(() => {
      if (this.st(`SELECT 1 FROM messages WHERE id = ? AND box = 'sent'`).get(message.id)) return false;
      this.insertSent(localUser, message, ctx, now);
      this.st(`DELETE FROM message_drafts WHERE id = ?`).run(message.id);
      return true;
    }).immediate();
    if (created) this.emit([message.id], true);
    return this.sent(message.id, ctx)!;
  }

  private insertSent(localUser: string, message: PhoneMessage, ctx: MessageContext, now: number) {
    this.st(`INSERT INTO messages (id, box, local_user, json, saved_ms) VALUES (?, 'sent', ?, ?, ?)`).run(message.id, localUser, JSON.stringify(message), now);
    const addEvent = (what: string, says: MessageEventData, at = now) => this.event(message.id, 'sent', at, what, says);
    if (message.forwarded) addEvent('forwarded', { key: 'forwardedBy', params: { by: partyLabel(message.forwarded.by), ...noteOf(message.forwarded.note) } });
    else addEvent('taken', { key: 'taken', params: { by: partyLabel(message.takenBy) } }, Date.parse(message.takenAt));
    if (message.readBackAt) addEvent('read back', { key: 'readBack', params: {} }, Date.parse(message.readBackAt));
    addEvent('saved', { key: 'saved', params: { recipients: message.recipients.map((r) => recipientLabel(r)).join(', ') } });
    for (const r of message.recipients) {
      this.st(`INSERT OR IGNORE INTO message_recipients (message_id, extension, name) VALUES (?, ?, ?)`).run(message.id, r.extension, r.name);
      this.queue(message.id, 'message', 'sip', r.extension, r.extension, null, now);
      const email = ctx.emailOf(r.extension);
      if (email) this.queue(message.id, 'message', 'email', email, r.extension, null, now);
    }
    if (ctx.webhook) this.queue(message.id, 'message', 'webhook', 'webhook', null, null, now);
  }

  private queue(messageId: string, kind: 'message' | 'receipt', channel: DeliveryChannel, target: string, recipient: string | null, payload: string | null, now: number, idSuffix = '') {
    const id = `${messageId}:${kind}:${channel}:${target}${idSuffix}`;
    this.st(`INSERT OR IGNORE INTO message_deliveries (id, message_id, kind, channel, target, recipient, payload, state, next_ms, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`).run(id, messageId, kind, channel, target, recipient, payload, now, now);
  }

  /** An event of a message's history: `what` a word for the log, `says` the event as data (kept as JSON in `detail`). */
  private event(messageId: string, box: 'sent' | 'inbox', at: number, what: string, says: MessageEventData) {
    this.st(`INSERT INTO message_events (message_id, box, at_ms, what, detail) VALUES (?, ?, ?, ?, ?)`).run(messageId, box, at, what, JSON.stringify(says));
  }

  // ---- the outbox ----

  /**
   * The SIP MESSAGEs due now, claimed for the renderer to send (each is the sender's for
   * `claimLeaseMs`; one whose result never comes back is sent again after that, with the same id).
   */
  claimSip(ctx: MessageContext): { jobs: SipJob[]; nextAt: string | null } {
    const now = this.now();
    const jobs = this.db.transaction(() =>
      this.claim('sip', now).map((d): SipJob => {
        const attemptId = this.startAttempt(d, now);
        if (d.kind === 'receipt') {
          return { deliveryId: d.id, attemptId, target: d.target, contentType: messageStatusContentType, body: d.payload ?? '{}', headers: [] };
        }
        const message = this.messageOf(d.message_id, 'sent');
        return {
          deliveryId: d.id,
          attemptId,
          target: d.target,
          contentType: 'text/plain;charset=UTF-8',
          body: messagePlainText(message, ctx.language),
          headers: [`${messageHeaders.message}: ${encodeMessage(message, this.codec)}`],
        };
      }),
    ).immediate();
    return { jobs, nextAt: this.nextDue('sip') };
  }

  /** E-mails and webhook posts due now, claimed for the services' own courier. */
  claimServer(channel: 'email' | 'webhook'): ServerJob[] {
    const now = this.now();
    return this.db.transaction(() =>
      this.claim(channel, now).map((d) => ({
        deliveryId: d.id,
        attemptId: this.startAttempt(d, now),
        channel,
        target: d.target,
        recipient: d.recipient,
        message: this.messageOf(d.message_id, 'sent'),
      })),
    ).immediate();
  }

  private claim(channel: DeliveryChannel, now: number): DeliveryRow[] {
    const due = this.st(`SELECT * FROM message_deliveries WHERE channel = ? AND next_ms IS NOT NULL AND next_ms <= ? ORDER BY next_ms LIMIT 20`).all(channel, now) as DeliveryRow[];
    for (const d of due) {
      this.st(`UPDATE message_deliveries SET state = 'sending', attempts = attempts + 1, next_ms = ? WHERE id = ?`).run(now + claimLeaseMs, d.id);
      d.attempts += 1;
    }
    return due;
  }

  private startAttempt(d: DeliveryRow, now: number): number {
    // An attempt of the same delivery still open (its sender died) is closed as lost.
    this.st(`UPDATE message_attempts SET ended_ms = ?, ok = 0, result = 'no result (Frontdesk was closed or restarted meanwhile)' WHERE delivery_id = ? AND ended_ms IS NULL`).run(now, d.id);
    return Number(
      this.st(`INSERT INTO message_attempts (delivery_id, message_id, channel, target, started_ms) VALUES (?, ?, ?, ?, ?)`).run(d.id, d.message_id, d.channel, d.target, now).lastInsertRowid,
    );
  }

  /** When the next delivery of a channel falls due, or null. */
  nextDue(channel: DeliveryChannel): string | null {
    const row = this.st(`SELECT min(next_ms) AS n FROM message_deliveries WHERE channel = ? AND next_ms IS NOT NULL`).get(channel) as { n: number | null };
    return isoOrNull(row.n);
  }

  /**
   * The result of an attempt. Taken (2xx, an SMTP server's 250, a webhook's 2xx): sent, never
   * again. Refused or unanswered: queued again after the next back-off delay, unless `permanent`.
   */
  result(input: SipResult & { permanent?: boolean }): boolean {
    const now = this.now();
    const d = this.st(`SELECT * FROM message_deliveries WHERE id = ?`).get(input.deliveryId) as DeliveryRow | undefined;
    if (!d) return false;
    const latest = this.db.transaction(() => {
      this.st(`UPDATE message_attempts SET ended_ms = ?, ok = ?, result = ? WHERE seq = ? AND delivery_id = ?`).run(now, input.ok ? 1 : 0, input.result, input.attemptId, d.id);
      // A late answer to an attempt given up on: recorded, but the delivery follows its latest attempt.
      const last = this.st(`SELECT max(seq) AS seq FROM message_attempts WHERE delivery_id = ?`).get(d.id) as { seq: number };
      if (last.seq !== input.attemptId && !input.ok) return false;
      if (d.state === 'sent') return false;
      const box = d.kind === 'message' ? 'sent' : 'inbox';
      const params = { channel: d.channel, target: d.target, result: input.result };
      if (input.ok) {
        this.st(`UPDATE message_deliveries SET state = 'sent', next_ms = NULL, last_result = ?, sent_ms = ? WHERE id = ?`).run(input.result, now, d.id);
        if (d.kind === 'message') this.event(d.message_id, box, now, 'sent', { key: input.status === 202 ? 'sentStored' : 'sent', params });
      } else if (input.permanent) {
        this.st(`UPDATE message_deliveries SET state = 'failed', next_ms = NULL, last_result = ? WHERE id = ?`).run(input.result, d.id);
        if (d.kind === 'message') this.event(d.message_id, box, now, 'not sent', { key: 'notSent', params });
      } else {
        const next = now + retryDelay(d.attempts);
        this.st(`UPDATE message_deliveries SET state = 'queued', next_ms = ?, last_result = ? WHERE id = ?`).run(next, input.result, d.id);
      }
      return true;
    }).immediate();
    this.emit([d.message_id], !input.ok && d.channel === 'sip');
    return latest;
  }

  /** "Send again": every delivery of the message not yet taken (and SIP not confirmed) is due now. */
  retry(localUser: string, id: string): SentMessage | null {
    const now = this.now();
    const row = this.st(`SELECT * FROM messages WHERE id = ? AND box = 'sent' AND local_user = ?`).get(id, localUser) as MessageRow | undefined;
    if (!row) return null;
    this.db.transaction(() => {
      const unconfirmed = (this.st(`SELECT extension FROM message_recipients WHERE message_id = ? AND delivered_ms IS NULL`).all(id) as { extension: string }[]).map((r) => r.extension);
      for (const ext of unconfirmed) {
        this.st(`UPDATE message_deliveries SET state = 'queued', next_ms = ? WHERE message_id = ? AND kind = 'message' AND channel = 'sip' AND recipient = ?`).run(now, id, ext);
      }
      this.st(`UPDATE message_deliveries SET state = 'queued', next_ms = ? WHERE message_id = ? AND kind = 'message' AND state IN ('queued', 'failed')`).run(now, id);
      this.event(id, 'sent', now, 'sent again', unconfirmed.length ? { key: 'sentAgainTo', params: { to: unconfirmed.join(', ') } } : { key: 'sentAgain', params: {} });
    }).immediate();
    this.emit([id], true);
    return this.sent(id);
  }

  // ---- what arrives ----

  /**
   * A message for this desk. Kept once, however often it arrives (its id); a receipt ("delivered")
   * goes back to whoever sent it each time it is new here.
   */
  receive(localUser: string, from: MessageParty, message: PhoneMessage): { created: boolean } {
    const parsed = PhoneMessageSchema.parse(message);
    const now = this.now();
    const created = this.db.transaction(() => {
      const exists = this.st(`SELECT 1 FROM messages WHERE id = ? AND box = 'inbox'`).get(parsed.id);
      if (exists) return false;
      this.st(`INSERT INTO messages (id, box, local_user, json, saved_ms, from_user, from_name) VALUES (?, 'inbox', ?, ?, ?, ?, ?)`).run(
        parsed.id,
        localUser,
        JSON.stringify(parsed),
        now,
        from.user,
        from.name,
      );
      this.event(parsed.id, 'inbox', now, 'received', { key: 'received', params: { from: partyLabel(from) } });
      this.receipt(localUser, parsed.id, from.user, 'delivered', null, now);
      return true;
    }).immediate();
    this.emit([parsed.id], created);
    return { created };
  }

  private receipt(localUser: string, id: string, to: string, status: MessageStatus['status'], detail: string | null, now: number) {
    if (!to || to === 'unknown') return;
    const payload = MessageStatusSchema.parse({ id, status, by: { user: localUser, name: this.localName(localUser) }, at: iso(now), to: detail });
    this.queue(id, 'receipt', 'sip', to, to, JSON.stringify(payload), now, `:${status}`);
  }

  private localNames = new Map<string, string>();
  /** The name this desk's receipts give (the provisioned display name). */
  setLocalName(user: string, name: string) {
    this.localNames.set(user, name);
  }
  private localName(user: string) {
    return this.localNames.get(user) ?? '';
  }

  /** A receipt from a recipient's Frontdesk: their copy was delivered, read, done or forwarded. */
  statusReceived(from: MessageParty, status: MessageStatus): boolean {
    const s = MessageStatusSchema.parse(status);
    const at = Date.parse(s.at);
    const now = this.now();
    const changed = this.db.transaction(() => {
      const r = this.st(`SELECT * FROM message_recipients WHERE message_id = ? AND extension = ?`).get(s.id, s.by.user) as RecipientRow | undefined;
      if (!r) return false;
      const column = { delivered: 'delivered_ms', read: 'read_ms', done: 'done_ms', forwarded: 'done_ms' }[s.status];
      // A later step implies the earlier ones (a "done" that overtook its "delivered").
      const set = s.status === 'delivered' ? ['delivered_ms'] : [column, 'delivered_ms'];
      let changes = 0;
      for (const c of set) changes += this.st(`UPDATE message_recipients SET ${c} = ? WHERE message_id = ? AND extension = ? AND ${c} IS NULL`).run(at, s.id, s.by.user).changes;
      if (s.status === 'forwarded') this.st(`UPDATE message_recipients SET forwarded_to = ? WHERE message_id = ? AND extension = ?`).run(s.to, s.id, s.by.user);
      if (changes === 0) return false;
      const who = recipientLabel({ extension: s.by.user, name: s.by.name || r.name });
      const says: MessageEventData = {
        delivered: { key: 'delivered', params: { by: who } } as const,
        read: { key: 'readBy', params: { by: who } } as const,
        done: { key: 'doneBy', params: { by: who } } as const,
        forwarded: s.to ? ({ key: 'forwardedOn', params: { by: who, to: s.to } } as const) : ({ key: 'forwardedBy', params: { by: who } } as const),
      }[s.status];
      this.event(s.id, 'sent', now, s.status === 'done' ? 'marked done' : s.status, says);
      return true;
    }).immediate();
    if (changed) this.emit([s.id]);
    return changed;
  }

  markRead(localUser: string, id: string): InboxMessage | null {
    const now = this.now();
    const changed = this.st(`UPDATE messages SET read_ms = ? WHERE id = ? AND box = 'inbox' AND local_user = ? AND read_ms IS NULL`).run(now, id, localUser).changes > 0;
    if (changed) {
      this.event(id, 'inbox', now, 'read', { key: 'read', params: {} });
      this.emit([id]);
    }
    return this.inboxMessage(id);
  }

  /** The colleague dealt with it: done here, and whoever sent it hears so. */
  markDone(localUser: string, id: string): InboxMessage | null {
    const now = this.now();
    const row = this.st(`SELECT * FROM messages WHERE id = ? AND box = 'inbox' AND local_user = ?`).get(id, localUser) as MessageRow | undefined;
    if (!row) return null;
    if (row.done_ms === null) {
      this.db.transaction(() => {
        this.st(`UPDATE messages SET done_ms = ?, read_ms = coalesce(read_ms, ?) WHERE id = ? AND box = 'inbox'`).run(now, now, id);
        this.event(id, 'inbox', now, 'marked done', { key: 'done', params: {} });
        this.receipt(localUser, id, row.from_user ?? '', 'done', null, now);
      }).immediate();
      this.emit([id], true);
    }
    return this.inboxMessage(id);
  }

  /** Forwards an inbox message to other colleagues: a new message (its own id) from this desk, and a receipt to whoever sent it. */
  forward(
    localUser: string,
    input: { id: string; newId: string; to: MessageRecipient[]; note: string; by: MessageParty },
    ctx: MessageContext,
  ): SentMessage {
    const now = this.now();
    const original = this.st(`SELECT * FROM messages WHERE id = ? AND box = 'inbox' AND local_user = ?`).get(input.id, localUser) as MessageRow | undefined;
    if (!original) throw new MessageInputError(`there is no message ${input.id} in this inbox`);
    const existing = this.sent(input.newId, ctx);
    if (existing) return existing;
    const message = PhoneMessageSchema.parse({
      ...(JSON.parse(original.json) as PhoneMessage),
      id: input.newId,
      recipients: input.to,
      forwarded: { by: input.by, at: iso(now), note: input.note, originalId: input.id },
    });
    const names = input.to.map((r) => recipientLabel(r)).join(', ');
    this.db.transaction(() => {
      this.insertSent(localUser, message, ctx, now);
      this.st(`UPDATE messages SET forwarded_to = ?, done_ms = coalesce(done_ms, ?), read_ms = coalesce(read_ms, ?) WHERE id = ? AND box = 'inbox'`).run(names, now, now, input.id);
      this.event(input.id, 'inbox', now, 'forwarded', { key: 'forwardedTo', params: { to: names, ...noteOf(input.note) } });
      this.receipt(localUser, input.id, original.from_user ?? '', 'forwarded', names, now);
    }).immediate();
    this.emit([input.id, input.newId], true);
    return this.sent(input.newId, ctx)!;
  }

  // ---- reading ----

  list(localUser: string, ctx: Pick<MessageContext, 'alertAfterMs'>, limit = 100): MessageList {
    const inboxIds = this.st(`SELECT id FROM messages WHERE box = 'inbox' AND local_user = ? ORDER BY done_ms IS NOT NULL, saved_ms DESC LIMIT ?`).all(localUser, limit) as { id: string }[];
    const sentIds = this.st(`SELECT id FROM messages WHERE box = 'sent' AND local_user = ? ORDER BY saved_ms DESC LIMIT ?`).all(localUser, limit) as { id: string }[];
    const inbox = inboxIds.map((r) => this.inboxMessage(r.id)!);
    const sent = sentIds.map((r) => this.sent(r.id, ctx)!);
    const unread = (this.st(`SELECT count(*) AS n FROM messages WHERE box = 'inbox' AND local_user = ? AND read_ms IS NULL`).get(localUser) as { n: number }).n;
    return { inbox, sent, unread, flagged: sent.filter((s) => s.flag).length, drafts: this.drafts(localUser) };
  }

  inboxMessage(id: string): InboxMessage | null {
    const row = this.st(`SELECT * FROM messages WHERE id = ? AND box = 'inbox'`).get(id) as MessageRow | undefined;
    if (!row) return null;
    return InboxMessageSchema.parse({
      message: JSON.parse(row.json),
      receivedAt: iso(row.saved_ms),
      from: { user: row.from_user ?? '', name: row.from_name ?? '' },
      readAt: isoOrNull(row.read_ms),
      doneAt: isoOrNull(row.done_ms),
      forwardedTo: row.forwarded_to,
      history: this.events(id, 'inbox'),
    });
  }

  sent(id: string, ctx: Pick<MessageContext, 'alertAfterMs'> = { alertAfterMs: Infinity }): SentMessage | null {
    const row = this.st(`SELECT * FROM messages WHERE id = ? AND box = 'sent'`).get(id) as MessageRow | undefined;
    if (!row) return null;
    const deliveries = this.st(`SELECT * FROM message_deliveries WHERE message_id = ? AND kind = 'message' ORDER BY rowid`).all(id) as DeliveryRow[];
    const recipients = (this.st(`SELECT * FROM message_recipients WHERE message_id = ? ORDER BY rowid`).all(id) as RecipientRow[]).map((r) => {
      const sent = deliveries.some((d) => d.recipient === r.extension && d.state === 'sent');
      const state: RecipientState = r.done_ms !== null ? 'done' : r.delivered_ms !== null ? 'delivered' : sent ? 'sent' : 'queued';
      return { extension: r.extension, name: r.name, state, deliveredAt: isoOrNull(r.delivered_ms), readAt: isoOrNull(r.read_ms), doneAt: isoOrNull(r.done_ms), forwardedTo: r.forwarded_to };
    });
    const attempts = (this.st(`SELECT * FROM message_attempts WHERE message_id = ? AND delivery_id IN (SELECT id FROM message_deliveries WHERE message_id = ? AND kind = 'message') ORDER BY seq`).all(id, id) as AttemptRow[])
      .filter((a) => a.ended_ms !== null)
      .map((a) => ({ channel: a.channel, target: a.target, at: iso(a.started_ms), ok: a.ok === 1, result: a.result ?? '' }));
    const state = recipients.reduce<RecipientState>((least, r) => (recipientStates.indexOf(r.state) < recipientStates.indexOf(least) ? r.state : least), 'done');
    const late = this.now() - row.saved_ms >= ctx.alertAfterMs;
    const waiting = recipients.filter((r) => r.state === 'queued' || r.state === 'sent');
    const failed = deliveries.filter((d) => d.state === 'failed');
    // What was tried is told from `deliveries` (flagText).
    const flag: MessageFlag | null =
      late && waiting.length
        ? { kind: 'unconfirmed', who: waiting.map((r) => recipientLabel(r)).join(', '), minutes: Math.round(ctx.alertAfterMs / 60_000) }
        : failed.length
          ? { kind: 'undelivered', channels: [...new Set(failed.map((d) => d.channel))] }
          : null;
    return SentMessageSchema.parse({
      message: JSON.parse(row.json),
      savedAt: iso(row.saved_ms),
      state,
      recipients,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        channel: d.channel,
        target: d.target,
        recipient: d.recipient,
        state: d.state,
        attempts: d.attempts,
        nextAttemptAt: isoOrNull(d.next_ms),
        lastResult: d.last_result,
        sentAt: isoOrNull(d.sent_ms),
      })),
      attempts,
      history: this.events(id, 'sent'),
      flag,
    });
  }

  private events(id: string, box: 'sent' | 'inbox'): MessageEvent[] {
    return (this.st(`SELECT at_ms, what, detail FROM message_events WHERE message_id = ? AND box = ? ORDER BY seq`).all(id, box) as { at_ms: number; what: string; detail: string | null }[]).map(
      (e) => {
        const says = eventData(e.detail);
        return { at: iso(e.at_ms), what: e.what, detail: says ? null : e.detail, says };
      },
    );
  }

  private messageOf(id: string, box: 'sent' | 'inbox'): PhoneMessage {
    const row = this.st(`SELECT json FROM messages WHERE id = ? AND box = ?`).get(id, box) as { json: string } | undefined;
    if (!row) throw new Error(`message ${id} is not in the ${box} box`);
    return PhoneMessageSchema.parse(JSON.parse(row.json));
  }
}

const noteOf = (note: string | null | undefined) => (note ? { note } : {});
/** An event's data as `event` keeps it; null for an event recorded before (its detail is English text). */
function eventData(detail: string | null): MessageEventData | null {
  if (!detail?.startsWith('{')) return null;
  try {
    const parsed = MessageEventDataSchema.safeParse(JSON.parse(detail));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
const partyLabel = (p: MessageParty) => (p.name ? `${p.name} (${p.user})` : p.user);
const recipientLabel = (r: { extension: string; name: string }) => (r.name ? `${r.name} (${r.extension})` : r.extension);
