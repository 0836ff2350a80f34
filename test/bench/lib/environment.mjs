/**
 * The environment every measured command runs in: the one libvirt gives its hooks
 * (virCommandAddEnvPassCommon: LC_ALL=C, and PATH, HOME, USER, LOGNAME, TMPDIR, LD_PRELOAD and
 * LD_LIBRARY_PATH passed on when set), for both sides of every comparison. Anything else a caller
 * has would weigh on one side only: NODE_EXTRA_CA_CERTS makes every Node process parse a
 * certificate bundle before it runs a line (about 40 ms on a slow machine, for `node -e 0` too),
 * NODE_OPTIONS can load code, and neither reaches a hook under libvirt.
 */
const PASSED_ON = ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR'];

/** Replaces this process's environment (inherited by every command it starts) with libvirt's hook environment; returns the names left out. */
export function useHookEnvironment() {
  const left = Object.keys(process.env).filter((name) => !PASSED_ON.includes(name)).sort();
  for (const name of left) delete process.env[name];
  process.env.LC_ALL = 'C';
  process.env.PATH ??= '/bin:/usr/bin';
  return left.filter((name) => name !== 'LC_ALL');
}

/** What the runner says of it: what is kept, and of what was left out, the names that bear on a process's start by name. */
export function environmentLine(leftOut) {
  const bears = leftOut.filter((name) => /^(NODE_|UV_|LANG|LC_)/.test(name));
  const others = leftOut.length - bears.length;
  const kept = Object.keys(process.env).filter((name) => name !== 'LC_ALL').sort();
  return `libvirt's for hooks (LC_ALL=C, ${kept.join(', ')}), for every command; left out: ${bears.join(', ') || 'nothing that weighs on Node'}${others ? ` and ${others} other variables` : ''}`;
}
