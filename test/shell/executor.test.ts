import { readHost } from '../../src/core/host/read-host';
import { transact } from '../../src/shell/executor';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import { type MdevDevice, domainModel } from '../helpers/domain-builder';
import { GVT_PARENT, attributeHost, createOptionHost, plainHost } from '../helpers/host-builder';

const U = ['11111111-2222-4333-8444-555555555501', '11111111-2222-4333-8444-555555555502', '11111111-2222-4333-8444-555555555503'];

/** Everything a test compares: devices with their counts, and every type's capacity. */
function hostState(kernel: SimKernel) {
  const host = readHost(kernel);
  return {
    devices: host.devices.map((d) => `${d.uuid} ${d.parent} ${d.type} x${d.instances}`),
    available: host.parents.flatMap((p) => p.types.map((t) => `${p.name}/${t.id}=${t.availableInstances}`)),
  };
}

const options = (kernel: SimKernel, store = new MemoryStateStore()) => ({ sysfs: kernel, store, lockTimeoutMs: 0 });

const scenarios: [string, () => SimKernelSpec, MdevDevice[]][] = [
  // Two types sharing one pool: 4/8 and 1/4 of it fit whatever the pool is.
  ['create-option', createOptionHost, [{ uuid: U[0], type: 'i915-GVTg_V5_aggregate', instances: 4, parent: GVT_PARENT }, { uuid: U[1], type: 'i915-GVTg_V5_4', instances: 1 }]],
  ['attribute', attributeHost, [{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 4, parent: GVT_PARENT }, { uuid: U[1], type: 'i915-GVTg_V5_8', instances: 2 }]],
  // nvidia-259's one instance is all of 0000:41:00.0's pool if its types share one: the 256s go elsewhere.
  ['none', plainHost, [{ uuid: U[2], type: 'nvidia-259', instances: 1, parent: '0000:41:00.0' }, { uuid: U[0], type: 'nvidia-256', instances: 1 }, { uuid: U[1], type: 'nvidia-256', instances: 1 }]],
];

describe.each(scenarios)('GIVEN a %s host', (_, spec, devices) => {
  const domain = domainModel(devices);

  test('WHEN applied THEN every device exists with its count, and a second apply writes nothing', () => {
    const kernel = SimKernel.build(spec());
    const first = transact('apply', domain, options(kernel));
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(first.created).toEqual(devices.map((d) => d.uuid));
    const state = hostState(kernel);
    for (const d of devices) expect(state.devices.some((line) => line.startsWith(d.uuid) && line.endsWith(`${d.type} x${d.instances}`))).toBe(true);

    const again = transact('apply', domain, options(kernel));
    expect(again.writes).toBe(0);
    expect(again.created).toEqual([]);
    expect(hostState(kernel)).toEqual(state);
  });

  test('WHEN released THEN the host is as before', () => {
    const kernel = SimKernel.build(spec());
    const before = hostState(kernel);
    transact('apply', domain, options(kernel));
    const release = transact('release', domain, options(kernel));
    expect(release.removed).toEqual(devices.map((d) => d.uuid));
    expect(hostState(kernel)).toEqual(before);
  });

  test('WHEN any write fails THEN no device is left and capacity is as before, the first error first', () => {
    const probe = SimKernel.build(spec());
    const total = transact('apply', domain, options(probe)).writes;
    expect(total).toBeGreaterThan(0);
    for (let n = 1; n <= total; n++) {
      const kernel = SimKernel.build(spec());
      const before = hostState(kernel);
      kernel.failWrite(n, 'EIO');
      const report = transact('apply', domain, options(kernel));
      const errors = report.diagnostics.filter((d) => d.severity === 'error');
      expect(errors[0]?.code).toBe('E_SYSFS_WRITE');
      expect(errors[0]?.message).toContain('EIO');
      expect(report.unclean).toBe(false);
      expect(hostState(kernel)).toEqual(before);
    }
  });

  test('WHEN the run is stopped before each write THEN the next run reconciles to nothing', () => {
    const probe = SimKernel.build(spec());
    const total = transact('apply', domain, options(probe)).writes;
    for (let stopAt = 0; stopAt < total; stopAt++) {
      const kernel = SimKernel.build(spec());
      const before = hostState(kernel);
      const store = new MemoryStateStore();
      expect(() =>
        transact('apply', domain, {
          ...options(kernel, store),
          beforeWrite: (index) => {
            if (index === stopAt) throw new Error('killed');
          },
        }),
      ).toThrow('killed');
      store.unlock(); // a killed process holds no lock
      const next = transact('release', domainModel([]), options(kernel, store));
      expect(next.diagnostics.map((d) => d.code)).toContain('I_RECONCILED');
      expect(store.journal).toBeNull();
      expect(hostState(kernel)).toEqual(before);
    }
  });

  test('WHEN the run is stopped after its last write, before clearing its journal, THEN the next run removes its devices', () => {
    const kernel = SimKernel.build(spec());
    const before = hostState(kernel);
    const store = new MemoryStateStore();
    store.clearJournal = () => {
      throw new Error('killed');
    };
    expect(() => transact('apply', domain, options(kernel, store))).toThrow('killed');
    expect(store.journal?.entries.every((e) => e.state === 'done')).toBe(true);
    delete (store as Partial<MemoryStateStore>).clearJournal;
    store.unlock();
    transact('apply', domainModel([]), options(kernel, store));
    expect(store.journal).toBeNull();
    expect(hostState(kernel)).toEqual(before);
  });
});

