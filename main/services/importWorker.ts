import { parentPort, workerData } from 'node:worker_threads';
import { DirectoryService } from './directory';
import { ParallelPreparer, servePrepareJobs } from './importPrepare';
import { createImportEndpoint, type SessionInit, type SessionRequest } from './importSession';

/**
 * The import worker thread: one per file being imported (imports.ts starts it). It holds the
 * file, parses and previews it, and imports it through a connection of its own to the directory
 * database, so the main process keeps answering (a call rings, the card pops) during a long import.
 * The same script started with `{ role: 'prepare' }` is that worker's helper thread, which prepares
 * the rows of a large import while the worker writes them (importPrepare.ts).
 */
if (!parentPort) throw new Error('importWorker.ts runs as a worker thread (imports.ts starts it)');
const port = parentPort;
if ((workerData as { role?: string }).role === 'prepare') {
  servePrepareJobs(port);
} else {
  const init = workerData as SessionInit;
  const handle = createImportEndpoint(
    init,
    (message) => port.postMessage(message),
    (dbFile, region) => {
      const directory = new DirectoryService(dbFile, { defaultRegion: region });
      return { directory, close: () => directory.close() };
    },
    init.workerFile ? new ParallelPreparer(init.workerFile) : undefined,
  );
  port.on('message', (request: SessionRequest) => handle(request));
}
