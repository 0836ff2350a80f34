/**
 * mdevctl's JSON: the per-device config file (`/etc/mdevctl.d/<parent>/<uuid>`) and the shape of
 * `mdevctl list --defined --dumpjson`, byte for byte as mdevctl writes them (serde_json's pretty
 * printing, keys in the order mdev_type, start, attrs; parents and UUIDs sorted). Pure.
 */
import type { ExportDevice } from './devices';
import { byCodeUnits, byKey } from '../text/order';

/** A JSON value whose object keys keep the order given (a JS object would move integer-like keys first). */
type Ordered = string | Ordered[] | { entries: [string, Ordered][] };

function pretty(value: Ordered, indent = ''): string {
  const inner = `${indent}  `;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pretty(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value.entries.length === 0) return '{}';
  return `{\n${value.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${pretty(v, inner)}`).join(',\n')}\n${indent}}`;
}

function config(device: ExportDevice): Ordered {
  return {
    entries: [
      ['mdev_type', device.type],
      // The guest's hook creates the device at start; mdevctl must not start it at boot.
      ['start', 'manual'],
      ['attrs', device.attrs.map(([name, value]) => ({ entries: [[name, value]] }))],
    ],
  };
}

/** The config file's content; mdevctl writes it without a final newline. */
export const mdevctlConfigText = (device: ExportDevice): string => pretty(config(device));

/** `mdevctl list --defined --dumpjson` for these devices (mdevctl prints `[]` when there are none). */
export function mdevctlDumpJson(devices: readonly ExportDevice[]): string {
  if (devices.length === 0) return '[]';
  const parents = [...new Set(devices.map((d) => d.parent))].sort(byCodeUnits);
  const map: Ordered = {
    entries: parents.map((parent): [string, Ordered] => [
      parent,
      devices
        .filter((d) => d.parent === parent)
        .sort(byKey((d) => d.uuid))
        .map((d) => ({ entries: [[d.uuid, config(d)]] })),
    ]),
  };
  return pretty([map]);
}
