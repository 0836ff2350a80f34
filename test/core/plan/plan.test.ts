import { join } from 'node:path';
import { readHost } from '../../../src/core/host/read-host';
import { planApply } from '../../../src/core/plan/plan';
import { planShell } from '../../../src/core/plan/plan-format';
import { RealSysfs } from '../../../src/shell/real-sysfs';
import { SimKernel } from '../../../src/shell/sim/kernel';
import { type MdevDevice, domainModel } from '../../helpers/domain-builder';
import { REPO } from '../../helpers/golden';
import { plainHost } from '../../helpers/host-builder';

const U1 = '6a0c1e2d-3b4f-4a5e-8c7d-9e0f1a2b3c4d';
const U2 = '7a0c1e2d-3b4f-4a5e-8c7d-9e0f1a2b3c4d';
const fixtureHost = (name: string) => readHost(new RealSysfs(join(REPO, 'fixtures/hosts', name)));
const U3 = '8a0c1e2d-3b4f-4a5e-8c7d-9e0f1a2b3c4d';
/** A domain whose devices get U1, U2, U3 in order. */
const domain = (devices: Omit<MdevDevice, 'uuid'>[]) => domainModel(devices.map((d, i) => ({ uuid: [U1, U2, U3][i]!, ...d })), { name: 'd' });
const writes = (plan: ReturnType<typeof planApply>) => plan.devices.flatMap((d) => d.ops.filter((o) => o.op === 'write').map((o) => `${o.path} <- ${(o as { data: string }).data}`));
const T = '/sys/class/mdev_bus/0000:00:02.0/mdev_supported_types';
const D = '/sys/bus/mdev/devices';

describe('GIVEN the create-option host', () => {
  test('WHEN N = 4 THEN the one write is <uuid>,aggregate=4 to create, then aggregated_instances is expected to read 4', () => {
    const plan = planApply(domain([{ type: 'i915-GVTg_V5_aggregate', instances: 4, parent: '0000:00:02.0' }]), fixtureHost('gvt-create-option'));
    expect(plan.diagnostics).toEqual([]);
    expect(plan.devices[0].dialect).toBe('create-option');
    expect(writes(plan)).toEqual([`${T}/i915-GVTg_V5_aggregate/create <- ${U1},aggregate=4`]);
    const ops = plan.devices[0].ops;
    expect(ops[ops.length - 1]).toEqual({ op: 'expect', path: `${D}/${U1}/aggregated_instances`, value: '4', compare: 'eq', role: 'verify', failure: 'E_VERIFY_FAILED' });
    expect(plan.devices[0].rollback[0]).toEqual({ op: 'write', path: `${D}/${U1}/remove`, data: '1', role: 'remove', failure: 'E_SYSFS_WRITE' });
    // Each step says what it is for: checks before the one create, verifications after it.
    expect(ops.map((o) => o.role)).toEqual(['check', 'check', 'check', 'check', 'create', 'verify', 'verify']);
    expect(ops.find((o) => o.op === 'expect' && o.path.endsWith('/available_instances'))?.failure).toBe('E_CAPACITY');
  });

  test('WHEN N is above the type\'s aggregation maximum THEN E_AGG_EXCEEDS_MAX', () => {
    const plan = planApply(domain([{ type: 'i915-GVTg_V5_aggregate', instances: 11, parent: '0000:00:02.0' }]), fixtureHost('gvt-create-option'));
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['E_AGG_EXCEEDS_MAX']);
  });
});

describe('GIVEN the attribute host', () => {
  test('WHEN N = 4 THEN a plain create, max_aggregation checked, then 4 written to mdev/aggregated_instances and read back', () => {
    const plan = planApply(domain([{ type: 'i915-GVTg_V5_8', instances: 1, parent: '0000:00:02.0' }]), fixtureHost('example-gvt'));
    expect(writes(plan)).toEqual([`${T}/i915-GVTg_V5_8/create <- ${U1}`]);
    const four = planApply(domain([{ type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0' }]), fixtureHost('example-gvt'));
    expect(four.devices[0].dialect).toBe('attribute');
    expect(writes(four)).toEqual([`${T}/i915-GVTg_V5_8/create <- ${U1}`, `${D}/${U1}/mdev/aggregated_instances <- 4`]);
    const ops = four.devices[0].ops.map((o) => `${o.op} ${o.path.replace(`${D}/${U1}/`, '')}`);
    expect(ops.slice(ops.indexOf('write ' + `${T}/i915-GVTg_V5_8/create`))).toEqual([
      `write ${T}/i915-GVTg_V5_8/create`,
      `exists ${D}/${U1}`,
      'expect mdev/max_aggregation',
      'write mdev/aggregated_instances',
      'expect mdev/aggregated_instances',
    ]);
  });
});

describe('GIVEN a host without aggregation', () => {
  test('WHEN N > 1 THEN E_AGG_UNSUPPORTED and no device is planned; WHEN N = 1 THEN a plain create', () => {
    const refused = planApply(domain([{ type: 'nvidia-256', instances: 2, parent: '0000:41:00.0' }]), fixtureHost('nvidia'));
    expect(refused.diagnostics.map((d) => d.code)).toEqual(['E_AGG_UNSUPPORTED']);
    expect(refused.devices).toEqual([]);
    expect(planShell(refused)).not.toContain('write \'/sys');
    const plain = planApply(domain([{ type: 'nvidia-256', instances: 1, parent: '0000:41:00.0' }]), fixtureHost('nvidia'));
    expect(writes(plain)).toEqual([`/sys/class/mdev_bus/0000:41:00.0/mdev_supported_types/nvidia-256/create <- ${U1}`]);
  });

  test('WHEN no parent is given THEN placement takes the most available instances, and the next device sees what the first took', () => {
    const host = readHost(SimKernel.build(plainHost())); // nvidia-256: 4 on 0000:41:00.0, 5 on 0000:42:00.0
    const plan = planApply(domain([{ type: 'nvidia-256', instances: 1 }, { type: 'nvidia-256', instances: 1 }]), host);
    expect(plan.devices.map((d) => d.parent)).toEqual(['0000:42:00.0', '0000:41:00.0']);
  });

  test('WHEN every parent is full THEN E_NO_PLACEMENT names the type', () => {
    const host = readHost(SimKernel.build(plainHost())); // nvidia-259: 1 on each parent
    const plan = planApply(domain([{ type: 'nvidia-259', instances: 1 }, { type: 'nvidia-259', instances: 1 }]), host);
    expect(plan.devices.map((d) => d.parent)).toEqual(['0000:41:00.0', '0000:42:00.0']);
    const three = planApply(domain([{ type: 'nvidia-259', instances: 1 }, { type: 'nvidia-259', instances: 1 }, { type: 'nvidia-259', instances: 1 }]), host);
    expect(three.diagnostics.map((d) => d.code)).toEqual(['E_NO_PLACEMENT']);
  });

  test('WHEN the model differs from device_api THEN E_DEVICE_API_MISMATCH', () => {
    const model = domain([{ type: 'nvidia-256', instances: 1, parent: '0000:41:00.0', model: 'vfio-ccw' }]);
    expect(planApply(model, fixtureHost('nvidia')).diagnostics.map((d) => d.code)).toEqual(['E_DEVICE_API_MISMATCH']);
  });
});
