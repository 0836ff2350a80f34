/**
 * Generated hostile trees: at random paths of everything the product reads or writes (sysfs
 * attributes and links, the lock and journal, the configuration, sim.json, the hooks directory,
 * the host name files, the VFIO group, and the operator's domain, snapshot, policy, fleet and
 * export paths) a symbolic link out of the root, a link to /dev/zero, a hard link of a file
 * outside, a FIFO, a device node, a socket, a 1.5 GB sparse file, a 5 MB file, a directory or a
 * dangling link. Every command and hook operation then runs on the tree. For every run: an exit
 * code of the contract, no internal error or stack trace, no raw terminal control, done within
 * 10 s; after all of them: nothing outside the root changed, no device appeared, and nothing was
 * created under sys/.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { cli } from '../helpers/cli';
import { domainXml } from '../helpers/domain-builder';
import { Figures } from '../hostile/figures';
import { EXISTING_DIR, EXISTING_UUID, HostTree, NEW_UUID, PARENT, PARENT_DIR, TYPE_DIR, picture } from '../hostile/host-tree';
import { settings } from './settings';

const figures = new Figures();
figures.printAfterAll((n) => [
  `hostile trees: ${n('trees')} trees, ${n('special files')} special files placed, ${n('runs')} runs of ${n('operations')} operations; ${n('outside')} writes outside the root, ${n('hangs')} runs past 10 s, ${n('internal')} internal errors, ${n('leaked')} leaked devices, ${n('created under sys')} files created under sys/`,
]);

/** Paths relative to the scratch directory: `root/…` under the root, the rest the operator's. */
const PATHS = [
  `root/sys/class/mdev_bus/${PARENT}`,
  'root/sys/class/mdev_bus',
  `root/${TYPE_DIR}/create`,
  `root/${TYPE_DIR}/available_instances`,
  `root/${TYPE_DIR}/device_api`,
  `root/${TYPE_DIR}/description`,
  `root/${TYPE_DIR}/name`,
  `root/${TYPE_DIR}/migration_version`,
  `root/${TYPE_DIR}`,
  `root/${PARENT_DIR}/vendor`,
  `root/${PARENT_DIR}/driver`,
  `root/sys/bus/mdev/devices/${EXISTING_UUID}`,
  `root/sys/bus/mdev/devices/${NEW_UUID}`,
  `root/${EXISTING_DIR}/remove`,
  `root/${EXISTING_DIR}/mdev_type`,
  `root/${EXISTING_DIR}/mdev/aggregated_instances`,
  `root/${EXISTING_DIR}/mdev/max_aggregation`,
  'root/sys',
  'root/run',
  'root/run/mdev-agg',
  'root/run/mdev-agg/lock',
  'root/run/mdev-agg/journal.json',
  'root/etc/mdev-agg/config.json',
  'root/etc/mdev-agg',
  'root/sim.json',
  'root/etc/libvirt/hooks/qemu.d',
  'root/etc/libvirt/hooks/qemu.d/mdev-agg',
  'root/etc/hostname',
  'root/proc/sys/kernel/hostname',
  'root/dev/vfio/7',
  'domain.xml',
  'snapshot.xml',
  'policy.json',
  'domains/guest.xml',
  'domains',
  'targets/hv.xml',
  'out',
  `out/${PARENT}`,
  `out/${PARENT}/${NEW_UUID}`,
] as const;

const KINDS = ['link out', 'link to /dev/zero', 'hard link out', 'fifo', 'device node', 'socket', 'sparse 1.5 GB', '5 MB file', 'directory', 'dangling link'] as const;
type Kind = (typeof KINDS)[number];

const DOMAIN = domainXml(
  [
    { uuid: NEW_UUID, type: 'i915-GVTg_V5_8', instances: 2, parent: PARENT, source: { host: 'hv', driver: 'i915', driverVersion: '1', migrationVersion: '8086-591d-i915-GVTg_V5_8-00000001' } },
    { uuid: EXISTING_UUID, type: 'i915-GVTg_V5_8', instances: 4, parent: PARENT },
  ],
  { name: 'tree-guest', form: 'metadata' },
);

