/**
 * fast-check settings shared by the property tests: a fixed seed by default so a run is
 * repeatable, MDEV_AGG_PROPERTY_SEED to explore another, MDEV_AGG_PROPERTY_RUNS to scale every
 * property's number of runs (a factor: 10 runs each property ten times longer).
 */
import type { Parameters } from 'fast-check';

const DEFAULT_SEED = 20261124;

function fromEnv(name: string, parse: (text: string) => number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = parse(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(text)}`);
  return value;
}

export const SEED = fromEnv('MDEV_AGG_PROPERTY_SEED', (t) => Number.parseInt(t, 10)) ?? DEFAULT_SEED;
const RUNS_FACTOR = fromEnv('MDEV_AGG_PROPERTY_RUNS', Number) ?? 1;

/** Parameters for one property: the shared seed and `runs` scaled by the factor. */
export function settings<T>(runs: number): Parameters<T> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(runs * RUNS_FACTOR)) };
}
