/**
 * An empty path option (`--root ''` from an unset shell variable, `--hooks-dir ''`, `--out ''`)
 * would otherwise mean the real host or the working directory: every command refuses it, exit 2,
 * naming the option. An empty MDEV_AGG_ROOT is unset, as usual for environment variables.
 */
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/command-table';
import { cli } from '../helpers/cli';

const DOMAIN = 'fixtures/domains/example-gvt.xml';

/** Every command with every option whose value is a path (the global --root included). */
const PATH_OPTIONS = [...COMMANDS.values()].flatMap((spec) =>
  Object.entries({ ...GLOBAL_OPTIONS, ...spec.options })
    .filter(([, o]) => o.arg === 'DIR' || o.arg === 'FILE' || o.arg === 'SNAP')
    .map(([option, o]) => [spec.name, option, o.arg === 'DIR' ? 'directory' : 'file'] as const),
);

test('the path options are the ones an empty value would silently redirect', () => {
  const names = new Set(PATH_OPTIONS.map(([, option]) => option));
  for (const option of ['root', 'hooks-dir', 'out']) expect(names).toContain(option);
  expect(new Set(PATH_OPTIONS.map(([command]) => command))).toEqual(new Set(COMMANDS.keys()));
});

test.each(PATH_OPTIONS)('%s --%s \'\' is a usage error naming the option (a %s); nothing runs', async (command, option, kind) => {
  const subcommand = command === 'hook' ? ['install'] : [DOMAIN];
  for (const argv of [[command, ...subcommand, `--${option}`, ''], [command, ...subcommand, `--${option}=`]]) {
    const r = await cli(argv);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.split('\n')[0]).toBe(`mdev-agg: --${option} is empty: give a ${kind}`);
  }
});

test('an empty MDEV_AGG_ROOT is the same as none: the host root /', async () => {
  for (const argv of [['types', '--json'], ['plan', DOMAIN, '--json']]) {
    const unset = await cli(argv, '', {});
    expect(await cli(argv, '', { MDEV_AGG_ROOT: '' })).toEqual(unset);
  }
});
