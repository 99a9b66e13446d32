import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingFileName } from '../../common/recordings';
import { fixedT } from '../../common/i18n/translate';
import { errorText } from '../../common/said';
import { RecordingsService } from './recordings';

const thrown = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
};

const sample = readFileSync(path.join(import.meta.dirname, 'fixtures', 'stereo-440-1000.webm'));
const open: RecordingsService[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function service(root = mkdtempSync(path.join(tmpdir(), 'frontdesk-rec-')), options: ConstructorParameters<typeof RecordingsService>[2] = {}) {
  const folder = path.join(root, 'recordings');
  const s = new RecordingsService(path.join(root, 'recordings.db'), () => folder, options);
  open.push(s);
  return { s, root, folder };
}

const begin = (s: RecordingsService, over: Partial<Parameters<RecordingsService['begin']>[0]> = {}) =>
  s.begin({
    localUser: '1000',
    sipCallId: 'abc@pbx',
    conversationId: 'conv-1',
    direction: 'inbound',
    remoteNumber: '+74951234567',
    remoteName: 'Иван',
    segment: 'call',
    byPolicy: false,
    startedAt: '2026-12-06T10:00:00.000Z',
    ...over,
  });

/** The sample's bytes in pieces of about a second, as the renderer sends them. */
const chunks = (bytes: Buffer, size = 2300) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size).toString('base64'));

describe('recordings on disk', () => {
  it('appended chunk by chunk (a retried chunk written once), then finished with its duration; the file is owner-only', () => {
    const { s } = service();
    const r = begin(s);
    expect(r).toMatchObject({ state: 'recording', segment: 'call', conversationId: 'conv-1' });
    const parts = chunks(sample);
    parts.forEach((data, seq) => s.append({ id: r.id, seq, data }));
    s.append({ id: r.id, seq: 1, data: parts[1]! }); // a retry after a lost answer
    expect(() => s.append({ id: r.id, seq: parts.length + 1, data: parts[0]! })).toThrow(/came before chunk/);
    const file = s.fileOf(r.id)!;
    expect(readFileSync(file)).toEqual(sample);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const done = s.end({ id: r.id, endedAt: '2026-12-06T10:00:04.300Z', marks: [{ kind: 'hold', fromMs: 1000, toMs: 2000 }, { kind: 'pause', fromMs: 3000, toMs: null }] });
    expect(done).toMatchObject({ state: 'complete', durationMs: 4203, endedAt: '2026-12-06T10:00:04.300Z' });
    expect(done.marks).toEqual([
      { kind: 'hold', fromMs: 1000, toMs: 2000 },
      { kind: 'pause', fromMs: 3000, toMs: 4300 },
    ]);
    expect(() => s.append({ id: r.id, seq: parts.length, data: parts[0]! })).toThrow(/complete/);
  });

  it('one still being written when Frontdesk stopped is repaired up to its last whole second and marked interrupted at start', () => {
    const first = service();
    const r = begin(first.s);
    const parts = chunks(sample);
    parts.slice(0, 3).forEach((data, seq) => first.s.append({ id: r.id, seq, data }));
    first.s.setMarks({ id: r.id, marks: [{ kind: 'hold', fromMs: 500, toMs: null }] });
    first.s.close();
    open.splice(open.indexOf(first.s), 1);
    const again = service(first.root);
    const [recovered] = again.s.recoverInterrupted();
    expect(recovered).toMatchObject({ id: r.id, state: 'interrupted' });
    expect(recovered!.durationMs).toBeGreaterThan(1500);
    expect(recovered!.marks).toEqual([{ kind: 'hold', fromMs: 500, toMs: 3000 }]);
    expect(again.s.recoverInterrupted()).toEqual([]);
  });

  it('retention deletes what is older than N days and says so, never a recording still being written', () => {
    const now = new Date('2026-12-06T12:00:00.000Z');
    const { s, folder } = service(undefined, { now: () => now });
    const old = begin(s, { sipCallId: 'old@pbx', startedAt: '2026-11-01T10:00:00.000Z' });
    s.end({ id: old.id, endedAt: '2026-11-01T10:01:00.000Z', marks: [] });
    const stillOn = begin(s, { sipCallId: 'long@pbx', startedAt: '2026-11-01T11:00:00.000Z' });
    const recent = begin(s, { sipCallId: 'new@pbx', startedAt: '2026-12-05T10:00:00.000Z' });
    s.end({ id: recent.id, endedAt: '2026-12-05T10:01:00.000Z', marks: [] });
    const report = s.applyRetention(30);
    expect(report.deleted.map((d) => d.id)).toEqual([old.id]);
    expect(s.get(old.id)).toBeNull();
    expect(readdirSync(folder).sort()).toEqual([stillOn.fileName, recent.fileName].sort());
    expect(s.applyRetention(0).deleted).toEqual([]);
  });

  it('found by call, by conversation and by a client\'s numbers', () => {
    const { s } = service();
    const a = begin(s, { sipCallId: 'a@pbx', conversationId: 'c1' });
    const b = begin(s, { sipCallId: 'b@pbx', conversationId: 'c1', segment: 'consultation', remoteNumber: '1001' });
    begin(s, { sipCallId: 'x@pbx', conversationId: 'c2', remoteNumber: '+78125550102' });
    expect(s.list({ conversationId: 'c1' }).map((r) => r.id)).toEqual([a.id, b.id]);
    expect(s.list({ sipCallId: 'b@pbx' })[0]).toMatchObject({ segment: 'consultation' });
    expect(s.list({ remoteNumbers: ['+78125550102'] })).toHaveLength(1);
  });

  it('a disk nearly full is reported before recording fails; a full one refuses to start, with the reason', () => {
    let free = 400 * 1024 * 1024;
    const { s } = service(undefined, { freeBytes: () => free });
    expect(s.disk()).toMatchObject({ low: true, freeBytes: free });
    free = 8 * 1024 * 1024;
    expect(() => begin(s)).toThrow(/disk .* is full \(8 MB left\)/);
    // The window says it in its language, from what the error carries.
    expect(errorText(thrown(() => begin(s)), fixedT('ru'))).toMatch(/^диск папки .* заполнен \(осталось 8 МБ\): запись не ведётся$/);
  });

  it('file names carry date, time, direction and number, with nothing a Windows path refuses', () => {
    const name = recordingFileName({ startedAt: '2026-12-06T10:00:00.000Z', direction: 'outbound', remoteNumber: '+7 (495) 123-45-67', id: '0123456789abcdef' }, () => '20261206130005');
    expect(name).toBe('2026-12-06_13-00-05_out_+74951234567_01234567.webm');
    expect(recordingFileName({ startedAt: '', direction: 'inbound', remoteNumber: 'a<b>:c"d/e\\f|g?h*', id: 'x' }, () => '20260101000000')).toMatch(/^[\w+.-]+$/);
  });
});

