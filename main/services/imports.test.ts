import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { fixedT } from '../../common/i18n/translate';
import { chunkText, importJobError, ImportJobSchema, type ImportJob } from '../../common/imports';
import { createDispatcher, prepareEvent, type EventName } from '../../common/contract';
import { DirectoryService } from './directory';
import { createFrontdesk } from './frontdesk';
import { ImportService, maxOpenImports } from './imports';

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), 'importWorker.ts');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function setup(options: { worker: boolean }) {
  const dbFile = path.join(mkdtempSync(path.join(tmpdir(), 'frontdesk-imports-')), 'directory.db');
  const directory = new DirectoryService(dbFile, { defaultRegion: 'RU' });
  const jobs: ImportJob[] = [];
  const imported: number[] = [];
  const service = new ImportService({
    dbFile,
    region: () => directory.defaultRegion,
    workerFile: options.worker ? workerFile : null,
    directory,
    onJob: (job) => jobs.push(job),
    onImported: (summary) => imported.push(summary.created),
  });
  cleanups.push(() => {
    service.closeAll();
    directory.close();
  });
  return { directory, service, jobs, imported, dbFile };
}

/** Sends a file the way the renderer does: begin, then chunks. */
async function send(service: ImportService, text: string, fileName = 'clients.csv') {
  const { id } = service.begin({ fileName, length: text.length, encoding: 'utf-8' });
  let offset = 0;
  let last = { received: 0, complete: false };
  for (const chunk of chunkText(text, 1000)) {
    last = await service.append({ id, offset, chunk });
    offset += chunk.length;
  }
  expect(last).toEqual({ received: text.length, complete: true });
  return id;
}

const finished = (jobs: ImportJob[], id: string) => jobs.find((j) => j.id === id && j.state !== 'running');
const csvOf = (rows: number, from = 0) => ['ФИО;Телефон;Компания', ...Array.from({ length: rows }, (_, i) => `Клиент ${from + i};+7 495 ${String(1000000 + from + i)};Ромашка`)].join('\n');

