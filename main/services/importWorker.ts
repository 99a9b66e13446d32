import { parentPort, workerData } from 'node:worker_threads';
import { DirectoryService } from './directory';
import { createImportEndpoint, type SessionInit, type SessionRequest } from './importSession';

/**
 * The import worker thread: one per file being imported (imports.ts starts it). It holds the
 * file, parses and previews it, and imports it through a connection of its own to the directory
 * database, so the main process keeps answering (a call rings, the card pops) during a long import.
 */
if (!parentPort) throw new Error('importWorker.ts runs as a worker thread (imports.ts starts it)');
const port = parentPort;
const handle = createImportEndpoint(
  workerData as SessionInit,
  (message) => port.postMessage(message),
  (dbFile, region) => {
    const directory = new DirectoryService(dbFile, { defaultRegion: region });
    return { directory, close: () => directory.close() };
  },
);
port.on('message', (request: SessionRequest) => handle(request));
