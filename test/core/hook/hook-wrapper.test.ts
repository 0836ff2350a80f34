/**
 * The installed wrapper run by dash and bash as libvirt runs it: it decides from the same operation
 * table and markers as `hook run` whether Node starts, and when it does, Node gets the arguments and
 * stdin byte for byte; when it does not, the exit status and stdout are what `hook run` gives.
 * Both of its ways are run: perl's (one process) and, with no perl on PATH, the temporary file's.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { AGGREGATION_MARKERS, mentionsAggregation } from '../../../src/core/reading/domain-precheck';
import { MAX_JSON_BYTES } from '../../../src/core/text/json-text';
import { hookOperation } from '../../../src/core/hook/hook-operation';
import { wrapperScript } from '../../../src/core/hook/hook-wrapper';
import { sanitiseLine } from '../../../src/core/text/terminal-text';
import { builtCli } from '../../helpers/built-cli';
import { libvirtDomain } from '../../helpers/domain-builder';
import { removeTempDir, tempDir } from '../../helpers/temp-dir';
import { settings } from '../../property/settings';

const SHELLS = ['dash', 'bash'];
const work = tempDir('mdev-agg-wrapper-');

const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
/** This machine's PATH without perl (every other program of it kept): the wrapper's temporary-file way. */
const WITHOUT_PERL = join(work, 'bin-without-perl');
mkdirSync(WITHOUT_PERL);
for (const dir of process.env.PATH!.split(':').filter((d) => d.startsWith('/'))) {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    continue;
  }
  for (const name of names) {
    if (/^perl/.test(name)) continue;
    try {
      symlinkSync(join(dir, name), join(WITHOUT_PERL, name));
    } catch {
      // the same name earlier on PATH wins, as for the shell
    }
  }
}
const PATHS = [
  ['perl', process.env.PATH!],
  ['no perl', WITHOUT_PERL],
] as const;
const WAYS = SHELLS.flatMap((shell) => PATHS.map(([way, path]) => [shell, way, path] as const));
test('perl is on PATH, as Debian makes sure (Essential: yes), so its way is the one tested first', () => expect(which('perl')).not.toBe(''));

/** Stands in for node: records its arguments and stdin, and answers on stdout with a status of its own. */
const PROBE = join(work, 'probe');
// It also notes what its stdin is: a regular file (perl's anonymous file, the shell's copy) or a pipe.
// A soft file size limit set for the wrapper is lifted first, so that the probe's own copy is whole.
writeFileSync(PROBE, '#!/bin/sh\nulimit -S -f unlimited 2>/dev/null\nif [ -f /dev/stdin ]; then echo file; elif [ -p /dev/stdin ]; then echo pipe; else echo other; fi >"$PROBE_DIR/kind"\ncat >"$PROBE_DIR/stdin"\nprintf \'%s\\n\' "$@" >"$PROBE_DIR/args"\necho probe ran\nexit 5\n');
chmodSync(PROBE, 0o755);
const probeWrapper = join(work, 'probe-wrapper');
writeFileSync(probeWrapper, wrapperScript({ node: PROBE, cli: PROBE }));
const realWrapper = join(work, 'real-wrapper');
writeFileSync(realWrapper, wrapperScript({ node: process.execPath, cli: builtCli() }));
const emptyRoot = tempDir('root-', work);

let runs = 0;
/** One call of the wrapper under `shell`, with a fresh TMPDIR that must be empty afterwards. */
function callWrapper(shell: string, wrapper: string, args: string[], input: Uint8Array, env: NodeJS.ProcessEnv = {}) {
  const dir = join(work, `call-${runs++}`);
  const tmp = join(dir, 'tmp');
  spawnSync('mkdir', ['-p', tmp]);
  const r = spawnSync(shell, [wrapper, ...args], { input, env: { PATH: process.env.PATH, TMPDIR: tmp, PROBE_DIR: dir, MDEV_AGG_ROOT: emptyRoot, ...env } });
  const left = readdirSync(tmp);
  const probe = readdirSync(dir).includes('stdin') ? { stdin: readFileSync(join(dir, 'stdin')), args: readFileSync(join(dir, 'args'), 'utf8'), kind: readFileSync(join(dir, 'kind'), 'utf8').trim() } : null;
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout.toString('latin1'), probe, left };
}

