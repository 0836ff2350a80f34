import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type ManagedDevice, readDomain } from '../../src/core/reading/domain';
import type { HostModel, HostParent } from '../../src/core/host/host-model';
import { type CheckOptions, type Requirement, judgeDevices } from '../../src/core/migration/compat';
import { fleetMatrix } from '../../src/core/migration/fleet';
import { EMPTY_POLICY } from '../../src/core/migration/policy';
import { type SourceFacts, sourceFactsFor } from '../../src/core/migration/source-facts';
import { readSnapshot } from '../../src/core/snapshot/read';
import { REPO } from '../helpers/golden';

const CORPUS = join(REPO, 'fixtures/migration');
const OPTIONS: CheckOptions = { policy: EMPTY_POLICY, allowUnknownDriver: false, parentRule: 'prefer' };

/** Every pair judged in full: what the matrix must equal. */
const bruteForce = (domains: { requirements: Requirement[] }[], targets: HostModel[], options = OPTIONS) =>
  domains.map((d) => targets.flatMap((host, t) => (judgeDevices(d.requirements, host, options).every((v) => v.compatible) ? [t] : [])));

describe('fleet matrix: grouped, and equal to judging every pair', () => {
  const snapshots = readdirSync(join(CORPUS, 'snapshots')).sort().map((f) => readSnapshot(readFileSync(join(CORPUS, 'snapshots', f)), f).snapshot!);
  const domains = readdirSync(join(CORPUS, 'domains')).sort().map((f) => readDomain(readFileSync(join(CORPUS, 'domains', f)), f).model!);

  test('GIVEN every corpus domain with every corpus source WHEN matched against every corpus snapshot THEN the rows are those of judging each pair, with fewer full checks', () => {
    const fleet = domains.flatMap((domain) => [null, ...snapshots].map((source) => ({ requirements: domain.devices.map((device) => ({ device, source: sourceFactsFor(device, source) })) })));
    const targets = snapshots.map((s) => s.host);
    for (const allowUnknownDriver of [false, true]) {
      const options = { ...OPTIONS, allowUnknownDriver };
      const matrix = fleetMatrix(fleet, targets.map((host) => ({ host })), options);
      expect(matrix.accepted).toEqual(bruteForce(fleet, targets, options));
      expect(matrix.judged).toBeLessThan(fleet.length * targets.length);
    }
  });

  // Random fleets over a few types: hosts with one or two parents differing in room, driver version
  // and migration_version, a parent offering up to three of a domain's types (the one-pool rule
  // weighs their rooms); domains of one to four devices, some sharing a type with other counts.
  const TYPES = ['t-a', 't-b', 't-c'];
  const parentArb = (name: string) =>
    fc.record({
      version: fc.constantFrom('1.0', '1.1', null),
      mv: fc.constantFrom('mv-1', 'mv-2', null),
      rooms: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })),
      dialect: fc.constantFrom('create-option' as const, 'attribute' as const, 'none' as const),
      max: fc.integer({ min: 1, max: 6 }),
      offers: fc.subarray(TYPES, { minLength: 1 }),
    }).map((p): HostParent => ({
      name,
      driver: 'drv',
      driverVersion: p.version,
      vendorId: null,
      deviceId: null,
      types: p.offers.map((id, i) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: p.rooms[i]!, dialect: p.dialect, maxAggregation: p.dialect === 'create-option' ? p.max : p.dialect === 'none' ? 1 : null, migrationVersion: p.mv })),
    }));
  const hostArb = fc.oneof(
    parentArb('p1').map((a) => [a]),
    fc.tuple(parentArb('p1'), parentArb('p2')).map(([a, b]) => [a, b]),
    parentArb('p2').map((b) => [b]),
  ).map((parents): HostModel => ({ parents, devices: [], problems: [] }));
  const requirementArb = fc
    .record({
      type: fc.constantFrom(...TYPES),
      instances: fc.integer({ min: 1, max: 5 }),
      parent: fc.constantFrom('p1', 'p2', null),
      version: fc.constantFrom('1.0', '1.1', null),
      mv: fc.constantFrom('mv-1', null),
      uuid: fc.uuid(),
    })
    .map(({ type, instances, parent, version, mv, uuid }): Requirement => {
      const device: ManagedDevice = { uuid, model: 'vfio-pci', type, instances, parent, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} };
      const source: SourceFacts = { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: version, migrationVersion: mv } };
      return { device, source };
    });

  test('GIVEN random fleets WHEN matched THEN the grouped matrix equals judging every pair (room capping and type groups are exact)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(requirementArb, { minLength: 0, maxLength: 4 }), { minLength: 1, maxLength: 12 }), fc.array(hostArb, { minLength: 1, maxLength: 16 }), fc.boolean(), (reqs, hosts, allowUnknownDriver) => {
        const fleet = reqs.map((requirements) => ({ requirements }));
        const options = { ...OPTIONS, allowUnknownDriver };
        expect(fleetMatrix(fleet, hosts.map((host) => ({ host })), options).accepted).toEqual(bruteForce(fleet, hosts, options));
      }),
      { numRuns: 600 },
    );
  });

  // One host's parents and facts, its rooms drawn again per target: classes and the outcomes the
  // fleet shares between targets then hold many targets each. Up to three parents offering some or
  // all of three types (the one-pool rule weighs them), pins to parents that exist or not, problems
  // that hide a room, a parent's type listing, the device listing or a domain's device, and
  // targets that hold one of the domains' UUIDs.
  const UUID_POOL = [1, 2, 3, 4, 5, 6].map((k) => `00000000-0000-4000-8000-00000000000${k}`);
  const PROBLEMS = [
    '/sys/class/mdev_bus/p1/mdev_supported_types/t-a/available_instances',
    '/sys/class/mdev_bus/p2/mdev_supported_types/t-b',
    '/sys/class/mdev_bus/p1/mdev_supported_types',
    '/sys/bus/mdev/devices',
    `/sys/bus/mdev/devices/${UUID_POOL[0]}/mdev_type`,
    '/sys/module/drv/version',
  ];
  const sharedHostArb = fc
    .tuple(
      fc.array(fc.record({ offers: fc.subarray(TYPES, { minLength: 1 }), version: fc.constantFrom('1.0', '1.1'), dialect: fc.constantFrom('create-option' as const, 'none' as const), max: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.record({
          rooms: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 9, maxLength: 9 }),
          problems: fc.subarray(PROBLEMS, { maxLength: 2 }),
          device: fc.option(fc.record({ uuid: fc.constantFrom(...UUID_POOL), type: fc.constantFrom(...TYPES), instances: fc.integer({ min: 1, max: 3 }) }), { freq: 4 }),
        }),
        { minLength: 1, maxLength: 30 },
      ),
    )
    .map(([parents, variants]) =>
      variants.map(({ rooms, problems, device }): HostModel => {
        const model: HostModel = {
          parents: parents.map((p, pi) => ({
            name: `p${pi + 1}`,
            driver: 'drv',
            driverVersion: p.version,
            vendorId: null,
            deviceId: null,
            types: p.offers.map((id) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: rooms[pi * 3 + TYPES.indexOf(id)]!, dialect: p.dialect, maxAggregation: p.dialect === 'create-option' ? p.max : 1, migrationVersion: null })),
          })),
          devices: device ? [{ uuid: device.uuid, parent: 'p1', type: device.type, instances: device.instances, maxAggregation: null }] : [],
          problems: problems.map((path) => ({ path, message: 'read failed: EIO' })),
        };
        return model;
      }),
    );
  const pinnedRequirementArb = fc
    .record({
      type: fc.constantFrom(...TYPES),
      instances: fc.integer({ min: 1, max: 3 }),
      parent: fc.constantFrom('p1', 'p2', 'p3', 'p9', null, null),
      version: fc.constantFrom('1.0', '1.1', null),
      uuid: fc.constantFrom(...UUID_POOL),
    })
    .map(({ type, instances, parent, version, uuid }): Requirement => ({
      device: { uuid, model: 'vfio-pci', type, instances, parent, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} },
      source: { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: version, migrationVersion: null } },
    }));

  // Many parents where a domain's devices already took a type: a walk step's key then holds one
  // answer of the one-pool rule per such parent, past what a number keeps exactly (2^53).
  test('GIVEN 28-40 parents each taking one device and one parent offering a second type WHEN matched THEN the matrix equals judging every pair', () => {
    // One parent offers the second type on every target (often among the last, where a number
    // would have lost its answer); its rooms, and every parent's, differ from target to target.
    const arb = fc.integer({ min: 28, max: 40 }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.oneof(fc.integer({ min: n - 8, max: n }), fc.integer({ min: 1, max: n })).chain((sharing) =>
          fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }), fc.integer({ min: 0, max: 3 }), fc.constant(sharing)), { minLength: 2, maxLength: 8 }),
        ),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(arb, ([n, variants, pinned]) => {
        const name = (p: number) => `p${String(p).padStart(2, '0')}`;
        const hosts = variants.map(([rooms, second, sharing]): HostModel => ({
          parents: rooms.map((room, pi) => ({
            name: name(pi + 1),
            driver: 'drv',
            driverVersion: '1.0',
            vendorId: null,
            deviceId: null,
            types: [['t-a', room] as const, ...(pi + 1 === sharing ? [['t-b', second] as const] : [])].map(([id, available]) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: available, dialect: 'none' as const, maxAggregation: 1, migrationVersion: null })),
          })),
          devices: [],
          problems: [],
        }));
        const requirement = (k: number, type: string, parent: string | null): Requirement => ({
          device: { uuid: `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`, model: 'vfio-pci', type, instances: 1, parent, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} },
          source: { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: '1.0', migrationVersion: null } },
        });
        const requirements = [...Array.from({ length: n }, (_, p) => requirement(p + 1, 't-a', pinned ? name(p + 1) : null)), requirement(99, 't-b', null)];
        const fleet = [{ requirements }, { requirements: requirements.slice(0, n) }];
        expect(fleetMatrix(fleet, hosts.map((host) => ({ host })), OPTIONS).accepted).toEqual(bruteForce(fleet, hosts));
      }),
      { numRuns: 60 },
    );
  });

  test('GIVEN 34 parents taking one device each and two targets differing only in the 33rd parent\'s pool WHEN matched THEN each gets its own verdict', () => {
    const name = (p: number) => `p${String(p).padStart(2, '0')}`;
    const target = (a: number, b: number): HostModel => ({
      parents: Array.from({ length: 34 }, (_, pi) => ({
        name: name(pi + 1),
        driver: 'drv',
        driverVersion: '1.0',
        vendorId: null,
        deviceId: null,
        types: (pi + 1 === 33 ? [['t-a', a], ['t-b', b]] : [['t-a', 3]]).map(([id, available]) => ({ id: id as string, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: available as number, dialect: 'none' as const, maxAggregation: 1, migrationVersion: null })),
      })),
      devices: [],
      problems: [],
    });
    const requirement = (k: number, type: string, parent: string | null): Requirement => ({
      device: { uuid: `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`, model: 'vfio-pci', type, instances: 1, parent, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} },
      source: { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: '1.0', migrationVersion: null } },
    });
    // On the second target the 33rd parent's pool cannot hold both types (1/1 + 1/1): its answer is
    // the 33rd of the step's key, where a number would have passed 2^53.
    const fleet = [{ requirements: [...Array.from({ length: 34 }, (_, p) => requirement(p + 1, 't-a', name(p + 1))), requirement(99, 't-b', null)] }];
    const hosts = [target(2, 2), target(1, 1)];
    expect(bruteForce(fleet, hosts)).toEqual([[0]]);
    expect(fleetMatrix(fleet, hosts.map((host) => ({ host })), OPTIONS).accepted).toEqual([[0]]);
  });

  test('GIVEN many targets that are one host with other rooms, pools, pins, problems and UUID holders WHEN matched THEN the matrix equals judging every pair', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(pinnedRequirementArb, { minLength: 0, maxLength: 5, selector: (r) => r.device.uuid }), { minLength: 1, maxLength: 12 }),
        sharedHostArb,
        fc.boolean(),
        fc.constantFrom('prefer' as const, 'strict' as const),
        (reqs, hosts, allowUnknownDriver, parentRule) => {
          const fleet = reqs.map((requirements) => ({ requirements }));
          const options = { ...OPTIONS, allowUnknownDriver, parentRule };
          expect(fleetMatrix(fleet, hosts.map((host) => ({ host })), options).accepted).toEqual(bruteForce(fleet, hosts, options));
        },
      ),
      { numRuns: 400 },
    );
  });

  test('GIVEN every small domain of two types WHEN matched against every small room of two parents THEN the matrix equals judging every pair (rooms compressed at their exact limits)', () => {
    // Two devices of one type taking turns on the parent with most room, and a parent weighing
    // two types in one pool: every room up to past the compression limits, every count to 3.
    const device = (type: string, instances: number, k: number): Requirement => ({
      device: { uuid: `00000000-0000-4000-8000-00000000000${k}`, model: 'vfio-pci', type, instances, parent: null, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} },
      source: { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: '1.0', migrationVersion: null } },
    });
    const shapes = ['t-a', 't-b'].flatMap((type) => [1, 2, 3].map((instances) => ({ type, instances })));
    const sequences: { type: string; instances: number }[][] = [[]];
    for (let length = 1; length <= 3; length++) for (const prefix of sequences.filter((q) => q.length === length - 1)) for (const shape of shapes) sequences.push([...prefix, shape]);
    const fleet = sequences.slice(1).map((q) => ({ requirements: q.map((d, k) => device(d.type, d.instances, k)) }));
    const type = (id: string, room: number) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: room, dialect: 'create-option' as const, maxAggregation: 8, migrationVersion: null });
    const parent = (name: string, types: ReturnType<typeof type>[]): HostParent => ({ name, driver: 'drv', driverVersion: '1.0', vendorId: null, deviceId: null, types });
    const hosts: HostModel[] = [];
    for (let a1 = 0; a1 <= 6; a1++) for (let b1 = 0; b1 <= 4; b1++) for (let a2 = 0; a2 <= 6; a2++) hosts.push({ parents: [parent('p1', [type('t-a', a1), type('t-b', b1)]), parent('p2', [type('t-a', a2)])], devices: [], problems: [] });
    const matrix = fleetMatrix(fleet, hosts.map((host) => ({ host })), OPTIONS);
    expect(matrix.accepted).toEqual(bruteForce(fleet, hosts));
  });

  test('GIVEN 1,000 domains of a few shapes and 1,000 targets of varied room WHEN matched THEN the full checks grow with the distinct shapes, not the product', () => {
    const requirement = (type: string, instances: number, version: string): Requirement => ({
      device: { uuid: '00000000-0000-4000-8000-000000000001', model: 'vfio-pci', type, instances, parent: null, method: 'auto', source: null, at: { line: 1, column: 1 }, attributeAt: {} },
      source: { origin: 'stamp', host: 'h', type: null, instances: null, driver: { driver: 'drv', driverVersion: version, migrationVersion: null } },
    });
    const fleet = Array.from({ length: 1000 }, (_, i) => ({ requirements: [requirement(TYPES[i % 2]!, 1 + (i % 4), i % 3 ? '1.0' : '1.1')] }));
    const targets = Array.from({ length: 1000 }, (_, i): { host: HostModel } => ({
      host: {
        parents: [{ name: 'p1', driver: 'drv', driverVersion: i % 5 ? '1.0' : '1.1', vendorId: null, deviceId: null, types: TYPES.map((id) => ({ id, name: null, description: null, deviceApi: 'vfio-pci', availableInstances: (i * 7) % 40, dialect: 'create-option' as const, maxAggregation: 8, migrationVersion: null })) }],
        devices: [],
        problems: [],
      },
    }));
    const matrix = fleetMatrix(fleet, targets, OPTIONS);
    // 8 shapes (count x version; the type follows the count): 8 groups
    expect(matrix.groups).toBe(8);
    // at most 8 groups x rooms capped to 0..4 x 2 driver versions: not 1,000,000 pairs
    expect(matrix.judged).toBeLessThanOrEqual(8 * 5 * 2);
    const sample = fleet.slice(0, 40);
    expect(matrix.accepted.slice(0, 40)).toEqual(bruteForce(sample, targets.map((t) => t.host)));
  });
});
