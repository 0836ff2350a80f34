/**
 * Hostile host trees through the CLI (`types`, `plan`, `apply`/`release` on the real tree, not
 * simulated): links leaving the root, garbage and special files where attributes should be, a
 * device under another parent, a hostile lock and journal. Each case names the code every
 * command must give; nothing outside the root changes and no command creates a file in the tree.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { type MdevDevice, domainXml } from '../helpers/domain-builder';
import { Figures } from './figures';
import { EXISTING_DIR, EXISTING_UUID, HostTree, NEW_UUID, PARENT, PARENT_DIR, TYPE_DIR, picture } from './host-tree';

const figures = new Figures();
figures.printAfterAll((n) => [`hostile host trees: ${n('tried')} tried, ${n('passed')} passed`]);

const DEVICES = {
  /** A device to create: on a plain tree the create write lands in a file and no device appears. */
  new: { uuid: NEW_UUID, type: 'i915-GVTg_V5_8', instances: 2, parent: PARENT },
  /** The same without a parent: placement. */
  placed: { uuid: NEW_UUID, type: 'i915-GVTg_V5_8', instances: 2 },
  /** The device the fixture host already has: apply has nothing to write, release removes it. */
  existing: { uuid: EXISTING_UUID, type: 'i915-GVTg_V5_8', instances: 4, parent: PARENT },
} satisfies Record<string, MdevDevice>;

/** Exit code, first error code (or none), and a warning code that must be reported. */
type Outcome = [number, string, string?];

interface HostTreeCase {
  name: string;
  build: (tree: HostTree) => void;
  domain: keyof typeof DEVICES;
  /** The transaction the case is about. */
  command: 'apply' | 'release';
  types: [number, RegExp | null];
  plan: Outcome;
  run: Outcome;
  /** The root to give instead of the tree's own. */
  root?: (tree: HostTree) => string;
}

const ESCAPE: Outcome = [1, 'E_PATH_ESCAPE'];
const READ: Outcome = [1, 'E_SYSFS_READ'];
const OK: Outcome = [0, 'none'];
/** A journal that cannot be acted on is moved aside and reported (a warning); the run goes on. */
const JOURNAL_SET_ASIDE: Outcome = [0, 'none', 'E_JOURNAL'];
const OUTSIDE = /resolves outside the root/;
/** A root whose sys/ or mdev directories lead out of it is no host: a usage error before any read. */
const NOT_A_HOST: Pick<HostTreeCase, 'types' | 'plan' | 'run'> = { types: [2, /leading outside it/], plan: [2, 'none'], run: [2, 'none'] };
const garbage = (what: string, content: string | Uint8Array): HostTreeCase => ({
  name: `available_instances holds ${what}`,
  build: (t) => t.file(`${TYPE_DIR}/available_instances`, content),
  domain: 'new', command: 'apply', types: [0, /available_instances: (not an unsigned number|read failed: EFBIG)/], plan: READ, run: READ,
});
const journal = (name: string, content: string): HostTreeCase => ({
  name,
  build: (t) => {
    mkdirSync(t.at('run/mdev-agg'), { recursive: true });
    writeFileSync(t.at('run/mdev-agg/journal.json'), content);
  },
  domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: JOURNAL_SET_ASIDE,
});

