import path from 'node:path';
import { ownerOnlyFolder } from './ownerOnly';

/** The folder where one Frontdesk instance keeps everything it stores (owner-only: see ownerOnly.ts). */
export class DataDir {
  readonly root: string;
  constructor(root: string) {
    this.root = ownerOnlyFolder(path.resolve(root));
  }
  /** A sub-folder, created on first use (e.g. "recordings" in a later issue). */
  folder(name: string): string {
    return ownerOnlyFolder(path.join(this.root, name));
  }
  file(name: string): string {
    return path.join(this.root, name);
  }
}
