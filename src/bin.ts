#!/usr/bin/env node
/** The process around `run`: wires argv, stdin, env and the exit code; nothing else. */
import type { RunResult } from './cli/context';

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function finish(result: RunResult) {
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}

// Required, not imported: the CLI's modules initialise only when a command needs them.
const { run } = require('./cli/run') as typeof import('./cli/run');
run(process.argv.slice(2), readStdin, process.env, {
  stderrIsTTY: process.stderr.isTTY === true,
  entryScript: __filename,
  progress: (line) => process.stderr.write(`${line}\r`),
}).then(finish, (e) => {
  process.stderr.write(`mdev-agg: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  process.exitCode = 3;
});
