import { z } from 'zod';

/**
 * Call recordings: what crosses the bridge. The renderer records (WebAudio + MediaRecorder: the
 * caller on the left channel, the agent on the right, WebM/Opus) and sends the audio to the
 * services in chunks as the call goes; only the services write files. Each recording is one
 * segment of a caller's conversation (a call, or a consultation with a colleague), found by the
 * call's SIP Call-ID, its conversation id and the client.
 */

export const RecordingStateSchema = z.enum(['recording', 'complete', 'interrupted']);
export type RecordingState = z.infer<typeof RecordingStateSchema>;

/** A stretch of a recording that carries no audio on purpose: paused by the agent, or the call on hold. */
export const RecordingMarkSchema = z.strictObject({
  kind: z.enum(['pause', 'hold']),
  /** From the start of the recording, in ms. */
  fromMs: z.number().int().nonnegative(),
  /** null while it lasts. */
  toMs: z.number().int().nonnegative().nullable(),
});
export type RecordingMark = z.infer<typeof RecordingMarkSchema>;

const text = (max: number) => z.string().trim().max(max);

export const RecordingBeginSchema = z.strictObject({
  localUser: text(200).min(1),
  sipCallId: text(500).min(1),
  conversationId: text(200).min(1),
  direction: z.enum(['inbound', 'outbound']),
  remoteNumber: text(200).min(1),
  remoteName: text(200).nullable(),
  /** A consultation with a colleague during a warm transfer is its own segment. */
  segment: z.enum(['call', 'consultation']),
  /** Started by the policy (not by the agent's Record). */
  byPolicy: z.boolean(),
  startedAt: z.iso.datetime({ offset: true }),
});
export type RecordingBegin = z.infer<typeof RecordingBeginSchema>;

/** One chunk of audio, in order (seq from 0); a chunk sent again (a retry) is not written twice. */
export const RecordingAppendSchema = z.strictObject({
  id: z.string().min(1).max(100),
  seq: z.number().int().nonnegative(),
  /** Base64 of the chunk (MediaRecorder gives one a second: a few KB). */
  data: z.string().max(512 * 1024),
});

export const RecordingMarksSchema = z.strictObject({ id: z.string().min(1).max(100), marks: z.array(RecordingMarkSchema).max(10_000) });

export const RecordingEndSchema = z.strictObject({
  id: z.string().min(1).max(100),
  endedAt: z.iso.datetime({ offset: true }),
  marks: z.array(RecordingMarkSchema).max(10_000),
});

export const RecordingSchema = z.object({
  id: z.string(),
  localUser: z.string(),
  sipCallId: z.string(),
  conversationId: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  remoteNumber: z.string(),
  remoteName: z.string().nullable(),
  segment: z.enum(['call', 'consultation']),
  byPolicy: z.boolean(),
  state: RecordingStateSchema,
  /** The file's name in the recordings folder (date, time, direction and number: safe on Windows). */
  fileName: z.string(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().int().nonnegative().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  marks: z.array(RecordingMarkSchema),
});
export type Recording = z.infer<typeof RecordingSchema>;

export const RecordingQuerySchema = z
  .strictObject({
    sipCallId: z.string().min(1).max(500).optional(),
    conversationId: z.string().min(1).max(200).optional(),
    /** The calls of a client are found by their numbers. */
    remoteNumbers: z.array(z.string().min(1).max(200)).max(20).optional(),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .refine((q) => q.sipCallId || q.conversationId || q.remoteNumbers, { message: 'name a call, a conversation or the numbers of a client' });

/** Where recordings go, and whether there is room. */
export const RecordingDiskSchema = z.object({
  folder: z.string(),
  freeBytes: z.number().nonnegative().nullable(),
  /** Less than `lowDiskBytes` left: the agent is told before a recording fails. */
  low: z.boolean(),
});
export type RecordingDisk = z.infer<typeof RecordingDiskSchema>;
export const lowDiskBytes = 500 * 1024 * 1024;

/** What retention deleted (at start and once a day). */
export const RetentionReportSchema = z.object({ days: z.number().int(), deleted: z.array(z.object({ id: z.string(), fileName: z.string(), startedAt: z.string() })) });
export type RetentionReport = z.infer<typeof RetentionReportSchema>;

/** A file name for a recording: date, time, direction and the other party, with nothing that breaks a Windows path. */
export function recordingFileName(r: { startedAt: string; direction: 'inbound' | 'outbound'; remoteNumber: string; id: string }, localTime: (iso: string) => string): string {
  const when = localTime(r.startedAt).replace(/[^0-9]/g, '').slice(0, 14);
  const stamp = `${when.slice(0, 4)}-${when.slice(4, 6)}-${when.slice(6, 8)}_${when.slice(8, 10)}-${when.slice(10, 12)}-${when.slice(12, 14)}`;
  const party = r.remoteNumber.replace(/[^0-9A-Za-z+]/g, '').replace(/^\+/, '+').slice(0, 40) || 'unknown';
  return `${stamp}_${r.direction === 'inbound' ? 'in' : 'out'}_${party}_${r.id.slice(0, 8)}.webm`;
}
