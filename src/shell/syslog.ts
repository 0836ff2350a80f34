/**
 * Sending log entries to syslog through a datagram unix socket (`/dev/log` under the root). Node
 * has no datagram unix sockets, so util-linux's `logger` (Debian's essential bsdutils) writes them:
 * one process for all of a run's lines, started only when there is something to log, so the hook's
 * silent calls pay nothing. Logging never fails a run: a missing socket or logger is silence.
 */
import { join } from 'node:path';
import { operatorPathKind } from './files/guarded-fs';
import { type LogEntry, SYSLOG_MESSAGE_BYTES, syslogLine } from '../core/log-entry';

export const SYSLOG_TAG = 'mdev-agg';

/**
 * `<root>/dev/log` when it is a socket, or a link to one (journald's `/dev/log` is a link to
 * `/run/systemd/journal/dev-log`), else null (no syslog daemon on this host, or a fixture tree).
 * The link is followed because the socket is only connected to: nothing is written to a file.
 */
export function syslogSocketUnder(root: string): string | null {
  const path = join(root, 'dev/log');
  return operatorPathKind(path) === 'socket' ? path : null;
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
