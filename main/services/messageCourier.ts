import nodemailer, { type Transporter } from 'nodemailer';
import { messageMailHtml, messageMailSubject, messagePlainText, type MessageLanguage } from '../../common/messages';
import type { MessagesConfig } from '../../common/provisioning';
import type { MessageStore, ServerJob } from './messages';

/**
 * The services' half of delivery: e-mail over SMTP (nodemailer) and the office's webhook (a JSON
 * POST). It takes what the outbox says is due, sends it, and records each attempt's result; the
 * outbox decides when to try again. SIP MESSAGE is the renderer's (it holds the SIP stack).
 */
export class MessageCourier {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private again = false;
  private closed = false;
  private transport: Transporter | null = null;
  private transportKey = '';

  constructor(
    private readonly store: MessageStore,
    private readonly config: () => { messages: MessagesConfig | null; language: MessageLanguage },
    private readonly options: { fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {}

  /** Something may be due now (a message saved, a result recorded, Frontdesk started). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  private async run() {
    for (const channel of ['email', 'webhook'] as const) {
      let jobs: ServerJob[];
      try {
        jobs = this.store.claimServer(channel);
      } catch {
        continue; // the database is closing
      }
      await Promise.all(jobs.map((job) => this.deliver(job)));
    }
  }

  private schedule() {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    const next = [this.store.nextDue('email'), this.store.nextDue('webhook')].filter((t): t is string => t !== null).map(Date.parse);
    if (next.length === 0) return;
    const wait = Math.max(50, Math.min(...next) - Date.now());
    this.timer = setTimeout(() => this.kick(), Math.min(wait, 2 ** 31 - 1));
  }

  private async deliver(job: ServerJob) {
    let outcome: { ok: boolean; result: string; permanent?: boolean };
    try {
      outcome = job.channel === 'email' ? await this.email(job) : await this.webhook(job);
    } catch (error) {
      outcome = { ok: false, result: (error as Error).message || String(error) };
    }
    if (this.closed) return; // recorded as lost, and sent again, on the next start
    this.store.result({ deliveryId: job.deliveryId, attemptId: job.attemptId, ok: outcome.ok, result: outcome.result.slice(0, 500), status: null, permanent: outcome.permanent });
  }

  private mailer(config: NonNullable<MessagesConfig['smtp']>): Transporter {
    const key = JSON.stringify(config);
    if (!this.transport || this.transportKey !== key) {
      this.transport?.close();
      this.transport = nodemailer.createTransport({
        host: config.host,
        port: config.port,
        secure: config.secure,
        ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
        tls: { rejectUnauthorized: config.requireValidCertificate },
        connectionTimeout: this.options.timeoutMs ?? 15_000,
        greetingTimeout: this.options.timeoutMs ?? 15_000,
        socketTimeout: this.options.timeoutMs ?? 30_000,
      });
      this.transportKey = key;
    }
    return this.transport;
  }

  private async email(job: ServerJob): Promise<{ ok: boolean; result: string; permanent?: boolean }> {
    const { messages, language } = this.config();
    if (!messages?.smtp) return { ok: false, result: 'e-mail is not configured any more (messages.smtp)', permanent: true };
    const m = job.message;
    try {
      const info = await this.mailer(messages.smtp).sendMail({
        from: messages.smtp.from,
        to: job.target,
        subject: messageMailSubject(m, language),
        text: messagePlainText(m, language),
        html: messageMailHtml(m, language),
        // The same message to the same colleague always has the same Message-ID: a mail client
        // shows a copy sent again after a crash as the same message.
        messageId: `<${m.id}.${job.recipient ?? 'x'}@frontdesk.invalid>`,
        headers: { 'X-Frontdesk-Message-Id': m.id },
        ...(m.caller.email ? { replyTo: m.caller.email } : {}),
      });
      return { ok: true, result: String(info.response ?? '250 OK') };
    } catch (error) {
      const e = error as { responseCode?: number; response?: string; message?: string };
      // 5xx: the server refuses this mail for good (no such mailbox, rejected); 4xx and network: later.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      return { ok: false, result: e.response ?? e.message ?? String(error), permanent };
    }
  }

  private async webhook(job: ServerJob): Promise<{ ok: boolean; result: string; permanent?: boolean }> {
    const { messages, language } = this.config();
    if (!messages?.webhook) return { ok: false, result: 'the webhook is not configured any more (messages.webhook)', permanent: true };
    const doFetch = this.options.fetch ?? fetch;
    const response = await doFetch(messages.webhook.url, {
      method: 'POST',
      headers: {
        ...messages.webhook.headers,
        'content-type': 'application/json; charset=utf-8',
        // The same message is the same key however often it is posted: the chat tool can drop repeats.
        'idempotency-key': job.message.id,
      },
      body: JSON.stringify({ type: 'frontdesk.message', id: job.message.id, text: messagePlainText(job.message, language), message: job.message }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
    });
    await response.body?.cancel().catch(() => undefined);
    const result = `${response.status} ${response.statusText}`.trim();
    if (response.ok) return { ok: true, result };
    // 4xx (but 408 and 429) will not get better by repeating the same request.
    const permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
    return { ok: false, result, permanent };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.transport?.close();
  }
}
