/**
 * A worker thread of `validate` (built as dist/mdev-agg-validate.js): takes chunks of the file
 * list from the shared counter until none is left and posts each chunk's verdicts. The command's
 * own thread takes chunks from the same counter (validate-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type ChunkDone, type ThreadInput, claimChunk, readChunk } from './validate-chunks';

const input = workerData as ThreadInput;
const counter = new Int32Array(input.counter);
for (let index = claimChunk(counter, input); index >= 0; index = claimChunk(counter, input)) {
  parentPort!.postMessage({ index, verdicts: readChunk(input, index) } satisfies ChunkDone);
}
