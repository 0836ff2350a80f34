/**
 * migrate, on the destination at the start of an incoming migration: the incoming domain must fit
 * this host (type offered, exact count creatable, room), else the migration is aborted (exit 1,
 * one line on stderr). libvirt reads stdout as the replacement XML: when placement here differs
 * from the XML (core/migrate-placement.ts says when), the XML with the entries' parents rewritten
 * is printed; otherwise nothing, which tells libvirt the XML is unchanged.
 */
import { hasErrors } from '../../core/diagnostics';
import { readDomain } from '../../core/domain';
import { setParents } from '../../core/edit/set-parents';
import { readHost } from '../../core/host';
import { placeIncoming } from '../../core/migrate-placement';
import { loadConfig } from '../config-file';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { hostView } from '../host-access';
import { failureLine } from './hook-report';
import type { HookCall } from './run-hook';

export function migrateHook(ctx: CommandContext, call: HookCall, xml: Uint8Array): ExitCode {
  const fail = (diagnostics: Parameters<typeof failureLine>[2]) => {
    ctx.out.err(failureLine(call.op, call.guest, diagnostics));
    return EXIT.NO;
  };
  const { model, diagnostics } = readDomain(xml, '<stdin>');
  if (!model || hasErrors(diagnostics)) return fail(diagnostics);
  if (model.devices.length === 0) return EXIT.OK;
  const { config, diagnostics: configDiagnostics } = loadConfig(ctx);
  if (!config) return fail(configDiagnostics);

  const host = readHost(hostView(ctx));
  const { plan, changes } = placeIncoming(model, host);
  if (hasErrors(plan.diagnostics)) return fail(plan.diagnostics);
  if (changes.length) ctx.out.out(setParents(model, changes));
  return EXIT.OK;
}
