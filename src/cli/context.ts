/**
 * What a command receives and returns. Commands write to buffers, never to the process, so the
 * CLI is a function (`run`) that tests call in-process.
 */
import { sanitiseText } from '../core/text/terminal-text';
import type { Sysfs } from '../core/host/sysfs';
import type { StateStore } from '../shell/state-store';
import type { Clock } from '../shell/clock';
import type { InputResult } from './named-file';

export const EXIT = { OK: 0, NO: 1, USAGE: 2, HOST: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface RunResult {
  code: ExitCode;
  stdout: string;
  stderr: string;
  /**
   * Standard output as the pieces it was printed in (their concatenation is `stdout`): a writer of
   * hundreds of MB (a fleet matrix) writes them one by one instead of copying them into one string.
   */
  stdoutPieces?: () => readonly string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** Standard input, read at most once and only when a command asks for it. */
export type Stdin = Uint8Array | string | (() => Promise<Uint8Array>);

export interface RunOptions {
  /** True when stderr is a terminal: long runs then show progress through `progress`. */
  stderrIsTTY?: boolean;
  progress?: (line: string) => void;
  /** Current directory for relative paths (default: the process's). */
  cwd?: string;
  /**
   * A host to use instead of the tree under the root (an in-process caller sharing one simulated
   * kernel across several runs, as libvirt's successive hook calls share one host).
   */
  host?: { sysfs: Sysfs; store: StateStore };
  /** The built script validate's worker threads run (dist/mdev-agg-validate.js); without it validate reads on one thread. */
  validateWorker?: string;
  /** Absolute path of the running CLI file, which `hook install` writes into the wrapper. */
  entryScript?: string;
  /** The node running the CLI (default: the process's). */
  nodePath?: string;
  /** Time for the lock's wait and for dates (default: the system's). */
  clock?: Clock;
}

export interface GlobalFlags {
  root: string | undefined;
  json: boolean;
  quiet: boolean;
}

/**
 * What a command prints. Text for people (`out`, `err`) passes the one output sanitiser; a
 * document for programs (`document`: XML, JSON, a script) is printed as it is, its own format
 * keeping it safe (printJson escapes, XML and scripts quote).
 */
export class Output {
  /** Standard output in the pieces printed; joined when `stdout` is read. */
  private readonly pieces: string[] = [];
  stderr = '';
  get stdout(): string {
    if (this.pieces.length > 1) this.pieces.splice(0, this.pieces.length, this.pieces.join(''));
    return this.pieces[0] ?? '';
  }
  stdoutPieces(): readonly string[] {
    return this.pieces;
  }
  out(text: string) {
    this.pieces.push(sanitiseText(text.endsWith('\n') || text === '' ? text : `${text}\n`));
  }
  err(text: string) {
    this.stderr += sanitiseText(text.endsWith('\n') ? text : `${text}\n`);
  }
  /** A document, whole or in pieces (lines of a large table), printed as it is. */
  document(text: string | readonly string[]) {
    if (typeof text === 'string') this.pieces.push(text);
    else for (const piece of text) this.pieces.push(piece);
  }
  /** The command's result: `stdout` joined only when read. */
  result(code: ExitCode): RunResult {
    const output = this;
    const result = {
      code,
      get stdout() {
        return output.stdout;
      },
      stderr: this.stderr,
    };
    // Not enumerable: the result compares and prints as {code, stdout, stderr}.
    return Object.defineProperty(result, 'stdoutPieces', { value: () => output.stdoutPieces(), enumerable: false });
  }
}

export interface CommandContext {
  positionals: string[];
  /** A string option's value, undefined when not given; the command table must declare it a string. */
  text(name: string): string | undefined;
  /** A boolean option: true when given; the command table must declare it a boolean. */
  flag(name: string): boolean;
  flags: GlobalFlags;
  /** The directory relative paths are taken from (RunOptions.cwd, else the process's). */
  cwd: string;
  /** The node running the CLI (`hook install` writes it into the wrapper). */
  nodePath: string;
  /** RunOptions.clock, else the system's. */
  clock: Clock;
  /** The host root (--root, else MDEV_AGG_ROOT, else /), refused (usage error) when it cannot be a host. */
  root(): string;
  /**
   * The host the command reads and changes, the one way any command reaches it (cli/host-access.ts):
   * the caller's own (RunOptions.host), else the tree under the root, else with `simulate` a kernel
   * seeded from that tree. Opened once per run and kind.
   */
  host(simulate?: boolean): Host;
  env: Env;
  out: Output;
  options: RunOptions;
  /**
   * A file the user named (`-`: standard input), at most `limit` bytes (default: the largest any
   * reader accepts, a JSON document's); a FIFO, a device or a directory is refused without waiting, a larger file
   * before it is read (`tooLarge`).
   */
  readInput(path: string, limit?: number): Promise<InputResult>;
}

/** A host as a command holds it: where it is, its files, and the lock and journal of changes to it. */
export interface Host {
  root: string;
  sysfs: Sysfs;
  store: StateStore;
  /** A kernel seeded from the tree under the root: nothing the command does is written. */
  simulated: boolean;
}

/** A command's failure on the command line itself: exit 2 with the message and usage hint. */
export class UsageError extends Error {}
