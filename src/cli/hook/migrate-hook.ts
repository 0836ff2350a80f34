/**
 * migrate, on the destination at the start of an incoming migration: the live compatibility check
 * of the incoming domain against this host (type, count, driver; the source's facts from the
 * domain's <agg:source> stamps, migration_version written to this host's types), with the
 * configuration's driver policy and unknown-driver rule. A failure aborts the migration (exit 1,
 * one line on stderr). libvirt reads stdout as the replacement XML: when placement here differs
 * from the XML (core/migrate-placement.ts says when), the XML with the entries' parents rewritten
 * is printed; otherwise nothing, which tells libvirt the XML is unchanged. The placement comes
 * from the planner prepare runs next, so prepare creates each device where it was checked.
 */
import { hasErrors } from '../../core/diagnostics';
import { readDomain } from '../../core/domain';
import { setParents } from '../../core/edit/set-parents';
import { readHost } from '../../core/host';
import { placeIncoming } from '../../core/migrate-placement';
import { checkDomainMigration } from '../../core/migration/domain-check';
import { migrationVersionWriter } from '../../shell/migration-version-writer';
import { loadConfig } from '../config-file';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { hostView } from '../host-access';
import type { failureLine } from './hook-report';
import type { HookCall } from './run-hook';

export function migrateHook(ctx: CommandContext, call: HookCall, xml: Uint8Array): ExitCode {
  const fail = (diagnostics: Parameters<typeof failureLine>[2]) => {
    call.log.fail(diagnostics);
    return EXIT.NO;
  };
  const { model, diagnostics } = readDomain(xml, '<stdin>');
  if (!model || hasErrors(diagnostics)) return fail(diagnostics);
  if (model.devices.length === 0) return EXIT.OK;
  const { config, diagnostics: configDiagnostics } = loadConfig(ctx);
  if (!config) return fail(configDiagnostics);

  const sysfs = hostView(ctx);
  const host = readHost(sysfs);
  const check = checkDomainMigration(model, null, host, {
    policy: config.driverPolicy,
    allowUnknownDriver: config.allowUnknownDriver,
    writeMigrationVersion: migrationVersionWriter(sysfs),
  });
  if (!check.compatible) return fail(check.diagnostics);
  const { plan, changes } = placeIncoming(model, host);
  if (hasErrors(plan.diagnostics)) return fail(plan.diagnostics);
  if (changes.length) ctx.out.out(setParents(model, changes));
  return EXIT.OK;
}
