/**
 * The wrapper script `hook install` puts into libvirt's qemu.d: it runs the installed CLI with the
 * hook's arguments and stdin. Pure text; the marker line is how uninstall recognises a file it wrote.
 */
export const HOOK_NAME = 'mdev-agg';
export const HOOKS_DIR = '/etc/libvirt/hooks/qemu.d';
export const WRAPPER_MARKER = '# mdev-agg-hook-wrapper: written by mdev-agg hook install';

export interface WrapperPaths {
  /** Absolute path of the node that ran `hook install`. */
  node: string;
  /** Absolute path of the installed dist/mdev-agg.js. */
  cli: string;
}

/** POSIX sh single quoting: safe for any byte string without NUL. */
export const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function wrapperScript({ node, cli }: WrapperPaths): string {
  return [
    '#!/bin/sh',
    WRAPPER_MARKER,
    '# libvirt runs this for every guest event: <guest> <op> <subop> <extra>, the domain XML on stdin.',
    '# Remove it with: mdev-agg hook uninstall',
    `node=${shellQuote(node)}`,
    `cli=${shellQuote(cli)}`,
    // node moved (an upgrade, another install path): the one on libvirt's PATH will do.
    '[ -x "$node" ] || node=$(command -v node) || node=',
    // Without mdev-agg a non-zero exit would block every guest (and kill running ones on reconnect).
    'if [ -z "$node" ] || [ ! -f "$cli" ]; then',
    `  echo "mdev-agg hook: cannot run $cli with node; aggregated mdevs are not managed" >&2`,
    // libvirt discards stderr of a hook that exits 0: the system log keeps it (as the CLI logs, README "The system log").
    `  log="\${MDEV_AGG_ROOT:-}/dev/log"; guest=$(printf '%s' "$1" | tr -c '[:print:]' '?')`,
    `  [ -S "$log" ] && logger --socket "$log" --tag mdev-agg --priority daemon.warning --socket-errors=off -- "op=$2 guest=\\"$guest\\" code=W_CLI_MISSING: cannot run $cli with node; aggregated mdevs are not managed" 2>/dev/null`,
    '  exit 0',
    'fi',
    'exec "$node" "$cli" hook run -- "$@"',
    '',
  ].join('\n');
}

export const isOurWrapper = (text: string) => text.split('\n', 3).includes(WRAPPER_MARKER);
