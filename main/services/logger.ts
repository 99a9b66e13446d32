import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type ElectronLog from 'electron-log';
import nodeLog from 'electron-log/node';
import { redact } from '../../common/redact';
import { ownerOnlyFolder, restrictIfPresent } from './ownerOnly';

/**
 * The services log through this port and stay free of Electron: the desktop shell hands them
 * electron-log/main, the browser host electron-log/node (`fileLogger`), the tests nothing or
 * memory. Both write `logs/frontdesk.log` in the data folder, rotated, where Export diagnostics
 * reads them.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A logger that redacts every line first (the secrets Frontdesk knows, and anything shaped like one). */
export function redactingLogger(inner: Logger, secrets: () => readonly string[]): Logger {
  const out = {} as Logger;
  for (const level of levels) {
    out[level] = (message: string) => {
      let known: readonly string[] = [];
      try {
        known = secrets();
      } catch {
        // the store cannot be read now: shapes are still redacted
      }
      inner[level](redact(message, known));
    };
  }
  return out;
}

/** Remembers lines in memory (tests). */
export class MemoryLogger implements Logger {
  readonly lines: { level: LogLevel; message: string }[] = [];
  debug(message: string) {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string) {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string) {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string) {
    this.lines.push({ level: 'error', message });
  }
}

/** What the desktop app (electron-log/main) and the browser host (electron-log/node) log through. */
type ElectronLogger = Pick<ElectronLog.Logger, 'debug' | 'info' | 'warn' | 'error'> & { transports: { file: ElectronLog.FileTransport; console: ElectronLog.Transport } };

export interface LogFileOptions {
  /** The folder (created owner-only): `logs/` in the data folder. */
  dir: string;
  /** The file's name without `.log` (rotated ones are name.1.log … name.N.log). */
  name?: string;
  /** A file beyond this size is rotated (default 1 MB). */
  maxBytes?: number;
  /** How many rotated files are kept besides the current one (default 4). */
  keep?: number;
  /** Lines below this level are not written (default info). */
  level?: LogLevel;
  /** Whether lines go to stdout too (default no). */
  console?: boolean;
}

/**
 * Points an electron-log logger's file transport at `dir/name.log`, owner-only, rotated by size into
 * name.1.log … name.N.log (electron-log alone keeps one `.old.log`). The desktop shell calls it
 * on electron-log/main, `fileLogger` on electron-log/node: both write the same files the same way.
 */
export function configureLogFile(log: ElectronLogger, options: LogFileOptions): string {
  ownerOnlyFolder(options.dir);
  const name = options.name ?? 'frontdesk';
  const file = path.join(options.dir, `${name}.log`);
  const keep = options.keep ?? 4;
  const rotated = (n: number) => path.join(options.dir, `${name}.${n}.log`);
  const transport = log.transports.file;
  transport.resolvePathFn = () => file;
  transport.maxSize = options.maxBytes ?? 1_000_000;
  transport.level = options.level ?? 'info';
  transport.format = '{y}-{m}-{d}T{h}:{i}:{s}.{ms}{z} [{level}]{scope} {text}';
  transport.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  transport.archiveLogFn = (current) => {
    try {
      if (existsSync(rotated(keep))) unlinkSync(rotated(keep));
      for (let n = keep - 1; n >= 1; n--) if (existsSync(rotated(n))) renameSync(rotated(n), rotated(n + 1));
      if (keep > 0) renameSync(current.path, rotated(1));
      else unlinkSync(current.path);
    } catch {
      current.clear(); // a log that cannot be rotated starts over rather than grow without end
    }
  };
  log.transports.console.level = options.console ? (options.level ?? 'info') : false;
  restrictIfPresent(file);
  return file;
}

/**
 * The port over an electron-log logger: one entry, one line (a message's own line breaks are kept
 * visible, indented, but cannot forge entries), and a log that cannot be written never stops a call.
 */
export function loggerPort(log: Pick<ElectronLog.LogFunctions, LogLevel>): Logger {
  const out = {} as Logger;
  for (const level of levels) {
    out[level] = (message: string) => {
      try {
        log[level](String(message).replace(/\r\n|\r|\n/g, '\n    '));
      } catch {
        // never let logging throw into the caller
      }
    };
  }
  return out;
}

/** The browser host's (and the CLI's) log: electron-log/node writing `dir/name.log`. */
export function fileLogger(options: LogFileOptions): Logger & { file: string } {
  const log = nodeLog.create({ logId: `frontdesk-${options.name ?? 'frontdesk'}-${++instances}` });
  const file = configureLogFile(log, options);
  return Object.assign(loggerPort(log), { file });
}
let instances = 0;

/** The last bytes of a file (a line cut at the start is dropped). */
function tailOf(file: string, maxBytes: number): string {
  const size = statSync(file).size;
  if (size <= maxBytes) return readFileSync(file, 'utf8');
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes);
    readSync(fd, buffer, 0, maxBytes, size - maxBytes);
    const text = buffer.toString('utf8');
    return text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

/**
 * The recent logs in a folder (every `*.log`, the desktop app's electron-log files and the browser
 * host's alike), newest file last, at most `maxBytes` in all, taken from the newest end.
 */
export function recentLogs(dir: string, maxBytes = 512 * 1024): { file: string; text: string }[] {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => ({ f, mtime: statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime || a.f.localeCompare(b.f));
  const out: { file: string; text: string }[] = [];
  let left = maxBytes;
  for (const { f } of files) {
    if (left <= 0) break;
    const text = tailOf(path.join(dir, f), left);
    left -= Buffer.byteLength(text);
    if (text) out.unshift({ file: f, text });
  }
  return out;
}
