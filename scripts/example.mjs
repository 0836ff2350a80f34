// `npm start`: the main job on the bundled example domain and host, each step as a user would type it.
import { spawnSync } from 'node:child_process';

const cli = ['dist/mdev-agg.js'];
const domain = 'fixtures/domains/example-gvt.xml';
const root = ['--root', 'fixtures/hosts/example-gvt'];

const steps = [
  ['validate the example domain', ['validate', domain]],
  ['what the example host offers', ['types', ...root]],
  ['the plan: exact sysfs writes per kernel dialect', ['plan', domain, ...root]],
  ['a simulated apply (nothing is written)', ['apply', domain, '--simulate', ...root]],
];

let failed = 0;
for (const [title, args] of steps) {
  process.stdout.write(`\n$ mdev-agg ${args.join(' ')}    # ${title}\n`);
  const r = spawnSync(process.execPath, [...cli, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