describe('the recordings folder', () => {
  it('a chosen folder is tried first: created if missing; a relative path, a file in the way or one this user cannot write to is refused with the reason', () => {
    const { s, root } = service();
    const chosen = path.join(root, 'elsewhere', 'calls');
    s.checkFolder(chosen);
    expect(existsSync(chosen)).toBe(true);
    expect(readdirSync(chosen)).toEqual([]); // (the write test leaves nothing behind)
    expect(() => s.checkFolder('recordings')).toThrow(/give the folder's full path/);
    writeFileSync(path.join(root, 'a-file'), 'x');
    expect(() => s.checkFolder(path.join(root, 'a-file', 'calls'))).toThrow(/part of that path is a file/);
    expect(errorText(thrown(() => s.checkFolder('recordings')), fixedT('ru'))).toBe('записи нельзя сохранять в «recordings»: укажите полный путь к папке');
    expect(errorText(thrown(() => s.checkFolder(path.join(root, 'a-file', 'calls'))), fixedT('ru'))).toMatch(/^записи нельзя сохранять в .*: часть этого пути — файл, а не папка$/);
    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      const closed = path.join(root, 'closed');
      mkdirSync(closed, { mode: 0o500 });
      expect(() => s.checkFolder(closed)).toThrow(/may not write there/);
    }
  });

  it('is created owner-only', () => {
    const { s, folder } = service();
    begin(s);
    expect(existsSync(folder)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(folder).mode & 0o777).toBe(0o700);
  });
});
