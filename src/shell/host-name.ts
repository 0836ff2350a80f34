/**
 * The name of the host under the root, for snapshots and stamps: the kernel's hostname, else
 * /etc/hostname, read through the rooted view so a tree under --root names its own host.
 */
import type { SysfsView } from '../core/host/sysfs';
import { isOneLine } from '../core/snapshot/values';
import { HOST_NAME_SOURCES } from '../core/host/host-layout';


export function readHostName(view: SysfsView): string | null {
  for (const path of HOST_NAME_SOURCES) {
    let text: string | null;
    try {
      text = view.read(path);
    } catch {
      continue;
    }
    const name = text?.split('\n')[0]?.trim() ?? '';
    if (isOneLine(name)) return name;
  }
  return null;
}
