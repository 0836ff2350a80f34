/**
 * The executable's own reads, part of the guarded file module but kept apart so that the small
 * executable (src/bin.ts) bundles nothing else: standard input, and the files the build placed
 * beside the executable (the CLI bundle and its code cache).
 */
import { readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Standard input is read up to one byte more than the largest input any reader accepts (a JSON
 * document, core/json-text MAX_JSON_BYTES): the reader then refuses it as too large, and a writer
 * that never stops does not grow memory without bound.
 */
export const MAX_STDIN_BYTES = 8 * 1024 * 1024 + 1;

/** One synchronous read of standard input into `buffer`; 0 at its end. Throws EAGAIN (non-blocking) or EOF like readSync. */
export function readStandardInput(buffer: Buffer, length = buffer.length): number {
  return readSync(0, buffer, 0, length, null);
}

/** A file the build placed in `dir` (the executable's own directory): the program itself, not input. */
export function readProgramFile(dir: string, name: string): Buffer {
  return readFileSync(join(dir, name));
}
