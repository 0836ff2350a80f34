/**
 * The live half of the migration_version protocol: the source's string written to the target
 * type's `migration_version` through the Sysfs interface. The kernel's answer is the verdict:
 * success means compatible, the errno says why not. This file is the only one written.
 */
import type { MigrationVersionWriter } from '../core/migration/compat';
import { PathEscapeError, type Sysfs, SysfsError } from '../core/sysfs';
import { typeAttr } from '../core/sysfs-paths';

export function migrationVersionWriter(sysfs: Sysfs): MigrationVersionWriter {
  return (parent, type, version) => {
    try {
      // With the newline the source's attribute printed, as `cat` on one host and `echo` on the other would pass it.
      sysfs.write(typeAttr(parent, type, 'migration_version'), `${version}\n`);
      return null;
    } catch (e) {
      if (e instanceof SysfsError) return e.errno;
      if (e instanceof PathEscapeError) return `refused: ${e.message}`;
      throw e;
    }
  };
}
