import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll } from './build';

/**
 * `npm start [-- --provisioning=file]`: builds Frontdesk, rebuilds native modules for Electron's ABI
 * (electron-builder install-app-deps: needs Electron's headers, so it lives here and in `npm run dist`,
 * never in postinstall) and starts the desktop app.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The Electron binary's path, or null when it was not downloaded. */
export function electronBinary(): string | null {
  const pathFile = path.join(root, 'node_modules/electron/path.txt');
  const dist = path.join(root, 'node_modules/electron/dist');
  if (!existsSync(pathFile) || !existsSync(dist)) return null;
  const bin = path.join(dist, readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = electronBinary();
  if (!bin) {
    console.error(
      'The Electron binary is not installed (npm ci ran with ELECTRON_SKIP_BINARY_DOWNLOAD, or it could not be downloaded).\n' +
        'Install it with "node node_modules/electron/install.js", or use Frontdesk in a browser: "npm run host" or "npm run demo".',
    );
    process.exit(1);
  }
  await buildAll({ quiet: true });
  const rebuild = spawnSync('npx', ['electron-builder', 'install-app-deps'], { cwd: root, stdio: 'inherit' });
  if (rebuild.status !== 0) {
    console.error('Rebuilding native modules for Electron failed (it needs Electron\'s headers from the network).');
    process.exit(rebuild.status ?? 1);
  }
  const args = [root, ...process.argv.slice(2)];
  if (process.getuid?.() === 0) args.push('--no-sandbox'); // Chromium refuses to run its sandbox as root
  const run = spawnSync(bin, args, { stdio: 'inherit' });
  process.exit(run.status ?? 0);
}
