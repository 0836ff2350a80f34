/**
 * A simulated kernel's description from a host tree: everything `readHost` sees, plus the real
 * directories links point at, plus what a tree cannot show (which types share a pool and what one
 * instance costs), taken from an optional sidecar (`fixtures/hosts/<host>/sim.json`).
 */
import { readHost } from '../../core/host/read-host';
import { SysfsView } from '../../core/host/sysfs';
import { isJsonObject as isRecord } from '../../core/text/json-text';
import { MDEV_BUS_CLASS } from '../../core/host/host-layout';
import { speaksAttributeGeneration } from '../../core/host/dialect';
import type { CreateParser } from './kernel-parse';
import type { Resources, SimAggregation, SimKernelSpec, SimParentSpec, SimTypeSpec } from './spec';

export interface SimTypeOverride {
  /** A pool declared under the parent's `pools`. */
  pool?: string;
  /** What one instance takes from that pool. */
  cost?: Resources;
  createParser?: CreateParser;
  /** Generation A: the `aggregation` file's value, fixed or following the available count. */
  aggregationMax?: number | 'available';
}

export interface SimParentOverride {
  /** Pool id to total capacity, before any existing device takes its share. */
  pools?: Record<string, Resources>;
  types?: Record<string, SimTypeOverride>;
}

/** The sidecar: per parent, the pools its types share. */
export interface SimSeedOptions {
  parents?: Record<string, SimParentOverride>;
}

function resources(value: unknown, where: string): Resources {
  if (!isRecord(value)) throw new Error(`${where}: expected an object of resource amounts`);
  const out: Resources = {};
  for (const [name, amount] of Object.entries(value)) {
    if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 0) {
      throw new Error(`${where}.${name}: expected a non-negative integer`);
    }
    out[name] = amount;
  }
  return out;
}

function typeOverride(value: unknown, where: string): SimTypeOverride {
  if (!isRecord(value)) throw new Error(`${where}: expected an object`);
  const out: SimTypeOverride = {};
  for (const [key, field] of Object.entries(value)) {
    if (key === 'pool' && typeof field === 'string') out.pool = field;
    else if (key === 'cost') out.cost = resources(field, `${where}.cost`);
    else if (key === 'createParser' && (field === 'mainline' || field === 'v3' || field === 'refresh')) out.createParser = field;
    else if (key === 'aggregationMax' && (field === 'available' || (typeof field === 'number' && Number.isInteger(field) && field >= 0))) {
      out.aggregationMax = field;
    } else throw new Error(`${where}.${key}: unknown key or bad value`);
  }
  return out;
}

/** Checks a parsed `sim.json`; throws an Error naming the first bad place. */
export function parseSimSeedOptions(json: unknown): SimSeedOptions {
  if (!isRecord(json)) throw new Error('sim.json: expected an object');
  const parents: Record<string, SimParentOverride> = {};
  for (const [key, value] of Object.entries(json)) {
    if (key !== 'parents') throw new Error(`sim.json: unknown key ${key}`);
    if (!isRecord(value)) throw new Error('sim.json parents: expected an object');
    for (const [parent, body] of Object.entries(value)) {
      const where = `sim.json parents.${parent}`;
      if (!isRecord(body)) throw new Error(`${where}: expected an object`);
      const override: SimParentOverride = {};
      for (const [field, content] of Object.entries(body)) {
        if (field === 'pools') {
          if (!isRecord(content)) throw new Error(`${where}.pools: expected an object`);
          override.pools = Object.fromEntries(Object.entries(content).map(([id, c]) => [id, resources(c, `${where}.pools.${id}`)]));
        } else if (field === 'types') {
          if (!isRecord(content)) throw new Error(`${where}.types: expected an object`);
          override.types = Object.fromEntries(Object.entries(content).map(([id, t]) => [id, typeOverride(t, `${where}.types.${id}`)]));
        } else throw new Error(`${where}.${field}: unknown key`);
      }
      parents[parent] = override;
    }
  }
  return { parents };
}

/** The description of a kernel that looks like the tree behind `view`. */
export function simSpecFromView(view: SysfsView, options: SimSeedOptions = {}): SimKernelSpec {
  const host = readHost(view);
  for (const name of Object.keys(options.parents ?? {})) {
    if (!host.parents.some((p) => p.name === name)) throw new Error(`sim.json names parent ${name}, which the host lacks`);
  }
  const parents: SimParentSpec[] = [];
  for (const parent of host.parents) {
    const classDir = `${MDEV_BUS_CLASS}/${parent.name}`;
    const deviceDir = view.realpath(classDir);
    if (deviceDir === null) continue;
    const override = options.parents?.[parent.name] ?? {};
    for (const id of Object.keys(override.types ?? {})) {
      if (!parent.types.some((t) => t.id === id)) throw new Error(`sim.json names type ${id}, which parent ${parent.name} lacks`);
    }
    const driverDir = parent.driver === null ? null : view.realpath(`${classDir}/driver`);
    const generationB = speaksAttributeGeneration(parent.types);
    const types: SimTypeSpec[] = parent.types.map((type) => {
      const typeOptions = override.types?.[type.id] ?? {};
      const typeDir = `${classDir}/mdev_supported_types/${type.id}`;
      let aggregation: SimAggregation;
      if (type.dialect === 'create-option') {
        const max = type.maxAggregation ?? 1;
        // A maximum above 1 that equals the free count is GVT's aggregate type: it follows the pool.
        const follows = max > 1 && max === type.availableInstances;
        aggregation = { kind: 'create-option', max: typeOptions.aggregationMax ?? (follows ? 'available' : max) };
      } else {
        aggregation = { kind: type.dialect };
      }
      const existing = host.devices
        .filter((d) => d.parent === parent.name && d.type === type.id)
        .reduce((sum, d) => sum + d.instances, 0);
      const spec: SimTypeSpec = {
        id: type.id,
        deviceApi: type.deviceApi,
        name: type.name,
        description: type.description,
        aggregation,
        attributeGroup: generationB,
        migration:
          type.migrationVersion !== null
            ? { version: type.migrationVersion }
            : view.exists(`${typeDir}/migration_version`)
              ? 'unsupported'
              : null,
      };
      if (typeOptions.createParser !== undefined) spec.createParser = typeOptions.createParser;
      if (typeOptions.pool !== undefined) {
        spec.pool = typeOptions.pool;
        if (typeOptions.cost !== undefined) spec.cost = typeOptions.cost;
      } else {
        // Without a declared pool, each type counts alone: what is free now plus what its devices hold.
        spec.available = (type.availableInstances ?? 0) + existing;
      }
      return spec;
    });
    parents.push({
      name: parent.name,
      deviceDir,
      driver: parent.driver !== null && driverDir !== null ? { name: parent.driver, dir: driverDir, version: parent.driverVersion } : null,
      vendorId: parent.vendorId,
      deviceId: parent.deviceId,
      pools: Object.entries(override.pools ?? {}).map(([id, capacity]) => ({ id, capacity })),
      types,
    });
  }
  const devices = host.devices
    .filter((d) => parents.some((p) => p.name === d.parent && p.types.some((t) => t.id === d.type)))
    .map((d) => ({ uuid: d.uuid, parent: d.parent, type: d.type, instances: d.instances }));
  return { parents, devices };
}