const CASES: HostTreeCase[] = [
  { name: 'the unchanged tree (the create lands in a plain file; no device appears)', build: () => {}, domain: 'new', command: 'apply', types: [0, null], plan: OK, run: [1, 'E_VERIFY_FAILED'] },
  { name: 'the parent link leaves the root (absolute)', build: (t) => t.link(`sys/class/mdev_bus/${PARENT}`, t.copyOutside(PARENT_DIR, 'parent')), domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'the parent link climbs out of the root with ..', build: (t) => { t.copyOutside(PARENT_DIR, 'parent'); t.link(`sys/class/mdev_bus/${PARENT}`, '../../../../outside/parent'); }, domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'the parent link leaves the root and placement is asked', build: (t) => t.link(`sys/class/mdev_bus/${PARENT}`, t.copyOutside(PARENT_DIR, 'parent')), domain: 'placed', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'class/mdev_bus itself leaves the root (a usage error: not a host)', build: (t) => t.link('sys/class/mdev_bus', t.copyOutside('sys/class/mdev_bus', 'mdev_bus')), domain: 'new', command: 'apply', ...NOT_A_HOST },
  { name: 'sys itself leaves the root (a usage error: not a host)', build: (t) => t.link('sys', t.copyOutside('sys', 'sys')), domain: 'new', command: 'apply', ...NOT_A_HOST },
  { name: 'the type directory leaves the root', build: (t) => t.link(TYPE_DIR, t.copyOutside(TYPE_DIR, 'type')), domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: "the type's create file links to a file outside", build: (t) => t.link(`${TYPE_DIR}/create`, join(t.outside, 'secret')), domain: 'new', command: 'apply', types: [0, null], plan: OK, run: ESCAPE },
  { name: "the type's create file is a dangling link outside", build: (t) => t.link(`${TYPE_DIR}/create`, join(t.outside, 'not-there')), domain: 'new', command: 'apply', types: [0, null], plan: OK, run: ESCAPE },
  { name: 'available_instances links outside', build: (t) => t.link(`${TYPE_DIR}/available_instances`, join(t.outside, 'secret')), domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'device_api links outside', build: (t) => t.link(`${TYPE_DIR}/device_api`, join(t.outside, 'secret')), domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'a planted device link with the new UUID leaves the root', build: (t) => t.link(`sys/bus/mdev/devices/${NEW_UUID}`, t.copyOutside(EXISTING_DIR, 'device')), domain: 'new', command: 'apply', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'bus/mdev/devices itself leaves the root (a usage error: not a host)', build: (t) => t.link('sys/bus/mdev/devices', t.outside), domain: 'new', command: 'apply', ...NOT_A_HOST },
  { name: "an existing device's remove file links outside", build: (t) => t.link(`${EXISTING_DIR}/remove`, join(t.outside, 'secret')), domain: 'existing', command: 'release', types: [0, null], plan: OK, run: ESCAPE },
  { name: "an existing device's mdev_type link leaves the root (release must not call it absent)", build: (t) => t.link(`${EXISTING_DIR}/mdev_type`, t.copyOutside(TYPE_DIR, 'type')), domain: 'existing', command: 'release', types: [0, OUTSIDE], plan: ESCAPE, run: ESCAPE },
  { name: 'run/ (the lock and journal directory) leaves the root', build: (t) => { mkdirSync(join(t.outside, 'run')); t.link('run', join(t.outside, 'run')); }, domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: ESCAPE },
  { name: 'run/mdev-agg leaves the root', build: (t) => { mkdirSync(t.at('run')); t.link('run/mdev-agg', t.outside); }, domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: ESCAPE },
  { name: 'the journal is a link to a file outside', build: (t) => { mkdirSync(t.at('run/mdev-agg'), { recursive: true }); symlinkSync(join(t.outside, 'secret'), t.at('run/mdev-agg/journal.json')); }, domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: JOURNAL_SET_ASIDE },
  { name: 'the lock is a link to a file outside (taken over, never written through)', build: (t) => { mkdirSync(t.at('run/mdev-agg'), { recursive: true }); symlinkSync(join(t.outside, 'secret'), t.at('run/mdev-agg/lock')); }, domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: OK },
  journal('the journal names a path instead of a UUID', JSON.stringify({ pid: 1, kind: 'apply', domain: 'x', entries: [{ uuid: '../../../../etc', parent: PARENT, type: 't', instances: 1, state: 'creating' }] })),
  journal('the journal names an unsafe type', JSON.stringify({ pid: 1, kind: 'apply', domain: 'x', entries: [{ uuid: NEW_UUID, parent: PARENT, type: '../../x', instances: 1, state: 'creating' }] })),
  journal('the journal is not JSON', 'outside data that must not be quoted'),
  journal('the journal is of an unknown kind', JSON.stringify({ pid: 1, kind: 'format', domain: 'x', entries: [] })),
  garbage('letters', 'four\n'),
  garbage('a negative number', '-1\n'),
  garbage('a number above 32 bits', '4294967296\n'),
  garbage('binary bytes', Uint8Array.from([0xff, 0x00, 0x13, 0x0a])),
  garbage('two numbers', '1 2\n'),
  garbage('1 MB', Buffer.alloc(1024 * 1024, 0x31)),
  { name: 'available_instances is a FIFO (no hang)', build: (t) => { rmSync(t.at(`${TYPE_DIR}/available_instances`)); execFileSync('mkfifo', [t.at(`${TYPE_DIR}/available_instances`)]); }, domain: 'new', command: 'apply', types: [0, /available_instances: read failed/], plan: READ, run: READ },
  { name: 'available_instances is a directory', build: (t) => { rmSync(t.at(`${TYPE_DIR}/available_instances`)); mkdirSync(t.at(`${TYPE_DIR}/available_instances`)); }, domain: 'new', command: 'apply', types: [0, /EISDIR/], plan: READ, run: READ },
  { name: 'available_instances is missing', build: (t) => rmSync(t.at(`${TYPE_DIR}/available_instances`)), domain: 'new', command: 'apply', types: [0, /available_instances: missing/], plan: READ, run: READ },
  { name: 'device_api is missing', build: (t) => rmSync(t.at(`${TYPE_DIR}/device_api`)), domain: 'new', command: 'apply', types: [0, /device_api: missing/], plan: READ, run: READ },
  { name: 'the description (which announces aggregation) holds control bytes', build: (t) => t.file(`${TYPE_DIR}/description`, 'aggregation: yes\u001b[2J\n'), domain: 'new', command: 'apply', types: [0, /description: not text/], plan: READ, run: READ },
  { name: 'a type name carrying a C1 escape and a bidi override (printed by types) is refused', build: (t) => t.file(`${TYPE_DIR}/name`, 'GVT\u009b2J\u202eevil\n'), domain: 'existing', command: 'apply', types: [0, /name: not text/], plan: OK, run: OK },
  { name: 'create is missing (no file is made)', build: (t) => rmSync(t.at(`${TYPE_DIR}/create`)), domain: 'new', command: 'apply', types: [0, null], plan: OK, run: [1, 'E_SYSFS_WRITE'] },
  { name: 'create is a directory', build: (t) => { rmSync(t.at(`${TYPE_DIR}/create`)); mkdirSync(t.at(`${TYPE_DIR}/create`)); }, domain: 'new', command: 'apply', types: [0, null], plan: OK, run: [1, 'E_SYSFS_WRITE'] },
  { name: 'create is a FIFO (no hang)', build: (t) => { rmSync(t.at(`${TYPE_DIR}/create`)); execFileSync('mkfifo', [t.at(`${TYPE_DIR}/create`)]); }, domain: 'new', command: 'apply', types: [0, null], plan: OK, run: [1, 'E_SYSFS_WRITE'] },
  { name: "an existing device's count holds garbage (release must not call it absent)", build: (t) => t.file(`${EXISTING_DIR}/mdev/aggregated_instances`, 'lots\n'), domain: 'existing', command: 'release', types: [0, /aggregated_instances/], plan: READ, run: READ },
  {
    name: 'the device link points at a device under another parent',
    build: (t) => {
      const other = 'sys/devices/pci0000:00/0000:00:03.0';
      mkdirSync(t.at(`${other}/mdev_supported_types`), { recursive: true });
      execFileSync('cp', ['-a', t.at(TYPE_DIR), t.at(`${other}/mdev_supported_types/`)]);
      execFileSync('mv', [t.at(EXISTING_DIR), t.at(`${other}/${EXISTING_UUID}`)]);
      t.link(`sys/bus/mdev/devices/${EXISTING_UUID}`, `../../../devices/pci0000:00/0000:00:03.0/${EXISTING_UUID}`);
      symlinkSync('../../devices/pci0000:00/0000:00:03.0', t.at('sys/class/mdev_bus/0000:00:03.0'));
    },
    domain: 'existing', command: 'apply', types: [0, null], plan: [1, 'E_DEVICE_CONFLICT'], run: [1, 'E_DEVICE_CONFLICT'],
  },
  { name: 'an unsafe name in class/mdev_bus is skipped', build: (t) => symlinkSync(`../../${PARENT_DIR.slice(4)}`, t.at('sys/class/mdev_bus/evil name\n')), domain: 'existing', command: 'apply', types: [0, /unsafe parent name/], plan: OK, run: OK },
  { name: "the parent's driver link leaves the root (a fact apply does not need)", build: (t) => t.link(`${PARENT_DIR}/driver`, t.outside), domain: 'existing', command: 'apply', types: [0, OUTSIDE], plan: OK, run: OK },
  { name: 'a root without sys at all (a usage error: not a host)', build: (t) => rmSync(t.at('sys'), { recursive: true }), domain: 'new', command: 'apply', types: [2, /has no sys\/ directory/], plan: [2, 'none'], run: [2, 'none'] },
  { name: 'a root that does not exist', build: () => {}, root: (t) => join(t.scratch, 'no-such-root'), domain: 'new', command: 'apply', types: [2, /does not exist/], plan: [2, 'none'], run: [2, 'none'] },
  { name: 'a root that is itself a link (followed: its target is the root)', build: (t) => symlinkSync(t.root, join(t.scratch, 'root-link')), root: (t) => join(t.scratch, 'root-link'), domain: 'existing', command: 'apply', types: [0, null], plan: OK, run: OK },
  {
    name: 'a root that is a link, with a create link leaving its target through the link',
    build: (t) => { symlinkSync(t.root, join(t.scratch, 'root-link')); t.link(`${TYPE_DIR}/create`, join(t.scratch, 'root-link', '..', 'outside', 'secret')); },
    root: (t) => join(t.scratch, 'root-link'), domain: 'new', command: 'apply', types: [0, null], plan: OK, run: ESCAPE,
  },
];

