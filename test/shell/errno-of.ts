import { SysfsError } from '../../src/core/host/sysfs';

/** The errno a call fails with, `'no error'` when it succeeds; anything but a SysfsError is rethrown. */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SysfsError) return err.errno;
    throw err;
  }
  return 'no error';
}
