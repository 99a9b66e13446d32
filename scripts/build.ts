import { cpSync, rmSync } from 'node:fs';
import { build as esbuild } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';

/**
 * Builds the three parts: the renderer with Vite, the Electron main process and the preload with
 * esbuild (CommonJS; a sandboxed preload cannot be an ES module). Output in dist/.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildAll({ quiet = false } = {}) {
  await viteBuild({ configFile: path.join(root, 'vite.config.ts'), logLevel: quiet ? 'warn' : 'info' });
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node20',
    sourcemap: true,
    logLevel: quiet ? ('warning' as const) : ('info' as const),
    // Outside the bundle, shipped in node_modules (package.json `dependencies`, nothing else):
    // the native better-sqlite3 (electron-builder rebuilds it for Electron's ABI), electron-updater
    // and electron-log (which find their own files at run time). Everything else is inlined here
    // and by Vite, so it is a devDependency and is not shipped twice.
    external: ['electron', 'better-sqlite3', 'electron-updater', 'electron-log', 'electron-log/*'],
  };
  await esbuild({ ...common, entryPoints: [path.join(root, 'main/shell/main.ts')], outfile: path.join(root, 'dist/main/main.cjs') });
  // The client-import worker thread, beside main.cjs (the shell starts it from there).
  await esbuild({ ...common, entryPoints: [path.join(root, 'main/services/importWorker.ts')], outfile: path.join(root, 'dist/main/importWorker.cjs') });
  await esbuild({ ...common, entryPoints: [path.join(root, 'preload/preload.ts')], outfile: path.join(root, 'dist/preload/preload.cjs') });
  // The sample call scripts ship with the app (the shell reads them from dist/call-scripts).
  rmSync(path.join(root, 'dist/call-scripts'), { recursive: true, force: true });
  cpSync(path.join(root, 'main/services/call-scripts'), path.join(root, 'dist/call-scripts'), { recursive: true });
  // …and so do the built-in consent announcements for recorded calls (dist/recording-consent).
  rmSync(path.join(root, 'dist/recording-consent'), { recursive: true, force: true });
  cpSync(path.join(root, 'main/services/recording-consent'), path.join(root, 'dist/recording-consent'), { recursive: true });
  // …and the tray's icons (drawn by scripts/tray-icons.ts), read from dist/tray.
  rmSync(path.join(root, 'dist/tray'), { recursive: true, force: true });
  cpSync(path.join(root, 'build/tray'), path.join(root, 'dist/tray'), { recursive: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildAll({ quiet: process.argv.includes('--quiet') });
}