const KNOWN_OPS = ['prepare', 'start', 'started', 'stopped', 'release', 'migrate', 'restore', 'reconnect', 'attach', '-'];
// Arguments are C strings: anything but NUL.
const argument = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/\0/g, ''));
const operation = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN_OPS) }, { weight: 1, arbitrary: argument });
const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Domain text with and without markers, arbitrary bytes (NUL included), no trailing newline, large inputs. */
const input = fc
  .record({
    body: fc.oneof(
      fc.constant(libvirtDomain('plain', [])),
      fc.constant(libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2 }])),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
    ),
    splice: fc.option(fc.tuple(fc.constantFrom(...AGGREGATION_MARKERS, '<aggregatio', 'urn:mdev-agg:aggregation:2'), fc.nat()), { nil: undefined }),
    trailingNewline: fc.boolean(),
    padding: fc.constantFrom(0, 0, 0, 70_000, 1_100_000),
  })
  .map(({ body, splice, trailingNewline, padding }) => {
    let text = body;
    if (splice) text = `${text.slice(0, splice[1] % (text.length + 1))}${splice[0]}${text.slice(splice[1] % (text.length + 1))}`;
    // Padding before the text: a marker at the end of a large input must still be found.
    if (padding) text = `<!--${'\0x\n'.repeat(padding / 3)}-->${text}`;
    text = text.replace(/\n+$/, '');
    return bytes(trailingNewline ? `${text}\n` : text);
  });

describe('GIVEN the wrapper with a probe in place of node', () => {
  test.each(WAYS)('WHEN %s runs it (%s) with any four arguments and any stdin THEN Node starts exactly when hook run has work, with stdin byte for byte', (shell, _way, path) => {
    fc.assert(
      fc.property(argument, operation, argument, argument, input, (guest, op, subop, extra, data) => {
        const args = [guest, op, subop, extra];
        const r = callWrapper(shell, probeWrapper, args, data, { PATH: path });
        expect(r.left).toEqual([]);
        if (hookOperation(op).action !== 'none' && mentionsAggregation(data)) {
          expect(r).toMatchObject({ status: 5, stdout: 'probe ran\n' });
          expect(r.probe!.args).toBe(`${PROBE}\nhook\nrun\n--\n${args.join('\n')}\n`);
          expect(r.probe!.stdin.equals(data)).toBe(true);
          // Both ways hand Node a file: perl's anonymous one, the shell's unlinked copy.
          expect(r.probe!.kind).toBe('file');
        } else {
          expect(r).toEqual({ status: 0, stdout: '', probe: null, left: [] });
        }
      }),
      settings(60),
    );
  });

  test.each(WAYS)('WHEN %s runs it (%s) with another number of arguments THEN the CLI gets them all to answer', (shell, _way, path) => {
    fc.assert(
      fc.property(fc.array(argument, { maxLength: 6 }).filter((a) => a.length !== 4), input, (args, data) => {
        const r = callWrapper(shell, probeWrapper, args, data, { PATH: path });
        expect(r).toMatchObject({ status: 5, stdout: 'probe ran\n', left: [] });
        expect(r.probe!.args).toBe(['hook', 'run', '--', ...args].map((a) => `${a}\n`).join('').replace(/^/, `${PROBE}\n`));
        expect(r.probe!.stdin.equals(data)).toBe(true);
      }),
      settings(15),
    );
  });

  test.each(SHELLS)('WHEN %s without perl cannot create a temporary file THEN the CLI reads stdin itself', (shell) => {
    const data = bytes(libvirtDomain('plain', []));
    const r = callWrapper(shell, probeWrapper, ['g', 'prepare', 'begin', '-'], data, { TMPDIR: join(work, 'missing'), PATH: WITHOUT_PERL });
    expect(r.status).toBe(5);
    expect(r.probe!.stdin.equals(data)).toBe(true);
  });

  test.each(SHELLS)('WHEN %s with perl cannot keep the domain XML in a file (file size limit) THEN Node gets it through a pipe, byte for byte', (shell) => {
    const data = bytes(libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2 }]));
    for (const padding of [0, 200_000]) {
      const input = Buffer.concat([Buffer.from(`<!--${'x'.repeat(padding)}-->`), data]);
      const dir = join(work, `perl-limit-${shell}-${padding}`);
      spawnSync('mkdir', ['-p', dir]);
      // A soft limit of one block: perl's file cannot take the domain, and its write fails instead of
      // SIGXFSZ ending it; the probe lifts the limit for its own copy.
      const r = spawnSync('sh', ['-c', `ulimit -S -f 1; exec ${shell} "$0" "$@"`, probeWrapper, 'g', 'prepare', 'begin', '-'], { input, env: { PATH: process.env.PATH, TMPDIR: dir, PROBE_DIR: dir } });
      expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual({ status: 5, stdout: 'probe ran\n', stderr: '' });
      expect(readFileSync(join(dir, 'kind'), 'utf8')).toBe('pipe\n');
      expect(readFileSync(join(dir, 'stdin')).equals(input)).toBe(true);
    }
  });

  test.each(SHELLS)('WHEN %s without perl cannot keep the domain XML (file size limit) THEN it exits as hook run does for unreadable input, leaving no file', (shell) => {
    const data = bytes(libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2 }]));
    for (const op of ['prepare', 'restore', 'migrate', 'release', 'reconnect']) {
      const dir = join(work, `limit-${shell}-${op}`);
      spawnSync('mkdir', ['-p', dir]);
      // ulimit -f 1: cat is stopped by SIGXFSZ after 512 bytes of the copy.
      const r = spawnSync('sh', ['-c', `ulimit -f 1; exec ${shell} "$0" "$@"`, probeWrapper, 'g', op, 'begin', '-'], {
        input: data,
        env: { PATH: WITHOUT_PERL, TMPDIR: dir, PROBE_DIR: dir },
      });
      expect({ op, status: r.status, stdout: r.stdout.toString(), files: readdirSync(dir) }).toEqual({ op, status: hookOperation(op).aborts ? 2 : 0, stdout: '', files: [] });
      expect(r.stderr.toString()).toMatch(new RegExp(`(^|\\n)mdev-agg hook: ${op} of guest 'g': cannot keep the domain XML in ${dir}/mdev-agg-hook\\.\\w+\\n$`));
    }
  });
});

