/**
 * The library: the pure core for Node programs (VM managers, validation pipelines, schedulers).
 * Every function here is a function of its inputs: no file, process or clock is touched; the
 * caller reads the files and decides what to do with the answers. Built as one CommonJS and one
 * ES module file (`import { … } from 'mdev-agg'` or `require('mdev-agg')`), with declarations.
 */
import { type Diagnostic, hasErrors } from '../core/text/diagnostics';
import { type DomainModel, readDomain } from '../core/reading/domain';
import { embed } from '../core/edit/embed';
import { stamp } from '../core/edit/stamp';
import type { MigrationParent } from '../core/reading/config';
import type { HostModel } from '../core/host/host-model';
import { type MigrationVerdict, checkDomainMigration } from '../core/migration/domain-check';
import { type DriverPolicy, EMPTY_POLICY } from '../core/migration/policy';
import { stampsFor } from '../core/migration/stamp-facts';
import type { HostSnapshot } from '../core/snapshot/model';
import type { Plan } from '../core/plan/plan';
import { parentRuleOf } from '../core/plan/placement';
import { planJson as planJsonOf, planText as planTextOf } from '../core/plan/plan-format';
import { deviceGives } from '../core/host/type-resources';

// Reading and validating a domain
export { readDomain, modelSummary, AGGREGATION_NS } from '../core/reading/domain';
export type { DomainModel, DomainResult, ManagedDevice, MdevHostdev, AggregationEntry, SourceStamp } from '../core/reading/domain';
export { CODES, formatDiagnostic, hasErrors } from '../core/text/diagnostics';
export type { Code, Diagnostic, Severity, Position } from '../core/text/diagnostics';
export { normaliseUuid, isSafeSysfsName, parseInstances, MAX_INSTANCES } from '../core/reading/names';
// Host snapshots (`mdev-agg snapshot`), XML or JSON
export { readSnapshot as readHostSnapshot } from '../core/snapshot/read';
export type { SnapshotResult } from '../core/snapshot/read';
export { snapshotJson } from '../core/snapshot/model';
export type { HostSnapshot } from '../core/snapshot/model';
export type { HostModel, HostParent, HostType, HostDevice, Dialect } from '../core/host/host-model';
// Planning
export { planApply, planRelease } from '../core/plan/plan';
export type { Plan, DevicePlan, PlanOp } from '../core/plan/plan';
export { planShell } from '../core/plan/plan-format';
// What N instances give
export { readTypeResources, aggregateResources, resourcesText, largestAggregate } from '../core/host/type-resources';
export type { TypeResources, GvtResources } from '../core/host/type-resources';
// Migration
export { parsePolicy } from '../core/migration/policy';
export type { DriverPolicy } from '../core/migration/policy';
export type { MigrationVerdict } from '../core/migration/domain-check';
/** The former name of `MigrationVerdict`, kept so that programs written against 0.1.0 still type-check. */
export type MigrationReport = MigrationVerdict;
export type { MigrationParent } from '../core/reading/config';
export type { DeviceVerdict } from '../core/migration/compat';
// Editing
export { embed } from '../core/edit/embed';
export { addDevice } from '../core/edit/add-device';
export type { NewDevice } from '../core/edit/add-device';

export interface MigrationOptions {
  /** Driver versions that may migrate to one another (`parsePolicy`); none by default. */
  policy?: DriverPolicy;
  /** Missing driver facts pass instead of failing the verdict. */
  allowUnknownDriver?: boolean;
  /**
   * A parent the domain names (a card of the source host): `prefer` (default) keeps it when it can
   * take the device, else places the device where most room is left; `require` keeps it or fails.
   */
  migrationParent?: MigrationParent;
}

/**
 * Can `target` take the domain's aggregated mdevs (type, count, driver per device)? Source facts
 * come from the `source` snapshot where it holds a device, else from the domain's `<agg:source>`
 * stamps. The offline check, as `mdev-agg migrate-check FILE --source S --target T` makes it.
 */
export function checkMigration(domain: DomainModel, source: HostSnapshot | null, target: HostSnapshot | HostModel, options: MigrationOptions = {}): MigrationVerdict {
  const host = 'host' in target ? target.host : target;
  return checkDomainMigration(domain, source, host, {
    policy: options.policy ?? EMPTY_POLICY,
    allowUnknownDriver: options.allowUnknownDriver ?? false,
    parentRule: parentRuleOf(options.migrationParent ?? 'prefer'),
  });
}

/**
 * The domain text with `<agg:source>` stamps from `host` (this host's facts, e.g. its snapshot's
 * model) in each device's metadata entry; devices written only inline are moved into
 * `<metadata>` first, as `embed` does. `text` is null when a device cannot be stamped.
 */
export function stampDomain(domain: DomainModel, host: HostModel, hostName: string | null): { text: string | null; diagnostics: Diagnostic[] } {
  let model = domain;
  if (domain.hostdevs.some((h) => h.inline !== null && h.metadata === null)) {
    const embedded = readDomain(embed(domain).text, domain.file);
    if (!embedded.model) return { text: null, diagnostics: embedded.diagnostics };
    model = embedded.model;
  }
  const { stamps, diagnostics } = stampsFor(model, host, hostName);
  return hasErrors(diagnostics) ? { text: null, diagnostics } : { text: stamp(model, stamps), diagnostics };
}

/** The plan for people, as `mdev-agg plan` prints it; given the host, each device with what its count gives. */
export function planText(plan: Plan, host?: HostModel): string {
  return planTextOf(plan, host && deviceGives(host));
}

/** The plan as `mdev-agg plan --json` prints it; given the host, each device with `gives`. */
export function planJson(plan: Plan, host?: HostModel) {
  return planJsonOf(plan, host && deviceGives(host));
}
