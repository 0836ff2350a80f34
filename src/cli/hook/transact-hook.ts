/**
 * prepare and restore create the guest's devices; release removes them. A failed create aborts the
 * start (non-zero exit, one line on stderr, libvirt shows it). A failed removal cannot stop a
 * shutdown: the exit is 1 so that libvirt logs the line, and libvirt carries on.
 */
import { DEFAULT_CONFIG } from '../../core/reading/config';
import { type Diagnostic, hasErrors } from '../../core/text/diagnostics';
import { readDomain } from '../../core/reading/domain';
import { transact } from '../../shell/executor';
import { loadConfig } from '../inputs';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { transactionEntries } from '../system-log';
import type { HookCall } from './run-hook';

export function transactHook(ctx: CommandContext, call: HookCall, kind: 'apply' | 'release', xml: Uint8Array): ExitCode {
  const fail = (diagnostics: readonly Diagnostic[], code: ExitCode = EXIT.NO) => {
    call.log.fail(diagnostics);
    return code;
  };
  const { model, diagnostics } = readDomain(xml, '<stdin>');
  if (!model || hasErrors(diagnostics)) return fail(diagnostics);
  if (model.devices.length === 0) return EXIT.OK;

  const loaded = loadConfig(ctx);
  // A broken configuration must not start a guest on guesses; a release goes on with the defaults.
  if (!loaded.config && kind === 'apply') return fail(loaded.diagnostics);
  if (!loaded.config) call.log.fail(loaded.diagnostics, 'goes on with the default configuration', 'warning');
  const config = loaded.config ?? DEFAULT_CONFIG;

  const access = ctx.host();
  const outcome = transact(kind, model, { sysfs: access.sysfs, store: access.store, lockTimeoutMs: config.lockTimeoutMs, clock: ctx.clock });
  const failed = hasErrors(outcome.diagnostics);
  // The failure first (stderr and the log), then what was done and undone (the log only).
  if (failed) call.log.fail(outcome.diagnostics);
  call.log.note(...transactionEntries(outcome, call.op, call.guest, outcome.diagnostics.filter((d) => d.severity === 'info')));
  if (!failed) return EXIT.OK;
  return outcome.unclean ? EXIT.HOST : EXIT.NO;
}
