import { z } from 'zod';

/**
 * Export diagnostics: what an agent sends to support when something goes wrong. The renderer hands
 * over what only it has (the recent SIP messages, its versions); the services add the logs, their
 * versions and the settings, and redact the whole text (common/redact.ts) before it leaves.
 */

/** One SIP message as the WebSocket carried it. */
export const SipTraceEntrySchema = z.strictObject({
  at: z.string().max(40),
  direction: z.enum(['in', 'out']),
  text: z.string().max(64 * 1024),
});
export type SipTraceEntry = z.infer<typeof SipTraceEntrySchema>;

/** How many SIP messages the renderer keeps (the newest), and how many characters in all. */
export const SIP_TRACE_MAX_ENTRIES = 400;
export const SIP_TRACE_MAX_CHARS = 512 * 1024;

export const DiagnosticsRequestSchema = z.strictObject({
  sipTrace: z.array(SipTraceEntrySchema).max(SIP_TRACE_MAX_ENTRIES),
  /** The page's versions: the browser's user agent (Chromium's version), JsSIP's. */
  renderer: z.strictObject({ userAgent: z.string().max(500), jssip: z.string().max(40), platform: z.string().max(100) }),
  /** Recent problems the page logged (console), newest last. */
  rendererLog: z.array(z.string().max(4000)).max(200).default([]),
});
export type DiagnosticsRequest = z.input<typeof DiagnosticsRequestSchema>;

export const DiagnosticsResultSchema = z.discriminatedUnion('delivery', [
  /** The desktop app asked where to save it and saved it there. */
  z.object({ delivery: z.literal('saved'), path: z.string(), fileName: z.string() }),
  z.object({ delivery: z.literal('cancelled') }),
  /** The browser host: the page downloads `text` itself as `fileName`. */
  z.object({ delivery: z.literal('download'), fileName: z.string(), text: z.string() }),
]);
export type DiagnosticsResult = z.infer<typeof DiagnosticsResultSchema>;

/**
 * A ring of the newest SIP messages, bounded by count and by characters (a REGISTER every few
 * minutes and NOTIFYs of colleagues' presence fill it; what is older than the bound is dropped).
 */
export class SipTraceBuffer {
  private entries: SipTraceEntry[] = [];
  private chars = 0;

  constructor(
    private readonly maxEntries = SIP_TRACE_MAX_ENTRIES,
    private readonly maxChars = SIP_TRACE_MAX_CHARS,
  ) {}

  add(direction: 'in' | 'out', text: string, at: Date = new Date()) {
    const cut = text.length > 64 * 1024 ? `${text.slice(0, 64 * 1024 - 20)}\n[… cut]` : text;
    this.entries.push({ at: at.toISOString(), direction, text: cut });
    this.chars += cut.length;
    while (this.entries.length > this.maxEntries || (this.chars > this.maxChars && this.entries.length > 1)) {
      this.chars -= this.entries.shift()!.text.length;
    }
  }

  list(): SipTraceEntry[] {
    return [...this.entries];
  }
}
