/**
 * The real mdevctl (Debian's 1.2.0, installed by scripts/setup-test-tools.sh) on a fixture tree.
 * Debian's build ignores MDEVCTL_ENV_ROOT, so it runs in a private mount namespace where the
 * tree's sys is bound over /sys and a config directory over /etc/mdevctl.d; nothing outside the
 * namespace sees either. This needs root (CAP_SYS_ADMIN); without it the caller's test fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface MdevctlRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A config directory as mdevctl 1.2.0 requires it (its self-check wants scripts.d/{callouts,notifiers}). */
export function mdevctlConfigDir(dir: string): string {
  for (const sub of ['scripts.d/callouts', 'scripts.d/notifiers']) mkdirSync(join(dir, sub), { recursive: true });
  return dir;
}

export function mdevctl(sysTree: string, configDir: string, args: string[]): MdevctlRun {
  const script = 'mount --make-rprivate / && mount --bind "$1" /sys && mount --bind "$2" /etc/mdevctl.d && shift 2 && exec mdevctl "$@"';
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', script, 'sh', sysTree, configDir, ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`unshare could not run: ${r.error.message}`);
  if (r.status !== 0 && /unshare|mount/.test(r.stderr) && !/^Error/m.test(r.stderr)) {
    throw new Error(`mdevctl needs a private mount namespace (root, CAP_SYS_ADMIN) to see the fixture tree as /sys; it could not be made: ${r.stderr.trim()}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
