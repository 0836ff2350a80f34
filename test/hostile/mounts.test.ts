/**
 * Mounts inside the root: a directory of the tree bind-mounted from outside shows inside paths
 * while its files are elsewhere, so no path check can see it. Each case runs the built CLI in a
 * private mount namespace (`unshare --mount`, as an unprivileged user with its own user
 * namespace) with one directory of the tree replaced by a bind mount of a copy outside, and
 * checks that nothing outside changed and the refusal has its code.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli } from '../helpers/built-cli';
import { domainXml } from '../helpers/domain-builder';
import { Figures } from './figures';
import { EXISTING_DIR, EXISTING_UUID, HostTree, NEW_UUID, PARENT, TYPE_DIR, picture } from './host-tree';

const figures = new Figures();
figures.printAfterAll((n) => [`bind mounts inside the root: ${n('cases')} cases, ${n('outside')} writes outside the root, ${n('internal')} internal errors`]);

const guest = (uuid: string, instances: number) => domainXml([{ uuid, type: 'i915-GVTg_V5_8', instances, parent: PARENT }], { name: 'guest' });

interface MountCase {
  name: string;
  /** The directory under the root that a copy outside is bind-mounted on (made first when missing). */
  mounted: string;
  command: 'apply' | 'release';
  domain: string;
  expect: [number, RegExp];
}

const CASES: MountCase[] = [
  { name: "a type's directory (its create would be written outside)", mounted: TYPE_DIR, command: 'apply', domain: guest(NEW_UUID, 2), expect: [1, /E_PATH_ESCAPE: write .*\/create: EXDEV \(on another mount than the root/] },
  { name: "a device's directory (its remove would be written outside)", mounted: EXISTING_DIR, command: 'release', domain: guest(EXISTING_UUID, 4), expect: [1, /E_PATH_ESCAPE: write .*\/remove: EXDEV/] },
  { name: 'run/mdev-agg (the lock and journal would be made outside)', mounted: 'run/mdev-agg', command: 'apply', domain: guest(EXISTING_UUID, 4), expect: [3, /E_PATH_ESCAPE.*EXDEV/] },
  { name: 'run (the lock directory would be made outside)', mounted: 'run', command: 'apply', domain: guest(EXISTING_UUID, 4), expect: [3, /E_PATH_ESCAPE.*EXDEV/] },
];

describe.each(CASES.map((c) => [c.name, c] as const))('GIVEN a bind mount from outside on %s', (_name, c) => {
  test(`WHEN ${c.command} runs THEN the write is refused with E_PATH_ESCAPE and nothing outside changes`, () => {
    figures.add('cases');
    const tree = new HostTree();
    try {
      const copy = join(tree.outside, 'mounted');
      spawnSync('mkdir', ['-p', tree.at(c.mounted), copy]);
      cpSync(tree.at(c.mounted), copy, { recursive: true, verbatimSymlinks: true });
      writeFileSync(join(tree.scratch, 'd.xml'), c.domain);
      const before = picture(tree.outside);
      const user = process.getuid?.() === 0 ? [] : ['--map-root-user'];
      const script = 'mount --bind "$1" "$2" && exec "$3" "$4" "$5" --root "$6" "$7"';
      const r = spawnSync('unshare', [...user, '--mount', 'sh', '-c', script, 'sh', copy, tree.at(c.mounted), process.execPath, builtCli(), c.command, tree.root, join(tree.scratch, 'd.xml')], {
        encoding: 'utf8',
        timeout: 10_000,
        env: { PATH: process.env.PATH },
      });
      const output = `${r.stdout}${r.stderr}`;
      if (/internal error|\n\s+at /.test(output)) figures.add('internal');
      const changed = JSON.stringify(picture(tree.outside)) !== JSON.stringify(before);
      if (changed) figures.add('outside');
      expect({ status: r.status, internal: /internal error/.test(output) }).toEqual({ status: c.expect[0], internal: false });
      expect(output).toMatch(c.expect[1]);
      expect(picture(tree.outside)).toEqual(before);
      expect(readFileSync(join(tree.outside, 'secret'), 'utf8')).toBe('outside data\n');
    } finally {
      tree.remove();
    }
  });
});

describe.each(['dash', 'bash'])('GIVEN the sh plan of a new device and a bind mount from outside on its type directory', (shell) => {
  test(`WHEN ${shell} runs the script THEN it stops before the write, as apply does, and nothing outside changes`, () => {
    figures.add('cases');
    const tree = new HostTree();
    try {
      const copy = join(tree.outside, 'mounted');
      cpSync(tree.at(TYPE_DIR), copy, { recursive: true, verbatimSymlinks: true });
      writeFileSync(join(tree.scratch, 'd.xml'), guest(NEW_UUID, 2));
      const plan = spawnSync(process.execPath, [builtCli(), 'plan', '--root', tree.root, '--format', 'sh', join(tree.scratch, 'd.xml')], { encoding: 'utf8' });
      expect(plan.status).toBe(0);
      writeFileSync(join(tree.scratch, 'plan.sh'), plan.stdout);
      const before = picture(tree.outside);
      const user = process.getuid?.() === 0 ? [] : ['--map-root-user'];
      const script = 'mount --bind "$1" "$2" && MDEV_AGG_ROOT="$3" exec "$4" "$5"';
      const r = spawnSync('unshare', [...user, '--mount', 'sh', '-c', script, 'sh', copy, tree.at(TYPE_DIR), tree.root, shell, join(tree.scratch, 'plan.sh')], {
        encoding: 'utf8',
        timeout: 10_000,
        env: { PATH: process.env.PATH },
      });
      if (JSON.stringify(picture(tree.outside)) !== JSON.stringify(before)) figures.add('outside');
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/\/create is not an attribute file under the root with one link on its mount .*not written/);
      expect(picture(tree.outside)).toEqual(before);
    } finally {
      tree.remove();
    }
  });
});
