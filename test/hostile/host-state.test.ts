/**
 * Hostile host state and operator inputs, class by class, through the built CLI as separate
 * processes (each bounded to 10 s, so a hang is seen as one): hard links in place of attribute
 * files, operator paths through links, reads of links out of the root, FIFOs, /dev/zero and sparse
 * giants, damaged journals and lock directories, raw terminal control, edits near the size limit,
 * JSON inputs that disagree, and locks of reused pids. Per class the figures: cases, writes
 * outside the root, hangs past 10 s, internal errors, leaked devices.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli } from '../helpers/built-cli';
import { CONFIG_FILE } from '../helpers/config-builder';
import { type MdevDevice, domainXml, hostdevXml } from '../helpers/domain-builder';
import { removeTempDir, tempDir } from '../helpers/temp-dir';
import { Figures } from './figures';
import { EXISTING_DIR, EXISTING_UUID, HostTree, NEW_UUID, PARENT, TYPE_DIR, picture } from './host-tree';

const figures = new Figures();
const CLASSES = ['hard links', 'operator paths', 'unguarded reads', 'journal and lock directory', 'terminal control', 'edits near the limit', 'JSON inputs', 'reused pids', 'hook stdin'] as const;
type Class = (typeof CLASSES)[number];
figures.printAfterAll((n) =>
  CLASSES.map((c) => `${c}: ${n(`${c} cases`)} cases, ${n(`${c} outside`)} writes outside the root, ${n(`${c} hangs`)} hangs past 10 s, ${n(`${c} internal`)} internal errors, ${n(`${c} leaked`)} leaked devices`),
);

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const device = (uuid: string, instances: number): MdevDevice => ({ uuid, type: 'i915-GVTg_V5_8', instances, parent: PARENT });
const NEW = domainXml([device(NEW_UUID, 2)], { name: 'guest' });
const EXISTING = domainXml([device(EXISTING_UUID, 4)], { name: 'guest' });
const STAMPED = domainXml(
  [{ ...device(NEW_UUID, 2), source: { host: 'hv-a', driver: 'i915', driverVersion: '1', migrationVersion: '8086-591d-i915-GVTg_V5_8-00000001' } }],
  { name: 'guest', form: 'metadata' },
);

interface Run {
  argv: (t: HostTree) => string[];
  stdin?: string;
  /** The exit code, and a code or text the output must hold. */
  expect: [number, RegExp | null];
}

interface Case {
  klass: Class;
  name: string;
  build: (t: HostTree) => void;
  runs: Run[];
}

const mkfifo = (path: string) => {
  rmSync(path, { recursive: true, force: true });
  spawnSync('mkfifo', [path]);
};
const sparse = (path: string, bytes: number) => {
  writeFileSync(path, '');
  truncateSync(path, bytes);
};
const file = (t: HostTree, name: string, content: string) => {
  const path = join(t.scratch, name);
  writeFileSync(path, content);
  return path;
};
const root = (t: HostTree) => ['--root', t.root];
// The configuration's path only: each case plants its own hostile file there.
const configAt = (t: HostTree) => {
  mkdirSync(t.at('etc/mdev-agg'), { recursive: true });
  return t.at(CONFIG_FILE);
};
const hookRun = (op: string, sub: string): ((t: HostTree) => string[]) => (t) => ['hook', 'run', ...root(t), '--', 'guest', op, sub, '-'];
const apply = (xml = NEW): ((t: HostTree) => string[]) => (t) => ['apply', ...root(t), file(t, 'd.xml', xml)];

