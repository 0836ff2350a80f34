/**
 * Sending log entries to syslog through a datagram unix socket (`/dev/log` under the root). Node
 * has no datagram unix sockets, so util-linux's `logger` (Debian's essential bsdutils) writes them:
 * one process for all of a run's lines, started only when there is something to log, so the hook's
 * silent calls pay nothing. Logging never fails a run: a missing socket or logger is silence.
 */
import { ConfinedTree, operatorPathKind } from './files/guarded-fs';
import { type LogEntry, SYSLOG_MESSAGE_BYTES, syslogLine } from '../core/text/log-entry';
import { SYSLOG_SOCKET } from '../core/host/host-layout';

const SYSLOG_TAG = 'mdev-agg';

/**
 * The socket `<root>/dev/log` leads to: a socket, or a link to one (journald's `/dev/log` is a link
 * to `/run/systemd/journal/dev-log`), resolved under the root (a `dev` or `dev/log` leading out of
 * a root other than `/` is not followed: a listener outside would read the run's lines); else null
 * (no syslog daemon on this host, or a fixture tree). Its resolved path is what logger connects to.
 */
export function syslogSocketUnder(root: string): string | null {
  let real: string | null;
  try {
    real = new ConfinedTree(root).resolve(SYSLOG_SOCKET, 'resolve');
  } catch {
    return null;
  }
  return real !== null && operatorPathKind(real) === 'socket' ? real : null;
}

export function sendToSyslog(socket: string, entries: readonly LogEntry[]): void {
  if (entries.length === 0) return;
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  spawnSync('logger', ['--socket', socket, '--tag', SYSLOG_TAG, `--id=${process.pid}`, '--prio-prefix', '--size', String(SYSLOG_MESSAGE_BYTES), '--socket-errors=off'], {
    input: `${entries.map(syslogLine).join('\n')}\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 5000,
  });
}
