/**
 * The built executable's early exit for `hook run`: guests without aggregation and operations with
 * nothing to do end before the CLI bundle is loaded (what keeps the hook near `node -e 0`), and
 * everything else reaches the CLI with the whole of stdin.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli } from '../helpers/built-cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const example = readFileSync(join(REPO, 'fixtures/domains/example-gvt.xml'), 'utf8');
const plain = readFileSync(join(REPO, 'fixtures/domains/no-mdev.xml'), 'utf8');
const emptyRoot = tempDir('mdev-agg-early-exit-');
mkdirSync(join(emptyRoot, 'sys')); // a host with sysfs and no mdev parent

/**
 * Runs the built CLI; `cliLoaded`: whether a CLI bundle ran (its requires name it in Node's module
 * debug log), `bundle`: which (the whole CLI's or the hook's).
 */
function runBuilt(args: string[], input: string) {
  const r = spawnSync(process.execPath, [builtCli(), ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, MDEV_AGG_ROOT: emptyRoot, NODE_DEBUG: 'module' },
  });
  const debug = /^MODULE \d+: .*$/gm;
  const bundle = /mdev-agg-(cli|hook)\.js/.exec(r.stderr)?.[1] ?? null;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(debug, '').trim(), cliLoaded: bundle !== null, bundle };
}

describe('GIVEN the installed wrapper calling hook run', () => {
  test.each([
    ['a guest without aggregation, prepare', ['--', 'plain', 'prepare', 'begin', '-'], plain],
    ['a guest without aggregation, release', ['--', 'plain', 'release', 'end', '-'], plain],
    ['a guest without aggregation, no separator', ['plain', 'migrate', 'begin', '-'], plain],
    ['an aggregated guest, an operation with nothing to do', ['--', 'gvt', 'started', 'begin', '-'], example],
    ['text that is not XML and names no aggregation', ['--', 'x', 'prepare', 'begin', '-'], '<<<not xml'],
  ])('WHEN %s THEN exit 0, no output, the CLI never loaded', (_, args, input) => {
    expect(runBuilt(['hook', 'run', ...args], input)).toEqual({ code: 0, stdout: '', stderr: '', cliLoaded: false, bundle: null });
  });

  test('WHEN the guest has aggregated mdevs THEN the hook bundle runs prepare on the whole domain (here: the empty host has no parent)', () => {
    const r = runBuilt(['hook', 'run', '--', 'gvt', 'prepare', 'begin', '-'], example);
    expect(r.bundle).toBe('hook');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('E_PARENT_NOT_FOUND');
  });

  test('WHEN the domain is larger than one read THEN the CLI receives all of it', () => {
    const padded = example.replace('<devices>', `<!-- ${'x'.repeat(300_000)} -->\n  <devices>`);
    const r = runBuilt(['hook', 'run', '--', 'gvt', 'prepare', 'begin', '-'], padded);
    expect(r.stderr).toContain('E_PARENT_NOT_FOUND');
    expect(r.stderr).not.toContain('E_XML_MALFORMED');
  });
});

describe('GIVEN a hook run command line the early exit does not own', () => {
  test.each([
    ['three operands', ['hook', 'run', '--', 'plain', 'prepare', 'begin'], 2],
    ['an option among the operands', ['hook', 'run', 'plain', 'prepare', 'begin', '--help'], 0],
  ])('WHEN %s THEN the whole CLI answers', (_, args, code) => {
    const r = runBuilt(args, plain);
    expect(r.bundle).toBe('cli');
    expect(r.code).toBe(code);
  });
});

describe('GIVEN other commands reading stdin', () => {
  test('WHEN validate - gets a domain larger than one read THEN it reads all of it', () => {
    const padded = example.replace('<devices>', `<!-- ${'x'.repeat(300_000)} -->\n  <devices>`);
    const r = runBuilt(['validate', '-'], padded);
    expect(r).toMatchObject({ code: 0, stdout: '<stdin>: valid, 3 aggregated mdevs\n' });
  });
});

describe('GIVEN a reader that stops reading early', () => {
  test('WHEN the output is larger than the pipe holds THEN the CLI ends without an error, with its own exit status', () => {
    const file = join(REPO, 'fixtures/domains/example-gvt.xml');
    // 3,000 lines of about 60 bytes: more than a pipe buffers, so writing meets a closed pipe.
    const r = spawnSync('bash', ['-c', `"$0" "$1" validate $(for i in $(seq 3000); do printf '%s ' "$2"; done) | head -c 10 >/dev/null; exit \${PIPESTATUS[0]}`, process.execPath, builtCli(), file], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
