/**
 * Random sequences of apply and release on the simulated kernel, with random write failures
 * (a random errno on a random write, or on the next write to a chosen attribute) and random kills
 * (the executor's beforeWrite hook throwing, as a killed process stops), each followed by runs
 * that must reconcile. After every step:
 * - no leaked device: every device on the host belongs to a domain whose last apply succeeded and
 *   that was not released since, or is named by the journal a stopped run left (to be reconciled);
 * - no device outside the requests, and none of a held domain vanishes unless released;
 * - a run that finished leaves no journal, and with no journal the host holds exactly the held devices;
 * - available_instances of every type is its initial value minus what the devices on the host hold.
 */
import fc from 'fast-check';
import type { DomainModel } from '../../src/core/reading/domain';
import { readHost } from '../../src/core/host/read-host';
import type { HostDevice } from '../../src/core/host/host-model';
import { type TransactionOutcome, transact } from '../../src/shell/executor';
import { SimKernel } from '../../src/shell/sim/kernel';
import type { SimKernelSpec } from '../../src/shell/sim/spec';
import { MemoryStateStore } from '../../src/shell/state-store';
import { Figures } from '../hostile/figures';
import { domainModel } from '../helpers/domain-builder';
import { attributeHost, createOptionHost, plainHost } from '../helpers/host-builder';
import { settings } from './settings';

const figures = new Figures();
figures.printAfterAll((n) => [
  `transaction sequences: ${n('sequences')} run, ${n('transactions')} transactions`,
  `faults injected: ${n('faults')}, survived: ${n('faults survived')}`,
  `crashes injected: ${n('crashes')}, reconciled: ${n('crashes reconciled')}`,
  `leaked devices: ${n('leaked')}`,
]);

const HOSTS: Record<string, () => SimKernelSpec> = { 'create-option': createOptionHost, attribute: attributeHost, none: plainHost };
const ERRNOS = ['EIO', 'EINVAL', 'ENOSPC', 'EBUSY', 'EEXIST', 'ENODEV', 'EAGAIN', 'EPERM', 'ENOMEM', 'E2BIG'];

interface DeviceDraw {
  type: number;
  instances: number;
  parent: number | null;
}
type Fault = { kind: 'nth'; n: number; errno: string } | { kind: 'attribute'; name: 'create' | 'remove' | 'aggregated_instances'; errno: string };
interface Step {
  /** open and close mark one of the domain's devices in use (a guest holds it) and free it. */
  op: 'apply' | 'release' | 'open' | 'close';
  domain: number;
  device: number;
  fault: Fault | null;
  /** Index of the write before which the process is killed (when the run gets that far). */
  killAt: number | null;
}

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('nth' as const), n: fc.integer({ min: 1, max: 6 }), errno: fc.constantFrom(...ERRNOS) }),
  fc.record({ kind: fc.constant('attribute' as const), name: fc.constantFrom('create' as const, 'remove' as const, 'aggregated_instances' as const), errno: fc.constantFrom(...ERRNOS) }),
);

