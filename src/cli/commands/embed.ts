import { readDomain, modelSummary } from '../../core/reading/domain';
import { embed } from '../../core/edit/embed';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import { loadDomain } from '../inputs';
import { checkSameModel, refusedAsTooLarge } from '../edit-check';

export async function embedCommand(ctx: CommandContext): Promise<ExitCode> {
  const loaded = await loadDomain(ctx, ctx.positionals[0]);
  if ('exit' in loaded) return loaded.exit;
  const { text, moved, dropped } = embed(loaded.model);
  if (refusedAsTooLarge(ctx, text, loaded.model.file)) return EXIT.NO;
  const reread = readDomain(text, loaded.model.file);
  checkSameModel(modelSummary(loaded.model), reread);
  ctx.out.document(text);
  if (!ctx.flags.quiet) ctx.out.err(`mdev-agg: ${embedSummary(moved, dropped)}`);
  return EXIT.OK;
}

const entries = (n: number) => `${n} aggregation entr${n === 1 ? 'y' : 'ies'}`;

function embedSummary(moved: number, dropped: number): string {
  const said = [
    ...(moved || !dropped ? [`moved ${entries(moved)} into <metadata>`] : []),
    ...(dropped ? [`removed ${entries(dropped)} written inline that <metadata> already held`] : []),
  ];
  return said.join('; ');
}
