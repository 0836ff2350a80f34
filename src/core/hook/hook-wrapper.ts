/**
 * The wrapper script `hook install` puts into libvirt's qemu.d: it runs the installed CLI with the
 * hook's arguments and stdin. Pure text; the marker line is how uninstall recognises a file it wrote.
 *
 * libvirt runs it for every event of every guest, so it decides before Node starts, with the same
 * table and markers as `hook run` (src/core/hook/hook-operation.ts, src/core/reading/domain-precheck.ts): an
 * operation with nothing to do exits 0 without reading stdin (libvirt ignores the EPIPE), and a
 * domain whose text names no aggregation exits 0 after reading it. Everything else reaches the CLI
 * with stdin byte for byte: a shell variable would drop NUL bytes and trailing newlines, so one
 * perl process (Essential in Debian) holds the text and hands it on in an unlinked temporary file
 * (or, when none can be written, through a pipe and a child writing it); without perl,
 * a temporary file (unlinked once open), mktemp, head, grep and rm do the same at a few processes' cost.
 * Both ways read stdin within the CLI's limits: at most one byte more than it accepts (the CLI then
 * refuses the input as too large, as `hook run` does), and for at most the time `hook run` waits.
 */
import { AGGREGATION_MARKERS } from '../reading/domain-precheck';
import { MAX_JSON_BYTES } from '../text/json-text';
import { HOOK_STDIN_TIMEOUT_MS, OPERATIONS_WITH_WORK } from './hook-operation';
import { shellQuote } from '../text/shell-quote';

export const HOOK_NAME = 'mdev-agg';
export { HOOKS_DIR } from '../host/host-layout';
export const WRAPPER_MARKER = '# mdev-agg-hook-wrapper: written by mdev-agg hook install';
/** The removal the Debian package's wrapper names: a conffile, it stays after `apt remove` until purged. */
export const PACKAGED_REMOVAL = 'apt purge mdev-agg (the package owns this file)';

export interface WrapperPaths {
  /** Absolute path of the node that ran `hook install`. */
  node: string;
  /** Absolute path of the installed dist/mdev-agg.js. */
  cli: string;
  /** How the wrapper is removed, for its comment: `mdev-agg hook uninstall` unless a package owns it. */
  removal?: string;
}


/**
 * A filter showing its input on one line as sanitiseLine (src/core/text/terminal-text.ts) does: C0 but
 * tab, DEL, C1, bidi marks, overrides and isolates and the line separators as `\u{…}`, byte by byte
 * (od) so that no shell or awk locale decides what a character is.
 */
const ESCAPE_LINE = [
  `LC_ALL=C od -An -v -tu1 | LC_ALL=C awk '{ for (i = 1; i <= NF; i++) b[n++] = $i + 0 } END { for (i = 0; i < n; i++) {`,
  'c = b[i]; d = i + 1 < n ? b[i + 1] : -1; e = i + 2 < n ? b[i + 2] : -1;',
  'if ((c < 32 && c != 9) || c == 127) printf "\\\\u{%x}", c;',
  'else if (c == 194 && d >= 128 && d <= 159) { printf "\\\\u{%x}", d; i++ }',
  'else if (c == 216 && d == 156) { printf "\\\\u{61c}"; i++ }',
  'else if (c == 226 && d == 128 && (e == 142 || e == 143 || (e >= 168 && e <= 174))) { printf "\\\\u{%x}", 8064 + e; i += 2 }',
  'else if (c == 226 && d == 129 && e >= 166 && e <= 169) { printf "\\\\u{%x}", 8128 + e; i += 2 }',
  `else printf "%c", c } }'`,
].join(' ');

/** The exit status of `hook run` when the domain XML cannot be read (src/cli/hook/run-hook.ts). */
const UNREADABLE_INPUT_EXIT = (aborts: boolean) => (aborts ? 2 : 0);

/**
 * What of stdin is read: one byte more than `hook run` accepts (its input limit, MAX_JSON_BYTES), as
 * src/shell/files/process-io.ts MAX_STDIN_BYTES reads; handed on, it is refused as too large there.
 */
const STDIN_READ_BYTES = MAX_JSON_BYTES + 1;
/** How long `hook run` waits for stdin to end, in seconds. */
const HOOK_STDIN_TIMEOUT_S = HOOK_STDIN_TIMEOUT_MS / 1000;
/** The line `hook run` says when stdin did not end in time (src/cli/run.ts readInput), after `of guest '<guest>'`. */
const TIMED_OUT = `: standard input cannot be read: ETIMEDOUT (standard input did not end within ${HOOK_STDIN_TIMEOUT_S} s)`;

/** A Perl double-quoted string literal of `text`, nothing interpolated (no single quote to escape for the shell). */
const perlString = (text: string) => `"${text.replace(/[\\"$@]/g, '\\$&')}"`;

