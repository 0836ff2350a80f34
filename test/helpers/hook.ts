/** libvirt's qemu hook, called in-process as libvirtd calls it: argv, the domain XML on stdin. */
import { run } from '../../src/cli/run';
import type { RunResult } from '../../src/cli/context';
import type { Sysfs } from '../../src/core/host/sysfs';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import type { StateStore } from '../../src/shell/state-store';
import { REPO } from './golden';

export interface HookDevice {
  uuid: string;
  type: string;
  instances: number;
  parent?: string;
  method?: string;
  /** The hostdev's model; vfio-pci when not given. */
  model?: string;
  /** The `<agg:source>` stamp the source host wrote. */
  source?: { host?: string; driver?: string; driverVersion?: string; migrationVersion?: string };
}

function stampOf(device: HookDevice): string {
  const attributes = Object.entries(device.source ?? {}).map(([k, v]) => ` ${k}="${v}"`).join('');
  return device.source ? `>\n        <agg:source${attributes}/>\n      </agg:device>` : '/>';
}

/** A domain in the metadata form, laid out as libvirt's dumpxml writes it. */
export function libvirtDomain(name: string, devices: HookDevice[]): string {
  const entries = devices.map(
    (d) =>
      `      <agg:device uuid="${d.uuid}" type="${d.type}" instances="${d.instances}"${d.parent ? ` parent="${d.parent}"` : ''}${d.method ? ` method="${d.method}"` : ''}${stampOf(d)}\n`,
  );
  const hostdevs = devices.map(
    (d, i) =>
      `    <hostdev mode='subsystem' type='mdev' managed='no' model='${d.model ?? 'vfio-pci'}'>\n` +
      `      <source>\n        <address uuid='${d.uuid}'/>\n      </source>\n` +
      `      <address type='pci' domain='0x0000' bus='0x0${i + 5}' slot='0x00' function='0x0'/>\n    </hostdev>\n`,
  );
  return (
    `<domain type='kvm'>\n  <name>${name}</name>\n  <uuid>3d6ef8fc-cf65-4cb6-9e58-7a9b60285396</uuid>\n` +
    (devices.length ? `  <metadata>\n    <agg:aggregation xmlns:agg="urn:mdev-agg:aggregation:1">\n${entries.join('')}    </agg:aggregation>\n  </metadata>\n` : '') +
    `  <memory unit='KiB'>1048576</memory>\n  <vcpu placement='static'>1</vcpu>\n` +
    `  <os>\n    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n  </os>\n` +
    `  <devices>\n    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n${hostdevs.join('')}  </devices>\n</domain>\n`
  );
}

/** The spec with `version` as the type's migration_version on every parent offering it (GVT's protocol). */
export function withMigrationVersion(spec: SimKernelSpec, type: string, version: string): SimKernelSpec {
  for (const parent of spec.parents) for (const t of parent.types) if (t.id === type) t.migration = { version };
  return spec;
}

export interface HookHost {
  sysfs: Sysfs;
  store: StateStore;
}

/** `hook run GUEST OP SUBOP EXTRA` with the XML on stdin, on `host` (or the tree under env's root). */
export function hook(args: [guest: string, op: string, subop: string, extra: string], xml: string | Uint8Array, host?: HookHost, env: Record<string, string> = {}): Promise<RunResult> {
  return run(['hook', 'run', '--', ...args], xml, env, { cwd: REPO, ...(host ? { host } : {}) });
}
