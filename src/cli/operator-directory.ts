/**
 * A directory the operator names for writing (`hook install --hooks-dir`, `export --out`): a file
 * or anything else that is not a directory there is a usage error saying so, before anything is
 * read or written, not a bare EEXIST from making it.
 */
import { operatorPathKind } from '../shell/files/guarded-fs';
import { UsageError } from './context';

/**
 * Throws a usage error naming `option` unless `dir` is a directory, or is missing and may be made
 * (`ifMissing` null); otherwise `ifMissing` is what to add to "does not exist".
 */
export function requireOperatorDirectory(option: string, dir: string, ifMissing: string | null): void {
  const kind = operatorPathKind(dir);
  if (kind === 'directory') return;
  if (kind === 'missing') {
    if (ifMissing === null) return;
    throw new UsageError(`${option} ${dir} does not exist${ifMissing}`);
  }
  throw new UsageError(`${option} ${dir} ${kind === 'other' || kind === 'socket' ? 'is not a directory' : `cannot be read (${kind})`}`);
}