describe('GIVEN a run stopped while it undoes or finishes something', () => {
  const kill = (at: number) => (index: number) => {
    if (index === at) throw new Error('killed');
  };

  test('WHEN stopped during the rollback of a failed apply THEN the stop is not taken for a rollback failure, and the next run reconciles', () => {
    const kernel = SimKernel.build(attributeHost());
    const before = hostState(kernel);
    const store = new MemoryStateStore();
    const domain = domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 2 }]);
    // write 0 creates, write 1 (aggregated_instances) fails, write 2 is the rollback's remove.
    kernel.failWrite(2, 'EIO');
    expect(() => transact('apply', domain, { ...options(kernel, store), beforeWrite: kill(2) })).toThrow('killed');
    expect(store.journal?.entries.map((e) => e.uuid)).toEqual([U[0]]);
    const next = transact('release', domainModel([]), options(kernel, store));
    expect(next.diagnostics.map((d) => d.code)).toEqual(['I_RECONCILED']);
    expect(hostState(kernel)).toEqual(before);
  });

  test('WHEN an interrupted release meets a device in use THEN the next run leaves it in place and is not blocked', () => {
    const kernel = SimKernel.build(attributeHost());
    const store = new MemoryStateStore();
    const domain = domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 2 }]);
    transact('apply', domain, options(kernel, store));
    expect(() => transact('release', domain, { ...options(kernel, store), beforeWrite: kill(0) })).toThrow('killed');
    kernel.open(U[0]);
    const next = transact('apply', domainModel([{ uuid: U[1], type: 'i915-GVTg_V5_8', instances: 1 }]), options(kernel, store));
    expect(next.diagnostics.map((d) => d.code)).toEqual(['I_RECONCILED']);
    expect(next.diagnostics[0]!.message).toContain(`left ${U[0]} in place: in use`);
    expect(next.unclean).toBe(false);
    expect(store.journal).toBeNull();
    expect(hostState(kernel).devices.map((d) => d.slice(0, 36))).toEqual([U[0], U[1]]);
  });

  test('WHEN an interrupted apply made a device now in use THEN it is kept for later runs, blocks no other guest, refuses a domain naming it, and is removed once free', () => {
    const kernel = SimKernel.build(attributeHost());
    const before = hostState(kernel);
    const store = new MemoryStateStore();
    const domain = domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 2 }]);
    expect(() => transact('apply', domain, { ...options(kernel, store), beforeWrite: kill(1) })).toThrow('killed');
    kernel.open(U[0]);
    for (let run = 0; run < 3; run++) {
      const other = domainModel([{ uuid: U[1], type: 'i915-GVTg_V5_8', instances: 1 }]);
      const unrelated = transact('apply', other, options(kernel, store));
      const codes = unrelated.diagnostics.map((d) => d.code);
      expect(codes).toEqual(run === 0 ? ['I_RECONCILED', 'W_RECONCILE_PENDING'] : ['W_RECONCILE_PENDING']);
      expect(unrelated.diagnostics.find((d) => d.code === 'W_RECONCILE_PENDING')!.message).toContain(U[0]);
      expect(unrelated.unclean).toBe(false);
      expect(unrelated.created).toEqual([U[1]]);
      expect(store.journal).toBeNull();
      expect(store.unreconciled?.entries.map((e) => e.uuid)).toEqual([U[0]]);
      transact('release', other, options(kernel, store));
    }
    const naming = transact('apply', domain, options(kernel, store));
    expect(naming.diagnostics.map((d) => d.code)).toEqual(['W_RECONCILE_PENDING', 'E_ROLLBACK_FAILED']);
    expect(naming.writes).toBe(0);
    kernel.close(U[0]);
    expect(transact('release', domainModel([]), options(kernel, store)).diagnostics.map((d) => d.code)).toEqual(['I_RECONCILED']);
    expect(store.unreconciled).toBeNull();
    expect(hostState(kernel)).toEqual(before);
  });

  test('WHEN the kernel refuses the remove of a journaled device THEN every later guest still starts while it is retried', () => {
    const kernel = SimKernel.build(attributeHost());
    const store = new MemoryStateStore();
    const domain = domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 2 }]);
    expect(() => transact('apply', domain, { ...options(kernel, store), beforeWrite: kill(1) })).toThrow('killed');
    for (let run = 0; run < 3; run++) {
      kernel.failWriteWhere((path) => path.endsWith(`${U[0]}/remove`), 'EPERM');
      const other = transact('release', domainModel([]), options(kernel, store));
      expect(other.diagnostics.map((d) => d.code)).toContain('W_RECONCILE_PENDING');
      expect(other.unclean).toBe(false);
      expect(store.unreconciled?.entries.map((e) => e.uuid)).toEqual([U[0]]);
    }
    expect(transact('release', domainModel([]), options(kernel, store)).diagnostics.map((d) => d.code)).toEqual(['I_RECONCILED']);
    expect(store.unreconciled).toBeNull();
    expect(hostState(kernel).devices).toEqual([]);
  });
});

