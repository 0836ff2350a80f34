import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { type Diagnostic, hasErrors } from '../../core/text/diagnostics';
import { MAX_XML_BYTES } from '../../core/xml/reader';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { diagnosticsJson, printDiagnostics, printJson } from '../diagnostics-printer';
import { type FileVerdict, fileVerdict, namedFileVerdict } from '../validate-file';
import { sanitiseLine } from '../../core/text/terminal-text';
// With --jobs N, a thread per chunk of the shared list at least.
import { CHUNK_FILES } from '../validate-chunks';

/**
 * By default, a thread per this many files: a worker thread starts cold (its own isolate compiles
 * and warms up the reader again), and below this share it costs more CPU than it saves wall time
 * (npm run bench: 2,000 small domains on two threads were slower than on one, 10,000 faster).
 */
const DEFAULT_FILES_PER_THREAD = 2500;
/** The default number of threads at most, whatever the machine has. */
const MAX_DEFAULT_THREADS = 4;
const MAX_THREADS = 64;

/** Many files in one process: fleets validate thousands at a time. */
export async function validateCommand(ctx: CommandContext): Promise<ExitCode> {
  const paths = ctx.positionals;
  const total = paths.length;
  const showProgress = ctx.options.stderrIsTTY === true && !!ctx.options.progress && total > 1;
  const progress = (done: number) => ctx.options.progress!(`validate: ${Math.min(done, total)}/${total}`);
  const verdicts: FileVerdict[] = new Array(total);
  const wanted = threadsWanted(ctx);
  const readHere = async (index: number) => (verdicts[index] = fileVerdict(paths[index], await ctx.readInput(paths[index], MAX_XML_BYTES)));
  // Which files a worker may read is looked at only for a list long enough for two threads.
  const mayUseThreads = wanted.threads > 1 && ctx.options.validateWorker !== undefined && total >= 2 * wanted.filesPerThread;
  const shared = mayUseThreads ? paths.flatMap((path, index) => (readOnThisThread(ctx.cwd, path) ? [] : [index])) : [];
  const threads = Math.min(wanted.threads, Math.floor(shared.length / wanted.filesPerThread));
  if (threads > 1 && ctx.options.validateWorker) {
    // Standard input and the process's own files are read first, on this thread, in the list's
    // order (a second `-` finds stdin read): no worker holds a file open yet.
    for (const [index, path] of paths.entries()) if (readOnThisThread(ctx.cwd, path)) await readHere(index);
    const { validateOnThreads } = require('../validate-threads') as typeof import('../validate-threads');
    const read = await validateOnThreads(
      shared.map((i) => paths[i]),
      ctx.cwd,
      threads,
      ctx.options.validateWorker,
      showProgress ? progress : undefined,
    );
    shared.forEach((index, i) => (verdicts[index] = read[i]));
  } else {
    for (let index = 0; index < total; index++) {
      if (showProgress && (index % 100 === 0 || index === total - 1)) progress(index + 1);
      if (paths[index] === '-') await readHere(index);
      else verdicts[index] = namedFileVerdict(ctx.cwd, paths[index]);
    }
  }
  const all: Diagnostic[] = verdicts.flatMap((v) => v.diagnostics);
  if (ctx.flags.json) printJson(ctx.out, diagnosticsJson(all, { files: verdicts.map(({ file, ok, devices }) => ({ file, ok, devices })) }));
  else {
    printDiagnostics(ctx.out, all, ctx.flags);
    if (!ctx.flags.quiet) {
      // One line each: a file name holding a line break cannot forge another file's line.
      for (const f of verdicts) if (f.ok) ctx.out.out(sanitiseLine(`${f.file}: valid, ${f.devices} aggregated mdev${f.devices === 1 ? '' : 's'}`));
    }
  }
  if (verdicts.some((v) => v.unreadable)) return EXIT.USAGE;
  return hasErrors(all) ? EXIT.NO : EXIT.OK;
}

/**
 * Standard input, and paths under /proc and /dev: what they name can be this process's own state
 * (`/proc/self/fd/3` is whatever it holds open as descriptor 3), which worker threads would change.
 */
function readOnThisThread(cwd: string, path: string): boolean {
  return path === '-' || /^\/(proc|dev)(\/|$)/.test(resolvePath(cwd, path));
}

/** `--jobs N` as asked, else the CPUs this process may use (at most MAX_DEFAULT_THREADS) for long lists. */
function threadsWanted(ctx: CommandContext): { threads: number; filesPerThread: number } {
  const given = ctx.text('jobs');
  if (given === undefined) return { threads: Math.min(availableParallelism(), MAX_DEFAULT_THREADS), filesPerThread: DEFAULT_FILES_PER_THREAD };
  if (!/^[1-9][0-9]{0,1}$/.test(given) || Number(given) > MAX_THREADS) throw new UsageError(`validate: --jobs takes a number of threads from 1 to ${MAX_THREADS}, not '${given}'`);
  return { threads: Number(given), filesPerThread: CHUNK_FILES };
}