describe('ImportService on this thread', () => {
  it('takes a file in chunks, previews it, imports it, and tells the job’s progress and end', async () => {
    const { directory, service, jobs } = setup({ worker: false });
    const id = await send(service, csvOf(30));
    expect(() => service.start({ id })).toThrow('preview the file before importing it');
    const preview = await service.preview({ id });
    expect(preview).toMatchObject({ id, kind: 'csv', total: 30, importable: 30 });
    const job = service.start({ id, mapping: { delimiter: ';', columns: [{ column: 0, field: 'name' }, { column: 1, field: 'phone' }] } });
    expect(job).toMatchObject({ id, state: 'running', fileName: 'clients.csv', kind: 'csv' });
    expect(service.busy).toBe(true);
    await service.whenIdle();
    expect(service.busy).toBe(false);
    expect(finished(jobs, id)).toMatchObject({ state: 'done', done: 30, total: 30, summary: { created: 30, merged: 0, skipped: 0, clientsAfter: 30 }, error: null });
    expect(directory.findByNumber('+74951000007')).toMatchObject([{ name: 'Клиент 7', company: null }]);
    expect(service.status({ id })).toMatchObject({ state: 'done' });
    expect(service.close({ id })).toBe(true);
    expect(service.status({ id })).toBeNull();
    await expect(service.preview({ id })).rejects.toThrow('this file is no longer open for import');
  });

  it('refuses pieces out of order, and keeps at most a few files open', async () => {
    const { service } = setup({ worker: false });
    const { id } = service.begin({ fileName: 'a.csv', length: 10, encoding: 'utf-8' });
    await expect(service.append({ id, offset: 3, chunk: 'abc' })).rejects.toThrow('the file arrived out of order: a piece at character 3, expected 0');
    await expect(service.append({ id, offset: 0, chunk: 'a'.repeat(11) })).rejects.toThrow('the file is longer than announced (10 characters)');
    const ids = Array.from({ length: maxOpenImports }, () => service.begin({ fileName: 'b.csv', length: 5, encoding: 'utf-8' }).id);
    // The first file (the least recently used) was closed to make room.
    await expect(service.append({ id, offset: 0, chunk: 'abc' })).rejects.toThrow('no longer open');
    await expect(service.append({ id: ids.at(-1)!, offset: 0, chunk: 'abc' })).resolves.toEqual({ received: 3, complete: false });
  });

  it('a malformed file fails its preview with what is wrong and where; nothing is written', async () => {
    const { directory, service } = setup({ worker: false });
    const id = await send(service, 'ФИО;Телефон\nПетров;+7 495 123-45-67\n"Смирнова;8 812 700 00 01\n');
    await expect(service.preview({ id })).rejects.toThrow(/the file is not valid CSV: the quote \("\) that opens a value on line 3 is never closed/);
    expect(() => service.start({ id })).toThrow('preview the file before importing it');
    expect(directory.count()).toBe(0);
  });
});

// A worker compiles its TypeScript with tsx when it starts: these take seconds on a busy machine.
describe('ImportService with the worker thread', { timeout: 60_000 }, () => {
  it('imports in the worker while the main thread keeps answering lookups; writes wait for the import', async () => {
    const { directory, service, jobs, imported } = setup({ worker: true });
    const before = directory.create({ name: 'Уже был', phones: ['+7 812 000-00-01'] });
    const rows = 1000;
    const id = await send(service, csvOf(rows));
    expect((await service.preview({ id })).total).toBe(rows);
    service.start({ id });

    // While it runs: the main connection answers from the last committed state, and a write
    // queued behind the import lands after it.
    const seenWhileRunning: number[] = [];
    const lookups = setInterval(() => {
      if (service.busy) seenWhileRunning.push(directory.findByNumber('+78120000001').length);
    }, 5);
    const write = service.afterImport(() => directory.update(before.id, { notes: 'written after the import' }));
    expect(write).toBeInstanceOf(Promise);
    await service.whenIdle();
    clearInterval(lookups);
    await write;

    const progress = jobs.filter((j) => j.id === id && j.state === 'running' && j.done > 0 && j.done < j.total);
    expect(progress.length).toBeGreaterThan(0);
    expect(seenWhileRunning.length).toBeGreaterThan(0);
    expect(seenWhileRunning.every((n) => n === 1)).toBe(true);
    expect(finished(jobs, id)).toMatchObject({ state: 'done', total: rows, summary: { created: rows, clientsAfter: rows + 1 } });
    expect(imported).toEqual([rows]);
    expect(directory.count()).toBe(rows + 1);
    expect(directory.findByNumber('84951000999')).toMatchObject([{ name: 'Клиент 999', company: 'Ромашка', source: 'csv' }]);
    expect(directory.get(before.id)?.notes).toBe('written after the import');
  });

  it('a cancelled import rolls back: nothing of it is in the directory', async () => {
    const { directory, service, jobs } = setup({ worker: true });
    const id = await send(service, csvOf(3000));
    await service.preview({ id });
    service.start({ id });
    await expect.poll(() => jobs.some((j) => j.id === id && j.done > 0), { timeout: 20_000 }).toBe(true);
    expect(service.cancel({ id })).toMatchObject({ state: 'running' });
    await service.whenIdle();
    expect(finished(jobs, id)).toMatchObject({ state: 'cancelled', error: 'The import was cancelled: nothing was imported.' });
    expect(directory.count()).toBe(0);
  });

  it('a database another program holds locked: the import fails, said in Russian in the window, English as it came', async () => {
    const { directory, service, jobs, dbFile } = setup({ worker: true });
    const id = await send(service, csvOf(20));
    await service.preview({ id });
    const other = new BetterSqlite3(dbFile);
    other.exec('BEGIN IMMEDIATE');
    try {
      service.start({ id });
      await service.whenIdle();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const job = finished(jobs, id)!;
    expect(job).toMatchObject({ state: 'failed', error: 'database is locked. Nothing was imported.' });
    expect(importJobError(job, fixedT('en'))).toBe('database is locked. Nothing was imported.');
    expect(importJobError(ImportJobSchema.parse(job), fixedT('ru'))).toBe(
      'база клиентов занята: в неё сейчас пишет другая программа. Попробуйте ещё раз чуть позже. Ничего не импортировано.',
    );
    expect(directory.count()).toBe(0);
  });

  it('only one import writes at a time', async () => {
    const { service } = setup({ worker: true });
    const first = await send(service, csvOf(300));
    const second = await send(service, csvOf(10, 5000), 'more.csv');
    await service.preview({ id: first });
    await service.preview({ id: second });
    service.start({ id: first });
    expect(() => service.start({ id: second })).toThrow(/^another import is running \("clients\.csv", \d+ of \d+ rows\): start this one when it has finished$/);
    await service.whenIdle();
    expect(service.start({ id: second })).toMatchObject({ state: 'running' });
    await service.whenIdle();
  });
});

describe('imports in the services, through the contract', { timeout: 60_000 }, () => {
  it('begin, append, preview, start: the events tell progress and the end, the directory says it changed, the client is found', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'frontdesk-imports-fd-'));
    const events: { name: EventName; payload: unknown }[] = [];
    const fd = createFrontdesk({ dataDir: path.join(root, 'data'), provisioningFile: null, shell: 'browser-host', version: '0.1.0', importWorkerFile: workerFile }, (name, payload) => {
      prepareEvent(name, payload); // every event is valid for the contract
      events.push({ name, payload });
    });
    cleanups.push(() => fd.close());
    const call = createDispatcher(fd.handlers);
    const ok = async (method: string, input: unknown) => {
      const result = await call(`frontdesk:${method}`, input);
      if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
      return result.value as Record<string, unknown>;
    };
    const text = 'Фамилия;Имя;Телефон;Заметка\nПетров;Олег;+7 495 123-45-67;VIP\n';
    const { id } = await ok('imports.begin', { fileName: 'clients.csv', length: text.length, encoding: 'utf-8' });
    await ok('imports.append', { id, offset: 0, chunk: text });
    const preview = await ok('imports.preview', { id });
    expect(preview).toMatchObject({ kind: 'csv', rows: [{ row: 2, values: { name: 'Петров Олег', phones: '+7 495 123-45-67', notes: 'VIP' } }] });
    // A mapping that cannot import is refused by the contract, with the reason.
    const bad = await call('frontdesk:imports.start', { id, mapping: { columns: [{ column: 3, field: 'notes' }] } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input', message: 'mapping.columns: map at least one column to the name or to a phone' } });
    await ok('imports.start', { id, mapping: { delimiter: ';', columns: [{ column: 0, field: 'lastName' }, { column: 1, field: 'firstName' }, { column: 2, field: 'phone' }, { column: 3, field: 'tags' }] } });
    await fd.imports.whenIdle();
    const jobs = events.filter((e) => e.name === 'imports.changed').map((e) => e.payload as ImportJob);
    expect(jobs[0]).toMatchObject({ id, state: 'running', done: 0 });
    expect(jobs.at(-1)).toMatchObject({ id, state: 'done', done: 1, total: 1, summary: { created: 1, clientsAfter: 1 } });
    expect(events.filter((e) => e.name === 'directory.changed').map((e) => e.payload)).toEqual([{ reason: 'imported', ids: [], count: 1 }]);
    const found = await call('frontdesk:directory.findByNumber', { number: '84951234567' });
    expect(found).toMatchObject({ ok: true, value: [{ name: 'Петров Олег', tags: ['VIP'], source: 'csv' }] });
    expect(await ok('imports.close', { id })).toBe(true);
  });
});
