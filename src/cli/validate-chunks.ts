/** The shared work list of validate's threads: what each thread is given and how it claims a chunk. */
import { type FileVerdict, namedFileVerdict } from './validate-file';

/** Files per chunk: small enough that the threads end together, large enough that messages cost nothing. */
export const CHUNK_FILES = 16;

export interface ThreadInput {
  cwd: string;
  paths: readonly string[];
  /** Files per chunk. */
  chunk: number;
  /** One Int32: the next chunk to claim, shared by every thread. */
  counter: SharedArrayBuffer;
}

export interface ChunkDone {
  index: number;
  verdicts: FileVerdict[];
}

export const chunkCount = (input: ThreadInput) => Math.ceil(input.paths.length / input.chunk);

/** The next chunk no other thread has, or -1 when every chunk is taken. */
export function claimChunk(counter: Int32Array, input: ThreadInput): number {
  const index = Atomics.add(counter, 0, 1);
  return index < chunkCount(input) ? index : -1;
}

/** The verdicts of chunk `index`'s files, read as every thread reads them. */
export function readChunk(input: ThreadInput, index: number): FileVerdict[] {
  const from = index * input.chunk;
  return input.paths.slice(from, from + input.chunk).map((path) => namedFileVerdict(input.cwd, path));
}