describe('GIVEN a guest name with any characters', () => {
  // The characters the sanitiser escapes, their neighbours it keeps, and any other character.
  const special = fc.constantFrom('\n', '\r', '\t', '\x1b', '\x7f', '\x80', '\x9b', '\x9f', '\xa0', '\u061b', '\u061c', '\u200d', '\u200e', '\u200f', '\u2027', '\u2028', '\u2029', '\u202a', '\u202e', '\u202f', '\u2065', '\u2066', '\u2069', '\u206a', '\u00e9', "'", '"', '\\', '$', '%');
  const character = fc.oneof(special, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
  const guestName = fc.array(character, { maxLength: 12 }).map((a) => a.join('').replace(/\0/g, ''));

  // The temporary-file way names the guest in its line (perl's way names none): run without perl.
  test.each(SHELLS)('WHEN %s cannot keep the domain XML THEN its one line shows the name as the sanitiser does', (shell) => {
    const directory = openSync(work, 'r');
    try {
      fc.assert(
        fc.property(guestName, (name) => {
          const r = spawnSync(shell, [probeWrapper, name, 'prepare', 'begin', '-'], { stdio: [directory, 'pipe', 'pipe'], env: { PATH: WITHOUT_PERL, TMPDIR: work, PROBE_DIR: work } });
          const lines = r.stderr.toString('utf8').split('\n').filter((l) => l.startsWith('mdev-agg hook:'));
          expect(r.status).toBe(2);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatch(/^mdev-agg hook: prepare of guest '(.*)': cannot keep the domain XML in /s);
          expect(lines[0]!.slice("mdev-agg hook: prepare of guest '".length, lines[0]!.lastIndexOf("': cannot keep"))).toBe(sanitiseLine(name));
        }),
        settings(40),
      );
    } finally {
      closeSync(directory);
    }
  });
});

describe('GIVEN the wrapper of the built CLI', () => {
  const aggregated = libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2, parent: '0000:00:02.0' }]);
  const inline = aggregated.replace(/<metadata>[^]*<\/metadata>\n/, '').replace("<source>", "<aggregation type='i915-GVTg_V5_8' instances='2'/>\n      <source>");
  const domain = fc.oneof(
    fc.constant(aggregated),
    fc.constant(inline),
    fc.constant(libvirtDomain('plain', [])),
    fc.constant(aggregated.replace('</domain>', '</domian>')),
    fc.constant(`${aggregated.slice(0, 200)}\0${aggregated.slice(200)}`),
  );

  test.each(WAYS)('WHEN %s runs it (%s) THEN the exit status and stdout are those of hook run called directly', (shell, _way, path) => {
    fc.assert(
      fc.property(argument, operation, domain, fc.boolean(), (guest, op, xml, trailingNewline) => {
        const data = bytes(trailingNewline ? xml : xml.replace(/\n$/, ''));
        const args = [guest, op, 'begin', '-'];
        const direct = spawnSync(process.execPath, [builtCli(), 'hook', 'run', '--', ...args], { input: data, env: { PATH: process.env.PATH, MDEV_AGG_ROOT: emptyRoot } });
        const r = callWrapper(shell, realWrapper, args, data, { PATH: path });
        expect({ status: r.status, stdout: r.stdout, left: r.left }).toEqual({ status: direct.status, stdout: direct.stdout.toString('latin1'), left: [] });
      }),
      settings(12),
    );
  });
});

