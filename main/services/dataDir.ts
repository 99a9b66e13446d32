import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The folder where one Frontdesk instance keeps everything it stores. */
export class DataDir {
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
    mkdirSync(this.root, { recursive: true });
  }
  /** A sub-folder, created on first use (e.g. "recordings" in a later issue). */
  folder(name: string): string {
    const dir = path.join(this.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  file(name: string): string {
    return path.join(this.root, name);
  }
}
