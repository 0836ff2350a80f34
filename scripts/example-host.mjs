/**
 * Host trees laid out as `fixtures/hosts/*` are: copies of a fixture host, and devices added to
 * them as the kernel shows existing ones. The build warms the CLI's code cache on the example host
 * with the example domain's devices present (the hook's idempotent `prepare`), and the benchmark
 * measures that same path.
 */
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A copy of a fixture host with its links kept relative. */
export function copyHost(fixture, dest) {
  cpSync(fixture, dest, { recursive: true, verbatimSymlinks: true });
  return dest;
}

/**
 * An existing device of the attribute generation (or plain, `aggregated` undefined) under
 * `sys/<parentDir>`, with its links.
 */
export function addDevice(root, { parentDir, type, uuid, aggregated, maxAggregation, aggregationFile = 'mdev' }) {
  const dir = join(root, 'sys', parentDir, uuid);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'remove'), '');
  symlinkSync(`../mdev_supported_types/${type}`, join(dir, 'mdev_type'));
  if (aggregated !== undefined) {
    if (aggregationFile === 'mdev') {
      mkdirSync(join(dir, 'mdev'));
      writeFileSync(join(dir, 'mdev', 'aggregated_instances'), `${aggregated}\n`);
      writeFileSync(join(dir, 'mdev', 'max_aggregation'), `${maxAggregation}\n`);
    } else writeFileSync(join(dir, 'aggregated_instances'), `${aggregated}\n`);
  }
  mkdirSync(join(root, 'sys', 'bus', 'mdev', 'devices'), { recursive: true });
  symlinkSync(`../../../${parentDir}/${uuid}`, join(root, 'sys', 'bus', 'mdev', 'devices', uuid));
  const typeDevices = join(root, 'sys', parentDir, 'mdev_supported_types', type, 'devices');
  mkdirSync(typeDevices, { recursive: true });
  symlinkSync(`../../../${uuid}`, join(typeDevices, uuid));
  return dir;
}

/** Sets a type's `available_instances`, as the kernel shows it after devices took their share. */
export function setAvailable(root, parentDir, type, available) {
  writeFileSync(join(root, 'sys', parentDir, 'mdev_supported_types', type, 'available_instances'), `${available}\n`);
}

const EXAMPLE_PARENT_DIR = 'devices/pci0000:00/0000:00:02.0';

/** The example host with the example domain's devices present, as after a successful prepare. */
export function exampleHostWithDevices(repo, dest) {
  const domainFile = join(repo, 'fixtures/domains/example-gvt.xml');
  const xml = readFileSync(domainFile, 'utf8');
  const root = copyHost(join(repo, 'fixtures/hosts/example-gvt'), dest);
  const uuids = [...xml.matchAll(/<address uuid='([0-9a-f-]{36})'\/>/g)].map((m) => m[1]);
  if (uuids.length !== 3) throw new Error(`fixtures/domains/example-gvt.xml: expected 3 mdev hostdevs, found ${uuids.length}`);
  for (const uuid of uuids) addDevice(root, { parentDir: EXAMPLE_PARENT_DIR, type: 'i915-GVTg_V5_8', uuid, aggregated: 2, maxAggregation: 7 });
  // What the pool leaves after 3 x 2 instances of _8 (sim.json: 640/2688 MB, 28 fences).
  for (const [type, free] of [['i915-GVTg_V5_1', 0], ['i915-GVTg_V5_2', 0], ['i915-GVTg_V5_4', 0], ['i915-GVTg_V5_8', 1]]) setAvailable(root, EXAMPLE_PARENT_DIR, type, free);
  return { root, domainFile, xml, uuids };
}

