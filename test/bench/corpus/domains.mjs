/**
 * Libvirt domain XML as `virsh dumpxml` writes it, varied per file: x86 guests with GVT-g or NVIDIA
 * vGPUs and s390 guests with vfio-ap matrices, each mdev with its entry in the deployed metadata
 * container (libvirt's own domain.rng accepts that form; the inline form is not libvirt's).
 * Every file is valid for both `mdev-agg validate` and `xmllint --relaxng domain.rng`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../lib/random.mjs';

export const AGGREGATION_NS = 'urn:mdev-agg:aggregation:1';

const GVT_TYPES = ['i915-GVTg_V5_1', 'i915-GVTg_V5_2', 'i915-GVTg_V5_4', 'i915-GVTg_V5_8'];
const NVIDIA_TYPES = ['nvidia-256', 'nvidia-257', 'nvidia-258', 'nvidia-259'];
const PREFIXES = ['agg', 'mdevagg', 'a', 'ma'];
const OS_IDS = ['debian.org/debian/12', 'ubuntu.com/ubuntu/22.04', 'redhat.com/rhel/9.2', 'microsoft.com/win/11', 'fedoraproject.org/fedora/39'];
const ROLES = ['cad', 'render', 'vdi', 'build', 'ml', 'db', 'web', 'ci'];

/**
 * One domain. `mdevs`: how many aggregated mdevs (0 gives a guest mdev-agg does not manage);
 * `compact`: a small x86 guest (one disk, one NIC, one or two root ports, no title or description),
 * 2-3 KB of short elements as `virsh dumpxml` writes them;
 * `vendor`: 'gvt' or 'nvidia' for every mdev of an x86 guest (default: mixed); `stamp(device)`: the
 * `<agg:source>` facts of a device, or null (default: a random host for some devices).
 */
export function domainXml(random, index, { mdevs = random.int(1, 4), family = random.chance(0.1) ? 's390' : 'x86', vendor, stamp, compact = false } = {}) {
  const name = `${random.pick(ROLES)}-${String(index).padStart(5, '0')}`;
  const uuid = random.uuid();
  const memoryKiB = random.pick([2, 4, 8, 16, 32]) * 1048576;
  const devices = [];
  for (let i = 0; i < mdevs; i++) {
    const device = mdevDevice(random, family, i, vendor);
    if (stamp) device.source = stamp(device);
    devices.push(device);
  }
  const lines = [];
  const push = (indent, text) => lines.push(`${'  '.repeat(indent)}${text}`);
  push(0, "<domain type='kvm'>");
  push(1, `<name>${name}</name>`);
  push(1, `<uuid>${uuid}</uuid>`);
  if (!compact && random.chance(0.6)) push(1, `<title>${name} (${devices.length} mediated device${devices.length === 1 ? '' : 's'})</title>`);
  if (!compact && random.chance(0.3)) push(1, `<description>Provisioned by the fleet tooling for team ${random.pick(ROLES)}; owner ticket ${random.int(1000, 99999)}.</description>`);
  if (devices.length || (!compact && random.chance(0.7))) {
    push(1, '<metadata>');
    if (random.chance(0.7) && family === 'x86') {
      push(2, "<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>");
      push(3, `<libosinfo:os id='http://${random.pick(OS_IDS)}'/>`);
      push(2, '</libosinfo:libosinfo>');
    }
    if (devices.length) {
      const p = random.pick(PREFIXES);
      push(2, `<${p}:aggregation xmlns:${p}='${AGGREGATION_NS}'>`);
      for (const d of devices) {
        const attrs = [`uuid='${d.uuid}'`, `type='${d.type}'`, `instances='${d.instances}'`];
        if (d.parent) attrs.push(`parent='${d.parent}'`);
        if (d.method) attrs.push(`method='${d.method}'`);
        if (d.source) {
          push(3, `<${p}:device ${attrs.join(' ')}>`);
          const s = d.source;
          push(4, `<${p}:source host='${s.host}' driver='${s.driver}'${s.driverVersion ? ` driverVersion='${s.driverVersion}'` : ''}${s.migrationVersion ? ` migrationVersion='${s.migrationVersion}'` : ''}/>`);
          push(3, `</${p}:device>`);
        } else push(3, `<${p}:device ${attrs.join(' ')}/>`);
      }
      push(2, `</${p}:aggregation>`);
    }
    push(1, '</metadata>');
  }
  push(1, `<memory unit='KiB'>${memoryKiB}</memory>`);
  push(1, `<currentMemory unit='KiB'>${memoryKiB}</currentMemory>`);
  push(1, `<vcpu placement='static'>${random.pick([1, 2, 4, 8, 16])}</vcpu>`);
  if (!compact) {
    push(1, '<resource>');
    push(2, '<partition>/machine</partition>');
    push(1, '</resource>');
  }
  if (family === 's390') s390Body(random, name, devices, push);
  else x86Body(random, name, devices, push, compact);
  push(0, '</domain>');
  return { name, xml: `${lines.join('\n')}\n`, devices };
}