describe('GIVEN the wrapper of the built CLI and stdin it cannot read', () => {
  test.each(SHELLS)('WHEN %s runs it with perl and stdin is a directory THEN the CLI reads it and says why, as hook run does', (shell) => {
    for (const op of ['prepare', 'release']) {
      const args = ['g', op, 'begin', '-'];
      const stdin = openSync(work, 'r');
      try {
        const direct = spawnSync(process.execPath, [builtCli(), 'hook', 'run', '--', ...args], { stdio: [stdin, 'pipe', 'pipe'], env: { PATH: process.env.PATH, MDEV_AGG_ROOT: emptyRoot } });
        const r = spawnSync(shell, [realWrapper, ...args], { stdio: [stdin, 'pipe', 'pipe'], env: { PATH: process.env.PATH, MDEV_AGG_ROOT: emptyRoot } });
        expect(direct.stderr.toString()).toContain('standard input cannot be read: EISDIR');
        expect({ status: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }).toEqual({ status: direct.status, stdout: direct.stdout.toString(), stderr: direct.stderr.toString() });
      } finally {
        closeSync(stdin);
      }
    }
  });
});

describe('GIVEN files a killed wrapper left in TMPDIR', () => {
  test.each(SHELLS)('WHEN %s runs it without perl THEN its own kind of file older than a minute is removed, and nothing else', (shell) => {
    const dir = join(work, `left-${shell}`);
    spawnSync('mkdir', ['-p', dir]);
    const names = { stale: 'mdev-agg-hook.AbCdEfGhIj', fresh: 'mdev-agg-hook.KlMnOpQrSt', otherStale: 'mdev-agg-hook.short', staleDirectory: 'mdev-agg-hook.UvWxYzAbCd' };
    for (const name of [names.stale, names.fresh, names.otherStale]) writeFileSync(join(dir, name), '');
    mkdirSync(join(dir, names.staleDirectory));
    for (const name of [names.stale, names.otherStale, names.staleDirectory]) spawnSync('touch', ['-d', '2 minutes ago', join(dir, name)]);
    const r = spawnSync(shell, [probeWrapper, 'g', 'prepare', 'begin', '-'], { input: libvirtDomain('plain', []), env: { PATH: WITHOUT_PERL, TMPDIR: dir, PROBE_DIR: dir } });
    expect(r.status).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([names.fresh, names.otherStale, names.staleDirectory].sort());
  });
});