const CASES: Case[] = [
  // Writes outside the root through hard links: resolving links cannot see them.
  { klass: 'hard links', name: "a type's create is a hard link of a file outside", build: (t) => { rmSync(t.at(`${TYPE_DIR}/create`)); linkSync(join(t.outside, 'secret'), t.at(`${TYPE_DIR}/create`)); }, runs: [{ argv: apply(), expect: [1, /E_FILE_HARD_LINK/] }] },
  { klass: 'hard links', name: "a type's create has a second name outside", build: (t) => linkSync(t.at(`${TYPE_DIR}/create`), join(t.outside, 'create')), runs: [{ argv: apply(), expect: [1, /E_FILE_HARD_LINK/] }] },
  { klass: 'hard links', name: "a device's remove is a hard link of a file outside", build: (t) => { rmSync(t.at(`${EXISTING_DIR}/remove`)); linkSync(join(t.outside, 'secret'), t.at(`${EXISTING_DIR}/remove`)); }, runs: [{ argv: (t) => ['release', ...root(t), file(t, 'd.xml', EXISTING)], expect: [1, /E_FILE_HARD_LINK/] }] },
  { klass: 'hard links', name: "a type's migration_version is a hard link of a file outside (a stamp's text would land there)", build: (t) => { rmSync(t.at(`${TYPE_DIR}/migration_version`)); linkSync(join(t.outside, 'secret'), t.at(`${TYPE_DIR}/migration_version`)); }, runs: [{ argv: (t) => ['migrate-check', ...root(t), file(t, 'd.xml', STAMPED)], expect: [1, null] }, { argv: hookRun('migrate', 'begin'), stdin: STAMPED, expect: [1, null] }] },
  { klass: 'hard links', name: 'the hook wrapper is a hard link of a file outside (refused as a hard link, never written through)', build: (t) => { mkdirSync(t.at('etc/libvirt/hooks/qemu.d'), { recursive: true }); linkSync(join(t.outside, 'secret'), t.at('etc/libvirt/hooks/qemu.d/mdev-agg')); }, runs: [{ argv: (t) => ['hook', 'install', ...root(t)], expect: [1, /E_FILE_HARD_LINK/] }] },

  // Operator paths that follow links out of the root.
  { klass: 'operator paths', name: 'hook install --root R with R/etc a link outside', build: (t) => symlinkSync(t.outside, t.at('etc')), runs: [{ argv: (t) => ['hook', 'install', ...root(t)], expect: [1, /E_PATH_ESCAPE/] }] },
  { klass: 'operator paths', name: 'hook install --root R with the hooks directory a link outside', build: (t) => { mkdirSync(t.at('etc/libvirt/hooks'), { recursive: true }); symlinkSync(t.outside, t.at('etc/libvirt/hooks/qemu.d')); }, runs: [{ argv: (t) => ['hook', 'install', ...root(t)], expect: [1, /E_PATH_ESCAPE/] }, { argv: (t) => ['hook', 'uninstall', ...root(t)], expect: [1, /E_PATH_ESCAPE/] }] },
  { klass: 'operator paths', name: 'hook install --root R --hooks-dir R/link with link leading outside (also through a relative link, and with --create)', build: (t) => { symlinkSync(t.outside, t.at('link')); symlinkSync('../outside', t.at('rel')); }, runs: [{ argv: (t) => ['hook', 'install', ...root(t), '--hooks-dir', t.at('link')], expect: [1, /E_PATH_ESCAPE/] }, { argv: (t) => ['hook', 'install', ...root(t), '--hooks-dir', t.at('rel/qemu.d'), '--create'], expect: [1, /E_PATH_ESCAPE/] }, { argv: (t) => ['hook', 'uninstall', ...root(t), '--hooks-dir', t.at('link')], expect: [1, /E_PATH_ESCAPE/] }] },
  { klass: 'operator paths', name: 'hook install where the wrapper is a FIFO', build: (t) => { mkdirSync(t.at('etc/libvirt/hooks/qemu.d'), { recursive: true }); mkfifo(t.at('etc/libvirt/hooks/qemu.d/mdev-agg')); }, runs: [{ argv: (t) => ['hook', 'install', ...root(t)], expect: [1, /E_FILE_TYPE/] }] },
  { klass: 'operator paths', name: 'export --out DIR with DIR/<parent> a link outside', build: (t) => { mkdirSync(join(t.scratch, 'out')); symlinkSync(t.outside, join(t.scratch, 'out', PARENT)); }, runs: [{ argv: (t) => ['export', ...root(t), file(t, 'd.xml', NEW), '--to', 'mdevctl', '--out', join(t.scratch, 'out')], expect: [1, /E_PATH_ESCAPE/] }] },
  { klass: 'operator paths', name: 'export --out DIR with the device file a FIFO', build: (t) => { mkdirSync(join(t.scratch, 'out', PARENT), { recursive: true }); mkfifo(join(t.scratch, 'out', PARENT, NEW_UUID)); }, runs: [{ argv: (t) => ['export', ...root(t), file(t, 'd.xml', NEW), '--to', 'mdevctl', '--out', join(t.scratch, 'out')], expect: [0, /wrote/] }] },
  { klass: 'operator paths', name: 'export --out DIR with the device file a link outside', build: (t) => { mkdirSync(join(t.scratch, 'out', PARENT), { recursive: true }); symlinkSync(join(t.outside, 'secret'), join(t.scratch, 'out', PARENT, NEW_UUID)); }, runs: [{ argv: (t) => ['export', ...root(t), file(t, 'd.xml', NEW), '--to', 'mdevctl', '--out', join(t.scratch, 'out')], expect: [0, /wrote/] }] },

  // Reads: links out of the root, FIFOs, /dev/zero, sparse giants.
  { klass: 'unguarded reads', name: 'config.json links to a file outside (never read or echoed)', build: (t) => symlinkSync(join(t.outside, 'secret'), configAt(t)), runs: [{ argv: apply(EXISTING), expect: [2, /E_CONFIG_INVALID.*outside the root/] }, { argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [1, /E_CONFIG_INVALID/] }] },
  { klass: 'unguarded reads', name: 'config.json is a FIFO', build: (t) => mkfifo(configAt(t)), runs: [{ argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [1, /E_CONFIG_INVALID.*FIFO/] }, { argv: hookRun('release', 'end'), stdin: NEW, expect: [0, /E_CONFIG_INVALID/] }, { argv: hookRun('migrate', 'begin'), stdin: STAMPED, expect: [1, /E_CONFIG_INVALID/] }] },
  { klass: 'unguarded reads', name: 'config.json links to /dev/zero', build: (t) => symlinkSync('/dev/zero', configAt(t)), runs: [{ argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [1, /E_CONFIG_INVALID/] }] },
  { klass: 'unguarded reads', name: 'config.json is a 1.5 GB sparse file', build: (t) => sparse(configAt(t), 1_500_000_000), runs: [{ argv: apply(EXISTING), expect: [2, /E_CONFIG_INVALID.*larger than/] }] },
  { klass: 'unguarded reads', name: 'sim.json is a FIFO', build: (t) => mkfifo(t.at('sim.json')), runs: [{ argv: (t) => ['apply', '--simulate', ...root(t), file(t, 'd.xml', NEW)], expect: [2, /sim\.json.*FIFO/] }] },
  { klass: 'unguarded reads', name: 'sim.json links to a file outside', build: (t) => t.link('sim.json', join(t.outside, 'secret')), runs: [{ argv: (t) => ['apply', '--simulate', ...root(t), file(t, 'd.xml', NEW)], expect: [2, /outside the root/] }] },
  { klass: 'unguarded reads', name: 'sim.json links to /dev/zero', build: (t) => t.link('sim.json', '/dev/zero'), runs: [{ argv: (t) => ['apply', '--simulate', ...root(t), file(t, 'd.xml', NEW)], expect: [2, /sim\.json/] }] },
  { klass: 'unguarded reads', name: 'a domain file of 1.5 GB (sparse)', build: (t) => sparse(join(t.scratch, 'huge.xml'), 1_500_000_000), runs: [{ argv: (t) => ['validate', join(t.scratch, 'huge.xml')], expect: [1, /E_XML_TOO_LARGE/] }, { argv: (t) => ['apply', ...root(t), join(t.scratch, 'huge.xml')], expect: [1, /E_XML_TOO_LARGE/] }] },
  { klass: 'unguarded reads', name: 'a domain file that is a FIFO', build: (t) => mkfifo(join(t.scratch, 'fifo.xml')), runs: [{ argv: (t) => ['validate', join(t.scratch, 'fifo.xml')], expect: [2, /E_FILE_TYPE.*FIFO/] }] },
  { klass: 'unguarded reads', name: '/dev/zero in a fleet --domains directory', build: (t) => { mkdirSync(join(t.scratch, 'domains')); mkdirSync(join(t.scratch, 'snaps')); symlinkSync('/dev/zero', join(t.scratch, 'domains', 'zero.xml')); }, runs: [{ argv: (t) => ['migrate-check', '--domains', join(t.scratch, 'domains'), '--source-dir', join(t.scratch, 'snaps'), '--targets', join(t.scratch, 'snaps')], expect: [1, /E_INPUT_UNREADABLE.*character device/] }] },
  { klass: 'unguarded reads', name: 'a FIFO in a fleet --domains directory and in --targets', build: (t) => { mkdirSync(join(t.scratch, 'domains')); mkdirSync(join(t.scratch, 'snaps')); mkfifo(join(t.scratch, 'domains', 'fifo.xml')); mkfifo(join(t.scratch, 'snaps', 'hv.xml')); }, runs: [{ argv: (t) => ['migrate-check', '--domains', join(t.scratch, 'domains'), '--source-dir', join(t.scratch, 'snaps'), '--targets', join(t.scratch, 'snaps')], expect: [1, /E_INPUT_UNREADABLE.*FIFO/] }] },
  { klass: 'unguarded reads', name: 'a snapshot and a policy that are FIFOs', build: (t) => { mkfifo(join(t.scratch, 'snap.xml')); mkfifo(join(t.scratch, 'policy.json')); }, runs: [{ argv: (t) => ['migrate-check', file(t, 'd.xml', STAMPED), '--source', join(t.scratch, 'snap.xml'), '--target', join(t.scratch, 'snap.xml')], expect: [2, /FIFO/] }, { argv: (t) => ['migrate-check', ...root(t), file(t, 'd.xml', STAMPED), '--policy', join(t.scratch, 'policy.json')], expect: [2, /FIFO/] }] },
  { klass: 'unguarded reads', name: "a device's aggregated_instances is a FIFO, or a link to /dev/zero: status and reconnect say it cannot be checked, with a code, never absent", build: (t) => mkfifo(t.at(`${EXISTING_DIR}/mdev/aggregated_instances`)), runs: [{ argv: (t) => ['status', ...root(t), file(t, 'd.xml', EXISTING)], expect: [1, new RegExp(`${EXISTING_UUID}  unreadable  .*host has \\? \\(E_SYSFS_READ: .*aggregated_instances`)] }, { argv: hookRun('reconnect', 'begin'), stdin: EXISTING, expect: [0, /cannot be checked \(E_SYSFS_READ/] }, { argv: (t) => (t.link(`${EXISTING_DIR}/mdev/aggregated_instances`, '/dev/zero'), ['status', ...root(t), file(t, 'd.xml', EXISTING)]), expect: [1, /unreadable  .*E_PATH_ESCAPE/] }] },
  { klass: 'unguarded reads', name: 'available_instances is a 1.5 GB sparse file', build: (t) => sparse(t.at(`${TYPE_DIR}/available_instances`), 1_500_000_000), runs: [{ argv: apply(), expect: [1, /E_SYSFS_READ/] }, { argv: (t) => ['snapshot', ...root(t)], expect: [0, null] }] },

  // The journal and its directory: nothing blocks the next guest, nothing is an internal error.
  { klass: 'journal and lock directory', name: 'a journal with a field of the wrong type', build: (t) => { mkdirSync(t.at('run/mdev-agg'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/journal.json'), JSON.stringify({ pid: { a: 1 }, kind: 'apply', domain: 'x', entries: [] })); }, runs: [{ argv: apply(EXISTING), expect: [0, /warning E_JOURNAL/] }] },
  { klass: 'journal and lock directory', name: 'a journal of a long domain name, read back whole', build: (t) => { mkdirSync(t.at('run/mdev-agg'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/journal.json'), `${JSON.stringify({ pid: 1, kind: 'apply', domain: 'x'.repeat(200_000) })}\n`); }, runs: [{ argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [0, null] }] },
  { klass: 'journal and lock directory', name: 'a journal naming a device whose remove cannot be written: other guests go on, a domain naming it is refused, every run retries it', build: (t) => { mkdirSync(t.at('run/mdev-agg'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/journal.json'), `${JSON.stringify({ pid: 1, kind: 'apply', domain: 'crashed' })}\n${JSON.stringify({ uuid: EXISTING_UUID, parent: PARENT, type: 'i915-GVTg_V5_8', instances: 4, state: 'creating' })}\n`); mkfifo(t.at(`${EXISTING_DIR}/remove`)); }, runs: [{ argv: hookRun('release', 'end'), stdin: NEW, expect: [0, null] }, { argv: (t) => ['release', ...root(t), file(t, 'd.xml', NEW)], expect: [0, new RegExp(`W_RECONCILE_PENDING: could not remove ${EXISTING_UUID}`)] }, { argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [3, /E_ROLLBACK_FAILED/] }, { argv: hookRun('release', 'end'), stdin: NEW, expect: [0, null] }] },
  { klass: 'journal and lock directory', name: 'run is a file', build: (t) => writeFileSync(t.at('run'), 'x'), runs: [{ argv: apply(EXISTING), expect: [3, /E_LOCK_UNAVAILABLE/] }] },
  { klass: 'journal and lock directory', name: 'run/mdev-agg is a dangling link', build: (t) => { mkdirSync(t.at('run')); symlinkSync(t.at('nowhere'), t.at('run/mdev-agg')); }, runs: [{ argv: apply(EXISTING), expect: [3, /E_LOCK_UNAVAILABLE/] }] },
  { klass: 'journal and lock directory', name: 'run/mdev-agg is a link loop', build: (t) => { mkdirSync(t.at('run')); symlinkSync('mdev-agg', t.at('run/mdev-agg')); }, runs: [{ argv: apply(EXISTING), expect: [3, /E_LOCK_UNAVAILABLE/] }] },

  // Raw terminal control from every source of text.
  { klass: 'terminal control', name: 'a guest name and a domain name with line breaks, C1 and bidi characters', build: () => {}, runs: [{ argv: (t) => ['hook', 'run', ...root(t), '--', 'guest\nmdev-agg: all fine\u009b2J\u202e', 'prepare', 'begin', '-'], stdin: domainXml([device(NEW_UUID, 2)], { name: 'x&#10;y&#155;&#8238;' }), expect: [1, /^mdev-agg: prepare of guest 'guest\\u\{a\}mdev-agg: all fine\\u\{9b\}2J\\u\{202e\}' failed: [^\n]*\n$/] }, { argv: (t) => ['plan', ...root(t), file(t, 'd.xml', domainXml([device(NEW_UUID, 2)], { name: 'x&#10;y&#155;&#8238;' }))], expect: [0, /x\\u\{a\}y\\u\{9b\}\\u\{202e\}/] }] },
  { klass: 'terminal control', name: 'config keys with escapes', build: (t) => writeFileSync(configAt(t), '{"\\u001b[2J\\u009b\\u202e": 1}'), runs: [{ argv: apply(EXISTING), expect: [0, /W_CONFIG_UNKNOWN_KEY/] }] },
  { klass: 'terminal control', name: 'file names and argv with escapes', build: () => {}, runs: [{ argv: (t) => ['validate', join(t.scratch, 'no\u001b[31m\u202e.xml')], expect: [2, /E_INPUT_UNREADABLE/] }, { argv: () => ['\u001b]0;title\u0007\u009b2J'], expect: [2, /unknown command/] }, { argv: () => ['validate', '--\u001b[2J'], expect: [2, null] }] },
  { klass: 'terminal control', name: 'a snapshot whose fields hold escapes', build: (t) => writeFileSync(join(t.scratch, 'snap.json'), JSON.stringify({ name: 'hv\u001b[2J\u202e', generated: '2026-01-01T00:00:00Z', parents: [], devices: [], problems: [], bogus: '\u009b' })), runs: [{ argv: (t) => ['migrate-check', file(t, 'd.xml', STAMPED), '--source', join(t.scratch, 'snap.json'), '--target', join(t.scratch, 'snap.json')], expect: [1, /E_SNAPSHOT_INVALID/] }] },
  { klass: 'terminal control', name: 'host names and type names with escapes under the root', build: (t) => { mkdirSync(t.at('etc'), { recursive: true }); writeFileSync(t.at('etc/hostname'), 'hv\u001b[2J\u202e\n'); writeFileSync(t.at(`${TYPE_DIR}/name`), 'GVT\u009b2J\u202e\n'); }, runs: [{ argv: (t) => ['types', ...root(t)], expect: [0, null] }, { argv: (t) => ['snapshot', ...root(t)], expect: [0, null] }, { argv: (t) => ['stamp', ...root(t), file(t, 'd.xml', EXISTING)], expect: [0, null] }] },

  { klass: 'terminal control', name: 'a line break in a file name or in the root: each diagnostic and the hook\'s failure stay one line', build: () => {}, runs: [{ argv: (t) => ['validate', file(t, 'c\nFAKE.xml:1:1: info forged.xml', '<domain')], expect: [1, /^[^\n]*c\\u\{a\}FAKE[^\n]*E_XML_MALFORMED[^\n]*\n$/] }, { argv: (t) => ['hook', 'run', '--root', `${t.scratch}/no\nmdev-agg: forged`, '--', 'g', 'prepare', 'begin', '-'], stdin: NEW, expect: [2, /^mdev-agg: the root [^\n]*no\\u\{a\}mdev-agg: forged does not exist\n$/] }] },

  // Edits of a domain near the size limit.
  { klass: 'edits near the limit', name: 'embed and stamp of a domain just under 4 MiB whose rewrite crosses it', build: () => {}, runs: [{ argv: (t) => ['embed', file(t, 'near.xml', nearLimit())], expect: [1, /E_XML_TOO_LARGE/] }, { argv: (t) => ['stamp', ...root(t), file(t, 'near.xml', nearLimit())], expect: [1, /E_XML_TOO_LARGE/] }] },

  // JSON inputs read alike: repeated keys refused, a BOM read the same everywhere.
  { klass: 'JSON inputs', name: 'a policy with drivers twice', build: (t) => writeFileSync(join(t.scratch, 'policy.json'), '{"drivers": {}, "drivers": {"i915": {"compatible": [["1", "2"]]}}}'), runs: [{ argv: (t) => ['migrate-check', ...root(t), file(t, 'd.xml', STAMPED), '--policy', join(t.scratch, 'policy.json')], expect: [1, /E_POLICY_INVALID.*drivers: this key is written twice/] }] },
  { klass: 'JSON inputs', name: 'a configuration with a key twice', build: (t) => writeFileSync(configAt(t), '{"lockTimeoutMs": 1, "lockTimeoutMs": 2}'), runs: [{ argv: apply(EXISTING), expect: [2, /E_CONFIG_INVALID.*written twice/] }] },
  { klass: 'JSON inputs', name: 'a BOM before a configuration, a policy and a snapshot', build: (t) => { writeFileSync(configAt(t), '\ufeff{"lockTimeoutMs": 1000}'); writeFileSync(join(t.scratch, 'policy.json'), '\ufeff{"drivers": {}}'); }, runs: [{ argv: apply(EXISTING), expect: [0, null] }, { argv: (t) => ['migrate-check', ...root(t), file(t, 'd.xml', STAMPED), '--policy', join(t.scratch, 'policy.json')], expect: [0, null] }] },
  { klass: 'JSON inputs', name: 'sim.json with a key twice', build: (t) => writeFileSync(t.at('sim.json'), '{"parents": {}, "parents": {}}'), runs: [{ argv: (t) => ['apply', '--simulate', ...root(t), file(t, 'd.xml', NEW)], expect: [2, /written twice/] }] },

  // A lock left by a killed run whose pid now belongs to another process.
  { klass: 'reused pids', name: 'a lock naming a live pid without a start time, written an hour ago', build: (t) => { mkdirSync(t.at('run/mdev-agg/lock'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/lock/1'), '1\n'); utimesSync(t.at('run/mdev-agg/lock/1'), new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000)); }, runs: [{ argv: apply(EXISTING), expect: [0, null] }] },
  { klass: 'reused pids', name: 'a lock naming a live pid empty, or with another pid inside, just written (respected for the lock timeout only)', build: (t) => { writeFileSync(configAt(t), '{"lockTimeoutMs": 1500}'); mkdirSync(t.at('run/mdev-agg/lock'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/lock/1'), ''); }, runs: [{ argv: apply(EXISTING), expect: [0, null] }, { argv: (t) => (mkdirSync(t.at('run/mdev-agg/lock'), { recursive: true }), writeFileSync(t.at('run/mdev-agg/lock/1'), '99999 12345\n'), ['apply', ...root(t), file(t, 'd.xml', EXISTING)]), expect: [0, null] }] },
  { klass: 'reused pids', name: 'a lock naming a live pid without a start time, dated in the future', build: (t) => { mkdirSync(t.at('run/mdev-agg/lock'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/lock/1'), ''); utimesSync(t.at('run/mdev-agg/lock/1'), new Date(Date.now() + 3_600_000), new Date(Date.now() + 3_600_000)); }, runs: [{ argv: apply(EXISTING), expect: [0, null] }, { argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [0, null] }] },
  { klass: 'reused pids', name: 'a lock naming pid 1 with another start time', build: (t) => { mkdirSync(t.at('run/mdev-agg/lock'), { recursive: true }); writeFileSync(t.at('run/mdev-agg/lock/1'), '1 99999999999\n'); }, runs: [{ argv: apply(EXISTING), expect: [0, null] }, { argv: hookRun('prepare', 'begin'), stdin: EXISTING, expect: [0, null] }] },
];

/** A valid domain just under 4 MiB (a long description) with inline entries: moving them into <metadata> crosses the limit. */
let near: string | null = null;
function nearLimit(): string {
  if (near) return near;
  const devices = Array.from({ length: 40 }, (_, i) => hostdevXml(device(`11111111-2222-4333-8444-${String(i).padStart(12, '0')}`, 1))).join('\n');
  const head = `<domain type='kvm'><name>near</name><description>`;
  const tail = `</description><devices>\n${devices}\n</devices></domain>\n`;
  near = head + 'x'.repeat(4 * 1024 * 1024 - 100 - head.length - tail.length) + tail;
  return near;
}

const devicesIn = (t: HostTree) => readdirSync(t.at('sys/bus/mdev/devices')).sort();

describe.each(CASES.map((c) => [c.klass, c.name, c] as const))('%s: %s', (klass, _name, c) => {
  test('every run ends within 10 s with its code, nothing outside the root changes, no internal error, no device leaks', () => {
    figures.add(`${klass} cases`);
    const tree = new HostTree();
    try {
      c.build(tree);
      const outsideBefore = picture(tree.outside);
      const devicesBefore = devicesIn(tree);
      for (const run of c.runs) {
        const r = spawnSync(process.execPath, [builtCli(), ...run.argv(tree)], { input: run.stdin ?? '', cwd: tree.scratch, encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH } });
        if (r.status === null) figures.add(`${klass} hangs`);
        const output = `${r.stdout}${r.stderr}`;
        if (/internal error|\n\s+at /.test(output)) figures.add(`${klass} internal`);
        expect({ status: r.status, internal: /internal error|\n\s+at /.test(output) }).toEqual({ status: run.expect[0], internal: false });
        if (run.expect[1]) expect(run.expect[1].test(r.stderr) || run.expect[1].test(r.stdout)).toBe(true);
        expect(output).not.toMatch(RAW_CONTROL);
        expect(output).not.toMatch(/outside data/);
      }
      const outsideChanged = JSON.stringify(picture(tree.outside)) !== JSON.stringify(outsideBefore);
      if (outsideChanged) figures.add(`${klass} outside`);
      expect(picture(tree.outside)).toEqual(outsideBefore);
      expect(readFileSync(join(tree.outside, 'secret'), 'utf8')).toBe('outside data\n');
      const leaked = devicesIn(tree).filter((d) => !devicesBefore.includes(d));
      figures.add(`${klass} leaked`, leaked.length);
      expect(leaked).toEqual([]);
    } finally {
      tree.remove();
    }
  });
});

describe('hook stdin: a writer that never ends, a directory, a closed descriptor', () => {
  /** The hook's prepare on a stdin given by `attach`; its status, stderr and how long it took (killed at 10 s). */
  function prepareWith(attach: (child: ChildProcess) => void, stdin: 'pipe' | number): Promise<{ status: number | null; stderr: string; ms: number }> {
    const tree = new HostTree();
    const started = Date.now();
    const child = spawn(process.execPath, [builtCli(), ...hookRun('prepare', 'begin')(tree)], { stdio: [stdin, 'ignore', 'pipe'], env: { PATH: process.env.PATH } });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    attach(child);
    return new Promise((resolve) => {
      child.on('close', (status) => {
        clearTimeout(killer);
        tree.remove();
        resolve({ status, stderr, ms: Date.now() - started });
      });
    });
  }

  test.each([
    ['a stream (a socket pair) whose writer stalls after part of the XML', (c: ChildProcess) => c.stdin!.write("<domain><name>g</name><devices><aggregation type='"), 'pipe' as const, /standard input cannot be read: ETIMEDOUT \(standard input did not end within 5 s\)/],
    ['a pipe (FIFO) whose writer never closes it', () => {}, 'fifo' as const, /standard input cannot be read: ETIMEDOUT \(standard input did not end within 5 s\)/],
    ['a directory', () => {}, 'directory' as const, /standard input cannot be read: EISDIR/],
  ])('WHEN stdin is %s THEN prepare refuses it with a code (exit 2) within 10 s', async (_what, attach, kind, says) => {
    figures.add('hook stdin cases');
    const scratch = tempDir('mdev-agg-stdin-');
    // A FIFO opened for reading and writing: the hook reads it and its end never comes.
    if (kind === 'fifo') mkfifo(join(scratch, 'fifo'));
    const fd = kind === 'directory' ? openSync(scratch, 'r') : kind === 'fifo' ? openSync(join(scratch, 'fifo'), 'r+') : null;
    try {
      const r = await prepareWith(attach, fd ?? 'pipe');
      if (r.status === null) figures.add('hook stdin hangs');
      if (/internal error/.test(r.stderr)) figures.add('hook stdin internal');
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(says);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      if (fd !== null) closeSync(fd);
      removeTempDir(scratch);
    }
  });
});

test('the existing device of the fixture is the one the cases name', () => {
  const tree = new HostTree();
  try {
    expect(devicesIn(tree)).toContain(EXISTING_UUID);
    expect(devicesIn(tree)).not.toContain(NEW_UUID);
  } finally {
    tree.remove();
  }
});
