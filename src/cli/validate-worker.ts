/**
 * A worker thread of `validate` (built as dist/mdev-agg-validate.js): takes chunks of the file
 * list from the shared counter until none is left and posts each chunk's verdicts. The command's
 * own thread takes chunks from the same counter (validate-threads.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MAX_XML_BYTES } from '../core/xml/reader';
import { readNamedFile } from './named-file';
import { fileVerdict } from './validate-file';
import { type ChunkDone, type ThreadInput, claimChunk } from './validate-chunks';

const input = workerData as ThreadInput;
const counter = new Int32Array(input.counter);
for (let index = claimChunk(counter, input); index >= 0; index = claimChunk(counter, input)) {
  const from = index * input.chunk;
  const verdicts = input.paths.slice(from, from + input.chunk).map((path) => fileVerdict(path, readNamedFile(input.cwd, path, MAX_XML_BYTES)));
  parentPort!.postMessage({ index, verdicts } satisfies ChunkDone);
}
