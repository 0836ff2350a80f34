/**
 * mdev-agg(1), written from the command table (src/cli/command-table.ts), so the manual says what
 * `--help` says. The build writes it to dist/man/mdev-agg.1 (npm's `man`, the Debian package).
 */
import { COMMANDS, type CommandSpec, GLOBAL_OPTIONS, type OptionSpec } from './command-table';

/** roff text: a backslash is written `\e`, a leading `.` or `'` is protected, `-` stays a hyphen-minus. */
const roff = (text: string) =>
  text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1');

function options(specs: Record<string, OptionSpec>): string[] {
  return Object.entries(specs).flatMap(([name, o]) => ['.TP', `.B ${roff(`${o.short ? `-${o.short}, ` : ''}--${name}`)}${o.arg ? ` \\fI${roff(o.arg)}\\fR` : ''}`, roff(o.help)]);
}

function command(spec: CommandSpec): string[] {
  return [
    '.SS',
    `.B ${roff(spec.name)}`,
    ...spec.usage.split('\n').flatMap((u) => ['.PP', `.nf`, roff(u.trim()), '.fi']),
    '.PP',
    roff(spec.description.replace(/\n/g, ' ')),
    ...options(spec.options),
    '.PP',
    'Example:',
    '.PP',
    '.RS',
    '.nf',
    roff(spec.example),
    '.fi',
    '.RE',
  ];
}

export function manPage(version: string, date: string): string {
  const lines = [
    `.TH MDEV\\-AGG 1 "${date}" "mdev\\-agg ${roff(version)}" "User Commands"`,
    '.SH NAME',
    'mdev\\-agg \\- aggregated VFIO mediated devices for libvirt',
    '.SH SYNOPSIS',
    '.B mdev\\-agg',
    '\\fICOMMAND\\fR [\\fIARGS\\fR] [\\fB\\-\\-root\\fR \\fIDIR\\fR] [\\fB\\-\\-json\\fR] [\\fB\\-\\-quiet\\fR]',
    '.SH DESCRIPTION',
    roff(
      'mdev-agg reads libvirt domain XML that asks for aggregated mediated devices (one mdev carrying N instances of a type), ' +
        'turns it into the sysfs writes the kernel\'s aggregation interface needs, creates and removes those devices under a host-wide lock ' +
        'with a journal and rollback, and checks whether a destination host can take a domain before a live migration. ' +
        'As a libvirt qemu hook it creates a guest\'s devices before QEMU starts and removes them when the guest stops.',
    ),
    '.SH COMMANDS',
    ...[...COMMANDS.values()].flatMap(command),
    '.SH GLOBAL OPTIONS',
    ...options(GLOBAL_OPTIONS),
    '.SH EXIT STATUS',
    '.TP',
    '.B 0',
    'success (valid, applied, compatible)',
    '.TP',
    '.B 1',
    'a definite no (diagnostics, refused by the host, rolled back, incompatible)',
    '.TP',
    '.B 2',
    'usage error, unreadable input file or unwritable standard output',
    '.TP',
    '.B 3',
    'a host failure that could not be rolled back cleanly',
    '.SH ENVIRONMENT',
    '.TP',
    '.B MDEV_AGG_ROOT',
    roff('The host root when --root is not given (default /): every host path, the lock, the journal, the configuration and the system log socket are taken under it. An empty value is the same as none; an empty --root is a usage error.'),
    '.SH FILES',
    '.TP',
    '.I /etc/libvirt/hooks/qemu.d/mdev\\-agg',
    roff('The qemu hook wrapper (hook install). libvirtd reads hooks when it starts: restart it after installing or removing one.'),
    '.TP',
    '.I /etc/mdev\\-agg/config.json',
    roff('Lock timeout, driver policy and unknown-driver rule for apply, release and the hook.'),
    '.TP',
    '.I /run/mdev\\-agg/',
    roff('The host-wide lock and the journal of the run holding it.'),
    '.TP',
    '.I /dev/log',
    roff('Every line the hook writes, and each device apply, release and the hook create or remove, goes to syslog with the tag mdev-agg: journalctl -t mdev-agg.'),
    '.SH SEE ALSO',
    '.BR virsh (1),',
    '.BR mdevctl (8),',
    '.BR logger (1)',
  ];
  return `${lines.join('\n')}\n`;
}
