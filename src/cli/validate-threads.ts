/**
 * `validate` over many files on several threads: worker threads (dist/mdev-agg-validate.js) and
 * this one take chunks of the list from one shared counter, so a slow thread takes fewer. The
 * verdicts come back in the order of the list whatever thread read a file. A worker that fails
 * (cannot start, runs out of memory) costs only time: every chunk without a verdict at the end
 * is read again here.
 */
import type { FileVerdict } from './validate-file';
import { CHUNK_FILES, type ChunkDone, type ThreadInput, chunkCount, claimChunk, readChunk } from './validate-chunks';

export async function validateOnThreads(
  paths: readonly string[],
  cwd: string,
  threads: number,
  workerScript: string,
  progress?: (done: number) => void,
): Promise<FileVerdict[]> {
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const input: ThreadInput = { cwd, paths, chunk: CHUNK_FILES, counter: new SharedArrayBuffer(4) };
  const chunks: (FileVerdict[] | undefined)[] = new Array(chunkCount(input));
  const filesDone = () => chunks.reduce((files, verdicts) => files + (verdicts?.length ?? 0), 0);
  const workersDone: Promise<void>[] = [];
  for (let i = 1; i < threads; i++) {
    workersDone.push(
      new Promise((resolve) => {
        let worker: InstanceType<typeof Worker>;
        try {
          worker = new Worker(workerScript, { workerData: input, stdout: true, stderr: true });
        } catch {
          return resolve();
        }
        worker.on('message', (done: ChunkDone) => {
          chunks[done.index] = done.verdicts;
          progress?.(filesDone());
        });
        // 'exit' follows 'error': either way the chunks it did not post are read below.
        worker.on('error', () => undefined);
        worker.on('exit', () => resolve());
      }),
    );
  }
  const counter = new Int32Array(input.counter);
  for (let index = claimChunk(counter, input); index >= 0; index = claimChunk(counter, input)) {
    chunks[index] = readChunk(input, index);
    // Between chunks the workers' verdicts are taken in, so progress counts every thread's.
    await new Promise(setImmediate);
    progress?.(filesDone());
  }
  await Promise.all(workersDone);
  for (let index = 0; index < chunks.length; index++) chunks[index] ??= readChunk(input, index);
  return chunks.flatMap((verdicts) => verdicts!);
}
