/**
 * A fleet for `migrate-check --domains --source-dir --targets`: one directory of host snapshots
 * (`<host>.xml`, host.rng) that serves as both the source and the target directory, as a fleet's
 * snapshot store does, and one directory of domains whose devices run on those hosts and carry
 * `<agg:source>` stamps naming them. Hosts vary in capacity, driver version and migration_version,
 * so the matrix has both answers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GVT_TYPES, NVIDIA_TYPES, domainXml } from './domains.mjs';
import { seededRandom } from '../lib/random.mjs';

const NVIDIA_DRIVERS = ['535.161.05', '535.161.05', '550.54.14'];
const escapeAttr = (text) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/\n/g, '&#10;');

function gvtHost(random, name) {
  const generation = random.chance(0.85) ? 1 : 2;
  return {
    name,
    kind: 'gvt',
    parents: [
      {
        name: '0000:00:02.0',
        attrs: 'driver="i915" vendor="8086" device="591d"',
        types: GVT_TYPES.map((id) => {
          const aggregatable = id === 'i915-GVTg_V5_8';
          return {
            id,
            description: `low_gm_size: 64MB\nhigh_gm_size: 384MB\nfence: 4\naggregation: ${aggregatable ? 'yes' : 'no'}`,
            deviceApi: 'vfio-pci',
            available: random.int(0, aggregatable ? 7 : 2),
            dialect: aggregatable ? 'attribute' : 'none',
            max: aggregatable ? null : 1,
            migrationVersion: `8086-591d-${id}-${String(generation).padStart(8, '0')}`,
          };
        }),
      },
    ],
    devices: [],
    stamp: (device) => ({ host: name, driver: 'i915', driverVersion: null, migrationVersion: `8086-591d-${device.type}-${String(generation).padStart(8, '0')}` }),
    parentFor: () => '0000:00:02.0',
  };
}

function nvidiaHost(random, name) {
  const driverVersion = random.pick(NVIDIA_DRIVERS);
  const parents = ['0000:41:00.0', '0000:42:00.0'];
  return {
    name,
    kind: 'nvidia',
    parents: parents.map((parent) => ({
      name: parent,
      attrs: `driver="nvidia" driverVersion="${driverVersion}" vendor="10de" device="1e30"`,
      types: NVIDIA_TYPES.map((id, t) => ({
        id,
        name: `GRID RTX6000-${t + 1}Q`,
        deviceApi: 'vfio-pci',
        available: random.int(0, 24 >> t),
        dialect: 'none',
        max: 1,
        migrationVersion: null,
      })),
    })),
    devices: [],
    stamp: () => ({ host: name, driver: 'nvidia', driverVersion, migrationVersion: null }),
    parentFor: (device) => device.parent ?? parents[0],
  };
}

function s390Host(random, name) {
  return {
    name,
    kind: 's390',
    parents: [
      {
        name: 'matrix',
        attrs: 'driver="vfio_ap"',
        types: [{ id: 'vfio_ap-passthrough', deviceApi: 'vfio-ap', available: random.int(0, 256), dialect: 'none', max: 1, migrationVersion: null }],
      },
    ],
    devices: [],
    stamp: () => ({ host: name, driver: 'vfio_ap', driverVersion: null, migrationVersion: null }),
    parentFor: () => 'matrix',
  };
}

function snapshotXml(host) {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', `<host xmlns="urn:mdev-agg:host:1" name="${host.name}" generated="2026-11-20T09:00:00Z">`];
  for (const p of host.parents) {
    lines.push(`  <parent name="${p.name}" ${p.attrs}>`);
    for (const t of p.types) {
      const attrs = [`id="${t.id}"`];
      if (t.name) attrs.push(`name="${escapeAttr(t.name)}"`);
      if (t.description) attrs.push(`description="${escapeAttr(t.description)}"`);
      attrs.push(`deviceApi="${t.deviceApi}"`, `availableInstances="${t.available}"`, `dialect="${t.dialect}"`);
      if (t.max !== null) attrs.push(`maxAggregation="${t.max}"`);
      if (t.migrationVersion) attrs.push(`migrationVersion="${t.migrationVersion}"`);
      lines.push(`    <type ${attrs.join(' ')}/>`);
    }
    lines.push('  </parent>');
  }
  for (const d of host.devices) {
    lines.push(`  <device uuid="${d.uuid}" parent="${d.parent}" type="${d.type}" instances="${d.instances}"${d.type === 'i915-GVTg_V5_8' ? ' maxAggregation="7"' : ''}/>`);
  }
  lines.push('</host>', '');
  return lines.join('\n');
}

/** Writes `<dir>/hosts/*.xml` and `<dir>/domains/*.xml`; returns the directories and counts. */
export function writeFleet(dir, { domains, targets, seed = 5 }) {
  const random = seededRandom(seed);
  const hostsDir = join(dir, 'hosts');
  const domainsDir = join(dir, 'domains');
  mkdirSync(hostsDir, { recursive: true });
  mkdirSync(domainsDir, { recursive: true });
  const hosts = [];
  for (let h = 0; h < targets; h++) {
    const kind = h % 10 === 9 ? 's390' : h % 2 === 0 ? 'gvt' : 'nvidia';
    const name = `hv-${kind}-${String(h).padStart(4, '0')}`;
    hosts.push(kind === 'gvt' ? gvtHost(random, name) : kind === 'nvidia' ? nvidiaHost(random, name) : s390Host(random, name));
  }
  const byKind = (kind) => hosts.filter((h) => h.kind === kind);
  const kinds = { gvt: byKind('gvt'), nvidia: byKind('nvidia'), s390: byKind('s390') };
  let devices = 0;
  for (let i = 0; i < domains; i++) {
    const kind = i % 10 === 9 && kinds.s390.length ? 's390' : random.chance(0.55) ? 'gvt' : 'nvidia';
    const source = random.pick(kinds[kind]);
    const { xml, devices: placed } = domainXml(random, i, {
      family: kind === 's390' ? 's390' : 'x86',
      vendor: kind === 's390' ? undefined : kind,
      stamp: (device) => source.stamp(device),
    });
    for (const d of placed) source.devices.push({ uuid: d.uuid, parent: source.parentFor(d), type: d.type, instances: d.instances });
    devices += placed.length;
    writeFileSync(join(domainsDir, `vm-${String(i).padStart(5, '0')}.xml`), xml);
  }
  for (const host of hosts) writeFileSync(join(hostsDir, `${host.name}.xml`), snapshotXml(host));
  return { hostsDir, domainsDir, domains, targets, devices };
}