function mdevDevice(random, family, i, vendor) {
  const uuid = random.uuid();
  if (family === 's390') return { uuid, model: 'vfio-ap', type: 'vfio_ap-passthrough', instances: 1, parent: random.chance(0.5) ? 'matrix' : null, method: null, source: null };
  if (vendor === 'gvt' || (vendor === undefined && random.chance(0.6))) {
    const type = random.pick(GVT_TYPES);
    const aggregatable = type === 'i915-GVTg_V5_8';
    const source = random.chance(0.3) ? { host: `hv-${random.int(1, 400)}`, driver: 'i915', driverVersion: null, migrationVersion: `8086-591d-${type}-00000001` } : null;
    return {
      uuid,
      model: 'vfio-pci',
      type,
      instances: aggregatable ? random.int(1, 4) : 1,
      parent: random.chance(0.7) ? '0000:00:02.0' : null,
      method: aggregatable && random.chance(0.3) ? 'attribute' : null,
      source,
      display: i === 0,
    };
  }
  const source = random.chance(0.3) ? { host: `hv-${random.int(1, 400)}`, driver: 'nvidia', driverVersion: '535.161.05', migrationVersion: null } : null;
  return {
    uuid,
    model: 'vfio-pci',
    type: random.pick(NVIDIA_TYPES),
    instances: 1,
    parent: random.chance(0.5) ? random.pick(['0000:41:00.0', '0000:42:00.0']) : null,
    method: null,
    source,
    display: false,
  };
}

