/**
 * A root that cannot be a host (a file, a missing path, a directory without sys/, the sys
 * directory itself) is a usage error naming what is missing, for every command that reads the
 * host, whether it comes from --root or MDEV_AGG_ROOT; never an empty host that looks like an answer.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { copyHost } from '../helpers/tree';
import { settings } from '../property/settings';

const DOMAIN = 'fixtures/domains/example-gvt.xml';
const COMMANDS: string[][] = [['types'], ['snapshot'], ['plan', DOMAIN], ['status', DOMAIN], ['apply', DOMAIN, '--simulate'], ['release', DOMAIN], ['stamp', DOMAIN]];

type Kind = 'file' | 'missing' | 'no-sys' | 'sys-itself' | 'sys-is-a-file';
const KINDS: Kind[] = ['file', 'missing', 'no-sys', 'sys-itself', 'sys-is-a-file'];

function badRoot(kind: Kind): { root: string; says: RegExp } {
  const dir = mkdtempSync(join(tmpdir(), 'mdev-agg-root-'));
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
  const root = mkdtempSync(join(tmpdir(), 'mdev-agg-root-'));
  mkdirSync(join(root, 'sys'));
  const r = await cli(['types', '--root', root]);
  expect(r).toEqual({ code: 0, stdout: 'no mdev parent devices on this host\n', stderr: '' });
});
