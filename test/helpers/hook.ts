/** libvirt's qemu hook, called in-process as libvirtd calls it: argv, the domain XML on stdin. */
import { run } from '../../src/cli/run';
import type { RunResult } from '../../src/cli/context';
import type { Sysfs } from '../../src/core/host/sysfs';
import type { StateStore } from '../../src/shell/state-store';
import { REPO } from './golden';

export interface HookHost {
  sysfs: Sysfs;
  store: StateStore;
}

/** `hook run GUEST OP SUBOP EXTRA` with the XML on stdin, on `host` (or the tree under env's root). */
export function hook(args: [guest: string, op: string, subop: string, extra: string], xml: string | Uint8Array, host?: HookHost, env: Record<string, string> = {}): Promise<RunResult> {
  return run(['hook', 'run', '--', ...args], xml, env, { cwd: REPO, ...(host ? { host } : {}) });
}