/**
 * The decision in one process: perl reads the domain XML into memory (no layers: bytes as they
 * came), exits 0 when no marker is in it, and otherwise execs node with the same bytes on stdin:
 * in an anonymous temporary file (perl's own, unlinked as it is made), rewound; when that file
 * cannot be made or written, through a pipe written by a child that exits once they are read.
 * The file spares Node a second process running beside it while it starts. Arguments: node, cli,
 * then the hook's four. Plain built-ins only: a `use` (or a method call on a handle) would read
 * module files on every guest event.
 */
function perlDecision(markers: readonly string[], unreadableOps: readonly string[]): string {
  const aborting = unreadableOps.map(perlString).join(', ');
  const status = `((grep { $_ eq $ARGV[3] } (${aborting})) ? ${UNREADABLE_INPUT_EXIT(true)} : 0)`;
  return [
    'binmode STDIN;',
    // A writer that never finishes: the line and status of `hook run`, the guest read as Node reads
    // its arguments (bytes that are not UTF-8 become U+FFFD; Encode is loaded only here) and shown
    // as sanitiseLine shows it.
    `$SIG{ALRM} = sub { require Encode; my $g = Encode::encode("UTF-8", Encode::decode("UTF-8", $ARGV[2])); $g =~ s/([\\x00-\\x08\\x0a-\\x1f\\x7f]|\\xc2[\\x80-\\x9f]|\\xd8\\x9c|\\xe2\\x80[\\x8e\\x8f\\xa8-\\xae]|\\xe2\\x81[\\xa6-\\xa9])/my $c = $1; utf8::decode($c); sprintf("\\\\u{%x}", ord $c)/ge; print STDERR "mdev-agg: $ARGV[3] of guest '$g'${perlString(TIMED_OUT).slice(1, -1)}\\n"; exit ${status} };`,
    `alarm ${HOOK_STDIN_TIMEOUT_S};`,
    'my $d = ""; my $n;',
    `1 while (length $d < ${STDIN_READ_BYTES} && ($n = sysread(STDIN, $d, 65536, length $d)));`,
    'alarm 0;',
    `substr($d, ${STDIN_READ_BYTES}) = "" if length $d > ${STDIN_READ_BYTES};`,
    `my $fail = sub { print STDERR "mdev-agg hook: $ARGV[3]: cannot pass the domain XML to $ARGV[1]: $_[0]\\n"; exit ${status} };`,
    'my $run = sub { exec { $ARGV[0] } $ARGV[0], $ARGV[1], "hook", "run", "--", @ARGV[2 .. $#ARGV]; $fail->("exec $ARGV[0]: $!") };',
    // stdin that cannot be read at all (a directory, a closed descriptor) is untouched: the CLI
    // reads it and says why as `hook run` says it.
    'unless (defined $n) { $run->() if $d eq ""; $fail->("read: $!") }',
    `exit 0 unless ${markers.map((m) => `index($d, ${perlString(m)}) >= 0`).join(' || ')};`,
    // Unbuffered writes: a short or failed one is seen here, not lost in a buffer flushed at exit;
    // over a file size limit the write fails (EFBIG) instead of the signal ending the wrapper.
    'my $in; { local $SIG{XFSZ} = "IGNORE"; if (open(my $t, "+>", undef)) { my $at = 0; my $k; $at += $k while ($at < length $d && ($k = syswrite($t, $d, length($d) - $at, $at))); $in = $t if $at == length $d && sysseek($t, 0, 0) } }',
    'unless ($in) {',
    'pipe(my $r, my $w) or $fail->("pipe: $!");',
    'my $pid = fork;',
    '$fail->("fork: $!") unless defined $pid;',
    'if ($pid == 0) { close $r; close STDOUT; close STDERR; binmode $w; print $w $d; close $w; exit 0 }',
    'close $w; $in = $r }',
    'open(STDIN, "<&", $in) or $fail->("dup: $!");',
    'close $in;',
    '$run->();',
  ].join(' ');
}

