/**
 * A file the user named on the command line, read through the guarded module: the one way every
 * command (and validate's worker threads) reads such a file, with the one wording of its failures.
 */
import { resolve as resolvePath } from 'node:path';
import { SysfsError } from '../core/host/sysfs';
import { FileRefusedError, readOperatorFile } from '../shell/files/guarded-fs';

export type InputResult = { ok: true; data: Uint8Array } | { ok: false; message: string; tooLarge?: true };

export function tooLargeInput(path: string, limit: number): InputResult {
  return { ok: false, tooLarge: true, message: `${path === '-' ? 'standard input' : path} is larger than ${limit} bytes` };
}

/** `path` relative to `cwd`, at most `limit` bytes; a FIFO, a device or a directory is refused without waiting. */
export function readNamedFile(cwd: string, path: string, limit: number): InputResult {
  try {
    return { ok: true, data: readOperatorFile(resolvePath(cwd, path), limit) };
  } catch (e) {
    if (e instanceof FileRefusedError && e.refusal === 'E_FILE_TOO_LARGE') return tooLargeInput(path, limit);
    const detail = e instanceof FileRefusedError ? `${e.refusal}: ${e.message}` : e instanceof SysfsError ? e.errno : (e as Error).message;
    return { ok: false, message: `cannot read ${path}: ${detail}` };
  }
}
