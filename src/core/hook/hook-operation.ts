/**
 * What the qemu hook does for each operation libvirt calls it with (`<guest> <op> <subop> <extra>`,
 * libvirt's hooks.rst): the action, and how libvirt treats the hook's exit status and stdout.
 */
export type HookAction = 'apply' | 'release' | 'migrate' | 'verify' | 'none';

export interface HookOperation {
  action: HookAction;
  /**
   * A non-zero exit makes libvirt give up what it was doing (the start, restore or incoming
   * migration). Where false, libvirt only logs a non-zero exit (release), or kills the running
   * guest for it (reconnect, where the hook therefore always exits 0).
   */
  aborts: boolean;
  /** libvirt reads stdout as a replacement domain XML (empty: unchanged). */
  filter: boolean;
}

const NOTHING: HookOperation = { action: 'none', aborts: false, filter: false };

const OPERATIONS: Readonly<Record<string, HookOperation>> = {
  prepare: { action: 'apply', aborts: true, filter: false },
  // Restore from a save image: the devices are needed as for a start; stdout must stay empty.
  restore: { action: 'apply', aborts: true, filter: true },
  release: { action: 'release', aborts: false, filter: false },
  migrate: { action: 'migrate', aborts: true, filter: true },
  reconnect: { action: 'verify', aborts: false, filter: false },
};

/** The operations with something to do, in the table's order (the installed wrapper lists them). */
export const OPERATIONS_WITH_WORK: readonly (readonly [string, HookOperation])[] = Object.entries(OPERATIONS);

/** start, started, stopped, attach and operations libvirt may add later: nothing to do. */
export function hookOperation(op: string): HookOperation {
  return Object.hasOwn(OPERATIONS, op) ? OPERATIONS[op]! : NOTHING;
}

/** What libvirt passes the hook: exactly these four arguments, the domain XML on stdin. */
export interface HookArguments {
  guest: string;
  op: string;
  subop: string;
  extra: string;
}

/**
 * The grammar of `hook run` after the command words: `[--] GUEST OP SUBOP EXTRA`. One reading for
 * the executable's early exit, on the raw arguments (`parsed` false: it takes only this exact
 * shape, and leaves anything that could be an option to the command line's parser), and for the
 * `hook run` command, on the operands the parser left (`parsed` true: `--` and options are gone);
 * null when the shape is not libvirt's.
 */
export function hookArguments(operands: readonly string[], parsed: boolean): HookArguments | null {
  const separated = !parsed && operands[0] === '--';
  const args = separated ? operands.slice(1) : operands;
  if (args.length !== 4) return null;
  if (!parsed && !separated && args.some((a) => a.startsWith('-') && a !== '-')) return null;
  const [guest, op, subop, extra] = args as [string, string, string, string];
  return { guest, op, subop, extra };
}

/**
 * How long the hook waits for libvirt's domain XML on stdin (libvirt writes it whole at once): a
 * writer that stalls cannot hold a guest's start, or the hook's process, forever.
 */
export const HOOK_STDIN_TIMEOUT_MS = 5_000;