describe('GIVEN devices the host cannot take', () => {
  test('WHEN N > 1 on a type without aggregation THEN E_AGG_UNSUPPORTED before any write', () => {
    const kernel = SimKernel.build(plainHost());
    const report = transact('apply', domainModel([{ uuid: U[0], type: 'nvidia-256', instances: 2, parent: '0000:41:00.0' }]), options(kernel));
    expect(report.diagnostics.map((d) => d.code)).toEqual(['E_AGG_UNSUPPORTED']);
    expect(kernel.writes).toEqual([]);
  });

  test('WHEN the UUID exists with another count THEN E_DEVICE_CONFLICT and nothing is touched', () => {
    const kernel = SimKernel.build({ ...attributeHost(), devices: [{ uuid: U[0], parent: GVT_PARENT, type: 'i915-GVTg_V5_8', instances: 2 }] });
    const before = hostState(kernel);
    const report = transact('apply', domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 3 }]), options(kernel));
    expect(report.diagnostics.map((d) => d.code)).toEqual(['E_DEVICE_CONFLICT']);
    expect(kernel.writes).toEqual([]);
    const release = transact('release', domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 3 }]), options(kernel));
    expect(release.diagnostics.map((d) => d.code)).toEqual(['E_DEVICE_CONFLICT']);
    expect(hostState(kernel)).toEqual(before);
  });

  test('WHEN one device of a released domain conflicts THEN the others are removed and the conflicting one is kept and reported', () => {
    const kernel = SimKernel.build({ ...attributeHost(), devices: [{ uuid: U[0], parent: GVT_PARENT, type: 'i915-GVTg_V5_8', instances: 2 }] });
    transact('apply', domainModel([{ uuid: U[1], type: 'i915-GVTg_V5_8', instances: 1 }]), options(kernel));
    const release = transact('release', domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 3 }, { uuid: U[1], type: 'i915-GVTg_V5_8', instances: 1 }]), options(kernel));
    expect(release.diagnostics.map((d) => d.code)).toEqual(['E_DEVICE_CONFLICT']);
    expect(release.removed).toEqual([U[1]]);
    expect(kernel.exists(`/sys/bus/mdev/devices/${U[0]}`)).toBe(true);
    expect(kernel.exists(`/sys/bus/mdev/devices/${U[1]}`)).toBe(false);
  });

  test('WHEN a device is open THEN release reports E_DEVICE_BUSY and keeps it', () => {
    const kernel = SimKernel.build(attributeHost());
    const domain = domainModel([{ uuid: U[0], type: 'i915-GVTg_V5_8', instances: 2 }]);
    transact('apply', domain, options(kernel));
    kernel.open(U[0]);
    const release = transact('release', domain, options(kernel));
    expect(release.diagnostics.map((d) => d.code)).toEqual(['E_DEVICE_BUSY']);
    expect(hostState(kernel).devices).toHaveLength(1);
  });

  test('WHEN the second device would exceed capacity THEN the plan refuses before any write', () => {
    const kernel = SimKernel.build(plainHost());
    const before = hostState(kernel);
    const domain = domainModel([
      { uuid: U[0], type: 'nvidia-259', instances: 1, parent: '0000:41:00.0' },
      { uuid: U[1], type: 'nvidia-259', instances: 1, parent: '0000:41:00.0' },
    ]);
    const report = transact('apply', domain, options(kernel));
    expect(report.diagnostics.map((d) => d.code)).toEqual(['E_CAPACITY']);
    expect(kernel.writes).toEqual([]);
    expect(hostState(kernel)).toEqual(before);
  });

  test('WHEN another live run holds the lock THEN E_LOCK_TIMEOUT and nothing is written', () => {
    const kernel = SimKernel.build(plainHost());
    const store = new MemoryStateStore();
    store.tryLock();
    const report = transact('apply', domainModel([{ uuid: U[0], type: 'nvidia-256', instances: 1 }]), options(kernel, store));
    expect(report.diagnostics.map((d) => d.code)).toEqual(['E_LOCK_TIMEOUT']);
    expect(kernel.writes).toEqual([]);
  });
});
