/**
 * The live half of the migration_version protocol: the source's string written to the target
 * type's `migration_version` through the Sysfs interface. The kernel's answer is the verdict:
 * success means compatible, the errno says why not. Only on a kernel's sysfs: a tree copy takes any
 * string into a plain file, so there nothing is written and the strings are compared as offline.
 * This attribute is the only file the check writes.
 */
import type { MigrationVersionWriter } from '../core/migration/compat';
import { PathEscapeError, type Sysfs, SysfsError } from '../core/host/sysfs';
import { typeAttr, typeDir } from '../core/host/host-layout';

export function migrationVersionWriter(sysfs: Sysfs): MigrationVersionWriter {
  return (parent, type, version) => {
    try {
      if (!sysfs.onKernelSysfs(typeDir(parent, type))) return { written: false, why: `${typeDir(parent, type)} is not on sysfs` };
      // With the newline the source's attribute printed, as `cat` on one host and `echo` on the other would pass it.
      sysfs.write(typeAttr(parent, type, 'migration_version'), `${version}\n`);
      return { written: true, errno: null };
    } catch (e) {
      if (e instanceof SysfsError) return { written: true, errno: e.errno };
      if (e instanceof PathEscapeError) return { written: true, errno: `refused: ${e.message}` };
      throw e;
    }
  };
}
