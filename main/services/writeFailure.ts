import type { SaidValue } from '../../common/said';

/**
 * Why a file or a folder could not be written, as a value a service's failure says: a reason the
 * window words in its language (no permission, a read-only or full disk…), else the system's own
 * message as it came.
 */
export function writeFailure(error: unknown): SaidValue {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return { say: 'fault.noWritePermission' };
  if (code === 'ENOTDIR') return { say: 'fault.pathIsFile' };
  if (code === 'EROFS') return { say: 'fault.readOnlyDisk' };
  if (code === 'ENOSPC') return { say: 'fault.noSpace' };
  return error instanceof Error ? error.message : String(error);
}