describe('GIVEN stdin beyond what hook run reads', () => {
  const aggregated = bytes(libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2 }]));
  const guest = 'g\x1b\u202e\u00e9\'1';
  const fifo = join(work, 'stalled');
  spawnSync('mkfifo', [fifo]);

  /** One run with `stdin` (a descriptor), given up after 20 s: status, stdout, the lines of stderr, and what TMPDIR kept. */
  function finished(command: string, args: string[], stdin: number, env: NodeJS.ProcessEnv) {
    const tmp = tempDir('tmp-', work);
    const child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'], env: { PATH: process.env.PATH, TMPDIR: tmp, MDEV_AGG_ROOT: emptyRoot, ...env } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    const stop = setTimeout(() => child.kill('SIGKILL'), 20_000);
    return new Promise<{ status: number | null; stdout: string; stderr: string[]; left: string[] }>((resolve) =>
      child.on('close', (status) => {
        clearTimeout(stop);
        const left = readdirSync(tmp);
        removeTempDir(tmp);
        resolve({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString().split('\n').filter(Boolean), left });
      }),
    );
  }

  test.each(['prepare', 'release'])('WHEN its writer never finishes (%s) THEN every way gives up after the same time as hook run, with its status, stdout and line, leaving no file', async (op) => {
    // Open for reading and writing: the pipe has a writer that never writes nor closes.
    const stdin = openSync(fifo, 'r+');
    try {
      const args = [guest, op, 'begin', '-'];
      const [direct, ...ways] = await Promise.all([
        finished(process.execPath, [builtCli(), 'hook', 'run', '--', ...args], stdin, {}),
        ...WAYS.map(([shell, , path]) => finished(shell, [realWrapper, ...args], stdin, { PATH: path })),
      ]);
      expect(direct.stderr).toEqual([`mdev-agg: ${op} of guest '${sanitiseLine(guest)}': standard input cannot be read: ETIMEDOUT (standard input did not end within 5 s)`]);
      for (const [i, r] of ways.entries()) expect({ way: WAYS[i]!.slice(0, 2), ...r }).toEqual({ way: WAYS[i]!.slice(0, 2), ...direct });
    } finally {
      closeSync(stdin);
    }
  });

  test.each(SHELLS)('WHEN %s runs it with perl, its writer never finishes and the guest name is not UTF-8 THEN its line shows the name as hook run does', async (shell) => {
    const stdin = openSync(fifo, 'r+');
    try {
      // Bytes no UTF-8 decoder takes: a lone 0xff and a sequence cut short; the shell passes them as they are.
      const withGuest = (command: string[]) => ['-c', `exec "$@" "$(printf 'a\\377b\\342\\200')" prepare begin -`, 'sh', ...command];
      const [direct, wrapper] = await Promise.all([finished('sh', withGuest([process.execPath, builtCli(), 'hook', 'run', '--']), stdin, {}), finished('sh', withGuest([shell, realWrapper]), stdin, {})]);
      expect(direct.stderr).toEqual(["mdev-agg: prepare of guest 'a\ufffdb\ufffd': standard input cannot be read: ETIMEDOUT (standard input did not end within 5 s)"]);
      expect(wrapper).toEqual(direct);
    } finally {
      closeSync(stdin);
    }
  });

  test.each(WAYS)('WHEN %s runs it (%s) with more bytes than hook run accepts THEN it reads no more than hook run and ends as hook run does, leaving no file', async (shell, _way, path) => {
    const big = join(work, 'big');
    const marked = Buffer.concat([aggregated, Buffer.alloc(MAX_JSON_BYTES + 1 - aggregated.length, 'x')]);
    const cases: Array<[string, Buffer | null]> = [
      ['at the limit', marked.subarray(0, MAX_JSON_BYTES)],
      ['one byte over', marked],
      ['far over', Buffer.concat([marked, Buffer.alloc(1 << 20)])],
      ['endless zeros', null],
    ];
    for (const [what, data] of cases) {
      if (data) writeFileSync(big, data);
      const args = [guest, 'prepare', 'begin', '-'];
      // Each run opens stdin anew: a shared descriptor would share its offset.
      const withStdin = async (command: string, argv: string[], env: NodeJS.ProcessEnv) => {
        const stdin = openSync(data ? big : '/dev/zero', 'r');
        try {
          return await finished(command, argv, stdin, env);
        } finally {
          closeSync(stdin);
        }
      };
      const direct = await withStdin(process.execPath, [builtCli(), 'hook', 'run', '--', ...args], {});
      // Endless input reaches no node: memory and file size are capped, so that a wrapper reading without bound fails here, not the machine.
      const capped = data ? [shell, [realWrapper, ...args]] as const : (['sh', ['-c', `ulimit -v 1048576; ulimit -f 131072; exec ${shell} "$0" "$@"`, realWrapper, ...args]] as const);
      const r = await withStdin(capped[0], [...capped[1]], { PATH: path });
      expect({ what, ...r }).toEqual({ what, ...direct, left: [] });
    }
  });
});

