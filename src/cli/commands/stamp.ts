import { hasErrors } from '../../core/text/diagnostics';
import { type DomainModel, modelSummary, readDomain } from '../../core/reading/domain';
import { embed } from '../../core/edit/embed';
import { stamp } from '../../core/edit/stamp';
import { readHost } from '../../core/host/read-host';
import { stampsFor } from '../../core/migration/stamp-facts';
import { isOneLine } from '../../core/snapshot/values';
import { readHostName } from '../../shell/host-name';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadDomain } from '../inputs';
import { printFatalDiagnostics } from '../diagnostics-printer';
import { checkSameModel, refusedAsTooLarge } from '../edit-check';

/**
 * The domain with `<agg:source>` filled from this host for every managed device. The stamp lives
 * in the metadata container, so devices written only inline are first moved there, as embed does.
 */
export async function stampCommand(ctx: CommandContext): Promise<ExitCode> {
  const given = ctx.text('name');
  if (given !== undefined && !isOneLine(given)) throw new UsageError('--name must be one non-empty line');
  const loaded = await loadDomain(ctx, ctx.positionals[0]!);
  if ('exit' in loaded) return loaded.exit;
  let model: DomainModel = loaded.model;
  const before = modelSummary(model);

  const inlineOnly = model.hostdevs.some((h) => h.inline !== null && h.metadata === null);
  if (inlineOnly) {
    const embeddedText = embed(model).text;
    if (refusedAsTooLarge(ctx, embeddedText, model.file)) return EXIT.NO;
    const embedded = readDomain(embeddedText, model.file);
    checkSameModel(before, embedded);
    model = embedded.model!;
  }

  const view = ctx.host().sysfs;
  const hostName = given ?? readHostName(view);
  const { stamps, diagnostics } = stampsFor(model, readHost(view), hostName);
  if (hasErrors(diagnostics)) {
    printFatalDiagnostics(ctx, diagnostics);
    return EXIT.NO;
  }
  const text = stamp(model, stamps);
  if (refusedAsTooLarge(ctx, text, model.file)) return EXIT.NO;
  checkSameModel({ ...before, devices: before.devices.map((d) => ({ ...d, source: stamps.get(d.uuid) ?? d.source })) }, readDomain(text, model.file));
  ctx.out.document(text);
  if (!ctx.flags.quiet) {
    const moved = inlineOnly ? ' (inline entries moved into <metadata> first)' : '';
    ctx.out.err(`mdev-agg: stamped ${stamps.size} device${stamps.size === 1 ? '' : 's'} from ${hostName ?? 'this host (no host name known)'}${moved}`);
  }
  return EXIT.OK;
}