/** Sockets need a listening server; they are closed after the tree's runs. */
const servers: ReturnType<typeof createServer>[] = [];

function place(tree: HostTree, rel: string, kind: Kind): void {
  const path = join(tree.scratch, rel);
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { recursive: true, force: true });
  switch (kind) {
    case 'link out': return symlinkSync(join(tree.outside, 'secret'), path);
    case 'link to /dev/zero': return symlinkSync('/dev/zero', path);
    case 'hard link out': return linkSync(join(tree.outside, 'secret'), path);
    case 'fifo': return void spawnSync('mkfifo', [path]);
    case 'device node': {
      // /dev/null's numbers; without the right to make nodes, a link to the node itself.
      if (spawnSync('mknod', [path, 'c', '1', '3']).status !== 0) symlinkSync('/dev/null', path);
      return;
    }
    case 'socket': {
      // A socket's path holds at most 107 bytes: a deep one under a long $TMPDIR is bound through
      // the short name of its directory's descriptor.
      const dir = openSync(dirname(path), 'r');
      const server = createServer();
      server.on('error', (e) => {
        throw new Error(`cannot make the socket ${path}: ${e.message}`);
      });
      server.listen(`/proc/self/fd/${dir}/${basename(path)}`, () => closeSync(dir));
      servers.push(server);
      return;
    }
    case 'sparse 1.5 GB': writeFileSync(path, ''); return truncateSync(path, 1_500_000_000);
    case '5 MB file': return writeFileSync(path, Buffer.alloc(5 * 1024 * 1024, 0x37));
    case 'directory': return void mkdirSync(path);
    case 'dangling link': return symlinkSync(join(tree.outside, 'not-there'), path);
  }
}