export function wrapperScript({ node, cli, removal }: WrapperPaths): string {
  const withWork = OPERATIONS_WITH_WORK.map(([op]) => shellQuote(op)).join('|');
  const markers = AGGREGATION_MARKERS.map((m) => `-e ${shellQuote(m)}`).join(' ');
  // The CLI's exit when stdin could not be kept, per operation (only the non-zero ones are listed).
  const abortingOps = OPERATIONS_WITH_WORK.filter(([, o]) => UNREADABLE_INPUT_EXIT(o.aborts) !== 0).map(([op]) => op);
  const unreadable = abortingOps.map(shellQuote);
  const exitAsUnreadable = `case $2 in ${unreadable.length ? `${unreadable.join('|')}) exit ${UNREADABLE_INPUT_EXIT(true)} ;; ` : ''}*) exit 0 ;; esac`;
  return [
    '#!/bin/sh',
    WRAPPER_MARKER,
    '# libvirt runs this for every guest event: <guest> <op> <subop> <extra>, the domain XML on stdin.',
    `# Remove it with: ${removal ?? 'mdev-agg hook uninstall'}`,
    `node=${shellQuote(node)}`,
    `cli=${shellQuote(cli)}`,
    // Set here, never taken from the environment: it names the file removed below.
    'tmp=',
    // libvirt always passes four arguments; any other call is for the CLI to answer.
    'if [ $# -eq 4 ]; then',
    '  case $2 in',
    `    ${withWork}) ;;`,
    '    *) exit 0 ;;',
    '  esac',
    // The one-process path, when node and the CLI are where they were installed; environment that
    // would make perl load modules or decode stdin is dropped first.
    '  if [ -x "$node" ] && [ -f "$cli" ] && command -v perl >/dev/null 2>&1; then',
    '    unset PERL5OPT PERL5LIB PERLLIB PERL_UNICODE PERLIO',
    `    exec perl -e ${shellQuote(perlDecision(AGGREGATION_MARKERS, abortingOps))} "$node" "$cli" "$@"`,
    '  fi',
    // Without a temporary file the CLI reads stdin itself and makes the same decision. Once open
    // (a descriptor to write, one for grep, one for the CLI) the file is unlinked: nothing is left
    // behind even when the wrapper is killed.
    // A wrapper killed between mktemp and rm left its file: such files older than a minute (a
    // call reads stdin for at most 5 s, and the file is unlinked before Node starts) are removed.
    '  find "${TMPDIR:-/tmp}/" -maxdepth 1 -type f -name \'mdev-agg-hook.??????????\' -mmin +1 -exec rm -f {} + 2>/dev/null',
    '  if tmp=$(mktemp "${TMPDIR:-/tmp}/mdev-agg-hook.XXXXXXXXXX" 2>/dev/null); then',
    '    if ! { command exec 3>"$tmp" 4<"$tmp" 5<"$tmp"; } 2>/dev/null; then',
    '      rm -f "$tmp"',
    '      tmp=',
    '    else',
    '      rm -f "$tmp"',
    // As much and as long as `hook run` reads; coreutils' timeout bounds a writer that never finishes.
    '      if command -v timeout >/dev/null 2>&1; then',
    `        timeout ${HOOK_STDIN_TIMEOUT_S} head -c ${STDIN_READ_BYTES} >&3`,
    '      else',
    `        head -c ${STDIN_READ_BYTES} >&3`,
    '      fi',
    '      kept=$?',
    '      exec 3>&-',
    '      if [ $kept -eq 124 ]; then',
    `        echo "mdev-agg: $2 of guest '$(printf '%s' "$1" | ${ESCAPE_LINE})'${TIMED_OUT}" >&2`,
    `        ${exitAsUnreadable}`,
    '      fi',
    '      if [ $kept -ne 0 ]; then',
    `        echo "mdev-agg hook: $2 of guest '$(printf '%s' "$1" | ${ESCAPE_LINE})': cannot keep the domain XML in $tmp" >&2`,
    `        ${exitAsUnreadable}`,
    '      fi',
    // Status 1 is "no marker"; a grep that failed (2, 127) leaves the decision to the CLI.
    `      LC_ALL=C grep -qF ${markers} <&4`,
    '      [ $? -ne 1 ] || exit 0',
    '      exec 4<&-',
    '    fi',
    '  fi',
    'fi',
    // node moved (an upgrade, another install path): the one on libvirt's PATH will do.
    '[ -x "$node" ] || node=$(command -v node) || node=',
    // Without mdev-agg a non-zero exit would block every guest (and kill running ones on reconnect).
    'if [ -z "$node" ] || [ ! -f "$cli" ]; then',
    `  echo "mdev-agg hook: cannot run $cli with node; aggregated mdevs are not managed" >&2`,
    // libvirt discards stderr of a hook that exits 0: the system log keeps it (as the CLI logs, README "The system log").
    // The guest is quoted as the CLI's log lines quote it: non-printing bytes as ?, " and \\ escaped.
    `  log="\${MDEV_AGG_ROOT:-}/dev/log"; guest=$(printf '%s' "$1" | tr -c '[:print:]' '?' | sed 's/[\\\\"]/\\\\&/g')`,
    // Under a root other than /, as the CLI does: the socket's real path, and only inside the root's real path.
    '  if [ -n "${MDEV_AGG_ROOT:-}" ] && [ "$MDEV_AGG_ROOT" != / ]; then',
    '    log=$(readlink -f -- "$log" 2>/dev/null) && realroot=$(readlink -f -- "$MDEV_AGG_ROOT" 2>/dev/null) && [ -n "$realroot" ] || log=',
    '    case $log in "${realroot%/}"/*) ;; *) log= ;; esac',
    '  fi',
    `  [ -n "$log" ] && [ -S "$log" ] && logger --socket "$log" --tag mdev-agg --id=$$ --priority daemon.warning --socket-errors=off -- "op=$2 guest=\\"$guest\\" code=W_CLI_MISSING: cannot run $cli with node; aggregated mdevs are not managed" 2>/dev/null`,
    '  exit 0',
    'fi',
    // The kept copy, from its start.
    '[ -z "$tmp" ] || exec "$node" "$cli" hook run -- "$@" <&5 5<&-',
    'exec "$node" "$cli" hook run -- "$@"',
    '',
  ].join('\n');
}

export const isOurWrapper = (text: string) => text.split('\n', 3).includes(WRAPPER_MARKER);
