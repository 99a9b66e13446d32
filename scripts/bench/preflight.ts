import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canUseNamespace, insideNamespace, labNetnsName } from '../lab/netns';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What a benchmark that drives Frontdesk in Chromium needs before it starts: to run inside the
 * lab's network namespace (Chromium's WebRTC may only ever reach loopback), and a built renderer.
 * Exits with a message naming the npm script to use otherwise.
 */
export function requireLabNamespaceAndBuild(npmScript: string): void {
  if (canUseNamespace() && !insideNamespace()) {
    console.error(`Run the benchmark inside the lab's namespace (${labNetnsName()}): npm run ${npmScript}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(root, 'dist/renderer/index.html'))) {
    console.error('the renderer is not built: run "npm run build -- --quiet" first');
    process.exit(2);
  }
}
