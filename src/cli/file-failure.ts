/** A failure of the guarded file module as one line for the operator: the path, a code, the reason. */
import { PathEscapeError, SysfsError } from '../core/host/sysfs';
import { FileRefusedError } from '../shell/files/guarded-fs';

export function describeFileFailure(shown: string, e: unknown): string {
  if (e instanceof PathEscapeError) return `${shown}: E_PATH_ESCAPE: a link on the way leads out of the directory (to ${e.resolved}); nothing written there`;
  if (e instanceof FileRefusedError) return `${shown}: ${e.refusal}: ${e.message}`;
  if (e instanceof SysfsError) return `${shown}: ${e.message}`;
  throw e;
}
