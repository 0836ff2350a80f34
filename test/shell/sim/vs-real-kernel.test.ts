/**
 * The simulated kernel against the real one: every write the kernel harness made on Debian's
 * 6.1 mdev core with the project's test driver (test/kernel/expected/kernel-writes.jsonl) is
 * replayed on a simulated twin of that driver; the answer and the state after it must agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SysfsError } from '../../../src/core/host/sysfs';
import { RemoveWouldBlock, SimKernel } from '../../../src/shell/sim/kernel';
import { REPO } from '../../helpers/golden';

interface LoggedWrite {
  scenario: string;
  path: string;
  data: string;
  errno: string | null;
  state: {
    available_instances: Record<string, number>;
    devices: Record<string, { parent: string; type: string; aggregated_instances: number; max_aggregation: number }>;
  };
}

const PARENT = 'mdev_agg_test';
const TYPES = [`${PARENT}-plain`, `${PARENT}-agg`];
const log: LoggedWrite[] = readFileSync(join(REPO, 'test/kernel/expected/kernel-writes.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

/**
 * The test driver as the simulator describes it: one pool of 8 units; plain costs 2, agg 1 per
 * instance; the aggregatable type's migration_version accepts only its own string.
 */
const twin = () =>
  SimKernel.build({
    parents: [
      {
        name: PARENT,
        deviceDir: `/sys/devices/platform/${PARENT}`,
        pools: [{ id: 'units', capacity: { units: 8 } }],
        types: [
          { id: TYPES[0], deviceApi: 'vfio-pci', name: 'mdev-agg test plain', description: 'units per instance: 2, pool: 8, aggregation: no', pool: 'units', cost: { units: 2 }, aggregation: { kind: 'none' }, attributeGroup: true },
          { id: TYPES[1], deviceApi: 'vfio-pci', name: 'mdev-agg test agg', description: 'units per instance: 1, pool: 8, aggregation: yes', pool: 'units', cost: { units: 1 }, aggregation: { kind: 'attribute' }, migration: { version: 'mdev_agg_test-agg-1' } },
        ],
      },
    ],
  });

function stateOf(kernel: SimKernel): LoggedWrite['state'] {
  const available: Record<string, number> = {};
  for (const t of TYPES) available[`${PARENT}/${t}`] = Number(kernel.read(`/sys/class/mdev_bus/${PARENT}/mdev_supported_types/${t}/available_instances`));
  const devices: LoggedWrite['state']['devices'] = {};
  for (const uuid of kernel.list('/sys/bus/mdev/devices') ?? []) {
    const dir = `/sys/bus/mdev/devices/${uuid}`;
    const real = kernel.realpath(dir)!;
    devices[uuid] = {
      parent: real.split('/').slice(-2, -1)[0],
      type: kernel.realpath(`${dir}/mdev_type`)!.split('/').pop()!,
      aggregated_instances: Number(kernel.read(`${dir}/mdev/aggregated_instances`)),
      max_aggregation: Number(kernel.read(`${dir}/mdev/max_aggregation`)),
    };
  }
  return { available_instances: available, devices };
}

function answer(kernel: SimKernel, path: string, data: string): string | null {
  try {
    kernel.write(path, data);
    return null;
  } catch (e) {
    if (e instanceof SysfsError) return e.errno;
    throw e;
  }
}

/** In the busy scenario a process holds the device through VFIO from its creation on. */
const HELD_OPEN = '50-raw-busy';

describe('the simulated kernel answers every logged write as the real kernel did', () => {
  const scenarios = [...new Set(log.map((w) => w.scenario))];
  test('the log covers the scenarios and is not empty', () => {
    expect(log.length).toBeGreaterThanOrEqual(50);
    expect(scenarios.length).toBeGreaterThanOrEqual(5);
  });

  test.each(scenarios)('%s', (scenario) => {
    const kernel = twin(); // the harness resets the host between scenarios
    for (const write of log.filter((w) => w.scenario === scenario)) {
      const label = `${write.path} <- ${JSON.stringify(write.data.slice(0, 60))}`;
      let got: string | null;
      if (scenario === HELD_OPEN && write.path.endsWith('/remove')) {
        // The real write blocked until the holder closed, then succeeded.
        const uuid = write.path.split('/').slice(-2)[0];
        expect(() => kernel.write(write.path, write.data)).toThrow(RemoveWouldBlock);
        kernel.close(uuid);
        got = answer(kernel, write.path, write.data);
      } else {
        got = answer(kernel, write.path, write.data);
        if (scenario === HELD_OPEN && write.path.endsWith('/create') && got === null) kernel.open(write.data.trim());
      }
      expect({ write: label, errno: got }).toEqual({ write: label, errno: write.errno });
      expect({ write: label, state: stateOf(kernel) }).toEqual({ write: label, state: write.state });
    }
  });
});
