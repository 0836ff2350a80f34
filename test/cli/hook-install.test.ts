/** hook install / uninstall, and the wrapper run as libvirt runs it: argv and the domain XML on stdin. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { WRAPPER_MARKER } from '../../src/core/hook/hook-wrapper';
import { builtCli } from '../helpers/built-cli';
import { libvirtDomain } from '../helpers/domain-builder';
import { copyHost } from '../helpers/tree';
import { tempDir } from '../helpers/temp-dir';

const WRAPPER = 'etc/libvirt/hooks/qemu.d/mdev-agg';
const RELOAD = 'libvirt reads hook scripts when it starts: restart libvirtd (or virtqemud), or send it SIGHUP, for this to take effect.';
const freshRoot = () => tempDir('mdev-agg-hook-');
const cliAt = (entryScript: string) => (argv: string[]) => run(argv, '', {}, { entryScript });

describe('GIVEN an empty root', () => {
  const cli = cliAt(join(__dirname, '../../dist/mdev-agg.js'));

  test('WHEN hook install THEN an executable wrapper runs this node with the installed CLI, and the user is told to reload libvirtd', async () => {
    const root = freshRoot();
    const r = await cli(['hook', 'install', '--root', root]);
    expect(r).toEqual({ code: 0, stdout: `installed hook ${root}/${WRAPPER}\n${RELOAD}\n`, stderr: '' });
    const file = join(root, WRAPPER);
    expect(statSync(file).mode & 0o777).toBe(0o755);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual(['#!/bin/sh', WRAPPER_MARKER]);
    expect(text).toContain(`node='${realpathSync(process.execPath)}'\n`);
    expect(text).toContain(`cli='${realpathSync(join(__dirname, '../../dist/mdev-agg.js'))}'\n`);
    expect(text).toContain('exec "$node" "$cli" hook run -- "$@"\n');
  });

  test('WHEN installed twice THEN the second run says so and does not rewrite the file', async () => {
    const root = freshRoot();
    await cli(['hook', 'install', '--root', root]);
    const before = statSync(join(root, WRAPPER));
    const r = await cli(['hook', 'install', '--root', root]);
    expect(r).toEqual({ code: 0, stdout: `hook already installed: ${root}/${WRAPPER} (unchanged)\n`, stderr: '' });
    const after = statSync(join(root, WRAPPER));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  test('WHEN the CLI moved THEN install updates its own wrapper', async () => {
    const root = freshRoot();
    await cli(['hook', 'install', '--root', root]);
    const moved = join(root, 'opt-mdev-agg.js');
    writeFileSync(moved, '');
    const r = await cliAt(moved)(['hook', 'install', '--root', root]);
    expect(r.stdout).toBe(`updated hook ${root}/${WRAPPER}\n${RELOAD}\n`);
    expect(readFileSync(join(root, WRAPPER), 'utf8')).toContain(`cli='${realpathSync(moved)}'`);
  });

  test('WHEN another hook has the name THEN install and uninstall leave it alone, exit 1', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'etc/libvirt/hooks/qemu.d'), { recursive: true });
    writeFileSync(join(root, WRAPPER), '#!/bin/sh\nexit 0\n');
    for (const sub of ['install', 'uninstall']) {
      const r = await cli(['hook', sub, '--root', root]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/was not written by mdev-agg; it is left as it is\n$/);
      expect(readFileSync(join(root, WRAPPER), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
    }
  });

  test('WHEN uninstall THEN its wrapper is removed; again THEN nothing to remove, exit 0', async () => {
    const root = freshRoot();
    await cli(['hook', 'install', '--root', root]);
    expect(await cli(['hook', 'uninstall', '--root', root])).toEqual({ code: 0, stdout: `removed hook ${root}/${WRAPPER}\n${RELOAD}\n`, stderr: '' });
    expect(() => statSync(join(root, WRAPPER))).toThrow();
    expect(await cli(['hook', 'uninstall', '--root', root])).toEqual({ code: 0, stdout: `no hook at ${root}/${WRAPPER}: nothing to remove\n`, stderr: '' });
  });

  test('WHEN --hooks-dir THEN the wrapper goes there, not under the root', async () => {
    const dir = join(freshRoot(), 'hooks.d');
    mkdirSync(dir);
    const r = await cli(['hook', 'install', '--hooks-dir', dir]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'mdev-agg'), 'utf8')).toContain(WRAPPER_MARKER);
    expect((await cli(['hook', 'uninstall', '--hooks-dir', dir])).code).toBe(0);
  });

  test('WHEN --hooks-dir names a directory that does not exist THEN refused, nothing made; with --create THEN made', async () => {
    const typo = join(freshRoot(), 'etc', 'libvirt', 'hook', 'qemu.d');
    const refused = await cli(['hook', 'install', '--hooks-dir', typo]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(new RegExp(`^mdev-agg: hook install: --hooks-dir ${typo} does not exist .*add --create to make it$`, 'm'));
    expect(() => statSync(join(typo, '..', '..'))).toThrow();
    const file = join(freshRoot(), 'a-file');
    writeFileSync(file, '');
    for (const create of [[], ['--create']]) {
      const notADirectory = await cli(['hook', 'install', '--hooks-dir', file, ...create]);
      expect([notADirectory.code, notADirectory.stderr.split('\n')[0]]).toEqual([2, `mdev-agg: hook install: --hooks-dir ${file} is not a directory`]);
      expect(readFileSync(file, 'utf8')).toBe('');
    }
    const created = await cli(['hook', 'install', '--hooks-dir', typo, '--create']);
    expect(created.code).toBe(0);
    expect(readFileSync(join(typo, 'mdev-agg'), 'utf8')).toContain(WRAPPER_MARKER);
    expect((await cli(['hook', 'uninstall', '--hooks-dir', typo, '--create'])).code).toBe(2);
  });

  test('WHEN the root is a file THEN install refuses, naming it', async () => {
    const file = join(freshRoot(), 'not-a-root');
    writeFileSync(file, '');
    const r = await cli(['hook', 'install', '--root', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mdev-agg: the root .*not-a-root is not a directory$/m);
  });

  test('WHEN run in-process without knowing its own file THEN install refuses with a usage error', async () => {
    const r = await run(['hook', 'install', '--root', freshRoot()], '', {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run it from the installed CLI/);
  });
});

describe('GIVEN the wrapper installed by the built CLI', () => {
  const U = '53764d0e-85a0-42b4-af5c-2046b460b1dc'; // exists on the gvt-attribute tree: i915-GVTg_V5_8 x4
  const install = (root: string) => {
    const r = spawnSync(process.execPath, [builtCli(), 'hook', 'install', '--root', root], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    return join(root, WRAPPER);
  };
  const callHook = (wrapper: string, root: string, args: string[], xml: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(wrapper, args, { input: xml, encoding: 'utf8', env: { PATH: process.env.PATH, MDEV_AGG_ROOT: root, ...env } });

  test('WHEN libvirt calls it THEN the arguments and the domain XML reach the hook, and its exit status comes back', () => {
    const { root } = copyHost('gvt-attribute');
    const wrapper = install(root);
    const present = libvirtDomain('guest one', [{ uuid: U, type: 'i915-GVTg_V5_8', instances: 4, parent: '0000:00:02.0' }]);
    expect(callHook(wrapper, root, ['guest one', 'prepare', 'begin', '-'], present)).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const different = present.replace('instances="4"', 'instances="2"');
    const refused = callHook(wrapper, root, ['guest one', 'prepare', 'begin', '-'], different);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^mdev-agg: prepare of guest 'guest one' failed: E_DEVICE_CONFLICT: mdev ${U} exists as i915-GVTg_V5_8 x4`));
    expect(callHook(wrapper, root, ['-x', 'release', 'end', 'from snapshot'], libvirtDomain('-x', []))).toMatchObject({ status: 0, stdout: '', stderr: '' });
  });

  test('WHEN the recorded node is gone THEN the one on PATH runs the hook', () => {
    const { root } = copyHost('gvt-attribute');
    const wrapper = install(root);
    writeFileSync(wrapper, readFileSync(wrapper, 'utf8').replace(/^node=.*$/m, "node='/nonexistent/node'"));
    const different = libvirtDomain('g', [{ uuid: U, type: 'i915-GVTg_V5_8', instances: 2 }]);
    const r = callHook(wrapper, root, ['g', 'prepare', 'begin', '-'], different);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/E_DEVICE_CONFLICT/);
  });

  test('WHEN the CLI was removed without uninstalling THEN the wrapper exits 0 with one line, so libvirt still starts guests', () => {
    const root = freshRoot();
    const wrapper = join(root, 'mdev-agg');
    const { wrapperScript } = require('../../src/core/hook/hook-wrapper');
    writeFileSync(wrapper, wrapperScript({ node: process.execPath, cli: join(root, 'gone/mdev-agg.js') }));
    chmodSync(wrapper, 0o755);
    const r = callHook(wrapper, root, ['g', 'reconnect', 'begin', '-'], libvirtDomain('g', [{ uuid: U, type: 'i915-GVTg_V5_8', instances: 2 }]));
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`mdev-agg hook: cannot run ${root}/gone/mdev-agg.js with node; aggregated mdevs are not managed\n`);
  });

  test('WHEN the CLI is gone and the root has a syslog socket THEN the wrapper logs that line too (libvirt discards it)', async () => {
    const root = freshRoot();
    const wrapper = join(root, 'mdev-agg');
    const { wrapperScript } = require('../../src/core/hook/hook-wrapper');
    writeFileSync(wrapper, wrapperScript({ node: process.execPath, cli: join(root, 'gone/mdev-agg.js') }));
    chmodSync(wrapper, 0o755);
    mkdirSync(join(root, 'dev'));
    let received = '';
    const server = createServer((c) => c.on('data', (d) => (received += d)));
    await new Promise<void>((resolve) => server.listen(join(root, 'dev/log'), resolve));
    try {
      // A line break is not printed; a quote or backslash cannot end the guest field and forge another.
      const r = callHook(wrapper, root, ['we\nird"1 x="forged\\', 'prepare', 'begin', '-'], libvirtDomain('g', [{ uuid: U, type: 'i915-GVTg_V5_8', instances: 2 }]));
      expect(r.status).toBe(0);
      // The line is read by this process's event loop, once the wrapper's connection is accepted.
      for (let waited = 0; !received.endsWith('\n') && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const guest = 'we?ird\\"1 x=\\"forged\\\\';
      expect(received).toMatch(/^<28>.* mdev-agg\[\d+\]: /);
      expect(received.replace(/^<28>.* mdev-agg\[\d+\]: /, '')).toBe(`op=prepare guest="${guest}" code=W_CLI_MISSING: cannot run ${root}/gone/mdev-agg.js with node; aggregated mdevs are not managed\n`);
    } finally {
      server.close();
    }
  });
});
