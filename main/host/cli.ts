import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { fileLogger } from '../services/logger';
import { startHost } from './server';
import { handOffLink } from './handoff';

/**
 * `npm run host`: serves Frontdesk to a browser on loopback.
 *   FRONTDESK_PROVISIONING  path of a provisioning file (optional)
 *   FRONTDESK_DATA_DIR      where this instance stores everything (default ./.frontdesk-data)
 *   FRONTDESK_PORT          port on 127.0.0.1 (default 5173; 0 picks a free one)
 * Prints "Frontdesk is serving at <url>" once it is ready. Logs go to logs/frontdesk.log in the data folder.
 *
 * `npm run host -- open LINK` hands a tel:, sip: or callto: link to the host already running on the
 * same FRONTDESK_DATA_DIR (its page asks "Call …?" and dials).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

const dataDir = process.env.FRONTDESK_DATA_DIR ?? path.join(root, '.frontdesk-data');

// `npm run host -- open 'tel:+74951234567'`: hands the link to the host already serving this data
// folder (as a second Electron instance hands it to the first), then exits.
if (process.argv[2] === 'open') {
  const link = process.argv[3];
  if (!link) {
    console.error("usage: npm run host -- open 'tel:+74951234567'");
    process.exit(2);
  }
  const result = await handOffLink(dataDir, link);
  (result.ok ? console.log : console.error)(result.message);
  process.exit(result.ok ? 0 : 1);
}

const portText = process.env.FRONTDESK_PORT ?? '5173';
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`FRONTDESK_PORT must be a port number, got "${portText}"`);
  process.exit(2);
}

try {
  const host = await startHost({
    rendererDir: process.env.FRONTDESK_RENDERER_DIR ?? path.join(root, 'dist/renderer'),
    dataDir,
    log: fileLogger({ dir: path.join(dataDir, 'logs') }),
    provisioningFile: process.env.FRONTDESK_PROVISIONING ? path.resolve(process.env.FRONTDESK_PROVISIONING) : null,
    port,
    version: pkg.version,
    scriptSamplesDir: path.join(root, 'main/services/call-scripts'),
    consentDir: path.join(root, 'main/services/recording-consent'),
    importWorkerFile: path.join(root, 'main/services/importWorker.ts'),
  });
  const status = host.frontdesk.account().provisioning;
  if (status.state === 'rejected') {
    console.error(`Provisioning file ${status.file} was rejected:`);
    for (const p of status.problems) console.error(`  ${p.field || '(file)'}: ${p.message}`);
  }
  host.frontdesk.log.info(`browser host ${pkg.version} serving at ${host.url}`);
  console.log(`Frontdesk is serving at ${host.url}`);
  const stop = () => {
    void host.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  console.error(err.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is already in use` : `Frontdesk host failed: ${err.message}`);
  process.exit(1);
}
