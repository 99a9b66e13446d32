import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED } from '../../common/redact';
import { MemoryLogger, fileLogger, recentLogs, redactingLogger } from './logger';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fd-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the file logger (electron-log/node)', () => {
  it('writes one line per entry with time and level, owner-only, dropping lines below its level', () => {
    const log = fileLogger({ dir: path.join(dir, 'logs'), level: 'info' });
    log.debug('not written');
    log.info('registered as 1000');
    log.warn('a name with\nContact: <sip:forged>\r\nlines');
    log.error('100%s %d {text} kept as written');
    const text = readFileSync(log.file, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \[info\] +registered as 1000$/);
    // The message's line breaks stay visible but every continuation is indented: no forged entry.
    expect(lines.slice(1)).toEqual([expect.stringMatching(/\[warn\] +a name with$/), '    Contact: <sip:forged>', '    lines', expect.stringMatching(/\[error\] 100%s %d \{text\} kept as written$/)]);
    expect(text).not.toContain('not written');
    if (process.platform !== 'win32') {
      expect(statSync(log.file).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(log.file)).mode & 0o777).toBe(0o700);
    }
  });

  it('rotates by size into numbered files and keeps only as many as asked', () => {
    const log = fileLogger({ dir, name: 'host', maxBytes: 2000, keep: 2 });
    for (let i = 0; i < 200; i++) log.info(`entry ${String(i).padStart(3, '0')} ${'x'.repeat(60)}`);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['host.1.log', 'host.2.log', 'host.log']);
    for (const f of files) expect(statSync(path.join(dir, f)).size).toBeLessThan(2000 + 200);
    // The newest entries are in host.log, the ones before in host.1.log; the oldest are gone.
    expect(readFileSync(path.join(dir, 'host.log'), 'utf8')).toContain('entry 199');
    const all = files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');
    expect(all).not.toContain('entry 000');
  });
});

describe('redacting logger', () => {
  it('redacts the secrets it knows and secret-shaped text before the inner logger sees them', () => {
    const inner = new MemoryLogger();
    let secrets = ['lab-1000-secret'];
    const log = redactingLogger(inner, () => secrets);
    log.info('password is lab-1000-secret');
    log.error('Authorization: Digest username="1000", nonce="n", response="0123456789abcdef"');
    secrets = ['changed-pass'];
    log.warn('now changed-pass');
    expect(inner.lines).toEqual([
      { level: 'info', message: `password is ${REDACTED}` },
      { level: 'error', message: `Authorization: Digest username="1000", nonce="n", response="${REDACTED}"` },
      { level: 'warn', message: `now ${REDACTED}` },
    ]);
  });

  it('still redacts shapes when the secret store cannot be read', () => {
    const inner = new MemoryLogger();
    const log = redactingLogger(inner, () => {
      throw new Error('keychain locked');
    });
    log.info('{"password":"p4ss"}');
    expect(inner.lines[0]!.message).toBe(`{"password":"${REDACTED}"}`);
  });
});

describe('recent logs', () => {
  it('takes the newest end of the newest files, within the size asked, newest file last', () => {
    writeFileSync(path.join(dir, 'frontdesk.1.log'), 'old line 1\nold line 2\n');
    writeFileSync(path.join(dir, 'frontdesk.log'), `first\n${'y'.repeat(50)}\nlast line\n`);
    writeFileSync(path.join(dir, 'notes.txt'), 'not a log');
    const now = Date.now() / 1000;
    utimesSync(path.join(dir, 'frontdesk.1.log'), now - 60, now - 60);
    expect(recentLogs(dir).map((l) => l.file)).toEqual(['frontdesk.1.log', 'frontdesk.log']);
    expect(recentLogs(dir, 30)).toEqual([
      { file: 'frontdesk.1.log', text: 'old line 2\n' },
      { file: 'frontdesk.log', text: 'last line\n' },
    ]);
    // A line cut at the start is dropped, and a file with nothing whole left is left out.
    expect(recentLogs(dir, 15)).toEqual([{ file: 'frontdesk.log', text: 'last line\n' }]);
    expect(recentLogs(path.join(dir, 'none'))).toEqual([]);
  });
});
