import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SipTraceBuffer } from '../../common/diagnostics';
import { diagnosticsFileName, diagnosticsText, exportDiagnostics, type DiagnosticsSources } from './diagnostics';

const password = 'Lab-Secret-1000';
const crmToken = 'crm-token-7f3a9c2e51';
const register = [
  'REGISTER sip:lab.frontdesk.test SIP/2.0',
  'Via: SIP/2.0/WS 10.0.0.1;branch=z9hG4bK1',
  'Authorization: Digest algorithm=MD5, username="1000", realm="lab.frontdesk.test", nonce="abc123", uri="sip:lab.frontdesk.test", response="0123456789abcdef0123456789abcdef"',
  'Proxy-Authorization: Digest username="1000", realm="x", nonce="n", uri="sip:x", response=fedcba9876543210fedcba9876543210',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function sources(logsDir: string): DiagnosticsSources {
  return {
    app: { name: 'Frontdesk', version: '0.1.0', shell: 'browser-host' },
    versions: { node: '20.19.0' },
    os: { type: 'Linux', release: '6.1', arch: 'x64', platform: 'linux' },
    logsDir,
    settings: { values: { defaultRegion: 'RU' } },
    provisioning: { account: { user: '1000', password }, crm: { headers: { Authorization: `Bearer ${crmToken}` } } },
    // As provisionedSecretValues gives them: a header's value, and its token without the scheme.
    secrets: [password, `Bearer ${crmToken}`, crmToken],
    now: new Date('2026-12-07T04:10:00Z'),
  };
}

describe('export diagnostics', () => {
  const logsDir = path.join(mkdtempSync(path.join(tmpdir(), 'fd-diag-')), 'logs');
  mkdirSync(logsDir);
  writeFileSync(path.join(logsDir, 'frontdesk.log'), `2026-12-07 [info] CRM lookup with ${crmToken} failed\n2026-12-07 [info] provisioning {"password":"${password}"}\n`);

  it('holds the versions, the SIP trace and the logs, with the password, digest responses and the CRM token redacted', () => {
    const trace = new SipTraceBuffer();
    trace.add('out', register, new Date('2026-12-07T04:00:00Z'));
    trace.add('in', 'SIP/2.0 200 OK\r\nCSeq: 2 REGISTER\r\n\r\n', new Date('2026-12-07T04:00:01Z'));
    const text = diagnosticsText(
      { sipTrace: trace.list(), renderer: { userAgent: 'Mozilla/5.0 Chrome/141.0.7390.54 Safari/537.36', jssip: '3.13.8', platform: 'Linux x86_64' }, rendererLog: [`lookup failed, Authorization: Bearer ${crmToken}`] },
      sources(logsDir),
    );
    expect(text).toContain('Frontdesk 0.1.0 (browser-host)');
    expect(text).toContain('Chromium: 141.0.7390.54');
    expect(text).toContain('JsSIP: 3.13.8');
    expect(text).toContain('REGISTER sip:lab.frontdesk.test SIP/2.0');
    expect(text).toContain('CSeq: 2 REGISTER');
    expect(text).toContain('CRM lookup with');
    expect(text).not.toContain(password);
    expect(text).not.toContain(crmToken);
    expect(text).not.toContain('0123456789abcdef0123456789abcdef');
    expect(text).not.toContain('fedcba9876543210fedcba9876543210');
    expect(text).not.toMatch(/response="?[0-9a-f]{32}/);
  });

  it('is downloaded by the page in the browser host, saved where the person chooses in the desktop app', async () => {
    const request = { sipTrace: [], renderer: { userAgent: '', jssip: '3.13.8', platform: '' } };
    const download = await exportDiagnostics(request, sources(logsDir), undefined, () => undefined);
    expect(download).toMatchObject({ delivery: 'download', fileName: 'frontdesk-diagnostics-2026-12-07T04-10-00.txt' });
    const written: string[] = [];
    expect(await exportDiagnostics(request, sources(logsDir), () => Promise.resolve('/x/d.txt'), (f) => void written.push(f))).toEqual({
      delivery: 'saved',
      path: '/x/d.txt',
      fileName: diagnosticsFileName(new Date('2026-12-07T04:10:00Z')),
    });
    expect(written).toEqual(['/x/d.txt']);
    expect(await exportDiagnostics(request, sources(logsDir), () => Promise.resolve(null), () => undefined)).toEqual({ delivery: 'cancelled' });
  });
});

describe('the SIP trace ring', () => {
  it('keeps the newest messages within its bounds of count and characters', () => {
    const ring = new SipTraceBuffer(3, 100);
    for (let i = 0; i < 5; i++) ring.add('in', `m${i}`);
    expect(ring.list().map((e) => e.text)).toEqual(['m2', 'm3', 'm4']);
    ring.add('out', 'x'.repeat(90));
    expect(ring.list().map((e) => e.text.length)).toEqual([2, 2, 90]);
    ring.add('out', 'y'.repeat(200));
    expect(ring.list()).toHaveLength(1);
  });
});