function x86Body(random, name, devices, push, compact) {
  const uefi = random.chance(0.4);
  const machine = random.pick(['pc-q35-7.2', 'pc-q35-8.0', 'pc-q35-6.2']);
  push(1, '<os>');
  push(2, `<type arch='x86_64' machine='${machine}'>hvm</type>`);
  if (uefi) {
    push(2, "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>");
    push(2, `<nvram>/var/lib/libvirt/qemu/nvram/${name}_VARS.fd</nvram>`);
  }
  push(2, "<boot dev='hd'/>");
  push(1, '</os>');
  push(1, '<features>');
  push(2, '<acpi/>');
  push(2, '<apic/>');
  push(2, "<vmport state='off'/>");
  push(1, '</features>');
  push(1, random.chance(0.7) ? "<cpu mode='host-passthrough' check='none' migratable='on'/>" : "<cpu mode='host-model' check='partial'/>");
  push(1, "<clock offset='utc'>");
  push(2, "<timer name='rtc' tickpolicy='catchup'/>");
  push(2, "<timer name='pit' tickpolicy='delay'/>");
  push(2, "<timer name='hpet' present='no'/>");
  push(1, '</clock>');
  push(1, '<on_poweroff>destroy</on_poweroff>');
  push(1, '<on_reboot>restart</on_reboot>');
  push(1, '<on_crash>destroy</on_crash>');
  if (!compact) {
    push(1, '<pm>');
    push(2, "<suspend-to-mem enabled='no'/>");
    push(2, "<suspend-to-disk enabled='no'/>");
    push(1, '</pm>');
  }
  push(1, '<devices>');
  push(2, '<emulator>/usr/bin/qemu-system-x86_64</emulator>');
  let bus = 1;
  const pciAddress = () => `<address type='pci' domain='0x0000' bus='0x${(bus++).toString(16).padStart(2, '0')}' slot='0x00' function='0x0'/>`;
  const disks = compact ? 1 : random.int(1, 3);
  for (let d = 0; d < disks; d++) {
    push(2, "<disk type='file' device='disk'>");
    push(3, `<driver name='qemu' type='qcow2'${random.chance(0.5) ? " discard='unmap'" : ''}/>`);
    push(3, `<source file='/var/lib/libvirt/images/${name}-${d}.qcow2'/>`);
    push(3, `<target dev='vd${'abcdefgh'[d]}' bus='virtio'/>`);
    push(3, pciAddress());
    push(2, '</disk>');
  }
  if (!compact && random.chance(0.3)) {
    push(2, "<disk type='file' device='cdrom'>");
    push(3, "<driver name='qemu' type='raw'/>");
    push(3, '<target dev=\'sda\' bus=\'sata\'/>');
    push(3, '<readonly/>');
    push(3, "<address type='drive' controller='0' bus='0' target='0' unit='0'/>");
    push(2, '</disk>');
  }
  if (!compact) {
    push(2, "<controller type='usb' index='0' model='qemu-xhci' ports='15'>");
    push(3, pciAddress());
    push(2, '</controller>');
  }
  push(2, "<controller type='pci' index='0' model='pcie-root'/>");
  const rootPorts = compact ? random.int(1, 2) : random.int(2, 6);
  for (let p = 1; p <= rootPorts; p++) {
    push(2, `<controller type='pci' index='${p}' model='pcie-root-port'>`);
    push(3, "<model name='pcie-root-port'/>");
    push(3, `<target chassis='${p}' port='0x${(0x10 + p - 1).toString(16)}'/>`);
    push(3, `<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x${(p - 1).toString(16)}'${p === 1 ? " multifunction='on'" : ''}/>`);
    push(2, '</controller>');
  }
  if (!compact) {
    push(2, "<controller type='sata' index='0'>");
    push(3, "<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>");
    push(2, '</controller>');
    push(2, "<controller type='virtio-serial' index='0'>");
    push(3, pciAddress());
    push(2, '</controller>');
  }
  const nics = compact ? 1 : random.int(1, 2);
  for (let n = 0; n < nics; n++) {
    push(2, `<interface type='${n === 0 ? 'network' : 'bridge'}'>`);
    push(3, `<mac address='52:54:00:${random.hex(2)}:${random.hex(2)}:${random.hex(2)}'/>`);
    push(3, n === 0 ? "<source network='default'/>" : `<source bridge='br${random.int(0, 9)}'/>`);
    push(3, "<model type='virtio'/>");
    push(3, pciAddress());
    push(2, '</interface>');
  }
  if (!compact) {
    push(2, "<serial type='pty'>");
    push(3, "<target type='isa-serial' port='0'>");
    push(4, "<model name='isa-serial'/>");
    push(3, '</target>');
    push(2, '</serial>');
  }
  push(2, "<console type='pty'>");
  push(3, "<target type='serial' port='0'/>");
  push(2, '</console>');
  if (!compact) {
    push(2, "<channel type='unix'>");
    push(3, "<target type='virtio' name='org.qemu.guest_agent.0'/>");
    push(3, "<address type='virtio-serial' controller='0' bus='0' port='1'/>");
    push(2, '</channel>');
    push(2, "<input type='tablet' bus='usb'>");
    push(3, "<address type='usb' bus='0' port='1'/>");
    push(2, '</input>');
  }
  push(2, "<input type='mouse' bus='ps2'/>");
  push(2, "<input type='keyboard' bus='ps2'/>");
  if (random.chance(0.5)) {
    push(2, "<graphics type='spice'>");
    push(3, "<listen type='none'/>");
    push(3, "<gl enable='yes' rendernode='/dev/dri/by-path/pci-0000:00:02.0-render'/>");
    push(2, '</graphics>');
  } else {
    push(2, `<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'>`);
    push(3, "<listen type='address' address='127.0.0.1'/>");
    push(2, '</graphics>');
  }
  push(2, '<video>');
  push(3, devices.length ? "<model type='none'/>" : "<model type='virtio' heads='1' primary='yes'/>");
  push(2, '</video>');
  for (const d of devices) {
    push(2, `<hostdev mode='subsystem' type='mdev' managed='no' model='${d.model}' display='${d.display ? 'on' : 'off'}'>`);
    push(3, '<source>');
    push(4, `<address uuid='${d.uuid}'/>`);
    push(3, '</source>');
    push(3, pciAddress());
    push(2, '</hostdev>');
  }
  push(2, "<memballoon model='virtio'>");
  push(3, pciAddress());
  push(2, '</memballoon>');
  if (!compact) {
    push(2, "<rng model='virtio'>");
    push(3, "<backend model='random'>/dev/urandom</backend>");
    push(3, pciAddress());
    push(2, '</rng>');
  }
  push(1, '</devices>');
}

