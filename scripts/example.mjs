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
  ['migration to a host with the same GPU and GVT version: compatible', ['migrate-check', domain, '--source', 'fixtures/snapshots/example-source.xml', '--target', 'fixtures/snapshots/example-target-ok.xml']],
  ['migration to a host with a newer GVT version: incompatible (exit 1)', ['migrate-check', domain, '--source', 'fixtures/snapshots/example-source.xml', '--target', 'fixtures/snapshots/example-target-incompatible.xml'], 1],
];

let failed = 0;
// A step may name the exit status it shows (a check answering no exits 1); the default is 0.
for (const [title, args, expected = 0] of steps) {
  process.stdout.write(`\n$ mdev-agg ${args.join(' ')}    # ${title}\n`);
  const r = spawnSync(process.execPath, [...cli, ...args], { stdio: 'inherit' });
  if (r.status !== expected) failed++;
}
process.exitCode = failed ? 1 : 0;
