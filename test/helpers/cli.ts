/** The CLI in-process: `run` with argv, stdin and env, as a user would call it. */
import { run } from '../../src/cli/run';
import type { Env, RunOptions, RunResult } from '../../src/cli/context';
import { REPO } from './golden';

/** `options`: what a test injects (a clock); the working directory is the repository's. */
export function cli(argv: string[], stdin: string | Uint8Array = '', env: Env = {}, options: RunOptions = {}): Promise<RunResult> {
  return run(argv, stdin, env, { cwd: REPO, ...options });
}

export function json(result: RunResult) {
  return JSON.parse(result.stdout);
}
