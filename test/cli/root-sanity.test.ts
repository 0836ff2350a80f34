/**
 * A root that cannot be a host (a file, a missing path, a directory without sys/, the sys
 * directory itself) is a usage error naming what is missing, for every command that reads the
 * host, whether it comes from --root or MDEV_AGG_ROOT; never an empty host that looks like an answer.
 */
import fc from 'fast-check';
import { existsSync, mkdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { cli } from '../helpers/cli';
import { copyHost } from '../helpers/tree';
import { settings } from '../property/settings';
import { tempDir } from '../helpers/temp-dir';

const DOMAIN = 'fixtures/domains/example-gvt.xml';
const COMMANDS: string[][] = [['types'], ['snapshot'], ['plan', DOMAIN], ['status', DOMAIN], ['apply', DOMAIN, '--simulate'], ['release', DOMAIN], ['stamp', DOMAIN]];

type Kind = 'file' | 'missing' | 'no-sys' | 'sys-itself' | 'sys-is-a-file';
const KINDS: Kind[] = ['file', 'missing', 'no-sys', 'sys-itself', 'sys-is-a-file'];

function badRoot(kind: Kind): { root: string; says: RegExp } {
  const dir = tempDir('mdev-agg-root-');
  switch (kind) {
    case 'file':
      writeFileSync(join(dir, 'r'), '');
      return { root: join(dir, 'r'), says: / is not a directory$/ };
    case 'missing':
      return { root: join(dir, 'typo'), says: / does not exist$/ };
    case 'no-sys':
      return { root: dir, says: / has no sys\/ directory$/ };
    case 'sys-itself':
      return { root: join(copyHost('example-gvt').root, 'sys'), says: / has no sys\/ directory; the root is the directory holding sys\/, not sys itself/ };
    case 'sys-is-a-file':
      writeFileSync(join(dir, 'sys'), '');
      return { root: dir, says: / has no sys\/ directory \(\S+\/sys is not a directory\)$/ };
  }
}

test('every host command refuses a root that cannot be a host: exit 2, the reason named, nothing on stdout', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.constantFrom(...KINDS), fc.boolean(), async (argv, kind, fromEnv) => {
      const { root, says } = badRoot(kind);
      const r = fromEnv ? await cli(argv, '', { MDEV_AGG_ROOT: root }) : await cli([...argv, '--root', root]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^mdev-agg: the root ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${says.source}`));
    }),
    settings(60),
  );
});

test('a root holding sys/ without mdev parents is a host with none: exit 0', async () => {
  const root = tempDir('mdev-agg-root-');
  mkdirSync(join(root, 'sys'));
  const r = await cli(['types', '--root', root]);
  expect(r).toEqual({ code: 0, stdout: 'no mdev parent devices on this host\n', stderr: '' });
});

/** Where a root's mdev directories may be links: out of the root (refused) or within it (fine). */
const MDEV_DIRECTORIES = ['sys', 'sys/class/mdev_bus', 'sys/bus/mdev/devices'] as const;

/**
 * A copy of a host whose `dir` is moved and linked there: beside itself (inside the root, so its
 * own relative links still resolve) or out of the root.
 */
function linkedHost(dir: (typeof MDEV_DIRECTORIES)[number], inside: boolean, absolute: boolean): { root: string; link: string; target: string } {
  const { parent, root } = copyHost('example-gvt');
  const link = join(root, dir);
  const target = inside ? `${link}.real` : join(parent, 'elsewhere', dir.replace(/\//g, '-'));
  mkdirSync(dirname(target), { recursive: true });
  mkdirSync(dirname(link), { recursive: true });
  if (existsSync(link)) renameSync(link, target);
  else mkdirSync(target);
  symlinkSync(absolute ? target : relative(dirname(link), target), link);
  return { root, link, target };
}

test('every host command refuses a root whose sys/ (or its mdev directories) leads out of it: exit 2, naming it', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.constantFrom(...MDEV_DIRECTORIES), fc.boolean(), fc.boolean(), async (argv, dir, absolute, fromEnv) => {
      const { root, link, target } = linkedHost(dir, false, absolute);
      const r = fromEnv ? await cli(argv, '', { MDEV_AGG_ROOT: root }) : await cli([...argv, '--root', root]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr.split('\n')[0]).toBe(`mdev-agg: the root ${root} has ${link} leading outside it (to ${realpathSync(target)}); a root's sys/ must be inside the root`);
    }),
    settings(40),
  );
});

test('links of the mdev directories within the root are followed: the host reads as without them', async () => {
  const snapshot = async (root: string) => {
    const r = await cli(['snapshot', '--root', root, '--name', 'h']);
    return { ...r, stdout: r.stdout.replace(/ generated="[^"]*"/, '') };
  };
  const plain = await snapshot(copyHost('example-gvt').root);
  expect(plain).toMatchObject({ code: 0, stderr: '' });
  expect(plain.stdout).toContain('<type id="i915-GVTg_V5_8"');
  for (const dir of MDEV_DIRECTORIES) {
    for (const absolute of [false, true]) {
      const { root } = linkedHost(dir, true, absolute);
      expect(await snapshot(root)).toEqual(plain);
    }
  }
});