const STACK_TRACE = /\n\s+at /;

function expectOutcome(result: { code: number; stdout: string; stderr: string }, [exit, code, warning]: Outcome) {
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(STACK_TRACE);
  expect(output).not.toMatch(/internal error/);
  const errors = [...output.matchAll(/\berror (E_[A-Z_]+)/g)].map((m) => m[1]);
  if (code === 'none') expect(errors).toEqual([]);
  else expect(errors[0]).toBe(code);
  if (warning) expect(output).toMatch(new RegExp(`\\bwarning ${warning}\\b`));
  expect(result.code).toBe(exit);
}

describe.each(CASES)('$name', (c) => {
  test(`types ${c.types[0]}, plan ${c.plan.join(' ')}, ${c.command} ${c.run.join(' ')}`, async () => {
    figures.add('tried');
    const tree = new HostTree();
    try {
      c.build(tree);
      const root = c.root?.(tree) ?? tree.root;
      const file = join(tree.scratch, 'domain.xml');
      writeFileSync(file, domainXml([DEVICES[c.domain]], { name: 'hostile-tree' }));
      const outsideBefore = picture(tree.outside);
      const treePaths = () => Object.keys(picture(tree.root, (rel) => rel === 'run'));
      const pathsBefore = treePaths();

      const types = await cli(['types', '--root', root]);
      expect(types.stdout + types.stderr).not.toMatch(STACK_TRACE);
      // What the tree holds is never printed raw: no control, invisible or bidi character.
      expect(types.stdout + types.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/);
      expect(types.code).toBe(c.types[0]);
      if (c.types[1]) expect(types.stderr).toMatch(c.types[1]);
      expectOutcome(await cli(['plan', '--root', root, ...(c.command === 'release' ? ['--release'] : []), file]), c.plan);
      expectOutcome(await cli([c.command, '--root', root, file]), c.run);

      expect(picture(tree.outside)).toEqual(outsideBefore);
      expect(readFileSync(join(tree.outside, 'secret'), 'utf8')).toBe('outside data\n');
      expect(treePaths()).toEqual(pathsBefore);
    } finally {
      tree.remove();
    }
    figures.add('passed');
  });
});
