import { readHost } from '../../core/host/read-host';
import { domainStatus, statusText } from '../../core/plan/status';
import { transact } from '../../shell/executor';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { loadConfig, loadDomain } from '../inputs';
import { describeDevice, logToSystem, transactionEntries } from '../system-log';
import { printDiagnostics, printFatalDiagnostics, printJson } from '../diagnostics-printer';
import { hasErrors } from '../../core/text/diagnostics';

/** apply and release: the same transaction, in two directions. */
function transactCommand(kind: 'apply' | 'release') {
  return async (ctx: CommandContext): Promise<ExitCode> => {
    const loaded = await loadDomain(ctx, ctx.positionals[0]);
    if ('exit' in loaded) return loaded.exit;
    const { config, diagnostics: configDiagnostics } = loadConfig(ctx);
    if (!config) {
      printFatalDiagnostics(ctx, configDiagnostics);
      return EXIT.USAGE;
    }
    const simulate = ctx.flag('simulate');
    const access = ctx.host(simulate);
    const outcome = transact(kind, loaded.model, { sysfs: access.sysfs, store: access.store, lockTimeoutMs: config.lockTimeoutMs, clock: ctx.clock });
    logToSystem(ctx, transactionEntries(outcome, kind, loaded.model.name, outcome.diagnostics), simulate);
    outcome.diagnostics.unshift(...configDiagnostics);
    const failed = hasErrors(outcome.diagnostics);
    const after = simulate ? domainStatus(loaded.model, readHost(access.sysfs)) : null;
    const present = outcome.plan?.devices.filter((d) => d.action === 'present').map((d) => d.uuid) ?? [];
    if (ctx.flags.json) {
      printJson(ctx.out, {
        ok: !failed,
        domain: loaded.model.name,
        simulated: simulate,
        created: outcome.created,
        present,
        removed: outcome.removed,
        rolledBack: outcome.rolledBack,
        writes: outcome.writes,
        ...(after ? { status: after } : {}),
        diagnostics: outcome.diagnostics,
      });
    } else {
      const tag = simulate ? 'simulated ' : '';
      const lines = ctx.out;
      for (const uuid of outcome.created) lines.out(`${tag}created ${describeDevice(outcome, uuid)}`);
      for (const uuid of present) lines.out(`present ${describeDevice(outcome, uuid)} (nothing to do)`);
      for (const uuid of outcome.removed) lines.out(`${tag}removed ${uuid}`);
      if (!failed && outcome.writes === 0) lines.out(`${kind}: nothing to write`);
      printDiagnostics(lines, outcome.diagnostics, ctx.flags);
      if (after) lines.out(statusText(loaded.model.name, after).replace(/^status/, 'simulated status'));
    }
    if (outcome.unclean) return EXIT.HOST;
    return failed ? EXIT.NO : EXIT.OK;
  };
}

export const applyCommand = transactCommand('apply');
export const releaseCommand = transactCommand('release');
