import { appendFileSync, closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ownerOnlyFolder } from './ownerOnly';
import {
  NoSuitableNoteInputSchema,
  readableTemplate,
  scriptQuestions,
  validateCallScript,
  type CallScript,
  type NoSuitableNote,
  type NoSuitableNoteInput,
  type NoSuitableReport,
  type ScriptLibrary,
  type ScriptPath,
  type ScriptProblem,
  type ScriptIssue,
} from '../../common/callScript';
import { fault, saidText, type Said } from '../../common/said';

/**
 * Call scripts from YAML files (the format: call-scripts/FORMAT.md). Every problem names the file,
 * the line and what is wrong; a broken file is reported and skipped while the others load, so a
 * typo in one script never breaks a call. Also keeps the "No suitable answer" notes the agents
 * type, for the scripts' authors, as JSON lines in a file of their own.
 */

export const scriptFilePattern = /\.ya?ml$/i;
const MAX_FILE_BYTES = 1_000_000;
const MAX_PROBLEMS_PER_FILE = 20;
export const NO_SUITABLE_FILE = 'no-suitable-answers.jsonl';

/**
 * A problem with a file: what the service says (a key under fault.*), or a script's issue (said by
 * its check or zod's issue). `message` and `text` are its English, for the log and Node's readers.
 */
function problem(file: string, line: number | null, what: Said | ScriptIssue): ScriptProblem {
  const message = 'key' in what ? saidText(what) : what.message;
  const data = 'key' in what ? { said: what } : { ...(what.said && { said: what.said }), ...(what.issue && { issue: what.issue }), ...(what.place?.length && { place: what.place }) };
  return { file, line, message, text: `${path.basename(file)}${line ? `:${line}` : ''}: ${message}`, ...data };
}

/** Plain words for the YAML mistakes people make in a text editor (the yaml library's own English where nothing better is known). */
function yamlMessage(code: string, message: string, sourceLine: string): Said {
  const yaml = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  switch (code) {
    case 'DUPLICATE_KEY':
      return fault('yamlDuplicateKey');
    case 'MULTIPLE_DOCS':
      return fault('yamlManyDocs');
    case 'TAB_AS_INDENT':
      return fault('yamlTabs');
    case 'BLOCK_AS_IMPLICIT_KEY':
      return fault('yamlQuotes', { yaml });
    case 'BAD_INDENT':
      return fault('yamlIndent', { yaml });
    default:
      return fault(sourceLine.includes('{') ? 'yamlQuotes' : 'yamlOther', { yaml });
  }
}

const indentOf = (line: string) => /^ */.exec(line)![0].length;

/**
 * The line a person has to fix for a YAML error. The parser places an indentation mistake where
 * the value before it starts ("title: P" on line 6 when line 7 is one space too deep), so for those
 * errors the line is the one that is indented wrong: the error's last line, or the next line when
 * it is indented deeper than the one the error starts on.
 */
function errorLine(e: { code: string; linePos?: [{ line: number }, { line: number }?] }, sourceLines: string[]): number | null {
  const start = e.linePos?.[0]?.line ?? null;
  if (start === null || !['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT'].includes(e.code)) return start;
  const end = e.linePos?.[1]?.line ?? start;
  if (end > start) return end;
  let next = start; // (0-based index of the line after `start`)
  while (next < sourceLines.length && sourceLines[next]!.trim() === '') next++;
  const here = sourceLines[start - 1] ?? '';
  return next < sourceLines.length && indentOf(sourceLines[next]!) > indentOf(here) && !/:\s*$/.test(here) && !/^\s*-\s*$/.test(here) ? next + 1 : start;
}

/** The 1-based line of the value at a path (the key's line for a field), or of the nearest part that exists. */
function lineOf(doc: Document, lines: LineCounter, target: ScriptPath): number | null {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as { range?: [number] } | null)?.range?.[0];
  for (const key of target) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number] } | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item: unknown = node.items[key];
      if (!item) break;
      offset = (item as { range?: [number] }).range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? null : lines.linePos(offset).line;
}

