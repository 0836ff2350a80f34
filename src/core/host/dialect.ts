/**
 * How a type aggregates, told from what its directory holds (README, "Kernel dialects"): the one
 * place the two kernel generations are told apart, for the host reader and the simulator's seeding.
 */
import type { Dialect } from './host-model';

/** The create-option generation's type file: the most instances one device can carry. */
export const CREATE_OPTION_FILE = 'aggregation';

// The attribute generation announces itself in the type's description, `aggregation: yes` for a
// type that aggregates and `aggregation: no` for one of the same driver that does not.
const ANNOUNCES_AGGREGATION = /(^|[\s,])aggregation: yes($|[\s,])/;
const ANNOUNCES_GENERATION = /(^|[\s,])aggregation: (yes|no)($|[\s,])/;

/** A type's dialect: the `aggregation` file says create-option, `aggregation: yes` in the description attribute. */
export function typeDialect(typeFiles: ReadonlySet<string>, description: string | null): Dialect {
  if (typeFiles.has(CREATE_OPTION_FILE)) return 'create-option';
  return description !== null && ANNOUNCES_AGGREGATION.test(description) ? 'attribute' : 'none';
}

/**
 * Whether a parent's driver is of the attribute generation: one of its types announces aggregation,
 * yes or no. Every device of such a driver carries the `mdev/` attribute group.
 */
export function speaksAttributeGeneration(types: readonly { description: string | null }[]): boolean {
  return types.some((t) => ANNOUNCES_GENERATION.test(t.description ?? ''));
}