const scenario = fc.record({
  host: fc.constantFrom(...Object.keys(HOSTS)),
  domains: fc.array(
    fc.array(
      fc.record({
        type: fc.nat(),
        instances: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 4 })),
        parent: fc.option(fc.nat(), { nil: null }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    { minLength: 1, maxLength: 4 },
  ),
  steps: fc.array(
    fc.record({
      op: fc.constantFrom('apply' as const, 'apply' as const, 'release' as const, 'open' as const, 'close' as const),
      domain: fc.nat(),
      device: fc.nat(),
      fault: fc.option(fault, { nil: null, freq: 2 }),
      killAt: fc.option(fc.integer({ min: 0, max: 6 }), { nil: null, freq: 3 }),
    }),
    { minLength: 1, maxLength: 24 },
  ),
});

const uuidOf = (domain: number, device: number) => `11111111-2222-4333-8444-${String(domain * 10 + device).padStart(12, '0')}`;

/** The drawn devices on a host as a domain's model. */
function drawnDomain(spec: SimKernelSpec, index: number, draws: DeviceDraw[]): DomainModel {
  const types = spec.parents.flatMap((p) => p.types.map((t) => t.id));
  const devices = draws.map((d, i) => ({
    uuid: uuidOf(index, i),
    type: types[d.type % types.length]!,
    instances: d.instances,
    ...(d.parent === null ? {} : { parent: spec.parents[d.parent % spec.parents.length]!.name }),
  }));
  return domainModel(devices, { name: `d${index}` });
}

/**
 * available_instances of every type, computed from the description alone: each pool's capacity
 * minus the cost of every device drawing on it, over the type's cost (the scarcest resource).
 */
function expectedAvailable(spec: SimKernelSpec, devices: Pick<HostDevice, 'parent' | 'type' | 'instances'>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const parent of spec.parents) {
    const poolOf = (typeId: string) => parent.types.find((t) => t.id === typeId)!.pool ?? `own:${typeId}`;
    const costOf = (typeId: string) => parent.types.find((t) => t.id === typeId)!.cost ?? { instances: 1 };
    const free = new Map<string, Record<string, number>>();
    for (const pool of parent.pools ?? []) free.set(pool.id, { ...pool.capacity });
    for (const type of parent.types) if (type.pool === undefined) free.set(`own:${type.id}`, { instances: type.available ?? 0 });
    for (const device of devices.filter((d) => d.parent === parent.name)) {
      const pool = free.get(poolOf(device.type))!;
      for (const [resource, cost] of Object.entries(costOf(device.type))) pool[resource]! -= cost * device.instances;
    }
    for (const type of parent.types) {
      const pool = free.get(poolOf(type.id))!;
      out[`${parent.name}/${type.id}`] = Math.min(...Object.entries(costOf(type.id)).filter(([, c]) => c > 0).map(([r, c]) => Math.floor(Math.max(0, pool[r]!) / c)));
    }
  }
  return out;
}

const availableOnHost = (kernel: SimKernel) =>
  Object.fromEntries(readHost(kernel).parents.flatMap((p) => p.types.map((t) => [`${p.name}/${t.id}`, t.availableInstances])));
const describeDevice = (d: Pick<HostDevice, 'uuid' | 'parent' | 'type' | 'instances'>) => `${d.uuid} ${d.parent} ${d.type} x${d.instances}`;

class Killed extends Error {}