/** One file's text (no I/O): the script, or the problems, each with the file, the line and what is wrong. */
export function parseCallScriptFile(file: string, source: string): { script: CallScript; lineOf: (p: ScriptPath) => number | null } | { problems: ScriptProblem[] } {
  const lines = new LineCounter();
  // failsafe: every scalar stays text as written ("+74951234567", "0123", "18:00", "yes").
  const doc = parseDocument(source, { lineCounter: lines, schema: 'failsafe', prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const sourceLines = source.split(/\r?\n/);
    return {
      problems: doc.errors.slice(0, MAX_PROBLEMS_PER_FILE).map((e) => {
        const line = errorLine(e, sourceLines);
        return problem(file, line, yamlMessage(e.code, e.message, line ? (sourceLines[line - 1] ?? '') : ''));
      }),
    };
  }
  if (doc.contents === null) return { problems: [problem(file, null, fault('scriptEmptyFile'))] };
  if (!isMap(doc.contents)) return { problems: [problem(file, lineOf(doc, lines, []), fault('scriptNotMap'))] };
  const result = validateCallScript(doc.toJS());
  if (!result.ok) {
    return { problems: result.issues.slice(0, MAX_PROBLEMS_PER_FILE).map((i) => problem(file, lineOf(doc, lines, i.path), i)) };
  }
  return { script: result.script, lineOf: (p) => lineOf(doc, lines, p) };
}

export interface LoadedScripts {
  scripts: CallScript[];
  files: Record<string, string>;
  problems: ScriptProblem[];
  /** How many script files the folders hold (broken ones included). */
  fileCount: number;
}

/**
 * Loads every `*.yaml` / `*.yml` file of the folders, in folder order and then by file name. Besides
 * each file's own checks: script ids are unique across files, and there is at most one enabled
 * default script per language and direction (the later file is reported and skipped).
 */
export function loadCallScripts(folders: readonly string[]): LoadedScripts {
  const out: LoadedScripts = { scripts: [], files: {}, problems: [], fileCount: 0 };
  const defaults = new Map<string, string>();
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(folder, { withFileTypes: true })
        .filter((d) => (d.isFile() || d.isSymbolicLink()) && scriptFilePattern.test(d.name) && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(problem(folder, null, fault('scriptFolderUnreadable', { why: (error as Error).message })));
      continue;
    }
    for (const name of names) {
      const file = path.join(folder, name);
      out.fileCount += 1;
      let source: string;
      try {
        if (statSync(file).size > MAX_FILE_BYTES) {
          out.problems.push(problem(file, null, fault('scriptTooLarge', { mb: MAX_FILE_BYTES / 1_000_000 })));
          continue;
        }
        source = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      } catch (error) {
        out.problems.push(problem(file, null, fault('scriptUnreadable', { why: (error as Error).message })));
        continue;
      }
      const parsed = parseCallScriptFile(file, source);
      if ('problems' in parsed) {
        out.problems.push(...parsed.problems);
        continue;
      }
      const { script } = parsed;
      const taken = out.files[script.id];
      if (taken) {
        out.problems.push(problem(file, parsed.lineOf(['id']), fault('scriptIdTaken', { id: script.id, file: path.basename(taken) })));
        continue;
      }
      // One default per language and direction ("any" takes both).
      const directions = script.match.direction === 'any' ? ['inbound', 'outbound'] : [script.match.direction];
      const keys = directions.map((d) => `${script.language} ${d}`);
      const taker = script.default && script.enabled ? keys.map((k) => defaults.get(k)).find((f) => f !== undefined) : undefined;
      if (taker) {
        const key = script.match.direction === 'inbound' ? 'scriptSecondDefault' : script.match.direction === 'any' ? 'scriptSecondDefaultAny' : 'scriptSecondDefaultOutbound';
        out.problems.push(problem(file, parsed.lineOf(['default']), fault(key, { file: path.basename(taker), language: script.language })));
        continue;
      }
      if (script.default && script.enabled) for (const k of keys) defaults.set(k, file);
      out.scripts.push(script);
      out.files[script.id] = file;
    }
  }
  return out;
}

export interface CallScriptsOptions {
  /** The office's own scripts (the admin's folder), in order. */
  folders: readonly string[];
  /** The shipped samples: in use while `folders` hold no script file at all. */
  samplesFolder?: string | null;
  /** Where the "No suitable answer" notes are kept. */
  notesFolder: string;
}

type Listener = (library: ScriptLibrary) => void;

