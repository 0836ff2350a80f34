/**
 * migrate, on the destination at the start of an incoming migration: the live compatibility check
 * of the incoming domain against this host (type, count, driver; the source's facts from the
 * domain's <agg:source> stamps, migration_version written to this host's types), with the
 * configuration's driver policy and unknown-driver rule. A failure aborts the migration (exit 1,
 * one line on stderr). libvirt reads stdout as the replacement XML: when the check placed a device
 * elsewhere than the XML names (`parentChanges`), the XML with the entries' parents rewritten is
 * printed; otherwise nothing, which tells libvirt the XML is unchanged. The check places devices
 * with the same model prepare plans with, so prepare creates each device where it was judged.
 */
import { hasErrors } from '../../core/text/diagnostics';
import { readDomain } from '../../core/reading/domain';
import { setParents } from '../../core/edit/set-parents';
import { readHost } from '../../core/host/read-host';
import { checkDomainMigration, parentChanges } from '../../core/migration/domain-check';
import { parentRuleOf } from '../../core/plan/placement';
import { migrationVersionWriter } from '../../shell/migration-version-writer';
import { loadConfig } from '../inputs';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import type { failureLine } from './hook-log';
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

  const sysfs = ctx.host().sysfs;
  const host = readHost(sysfs);
  const check = checkDomainMigration(model, null, host, {
    policy: config.driverPolicy,
    allowUnknownDriver: config.allowUnknownDriver,
    parentRule: parentRuleOf(config.migrationParent),
    writeMigrationVersion: migrationVersionWriter(sysfs),
  });
  if (!check.compatible) return fail(check.diagnostics);
  const changes = parentChanges(model, check);
  if (changes.length) ctx.out.document(setParents(model, changes));
  return EXIT.OK;
}
