/**
 * The executable's own reads, part of the guarded file module but kept apart so that the small
 * executable (src/bin.ts) bundles nothing else: standard input, and the files the build placed
 * beside the executable (the CLI bundle and its code cache).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Standard input is read up to one byte more than the largest input any reader accepts (a JSON
 * document, core/json-text MAX_JSON_BYTES): the reader then refuses it as too large, and a writer
 * that never stops does not grow memory without bound.
 */
export const MAX_STDIN_BYTES = 8 * 1024 * 1024 + 1;

/** One synchronous read of standard input (or `fd`, its non-blocking copy) into `buffer`; 0 at its end. Throws EAGAIN (non-blocking) or EOF like readSync. */
export function readStandardInput(buffer: Buffer, length = buffer.length, fd = 0): number {
  return readSync(fd, buffer, 0, length, null);
}

/** What standard input is: a pipe or FIFO, a socket, or anything else (a file, a terminal, a directory, closed). */
export function standardInputKind(): 'fifo' | 'socket' | 'other' {
  try {
    const stat = fstatSync(0);
    return stat.isFIFO() ? 'fifo' : stat.isSocket() ? 'socket' : 'other';
  } catch {
    return 'other';
  }
}

/**
 * For standard input that is a pipe or FIFO, a non-blocking descriptor of the same pipe (a new open
 * of /proc/self/fd/0), so that a writer that never finishes cannot hold a read forever; else null
 * (a file, a terminal, or no /proc: read as it is).
 */
export function openStandardInputNonBlocking(): number | null {
  try {
    return openSync('/proc/self/fd/0', constants.O_RDONLY | constants.O_NONBLOCK | ((constants as Record<string, number>).O_CLOEXEC ?? 0));
  } catch {
    return null;
  }
}

export const closeStandardInputCopy = (fd: number) => closeSync(fd);

/** A file the build placed in `dir` (the executable's own directory): the program itself, not input. */
export function readProgramFile(dir: string, name: string): Buffer {
  return readFileSync(join(dir, name));
}
