#!/usr/bin/env node
/**
 * The process around `run`: wires argv, stdin, env and the exit code. It is built as its own small
 * file (dist/mdev-agg.js) in front of the CLI bundle, so that the hook's calls for guests without
 * aggregation exit before the CLI is loaded or compiled.
 */
import { join } from 'node:path';
import { MAX_STDIN_BYTES, closeStandardInputCopy, openStandardInputNonBlocking, readProgramFile, readStandardInput, standardInputKind } from './shell/files/process-io';
import type { RunResult } from './cli/context';
import { HOOK_STDIN_TIMEOUT_MS, hookArguments, hookOperation } from './core/hook/hook-operation';

/** Beside this file, as scripts/build.mjs writes them: each bundle with its code cache. */
const CLI = { bundle: 'mdev-agg-cli.js', cache: 'mdev-agg-cli.v8cache' };
/** The same CLI without what `hook run` never loads: what libvirt's calls compile. */
const HOOK = { bundle: 'mdev-agg-hook.js', cache: 'mdev-agg-hook.v8cache' };
const VALIDATE_WORKER = 'mdev-agg-validate.js';
type Bundle = typeof CLI;

/**
 * The code cache the build made for this bundle, else undefined. Its header line is the bundle's
 * first line, which names the bundle's build by a hash of its content; a cache of another build is
 * not used. V8 itself refuses a cache from another V8 or other flags and compiles the source.
 */
function codeCacheFor(source: string, cache: string): Buffer | undefined {
  try {
    const data = readProgramFile(__dirname, cache);
    const newline = data.indexOf(10);
    if (newline < 0 || !source.startsWith(`${data.toString('latin1', 0, newline)}\n`)) return undefined;
    return data.subarray(newline + 1);
  } catch {
    return undefined;
  }
}

/**
 * The CLI bundle, compiled as Node's own loader would (same wrapper) but with the build's code
 * cache: V8 then skips parsing and compiling the functions the common commands run, a third of
 * what the hook's prepare spends above Node's start-up (npm run bench).
 */
function loadCli({ bundle: name, cache }: Bundle): typeof import('./cli/run') {
  // Required here: the hook's early exit does not load them.
  const { createRequire, wrap } = require('node:module') as typeof import('node:module');
  const { Script } = require('node:vm') as typeof import('node:vm');
  const bundle = join(__dirname, name);
  // The build makes the bundle ASCII only: read as Latin-1, it is the same text without a UTF-8 decoding.
  const source = readProgramFile(__dirname, name).toString('latin1');
  const script = new Script(wrap(source), { filename: bundle, cachedData: codeCacheFor(source, cache) });
  const module = { exports: {} as typeof import('./cli/run') };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, __dirname);
  return module.exports;
}