function s390Body(random, name, devices, push) {
  push(1, '<os>');
  push(2, "<type arch='s390x' machine='s390-ccw-virtio-7.2'>hvm</type>");
  push(2, "<boot dev='hd'/>");
  push(1, '</os>');
  push(1, "<cpu mode='host-model' check='partial'/>");
  push(1, "<clock offset='utc'/>");
  push(1, '<on_poweroff>destroy</on_poweroff>');
  push(1, '<on_reboot>restart</on_reboot>');
  push(1, '<on_crash>destroy</on_crash>');
  push(1, '<devices>');
  push(2, '<emulator>/usr/bin/qemu-system-s390x</emulator>');
  let devno = 0;
  const ccwAddress = () => `<address type='ccw' cssid='0xfe' ssid='0x0' devno='0x${(devno++).toString(16).padStart(4, '0')}'/>`;
  const disks = random.int(1, 4);
  for (let d = 0; d < disks; d++) {
    push(2, "<disk type='file' device='disk'>");
    push(3, "<driver name='qemu' type='qcow2' cache='none' io='native'/>");
    push(3, `<source file='/var/lib/libvirt/images/${name}-${d}.qcow2'/>`);
    push(3, `<target dev='vd${'abcdefgh'[d]}' bus='virtio'/>`);
    push(3, ccwAddress());
    push(2, '</disk>');
  }
  const nics = random.int(1, 3);
  for (let n = 0; n < nics; n++) {
    push(2, "<interface type='network'>");
    push(3, `<mac address='52:54:00:${random.hex(2)}:${random.hex(2)}:${random.hex(2)}'/>`);
    push(3, "<source network='default'/>");
    push(3, "<model type='virtio'/>");
    push(3, ccwAddress());
    push(2, '</interface>');
  }
  push(2, "<console type='pty'>");
  push(3, "<target type='sclp' port='0'/>");
  push(2, '</console>');
  for (const d of devices) {
    push(2, `<hostdev mode='subsystem' type='mdev' managed='no' model='${d.model}'>`);
    push(3, '<source>');
    push(4, `<address uuid='${d.uuid}'/>`);
    push(3, '</source>');
    push(2, '</hostdev>');
  }
  push(2, "<memballoon model='virtio'>");
  push(3, ccwAddress());
  push(2, '</memballoon>');
  push(2, "<panic model='s390'/>");
  push(1, '</devices>');
}

export { GVT_TYPES, NVIDIA_TYPES };

/**
 * `count` files `d00000.xml`… in `dir`; returns their names (relative to `dir`) and total bytes.
 * `dense`: compact x86 guests with 0-2 mdevs (2-3 KB each) instead of the mixed corpus.
 */
export function writeDomainCorpus(dir, count, { seed = 1, dense = false } = {}) {
  mkdirSync(dir, { recursive: true });
  const random = seededRandom(seed);
  const files = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { xml } = dense ? domainXml(random, i, { compact: true, family: 'x86', mdevs: random.int(0, 2) }) : domainXml(random, i);
    const file = `d${String(i).padStart(5, '0')}.xml`;
    writeFileSync(join(dir, file), xml);
    files.push(file);
    bytes += Buffer.byteLength(xml);
  }
  return { files, bytes };
}

/**
 * One domain with `count` GVT-g mdevs (i915-GVTg_V5_1 x1 on 0000:00:02.0), for growth figures:
 * `form` 'metadata' (the deployed container) or 'inline' (an `<aggregation>` in each hostdev).
 * One line per hostdev and per entry: 10,000 devices stamped must stay within the 4 MiB a domain
 * may have.
 */
export function manyDevicesDomain(count, form, seed = 3) {
  const random = seededRandom(seed);
  const uuids = Array.from({ length: count }, () => random.uuid());
  const entry = "type='i915-GVTg_V5_1' instances='1' parent='0000:00:02.0'";
  const hostdevs = uuids.map(
    (u) => `    <hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='${u}'/></source>${form === 'inline' ? `<aggregation ${entry}/>` : ''}</hostdev>`,
  );
  return [
    "<domain type='kvm'>",
    `  <name>many-${count}</name>`,
    `  <uuid>${random.uuid()}</uuid>`,
    ...(form === 'metadata' ? ['  <metadata>', `    <agg:aggregation xmlns:agg='${AGGREGATION_NS}'>`, ...uuids.map((u) => `      <agg:device uuid='${u}' ${entry}/>`), '    </agg:aggregation>', '  </metadata>'] : []),
    "  <memory unit='KiB'>4194304</memory>",
    "  <vcpu placement='static'>4</vcpu>",
    '  <os>',
    "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>",
    '  </os>',
    '  <devices>',
    ...hostdevs,
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}