export class CallScriptsService {
  readonly notesFile: string;
  private library: ScriptLibrary | null = null;
  private readonly listeners = new Set<Listener>();
  private watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly options: CallScriptsOptions) {
    ownerOnlyFolder(options.notesFolder);
    this.notesFile = path.join(options.notesFolder, NO_SUITABLE_FILE);
  }

  /** The scripts and the problems, read on first use. */
  list(): ScriptLibrary {
    return (this.library ??= this.load());
  }

  /** Reads the folders again; tells the listeners when anything changed. */
  reload(): ScriptLibrary {
    const before = this.library && JSON.stringify(this.library);
    this.library = this.load();
    if (before !== JSON.stringify(this.library)) for (const listener of this.listeners) listener(this.library);
    return this.library;
  }

  private load(): ScriptLibrary {
    const own = loadCallScripts(this.options.folders);
    const samples = this.options.samplesFolder;
    const chosen = own.fileCount === 0 && samples ? loadCallScripts([samples]) : own;
    return { scripts: chosen.scripts, files: chosen.files, problems: chosen.problems, usingSamples: chosen !== own };
  }

  onChanged(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Watches the office's folders and reloads shortly after a file is saved there. */
  watch(delayMs = 300): void {
    if (this.watchers.length) return;
    for (const folder of this.options.folders) {
      if (!existsSync(folder)) continue;
      try {
        const watcher = watch(folder, () => {
          if (this.timer) clearTimeout(this.timer);
          this.timer = setTimeout(() => {
            this.timer = null;
            this.reload();
          }, delayMs);
        });
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      } catch {
        // A folder that cannot be watched is still read on reload.
      }
    }
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Keeps one note: appended as one JSON line, so nothing earlier is ever rewritten. */
  recordNoSuitable(input: NoSuitableNoteInput): NoSuitableNote {
    const note = NoSuitableNoteInputSchema.parse(input);
    appendFileSync(this.notesFile, `${this.endsMidLine() ? '\n' : ''}${JSON.stringify(note)}\n`, { encoding: 'utf8', mode: 0o600 });
    return note;
  }

  /** A line torn by a crash must not swallow the next note: start on a fresh line. */
  private endsMidLine(): boolean {
    if (!existsSync(this.notesFile)) return false;
    const size = statSync(this.notesFile).size;
    if (size === 0) return false;
    const fd = openSync(this.notesFile, 'r');
    try {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      return last[0] !== 0x0a;
    } finally {
      closeSync(fd);
    }
  }

  /** Every note kept, oldest first. Unreadable lines are skipped. */
  noSuitableNotes(): NoSuitableNote[] {
    const notes: NoSuitableNote[] = [];
    if (!existsSync(this.notesFile)) return notes;
    for (const line of readFileSync(this.notesFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const parsed = NoSuitableNoteInputSchema.safeParse(JSON.parse(line));
        if (parsed.success) notes.push(parsed.data);
      } catch {
        // a torn line
      }
    }
    return notes;
  }

  /** Every note, per script and question (in the scripts' order), oldest first. Unreadable lines are skipped. */
  noSuitableReport(): NoSuitableReport {
    const notes = this.noSuitableNotes();
    const scripts = this.list().scripts;
    const rank = (scriptId: string, questionId: string): [number, number] => {
      const s = scripts.findIndex((x) => x.id === scriptId);
      const script = scripts[s];
      const q = script ? scriptQuestions(script).findIndex((x) => x.question.id === questionId) : -1;
      return [s < 0 ? scripts.length : s, q < 0 ? Number.MAX_SAFE_INTEGER : q];
    };
    const groups = new Map<string, NoSuitableReport['groups'][number]>();
    for (const note of notes) {
      const key = JSON.stringify([note.scriptId, note.questionId]);
      let group = groups.get(key);
      if (!group) {
        const script = scripts.find((s) => s.id === note.scriptId);
        const question = script && scriptQuestions(script).find((q) => q.question.id === note.questionId)?.question;
        group = { scriptId: note.scriptId, scriptTitle: script?.title ?? null, questionId: note.questionId, questionText: question && script ? readableTemplate(question.text, script.language) : null, notes: [] };
        groups.set(key, group);
      }
      group.notes.push({ text: note.text, at: note.at, callId: note.callId });
    }
    const ordered = [...groups.values()].sort((a, b) => {
      const [as, aq] = rank(a.scriptId, a.questionId);
      const [bs, bq] = rank(b.scriptId, b.questionId);
      return as - bs || a.scriptId.localeCompare(b.scriptId) || aq - bq || a.questionId.localeCompare(b.questionId);
    });
    return { total: notes.length, groups: ordered };
  }
}
