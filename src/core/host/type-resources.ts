/**
 * What N instances give: an mdev type's description, where it lists resources in a format
 * mdev-agg knows, read into numbers, and those numbers for an aggregate of N. Pure.
 *
 * The one format known is GVT-g's (i915 `description_show`): one `key: value` per line, in the
 * order low_gm_size (`%dMB`), high_gm_size (`%dMB`), fence, resolution (`%dx%d`), weight, and in
 * the aggregation proposals a last `aggregation:` line. The aggregation patches give a device of
 * N instances N times the type's low and high graphics memory and fences (capped at the GPU's
 * totals, which the type's available count already bounds); the scheduling weight and the
 * display resolution stay the type's. Any other description is shown as it is, unparsed.
 */
import { type HostModel, type HostType, findParent, findType } from './host-model';
import type { DevicePlan } from '../plan/plan';
import type { DeviceGives } from '../plan/plan-format';

export interface GvtResources {
  lowGmSizeMB: number;
  highGmSizeMB: number;
  fence: number;
  weight: number;
  resolution: string;
}

export type TypeResources = { format: 'gvt-g'; perInstance: GvtResources } | { format: 'unknown'; description: string };

// Six digits keep N x value (N <= 2147483647) an exact integer.
const MB = /^(\d{1,6})MB$/;
const COUNT = /^(\d{1,6})$/;
const RESOLUTION = /^(\d{1,5}x\d{1,5})$/;
const KEYS = { low_gm_size: MB, high_gm_size: MB, fence: COUNT, resolution: RESOLUTION, weight: COUNT, aggregation: /^([A-Za-z]+)$/ } as const;
type Key = keyof typeof KEYS;

/** The type's resources from its description; null when it has none. */
export function readTypeResources(description: string | null): TypeResources | null {
  if (description === null || description.trim() === '') return null;
  const unknown = { format: 'unknown' as const, description: description.trim() };
  const values = new Map<Key, string>();
  // The kernel writes one per line; a description copied onto one line has them comma-separated.
  for (const item of description.split(/\r?\n|,\s*/)) {
    if (item.trim() === '') continue;
    const m = /^\s*([a-z_]+):\s*(\S+)\s*$/.exec(item);
    if (!m || !Object.hasOwn(KEYS, m[1]!) || values.has(m[1] as Key)) return unknown;
    const value = KEYS[m[1] as Key].exec(m[2]!);
    if (!value) return unknown;
    values.set(m[1] as Key, value[1]!);
  }
  const number = (key: Key) => Number(values.get(key));
  if (!(['low_gm_size', 'high_gm_size', 'fence', 'resolution', 'weight'] as const).every((k) => values.has(k))) return unknown;
  return {
    format: 'gvt-g',
    perInstance: { lowGmSizeMB: number('low_gm_size'), highGmSizeMB: number('high_gm_size'), fence: number('fence'), weight: number('weight'), resolution: values.get('resolution')! },
  };
}

/** One device carrying `instances` of the type: memory and fences times N; weight and resolution the type's. */
export function aggregateResources(one: GvtResources, instances: number): GvtResources {
  return { ...one, lowGmSizeMB: one.lowGmSizeMB * instances, highGmSizeMB: one.highGmSizeMB * instances, fence: one.fence * instances };
}

/** In the description's own words: `low_gm_size 256MB, high_gm_size 1536MB, fence 16, weight 2, resolution 1024x768`. */
export function resourcesText(r: GvtResources): string {
  return `low_gm_size ${r.lowGmSizeMB}MB, high_gm_size ${r.highGmSizeMB}MB, fence ${r.fence}, weight ${r.weight}, resolution ${r.resolution}`;
}

/**
 * The largest count one new device of the type could carry now: the create-option maximum (within
 * what is available), the available count for the attribute generation (a fresh device's
 * max_aggregation), 1 without aggregation; null when the host does not say.
 */
export function largestAggregate(type: HostType): number | null {
  const available = type.availableInstances;
  if (type.dialect === 'none') return available === null ? 1 : Math.min(1, available);
  if (type.dialect === 'attribute') return available;
  if (type.maxAggregation === null) return available;
  return available === null ? type.maxAggregation : Math.min(type.maxAggregation, available);
}

/** What a device of `instances` gives, for JSON: the numbers when the format is known, else the description as it is. */
export function resourcesFor(resources: TypeResources, instances: number) {
  return resources.format === 'gvt-g'
    ? { format: resources.format, instances, perInstance: resources.perInstance, total: aggregateResources(resources.perInstance, instances) }
    : { format: resources.format, instances, description: resources.description };
}

/** One line of what `instances` give, for people; an unknown format as its description, on one line. */
export function givesText(resources: TypeResources, instances: number): string {
  if (resources.format === 'unknown') return `x${instances} of: ${resources.description.replace(/\s*\n\s*/g, '; ')} (not a format mdev-agg reads)`;
  const total = resourcesText(aggregateResources(resources.perInstance, instances));
  return instances === 1 ? total : `${total} (x${instances} of ${resourcesText(resources.perInstance)})`;
}

/** What each planned device gives, from its type's description on this host (nothing when it has none). */
export function deviceGives(host: HostModel): DeviceGives {
  const resourcesOf = (d: DevicePlan) => {
    const parent = findParent(host, d.parent);
    const type = parent && findType(parent, d.type);
    return type ? readTypeResources(type.description) : null;
  };
  return {
    text: (d) => {
      const r = resourcesOf(d);
      return r && givesText(r, d.instances);
    },
    json: (d) => {
      const r = resourcesOf(d);
      return r && resourcesFor(r, d.instances);
    },
  };
}
