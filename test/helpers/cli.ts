/** The CLI in-process: `run` with argv, stdin and env, as a user would call it. */
import { run } from '../../src/cli/run';
import type { Env, RunResult } from '../../src/cli/context';
import { REPO } from './golden';

export function cli(argv: string[], stdin: string | Uint8Array = '', env: Env = {}): Promise<RunResult> {
  return run(argv, stdin, env, { cwd: REPO });
}

export function json(result: RunResult) {
  return JSON.parse(result.stdout);
}
