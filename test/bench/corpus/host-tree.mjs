/**
 * Host trees laid out as `fixtures/hosts/*` are (and as mdevctl's own tests build them): real
 * directories for parents, types and devices, relative links for `class/mdev_bus/<parent>`,
 * `bus/mdev/devices/<uuid>`, `<type>/devices/<uuid>` and each device's `mdev_type`.
 */
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../lib/random.mjs';
import { addDevice } from '../../../scripts/example-host.mjs';

export { addDevice, copyHost, setAvailable } from '../../../scripts/example-host.mjs';

export function readAvailable(root, parentDir, type) {
  return Number(readFileSync(join(root, 'sys', parentDir, 'mdev_supported_types', type, 'available_instances'), 'utf8'));
}

/**
 * A large host: `parents` PCI parents (alternating GVT-style attribute-generation and NVIDIA-style
 * plain types), `types` types each, `devicesPerParent` existing devices per parent spread over its
 * types. Returns the counts a reader must find.
 */
export function writeLargeHost(root, { parents, types, devicesPerParent, seed = 7 }) {
  const random = seededRandom(seed);
  const sys = join(root, 'sys');
  const drivers = { i915: 'sys/bus/pci/drivers/i915', nvidia: 'sys/bus/pci/drivers/nvidia' };
  for (const [name, dir] of Object.entries(drivers)) {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'bind'), '');
    writeFileSync(join(root, dir, 'unbind'), '');
    mkdirSync(join(sys, 'module', name), { recursive: true });
    writeFileSync(join(sys, 'module', name, 'initstate'), 'live\n');
    symlinkSync(`../../../../module/${name}`, join(root, dir, 'module'));
  }
  writeFileSync(join(sys, 'module', 'nvidia', 'version'), '535.161.05\n');
  mkdirSync(join(sys, 'class', 'mdev_bus'), { recursive: true });
  mkdirSync(join(sys, 'bus', 'mdev', 'devices'), { recursive: true });
  const expected = { parents: 0, types: 0, devices: 0, uuids: [] };
  for (let p = 0; p < parents; p++) {
    const gvt = p % 2 === 0;
    const parent = `0000:${(0x10 + p).toString(16).padStart(2, '0')}:00.0`;
    const parentDir = `devices/pci0000:00/${parent}`;
    const dir = join(sys, parentDir);
    mkdirSync(join(dir, 'mdev_supported_types'), { recursive: true });
    writeFileSync(join(dir, 'vendor'), gvt ? '0x8086\n' : '0x10de\n');
    writeFileSync(join(dir, 'device'), gvt ? '0x591d\n' : '0x1e30\n');
    symlinkSync(`../../../bus/pci/drivers/${gvt ? 'i915' : 'nvidia'}`, join(dir, 'driver'));
    symlinkSync(`../../${parentDir}`, join(sys, 'class', 'mdev_bus', parent));
    expected.parents++;
    const typeNames = [];
    for (let t = 0; t < types; t++) {
      const type = gvt ? `i915-GVTg_V5_${t}` : `nvidia-${256 + t}`;
      typeNames.push(type);
      const typeDir = join(dir, 'mdev_supported_types', type);
      mkdirSync(typeDir);
      writeFileSync(join(typeDir, 'create'), '');
      writeFileSync(join(typeDir, 'device_api'), 'vfio-pci\n');
      writeFileSync(join(typeDir, 'available_instances'), `${random.int(0, 64)}\n`);
      if (gvt) {
        writeFileSync(join(typeDir, 'description'), `low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\nresolution: 1024x768\nweight: 2\naggregation: ${t === 0 ? 'yes' : 'no'}\n`);
        writeFileSync(join(typeDir, 'migration_version'), `8086-591d-${type}-00000001\n`);
      } else {
        writeFileSync(join(typeDir, 'name'), `GRID RTX6000-${t + 1}Q\n`);
        writeFileSync(join(typeDir, 'description'), `num_heads=4, frl_config=60, framebuffer=${1024 * (t + 1)}M, max_resolution=5120x2880, max_instance=${24 >> t || 1}\n`);
      }
      expected.types++;
    }
    for (let d = 0; d < devicesPerParent; d++) {
      const t = d % types;
      const uuid = random.uuid();
      const aggregatable = gvt && t === 0;
      addDevice(root, { parentDir, type: typeNames[t], uuid, ...(aggregatable ? { aggregated: random.int(1, 4), maxAggregation: 8 } : {}) });
      expected.devices++;
      expected.uuids.push(uuid);
    }
  }
  return expected;
}

/** How many device links the tree has: the reference every reader's output is checked against. */
export function countDeviceLinks(root) {
  return readdirSync(join(root, 'sys', 'bus', 'mdev', 'devices')).length;
}
