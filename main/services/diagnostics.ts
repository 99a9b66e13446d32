import os from 'node:os';
import type { DiagnosticsRequest, DiagnosticsResult } from '../../common/diagnostics';
import { redact, redactValue } from '../../common/redact';
import { recentLogs } from './logger';

/**
 * Export diagnostics: one text file with the versions, the settings, the recent logs and the page's
 * SIP trace, redacted as a whole (the secrets Frontdesk knows by value, and whatever is shaped like
 * one: digest responses, Bearer tokens, passwords in JSON or URLs). Support reads it; nothing in it
 * lets them register as the agent or call the CRM.
 */

export interface DiagnosticsSources {
  app: { name: string; version: string; shell: string };
  /** The process's versions (node, and electron and chrome in the desktop app). */
  versions: Readonly<Record<string, string | undefined>>;
  os: { type: string; release: string; arch: string; platform: string };
  /** The folder of the log files (logs/ in the data folder). */
  logsDir: string;
  settings: unknown;
  provisioning: unknown;
  /** Every secret value Frontdesk holds (redacted by value wherever it shows up). */
  secrets: readonly string[];
  now: Date;
}

export type DiagnosticsInput = Required<Pick<DiagnosticsRequest, 'sipTrace' | 'renderer'>> & { rendererLog?: string[] };

const section = (title: string, body: string) => `===== ${title} =====\n${body.trimEnd()}\n`;

/** The bundle's text, redacted. */
export function diagnosticsText(request: DiagnosticsInput, sources: DiagnosticsSources): string {
  const v = sources.versions;
  const chromium = /Chrom(?:e|ium)\/([\d.]+)/.exec(request.renderer.userAgent)?.[1] ?? v.chrome ?? 'unknown';
  const versions = [
    `${sources.app.name} ${sources.app.version} (${sources.app.shell})`,
    `Electron: ${v.electron ?? 'none (browser host)'}`,
    `Chromium: ${chromium}`,
    `Node.js (services): ${v.node ?? 'unknown'}`,
    `JsSIP: ${request.renderer.jssip}`,
    `OS: ${sources.os.type} ${sources.os.release} (${sources.os.platform} ${sources.os.arch})`,
    `Page: ${request.renderer.userAgent} on ${request.renderer.platform}`,
  ].join('\n');
  const logs = recentLogs(sources.logsDir)
    .map((l) => `--- ${l.file}\n${l.text}`)
    .join('\n');
  const trace = request.sipTrace.map((m) => `--- ${m.at} ${m.direction === 'in' ? 'received' : 'sent'}\n${m.text.replace(/\r\n/g, '\n')}`).join('\n');
  const text = [
    `Frontdesk diagnostics, ${sources.now.toISOString()}\n`,
    section('Versions', versions),
    section('Settings', JSON.stringify(redactValue(sources.settings, sources.secrets), null, 2)),
    section('Provisioning', JSON.stringify(redactValue(sources.provisioning, sources.secrets), null, 2)),
    section('Page problems (newest last)', (request.rendererLog ?? []).join('\n') || '(none)'),
    section(`SIP trace (the last ${request.sipTrace.length} messages)`, trace || '(no SIP messages yet)'),
    section('Logs', logs || '(no log files)'),
  ].join('\n');
  return redact(text, sources.secrets);
}

/** The file's name: frontdesk-diagnostics-2026-12-07T04-10-00.txt. */
export const diagnosticsFileName = (now: Date) => `frontdesk-diagnostics-${now.toISOString().slice(0, 19).replace(/:/g, '-')}.txt`;

/**
 * Saves the bundle where the person chooses (the desktop app's save dialog), or hands it to the page
 * to download (the browser host, `choose` absent).
 */
export async function exportDiagnostics(
  request: DiagnosticsInput,
  sources: DiagnosticsSources,
  choose: ((suggestedName: string) => Promise<string | null>) | undefined,
  write: (file: string, text: string) => void,
): Promise<DiagnosticsResult> {
  const text = diagnosticsText(request, sources);
  const fileName = diagnosticsFileName(sources.now);
  if (!choose) return { delivery: 'download', fileName, text };
  const file = await choose(fileName);
  if (file === null) return { delivery: 'cancelled' };
  write(file, text);
  return { delivery: 'saved', path: file, fileName };
}

export const osInfo = () => ({ type: os.type(), release: os.release(), arch: os.arch(), platform: process.platform });
