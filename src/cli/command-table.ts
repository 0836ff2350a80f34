/**
 * The command table: names, options, help with an example, and a loader per command so that a
 * run pays only for the command it runs.
 */
import type { CommandContext, ExitCode } from './context';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  help: string;
  arg?: string;
}

export type Handler = (context: CommandContext) => Promise<ExitCode> | ExitCode;

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  description: string;
  example: string;
  positionals: [min: number, max: number];
  positionalName: string;
  options: Record<string, OptionSpec>;
  load(): Promise<Handler> | Handler;
}

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  root: { type: 'string', help: 'host root (default: $MDEV_AGG_ROOT, else /)', arg: 'DIR' },
  json: { type: 'boolean', help: 'machine-readable output' },
  quiet: { type: 'boolean', short: 'q', help: 'errors only' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  version: { type: 'boolean', short: 'V', help: 'show the version' },
};

const MANY = Number.MAX_SAFE_INTEGER;
/** apply and release: the same run on a kernel simulated from the host's tree. */
const SIMULATE_TRANSACTION: OptionSpec = { type: 'boolean', help: 'run on a simulated kernel seeded from the host; write nothing' };

const specs: CommandSpec[] = [
  {
    name: 'validate',
    usage: 'mdev-agg validate FILE... [--json] [--jobs N]',
    summary: 'check domain XML for aggregated mdev problems',
    description:
      'Reads each libvirt domain XML file (- for standard input) and reports every problem with its\n' +
      'aggregated mdev devices: code, file, line and column. Exit 0 when no file has an error, 1 when\n' +
      'one has, 2 when a file cannot be read. Long lists are read on several threads; the output is\n' +
      'the same, in the order the files were given.',
    example: 'mdev-agg validate /etc/libvirt/qemu/*.xml',
    positionals: [1, MANY],
    positionalName: 'FILE',
    options: {
      jobs: { type: 'string', help: 'threads reading files (default: one per 2,500 files, at most the CPUs available and 4)', arg: 'N' },
    },
    load: () => require('./commands/validate').validateCommand,
  },
  {
    name: 'embed',
    usage: 'mdev-agg embed FILE',
    summary: 'move inline <aggregation> elements into the metadata container',
    description:
      'Prints the domain with each inline <aggregation> moved into <metadata> (the form libvirt keeps).\n' +
      'Everything outside the edited elements stays byte-identical.',
    example: 'mdev-agg embed guest.xml > guest-deployed.xml',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: {},
    load: () => require('./commands/embed').embedCommand,
  },
  {
    name: 'add',
    usage: 'mdev-agg add FILE --type T --instances N [--parent P] [--model M] [--uuid U | --deterministic]',
    summary: 'add an aggregated mdev hostdev to a domain',
    description:
      'Prints the domain with one more mdev hostdev and its aggregation entry in <metadata>.\n' +
      'The UUID is --uuid, or with --deterministic a name-based (v5) UUID of the domain UUID and the\n' +
      'device index (the same input gives the same UUID), else a random one.',
    example: 'mdev-agg add guest.xml --type i915-GVTg_V5_8 --instances 4 --parent 0000:00:02.0 --deterministic',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: {
      type: { type: 'string', help: 'mdev type id, e.g. i915-GVTg_V5_8', arg: 'T' },
      instances: { type: 'string', help: 'aggregated instances, 1..2147483647', arg: 'N' },
      parent: { type: 'string', help: 'parent device, e.g. 0000:00:02.0 (default: placement picks)', arg: 'P' },
      model: { type: 'string', help: 'vfio-pci (default), vfio-ccw or vfio-ap', arg: 'M' },
      method: { type: 'string', help: 'auto (default), create-option or attribute', arg: 'M' },
      uuid: { type: 'string', help: 'the mdev UUID', arg: 'U' },
      deterministic: { type: 'boolean', help: 'derive the UUID from the domain UUID and device index' },
    },
    load: () => require('./commands/add').addCommand,
  },
  {
    name: 'plan',
    usage: 'mdev-agg plan FILE [--format text|json|sh] [--release]',
    summary: 'the exact sysfs operations that would create the domain\'s devices',
    description:
      'Reads the host under the root and prints, per aggregated mdev, the checks and writes that create\n' +
      'it in its kernel dialect, with the rollback. Nothing is written. --format sh prints a POSIX\n' +
      'script making the same writes with the same checks (audit, hosts without Node).',
    example: 'mdev-agg plan guest.xml --format sh > create-mdevs.sh',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: {
      format: { type: 'string', help: 'text (default), json or sh', arg: 'F' },
      release: { type: 'boolean', help: 'plan the removal instead' },
    },
    load: () => require('./commands/plan').planCommand,
  },
  {
    name: 'apply',
    usage: 'mdev-agg apply FILE [--simulate]',
    summary: 'create the domain\'s aggregated mdevs (idempotent, rolled back on failure)',
    description:
      'Under the host lock, creates each aggregated mdev the domain declares and verifies it. Devices\n' +
      'already present as declared are left as they are. On any failure the devices created by this\n' +
      'run are removed, newest first. --simulate runs on a kernel simulated from the host\'s tree and\n' +
      'writes nothing.',
    example: 'mdev-agg apply guest.xml --simulate',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: { simulate: SIMULATE_TRANSACTION },
    load: () => require('./commands/transact').applyCommand,
  },
  {
    name: 'release',
    usage: 'mdev-agg release FILE [--simulate]',
    summary: 'remove the domain\'s aggregated mdevs that exist as declared',
    description: 'Removes each declared device that exists with the declared type and count; anything else is left alone.',
    example: 'mdev-agg release guest.xml',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: { simulate: SIMULATE_TRANSACTION },
    load: () => require('./commands/transact').releaseCommand,
  },
  {
    name: 'status',
    usage: 'mdev-agg status FILE',
    summary: 'desired against actual, per device',
    description: 'Exit 0 when every aggregated mdev of the domain exists as declared, 1 otherwise.',
    example: 'mdev-agg status guest.xml --json',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: {},
    load: () => require('./commands/status').statusCommand,
  },
  {
    name: 'types',
    usage: 'mdev-agg types',
    summary: 'parents, types, aggregation dialect and maximum',
    description: 'Lists the host\'s mdev parents and their types with available instances, device API and aggregation.',
    example: 'mdev-agg types --json',
    positionals: [0, 0],
    positionalName: '',
    options: {},
    load: () => require('./commands/types-command').typesCommand,
  },
  {
    name: 'snapshot',
    usage: 'mdev-agg snapshot [--name HOST] [--json]',
    summary: 'the host snapshot: parents, types, drivers, migration_version, devices',
    description:
      'Prints what this host offers as a host snapshot (schemas/host.rng, namespace urn:mdev-agg:host:1):\n' +
      'per parent its driver, version and PCI ids, per type its dialect, maximum, available instances and\n' +
      'migration_version, and the existing mdevs. migrate-check reads it as a source or target. The host\n' +
      'name is --name, else the root\'s /proc/sys/kernel/hostname or /etc/hostname; the time is\n' +
      'SOURCE_DATE_EPOCH when set, else now.',
    example: 'mdev-agg snapshot > /var/lib/mdev-agg/snapshots/$(hostname).xml',
    positionals: [0, 0],
    positionalName: '',
    options: { name: { type: 'string', help: 'host name to record (default: the host\'s own)', arg: 'HOST' } },
    load: () => require('./commands/snapshot').snapshotCommand,
  },
  {
    name: 'stamp',
    usage: 'mdev-agg stamp FILE [--name HOST]',
    summary: 'the domain with <agg:source> filled from this host, for migration checks',
    description:
      'Prints the domain with an <agg:source host driver driverVersion migrationVersion/> in each\n' +
      'aggregated mdev\'s metadata entry: this host\'s name, the device\'s parent\'s driver and version,\n' +
      'and the migration_version of its type, where the host has them. The parent is the one the device\n' +
      'runs on, else the one the domain names, else the one offering the type. Devices written only\n' +
      'inline are moved into <metadata> first (as embed does). An existing stamp is replaced. The rest\n' +
      'of the file stays byte-identical.',
    example: 'mdev-agg stamp guest.xml > guest-stamped.xml',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: { name: { type: 'string', help: 'host name to record (default: the host\'s own)', arg: 'HOST' } },
    load: () => require('./commands/stamp').stampCommand,
  },
  {
    name: 'migrate-check',
    usage:
      'mdev-agg migrate-check FILE [--source SNAP] [--target SNAP | --simulate] [--policy FILE] [--allow-unknown-driver] [--migration-parent prefer|require]\n' +
      '       mdev-agg migrate-check --domains DIR --source-dir DIR --targets DIR [--policy FILE] [--allow-unknown-driver] [--migration-parent prefer|require]',
    summary: 'can the target host take this domain: type, count and driver, per device',
    description:
      'Checks each aggregated mdev of the domain on three points: type (the source runs the declared\n' +
      'type and the target offers it), count (the source runs the declared count and the target can\n' +
      'create exactly that count) and driver (migration_version where both sides have it, else driver\n' +
      'name and version, or a version pair the --policy file allows). Source facts come from the --source\n' +
      'snapshot, else from the domain\'s <agg:source> stamps. The target is the --target snapshot, else\n' +
      'this host: where its types are on sysfs, the source migration_version is written to the target\n' +
      'type\'s migration_version and the kernel decides (the only write); elsewhere it is compared as\n' +
      'offline. Unknown driver facts fail unless --allow-unknown-driver. A parent the domain names is a\n' +
      'card of the source: kept on the target when it can take the device, else the device is placed\n' +
      'where most room is left (--migration-parent require: kept or refused; config migrationParent).\n' +
      'Exit 0 compatible, 1 not. Fleet mode lists, per domain in --domains, the targets in --targets that\n' +
      'can take it; its source snapshot is <source-dir>/<host>.xml for the host its stamp names, else the\n' +
      'snapshot there named after that host, else the one holding its devices. Exit 0 when every domain\n' +
      'has a target and every input reads.',
    example: 'mdev-agg migrate-check guest.xml --source hv-a.xml --target hv-b.xml',
    positionals: [0, 1],
    positionalName: 'FILE',
    options: {
      source: { type: 'string', help: 'source host snapshot (default: the domain\'s stamps)', arg: 'SNAP' },
      target: { type: 'string', help: 'target host snapshot (default: this host, live)', arg: 'SNAP' },
      simulate: { type: 'boolean', help: 'live check on a kernel simulated from the host; nothing is written' },
      policy: { type: 'string', help: 'driver versions allowed to migrate to one another (JSON)', arg: 'FILE' },
      'allow-unknown-driver': { type: 'boolean', help: 'an unknown driver check does not fail the verdict' },
      'migration-parent': { type: 'string', help: 'a named parent the target cannot use: prefer (place elsewhere) or require (refuse)', arg: 'RULE' },
      domains: { type: 'string', help: 'fleet mode: the domain XML files (*.xml) to place', arg: 'DIR' },
      'source-dir': { type: 'string', help: 'fleet mode: source host snapshots, <host>.xml', arg: 'DIR' },
      targets: { type: 'string', help: 'fleet mode: target host snapshots (*.xml)', arg: 'DIR' },
    },
    load: () => require('./commands/migrate-check').migrateCheckCommand,
  },
  {
    name: 'hook',
    usage: 'mdev-agg hook run GUEST OP SUBOP EXTRA < domain.xml | mdev-agg hook install [--hooks-dir DIR [--create]] | mdev-agg hook uninstall [--hooks-dir DIR]',
    summary: 'the libvirt qemu hook: run it, install or remove its wrapper',
    description:
      'run: what libvirt\'s qemu hook does for OP with the domain XML on standard input: prepare and\n' +
      'restore create the aggregated mdevs (a failure aborts the start), release removes them, migrate\n' +
      'checks an incoming domain against this host and prints the XML with its placement when it\n' +
      'differs, reconnect only reports; other operations do nothing. install writes an executable\n' +
      'wrapper to <root>/etc/libvirt/hooks/qemu.d/mdev-agg (or --hooks-dir DIR, which must exist unless\n' +
      '--create is given: a mistyped directory is a hook libvirt never runs) that runs this CLI;\n' +
      'uninstall removes it. libvirtd sees a new hook after a restart or SIGHUP.',
    example: 'mdev-agg hook install && systemctl restart libvirtd',
    positionals: [1, 5],
    positionalName: 'run|install|uninstall',
    options: {
      'hooks-dir': { type: 'string', help: 'install or uninstall here instead of <root>/etc/libvirt/hooks/qemu.d', arg: 'DIR' },
      create: { type: 'boolean', help: 'install: create the --hooks-dir directory when it does not exist' },
    },
    load: () => require('./commands/hook').hookCommand,
  },
  {
    name: 'export',
    usage: 'mdev-agg export FILE --to mdevctl|nodedev [--out DIR]',
    summary: 'the domain\'s aggregated mdevs as mdevctl configs or libvirt node-device XML',
    description:
      'mdevctl: prints the devices as `mdevctl list --defined --dumpjson` would; with --out DIR writes\n' +
      'one config per device as DIR/<parent>/<uuid> (mdevctl\'s /etc/mdevctl.d layout). nodedev: prints\n' +
      'libvirt node-device XML per device; with --out DIR writes DIR/<node device name>.xml. The\n' +
      'count travels as the attribute mdev/aggregated_instances (the attribute generation); the\n' +
      'create-option generation has no such form and is refused. A device without a parent gets the\n' +
      'parent placement picks on this host.',
    example: 'mdev-agg export guest.xml --to mdevctl --out /etc/mdevctl.d',
    positionals: [1, 1],
    positionalName: 'FILE',
    options: {
      to: { type: 'string', help: 'mdevctl or nodedev', arg: 'FORMAT' },
      out: { type: 'string', help: 'write one file per device under DIR', arg: 'DIR' },
    },
    load: () => require('./commands/export').exportCommand,
  },
];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(specs.map((s) => [s.name, s]));

function optionLines(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.arg ? ` ${o.arg}` : ''}`;
    return `  ${flag.padEnd(26)} ${o.help}`;
  });
}

export function mainHelp(): string {
  const lines = [
    'mdev-agg: aggregated VFIO mediated devices for libvirt',
    '',
    'Usage: mdev-agg COMMAND [ARGS] [--root DIR] [--json] [--quiet]',
    '',
    'Commands:',
    ...[...COMMANDS.values()].map((s) => `  ${s.name.padEnd(14)} ${s.summary}`),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 success, 1 a definite no (diagnostics, incompatible, refused, rolled back),',
    '2 usage error, unreadable input or unwritable output, 3 host failure not cleanly rolled back.',
    "Run 'mdev-agg COMMAND --help' for a command's options and an example.",
  ];
  return lines.join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `Usage: ${spec.usage}`,
    '',
    spec.description,
    '',
    ...(Object.keys(spec.options).length ? ['Options:', ...optionLines(spec.options), ''] : []),
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Example:',
    `  ${spec.example}`,
  ].join('\n');
}