describe('GIVEN a wrapper whose CLI is gone, under a root', () => {
  // logger stands in: it records the socket it was given.
  const bin = join(work, 'logger-bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'logger'), '#!/bin/sh\nprintf \'%s\\n\' "$2" >>"$LOGGED"\n');
  chmodSync(join(bin, 'logger'), 0o755);
  const stale = join(work, 'stale-wrapper');
  writeFileSync(stale, wrapperScript({ node: join(work, 'no-node'), cli: join(work, 'no-cli.js') }));
  const aggregated = bytes(libvirtDomain('gvt', [{ uuid: '53764d0e-85a0-42b4-af5c-2046b460b1dc', type: 'i915-GVTg_V5_8', instances: 2 }]));
  const servers: ReturnType<typeof createServer>[] = [];
  afterAll(() => servers.forEach((s) => s.close()));
  const listen = (file: string) => new Promise<void>((resolve) => servers.push(createServer().listen(file, resolve)));

  // Where <root>/dev/log leads, and whether the socket it reaches is inside the root.
  const layouts: Array<[string, boolean, (root: string, outside: string) => void]> = [
    ['dev/log a socket', true, () => undefined],
    ['dev/log a relative link to the journal socket inside', true, (root) => symlinkSync('../run/systemd/journal/dev-log', join(root, 'dev/log'))],
    ['dev/log an absolute link to a socket inside', true, (root) => symlinkSync(join(root, 'run/systemd/journal/dev-log'), join(root, 'dev/log'))],
    ['dev/log a link to a socket outside', false, (root, outside) => symlinkSync(join(outside, 'log'), join(root, 'dev/log'))],
    ['dev a link to a directory outside', false, (root, outside) => symlinkSync(outside, join(root, 'dev'))],
    ['dev/log a relative link climbing out', false, (root, outside) => symlinkSync(`../..${outside}/log`, join(root, 'dev/log'))],
  ];

  test.each(WAYS)('WHEN %s runs it (%s) THEN the log line goes to <root>/dev/log only when its socket is inside the root, at its real path', async (shell, _way, path) => {
    for (const [layout, inside, make] of layouts) {
      const base = realpathSync(tempDir('logroot-', work));
      const root = join(base, 'root');
      const outside = join(base, 'outside');
      mkdirSync(join(root, 'run/systemd/journal'), { recursive: true });
      mkdirSync(outside);
      await listen(join(outside, 'log'));
      await listen(join(root, 'run/systemd/journal/dev-log'));
      if (layout === 'dev/log a socket') {
        mkdirSync(join(root, 'dev'));
        await listen(join(root, 'dev/log'));
      } else {
        if (!layout.startsWith('dev a link')) mkdirSync(join(root, 'dev'));
        make(root, outside);
      }
      const logged = join(base, 'logged');
      // Through a link to the root too: the root is compared by its real path.
      symlinkSync(root, join(base, 'root-link'));
      for (const named of [root, join(base, 'root-link'), `${root}/`]) {
        rmSync(logged, { force: true });
        const r = spawnSync(shell, [stale, 'g', 'prepare', 'begin', '-'], { input: aggregated, env: { PATH: `${bin}:${path}`, TMPDIR: base, MDEV_AGG_ROOT: named, LOGGED: logged } });
        expect({ layout, named, status: r.status }).toEqual({ layout, named, status: 0 });
        const sockets = readdirSync(base).includes('logged') ? readFileSync(logged, 'utf8').split('\n').filter(Boolean) : [];
        expect({ layout, named, sockets }).toEqual({ layout, named, sockets: inside ? [realpathSync(join(root, 'dev/log'))] : [] });
      }
    }
  });
});