/** Every command and hook operation, as an operator and libvirt would call them on this tree. */
const OPERATIONS: [string, (s: string) => string[], string?][] = [
  ['validate', (s) => ['validate', `${s}/domain.xml`]],
  ['plan', (s) => ['plan', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['plan sh', (s) => ['plan', '--root', `${s}/root`, '--format', 'sh', `${s}/domain.xml`]],
  ['plan release', (s) => ['plan', '--root', `${s}/root`, '--release', `${s}/domain.xml`]],
  ['apply', (s) => ['apply', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['apply simulate', (s) => ['apply', '--simulate', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['release', (s) => ['release', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['status', (s) => ['status', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['types', (s) => ['types', '--root', `${s}/root`]],
  ['snapshot', (s) => ['snapshot', '--root', `${s}/root`]],
  ['stamp', (s) => ['stamp', '--root', `${s}/root`, `${s}/domain.xml`]],
  ['embed', (s) => ['embed', `${s}/domain.xml`]],
  ['migrate-check live', (s) => ['migrate-check', '--root', `${s}/root`, `${s}/domain.xml`, '--policy', `${s}/policy.json`]],
  ['migrate-check offline', (s) => ['migrate-check', `${s}/domain.xml`, '--source', `${s}/snapshot.xml`, '--target', `${s}/snapshot.xml`]],
  ['migrate-check fleet', (s) => ['migrate-check', '--domains', `${s}/domains`, '--source-dir', `${s}/targets`, '--targets', `${s}/targets`]],
  ['export', (s) => ['export', '--root', `${s}/root`, `${s}/domain.xml`, '--to', 'mdevctl', '--out', `${s}/out`]],
  ['hook install', (s) => ['hook', 'install', '--root', `${s}/root`]],
  ['hook uninstall', (s) => ['hook', 'uninstall', '--root', `${s}/root`]],
  ['hook prepare', (s) => ['hook', 'run', '--root', `${s}/root`, '--', 'tree-guest', 'prepare', 'begin', '-'], DOMAIN],
  ['hook release', (s) => ['hook', 'run', '--root', `${s}/root`, '--', 'tree-guest', 'release', 'end', '-'], DOMAIN],
  ['hook migrate', (s) => ['hook', 'run', '--root', `${s}/root`, '--', 'tree-guest', 'migrate', 'begin', '-'], DOMAIN],
  ['hook reconnect', (s) => ['hook', 'run', '--root', `${s}/root`, '--', 'tree-guest', 'reconnect', 'begin', '-'], DOMAIN],
];

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** What is under sys/ by path and kind: a file created there (or a kind changed) shows. */
function sysPaths(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(root, rel));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = `${rel}/${name}`;
      const stat = lstatSync(join(root, path));
      out.push(`${path} ${stat.isSymbolicLink() ? 'link' : stat.isDirectory() ? 'dir' : 'other'}`);
      if (stat.isDirectory() && !stat.isSymbolicLink()) walk(path);
    }
  };
  walk('sys');
  return out;
}

const devices = (root: string) => {
  try {
    return readdirSync(join(root, 'sys/bus/mdev/devices')).sort();
  } catch {
    return [];
  }
};

const tree = fc.record({
  host: fc.constant('gvt-attribute'),
  changes: fc.array(fc.record({ path: fc.constantFrom(...PATHS), kind: fc.constantFrom(...KINDS) }), { minLength: 1, maxLength: 3 }),
});

test('GIVEN generated trees with special files at the paths the product uses WHEN every command and hook operation runs THEN each ends by the contract and nothing escapes', async () => {
  await fc.assert(
    fc.asyncProperty(tree, async ({ host, changes }) => {
      figures.add('trees');
      const t = new HostTree(host);
      try {
        writeFileSync(join(t.scratch, 'domain.xml'), DOMAIN);
        writeFileSync(join(t.scratch, 'policy.json'), '{"drivers": {}}');
        mkdirSync(join(t.scratch, 'domains'));
        mkdirSync(join(t.scratch, 'targets'));
        writeFileSync(join(t.scratch, 'domains/guest.xml'), DOMAIN);
        const snapshot = await cli(['snapshot', '--root', t.root, '--name', 'hv']);
        writeFileSync(join(t.scratch, 'snapshot.xml'), snapshot.stdout);
        writeFileSync(join(t.scratch, 'targets/hv.xml'), snapshot.stdout);
        const placed: string[] = [];
        for (const change of changes) {
          // Below a path already replaced there is nothing of the tree left to replace (and a link there leads outside).
          if (placed.some((p) => change.path === p || change.path.startsWith(`${p}/`) || p.startsWith(`${change.path}/`))) continue;
          place(t, change.path, change.kind);
          placed.push(change.path);
          figures.add('special files');
        }
        const outsideBefore = picture(t.outside);
        const devicesBefore = devices(t.root);
        const sysBefore = sysPaths(t.root);
        for (const [, argv, stdin] of OPERATIONS) {
          figures.add('runs');
          const started = Date.now();
          const r = await cli(argv(t.scratch), stdin ?? '');
          if (Date.now() - started > 10_000) figures.add('hangs');
          const output = r.stdout + r.stderr;
          const internal = /internal error|\n\s+at /.test(output);
          if (internal) figures.add('internal');
          expect({ argv: argv('S'), internal, code: [0, 1, 2, 3].includes(r.code), raw: RAW_CONTROL.test(r.stderr) }).toEqual({ argv: argv('S'), internal: false, code: true, raw: false });
        }
        const outsideChanged = JSON.stringify(picture(t.outside)) !== JSON.stringify(outsideBefore);
        if (outsideChanged) figures.add('outside');
        const leaked = devices(t.root).filter((d) => !devicesBefore.includes(d));
        figures.add('leaked', leaked.length);
        const created = sysPaths(t.root).filter((p) => !sysBefore.includes(p));
        figures.add('created under sys', created.length);
        expect({ outsideChanged, leaked, created }).toEqual({ outsideChanged: false, leaked: [], created: [] });
      } finally {
        for (const server of servers.splice(0)) server.close();
        t.remove();
      }
    }),
    settings(100),
  );
  figures.add('operations', OPERATIONS.length);
}, 600_000);