/** One scenario: the steps, then a final run with nothing to do that must reconcile what is left. */
function runScenario({ host, domains: draws, steps }: { host: string; domains: DeviceDraw[][]; steps: Step[] }) {
  const spec = HOSTS[host]!();
  const kernel = SimKernel.build(spec);
  const store = new MemoryStateStore();
  const domains = draws.map((d, i) => drawnDomain(spec, i, d));
  const requested = new Set(domains.flatMap((d) => d.devices.map((x) => x.uuid)));
  /** Devices of domains whose last apply succeeded, as the host showed them then. */
  const held = new Map<string, HostDevice>();
  let activeFault: object | null = null;
  const inUse = new Set<string>();
  let unreconciledKills = 0;
  figures.add('sequences');

  const run = (op: 'apply' | 'release', domain: DomainModel, step: Partial<Step>) => {
    // What a stopped run left: its journal, and devices earlier reconciliations could not remove.
    const pending = store.journal || store.unreconciled ? { kind: store.journal?.kind ?? 'apply', entries: [...(store.journal?.entries ?? []), ...(store.unreconciled?.entries ?? [])] } : null;
    const token = {};
    activeFault = token;
    let fired = 0;
    if (step.fault) {
      const f = step.fault;
      let left = f.kind === 'nth' ? f.n : 1;
      kernel.failWriteWhere((path) => {
        const hit = activeFault === token && (f.kind === 'nth' || path.endsWith(`/${f.name}`)) && --left === 0;
        if (hit) fired++;
        return hit;
      }, f.errno);
    }
    let report: TransactionOutcome | null = null;
    try {
      report = transact(op, domain, {
        sysfs: kernel,
        store,
        lockTimeoutMs: 0,
        beforeWrite: (index) => {
          if (index === step.killAt) throw new Killed('killed');
        },
      });
    } catch (e) {
      if (!(e instanceof Killed)) throw e;
    } finally {
      activeFault = null;
    }
    figures.add('transactions');
    figures.add('faults', fired);
    if (report === null) {
      figures.add('crashes');
      unreconciledKills++;
    } else {
      expect(report.diagnostics.map((d) => d.code)).not.toContain('E_LOCK_TIMEOUT');
      if (report.diagnostics.some((d) => d.code === 'I_RECONCILED')) {
        figures.add('crashes reconciled', unreconciledKills);
        unreconciledKills = 0;
      }
    }

    const devices = readHost(kernel).devices;
    const onHost = new Map(devices.map((d) => [d.uuid, d]));
    // A held device vanishes (or is replaced, removed then created again by this very run) only
    // when this run released it, or when a journal left by a stopped run named it: reconciling
    // finishes an interrupted release and undoes an interrupted apply.
    const mayVanish = new Set([
      ...(op === 'release' ? (report?.removed ?? domain.devices.map((d) => d.uuid)) : []),
      ...(pending?.entries.map((e) => e.uuid) ?? []),
    ]);
    for (const [uuid, device] of held) {
      const now = onHost.get(uuid);
      if (now !== undefined && describeDevice(now) === describeDevice(device)) continue;
      expect([uuid, mayVanish.has(uuid)]).toEqual([uuid, true]);
      held.delete(uuid);
    }
    if (op === 'apply' && report !== null && !report.diagnostics.some((d) => d.severity === 'error')) {
      for (const d of domain.devices) {
        const device = onHost.get(d.uuid);
        expect(device && [device.type, device.instances, d.parent ?? device.parent]).toEqual([d.type, d.instances, device?.parent]);
        held.set(d.uuid, device!);
      }
    }

    const journal = store.journal;
    // A device kept in unreconciled.json is journaled too: every later run retries its removal.
    const journaled = new Set([...(journal?.entries ?? []), ...(store.unreconciled?.entries ?? [])].map((e) => e.uuid));
    for (const d of devices) {
      expect([d.uuid, requested.has(d.uuid)]).toEqual([d.uuid, true]);
      expect([d.uuid, held.has(d.uuid) || journaled.has(d.uuid)]).toEqual([d.uuid, true]);
    }
    if (report !== null && !report.unclean) expect(journal).toBeNull();
    // Only an injected failure, or a device in use that an interrupted apply created (which stays
    // journaled until it is free), may leave a run unclean.
    const blockedByUse = (pending?.kind === 'apply' || store.unreconciled !== null) && (pending?.entries ?? []).some((e) => inUse.has(e.uuid));
    if (report !== null && fired === 0 && !blockedByUse) {
      const errors = report.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`);
      expect({ unclean: report.unclean, errors }).toEqual({ unclean: false, errors: expect.anything() });
    }
    if (journal === null && store.unreconciled === null) expect(devices.map(describeDevice)).toEqual([...held.values()].map(describeDevice).sort());
    expect(availableOnHost(kernel)).toEqual(expectedAvailable(spec, devices));
    figures.add('faults survived', fired);
    return report;
  };

  for (const step of steps) {
    const domain = domains[step.domain % domains.length]!;
    if (step.op === 'open' || step.op === 'close') {
      const uuid = domain.devices[step.device % domain.devices.length]!.uuid;
      if (!readHost(kernel).devices.some((d) => d.uuid === uuid)) continue;
      if (step.op === 'open') kernel.open(uuid);
      else kernel.close(uuid);
      if (step.op === 'open') inUse.add(uuid);
      else inUse.delete(uuid);
      continue;
    }
    run(step.op, domain, step);
  }
  // The guests stop: their devices are free again.
  for (const uuid of inUse) if (readHost(kernel).devices.some((d) => d.uuid === uuid)) kernel.close(uuid);
  // Nothing to do but reconcile: afterwards no journal, the held devices and nothing else.
  const final = run('release', drawnDomain(spec, 99, []), {});
  expect(final?.unclean).toBe(false);
  expect(store.journal).toBeNull();
  expect(store.unreconciled).toBeNull();
  expect(unreconciledKills).toBe(0);
  const leaked = readHost(kernel).devices.filter((d) => !held.has(d.uuid));
  figures.add('leaked', leaked.length);
  expect(leaked).toEqual([]);
  expect(availableOnHost(kernel)).toEqual(expectedAvailable(spec, [...held.values()]));
}

test('random applies and releases with random failures and kills keep the host consistent', () => {
  fc.assert(fc.property(scenario, runScenario), settings(1500));
});
