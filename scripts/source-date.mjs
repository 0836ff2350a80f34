// The date a build writes into what it makes (the manual's date, the Debian changelog and
// copyright): SOURCE_DATE_EPOCH when set (reproducible-builds.org), else the last commit's date,
// so that building one commit twice gives the same files; a tree without history has only now.
import { execFileSync } from 'node:child_process';

export function sourceDate() {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch)) throw new Error(`SOURCE_DATE_EPOCH is not a number of seconds: ${epoch}`);
    return new Date(Number(epoch) * 1000);
  }
  try {
    const committed = execFileSync('git', ['log', '-1', '--format=%ct'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (/^\d+$/.test(committed)) return new Date(Number(committed) * 1000);
  } catch {
    // not a git checkout, or no git: below
  }
  return new Date();
}