const pause = new Int32Array(new SharedArrayBuffer(4));
const stdinTimedOut = () => Object.assign(new Error(`standard input did not end within ${HOOK_STDIN_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' });

/** Reads a non-blocking copy of stdin until its end, waiting at most until `deadline`. */
function readStdinUntil(fd: number, deadline: number, chunks: Buffer[], buffer: Buffer): void {
  let total = 0;
  try {
    while (total < MAX_STDIN_BYTES) {
      let n: number;
      try {
        n = readStandardInput(buffer, Math.min(buffer.length, MAX_STDIN_BYTES - total), fd);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EOF') return;
        if (code !== 'EAGAIN') throw e;
        if (Date.now() >= deadline) throw stdinTimedOut();
        Atomics.wait(pause, 0, 0, 2);
        continue;
      }
      if (n === 0) return;
      chunks.push(Buffer.from(buffer.subarray(0, n)));
      total += n;
    }
  } finally {
    closeStandardInputCopy(fd);
  }
}

/** Reads stdin as a stream (a socket, a descriptor already non-blocking) from `total` bytes on, given up at `deadline` when there is one. */
async function readStdinStream(chunks: Buffer[], total: number, deadline: number | undefined): Promise<void> {
  const iterator = process.stdin[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = deadline === undefined ? null : new Promise<never>((_, reject) => (timer = setTimeout(() => reject(stdinTimedOut()), Math.max(0, deadline - Date.now()))));
  try {
    // Enough to tell it is too large: stop reading.
    while (total < MAX_STDIN_BYTES) {
      const next = await (timedOut ? Promise.race([iterator.next(), timedOut]) : iterator.next());
      if (next.done) return;
      chunks.push(next.value as Buffer);
      total += (next.value as Buffer).length;
    }
  } catch (e) {
    process.stdin.destroy();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Standard input, read synchronously and bounded (MAX_STDIN_BYTES): a stream on fd 0 would load Node's net and stream layers, a
 * few milliseconds on every hook call. With `timeLimitMs` (the hook) a pipe is read non-blocking
 * and a socket as a stream, each given up after that time. A stdin that cannot be read so
 * (non-blocking) goes on as a stream from where the synchronous reads stopped; one that cannot be
 * read at all (a directory) is an error.
 */
async function readStdin(timeLimitMs?: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  const deadline = timeLimitMs === undefined ? undefined : Date.now() + timeLimitMs;
  const buffer = Buffer.allocUnsafe(1 << 16);
  const input = deadline === undefined ? null : standardInputKind();
  if (input === 'fifo') {
    const copy = openStandardInputNonBlocking();
    if (copy !== null) {
      readStdinUntil(copy, deadline!, chunks, buffer);
      return Buffer.concat(chunks);
    }
  }
  if (input === 'socket') {
    await readStdinStream(chunks, 0, deadline);
    return Buffer.concat(chunks);
  }
  let total = 0;
  while (total < MAX_STDIN_BYTES) {
    let n: number;
    try {
      n = readStandardInput(buffer, Math.min(buffer.length, MAX_STDIN_BYTES - total));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') break;
      if (code !== 'EAGAIN') throw e;
      await readStdinStream(chunks, total, deadline);
      break;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
    total += n;
  }
  return Buffer.concat(chunks);
}

/**
 * Output piece by piece (a fleet matrix can be hundreds of MB), never copied into one string: the
 * pieces as printed, small ones gathered up to BATCH characters, a large one written in slices of
 * at most that. Each write is small enough to be encoded in memory just used, not in fresh pages.
 */
const BATCH = 1 << 16;
function writeInPieces(pieces: readonly string[]) {
  let batch: string[] = [];
  let batched = 0;
  const flush = () => {
    if (batched > 0 && !process.stdout.destroyed) process.stdout.write(batch.length === 1 ? batch[0]! : batch.join(''));
    batch = [];
    batched = 0;
  };
  for (const text of pieces) {
    if (text.length < BATCH) {
      if (batched + text.length > BATCH) flush();
      batch.push(text);
      batched += text.length;
      continue;
    }
    flush();
    for (let at = 0; at < text.length && !process.stdout.destroyed; ) {
      let end = Math.min(at + BATCH, text.length);
      // Never between the two halves of a surrogate pair: each write must be whole UTF-16.
      if (end < text.length && (text.charCodeAt(end - 1) & 0xfc00) === 0xd800) end--;
      process.stdout.write(text.slice(at, end));
      at = end;
    }
  }
  flush();
}

function finish(result: RunResult) {
  process.exitCode = result.code;
  // Nothing to write creates no stream: the hook's silent exits stay cheap.
  const pieces = result.stdoutPieces?.() ?? [result.stdout];
  if (pieces.some((piece) => piece.length > 0)) {
    // A reader that stopped early (`| head`) closes the pipe: the rest of the output has nowhere to
    // go. Any other failure (a full disk, an I/O error) loses the output: one line and exit 2.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') return;
      if (process.exitCode !== 2) process.stderr.write(`mdev-agg: cannot write standard output: ${e.code ?? e.message}\n`);
      process.exitCode = 2;
      process.stdout.destroy();
    });
    writeInPieces(pieces);
  }
  if (result.stderr) process.stderr.write(result.stderr);
}

/** The operation of `hook run [--] GUEST OP SUBOP EXTRA` (as the installed wrapper calls it), else null. */
function hookRunOperation(argv: readonly string[]): string | null {
  if (argv[0] !== 'hook' || argv[1] !== 'run') return null;
  // Anything that could be an option (--help, --root, …) is for the CLI to read.
  return hookArguments(argv.slice(2), false)?.op ?? null;
}

async function main() {
  const argv = process.argv.slice(2);
  // The hook's stdin is libvirt's, time-limited however the call is written (--root, options).
  const timeLimit = argv[0] === 'hook' && argv[1] === 'run' ? HOOK_STDIN_TIMEOUT_MS : undefined;
  let stdin: Uint8Array | (() => Promise<Uint8Array>) = () => readStdin(timeLimit);
  const op = hookRunOperation(argv);
  if (op !== null) {
    // libvirt runs the hook on every event of every guest. The same two tests as `hook run`
    // (src/cli/hook/run-hook.ts) end the call here when there is nothing to do.
    const { mentionsAggregation } = require('./core/reading/domain-precheck') as typeof import('./core/reading/domain-precheck');
    try {
      const data = await readStdin(HOOK_STDIN_TIMEOUT_MS);
      if (hookOperation(op).action === 'none' || !mentionsAggregation(data)) return;
      stdin = data;
    } catch (e) {
      stdin = () => Promise.reject(e);
    }
  }
  // Loaded, not imported: the CLI bundle is compiled and initialised only when a command runs.
  const { run } = loadCli(op === null ? CLI : HOOK);
  finish(
    await run(argv, stdin, process.env, {
      // Read only by commands that may show progress: loading tty costs every other run.
      get stderrIsTTY() {
        return (require('node:tty') as typeof import('node:tty')).isatty(2);
      },
      entryScript: __filename,
      validateWorker: join(__dirname, VALIDATE_WORKER),
      progress: (line) => process.stderr.write(`${line}\r`),
    }),
  );
}

main().catch((e) => {
  process.stderr.write(`mdev-agg: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 3;
});
