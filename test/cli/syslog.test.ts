/**
 * libvirt discards a hook's stderr when it exits 0, so every line the hook writes, and what apply
 * and release did, also goes to syslog through `<root>/dev/log`. Here a listener on that socket
 * (a temporary root's own) stands in for the system log and records each line.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { SimKernel } from '../../src/shell/sim/kernel';
import { MemoryStateStore } from '../../src/shell/state-store';
import { builtCli } from '../helpers/built-cli';
import { libvirtDomain } from '../helpers/domain-builder';
import { hook } from '../helpers/hook';
import { GVT_PARENT, attributeHost } from '../helpers/host-builder';
import { tempDir } from '../helpers/temp-dir';
import { copyHost } from '../helpers/tree';
import { SYSLOG_LINE_CHARS } from '../../src/core/text/log-entry';

const U1 = '4b20d080-1b54-4048-85b3-a6a62d165c01';
const U2 = '4b20d080-1b54-4048-85b3-a6a62d165c02';

/**
 * A listener on `<root>/dev/log` (or on `at`, under the root, that dev/log leads to): every line
 * logger sends, as received (stream framing, one line each).
 */
async function listenAsSyslog(root: string, at = 'dev/log'): Promise<{ lines: (expected?: number) => Promise<string[]>; close: () => void }> {
  mkdirSync(dirname(join(root, at)), { recursive: true });
  let buffered = '';
  const server: Server = createServer((c) => c.on('data', (d) => (buffered += d.toString('utf8'))));
  await new Promise<void>((resolve) => server.listen(join(root, at), resolve));
  const complete = () => buffered.split('\n').slice(0, -1).filter(Boolean);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    /**
     * What arrived since the last call. logger has exited when the run returns, and what it wrote
     * waits in the socket: wait for the `expected` lines (a loaded machine may take a while to
     * accept them), then a moment more for any line beyond them.
     */
    async lines(expected = 0) {
      for (const deadline = Date.now() + 10_000; complete().length < expected && Date.now() < deadline; ) await pause(20);
      await pause(100);
      const lines = complete();
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
      return lines;
    },
    close: () => server.close(),
  };
}

/** The built CLI as the installed wrapper runs it, stdin the domain XML. */
function runBuilt(args: string[], stdin: string, root: string): Promise<{ code: number | null; stderr: string; pid: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [builtCli(), ...args], { env: { PATH: process.env.PATH, MDEV_AGG_ROOT: root } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr, pid: child.pid! }));
    child.stdin.end(stdin);
  });
}

/** `<PRI>Mon DD hh:mm:ss mdev-agg[PID]: message`, as logger writes to a unix socket (RFC 3164). */
const LINE = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d mdev-agg\[(\d+)\]: (.*)$/;
const parse = (line: string) => {
  const m = LINE.exec(line);
  if (!m) throw new Error(`not a syslog line: ${JSON.stringify(line)}`);
  return { priority: Number(m[1]), pid: Number(m[2]), message: m[3]! };
};

describe('GIVEN a host tree whose root has a syslog socket', () => {
  const guest = (devices: Parameters<typeof libvirtDomain>[1]) => libvirtDomain('web-1', devices);

  test('WHEN prepare fails THEN its stderr line, and the rollback, reach the log: daemon.err, tag mdev-agg, guest, operation, code', async () => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      // a plain tree has no kernel: the create is written, no device appears, the run rolls back
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'prepare', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(1);
      const lines = await log.lines(2);
      process.stdout.write(`figure: syslog lines of a failed prepare:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      const entries = lines.map(parse);
      expect(entries.map((e) => e.pid)).toEqual([r.pid, r.pid]);
      expect(entries[0]).toEqual({ priority: 27, pid: r.pid, message: `op=prepare guest="web-1" code=E_VERIFY_FAILED: ${r.stderr.trim().replace(/^mdev-agg: /, '')}` });
      expect(entries[1]!.priority).toBe(30);
      expect(entries[1]!.message).toBe(`op=prepare guest="web-1" code=I_ROLLED_BACK: rolled back: ${U1} never appeared after its create: nothing to remove`);
    } finally {
      log.close();
    }
  });

  test('WHEN reconnect finds a device absent THEN exit 0, and the warning libvirt discards is in the log', async () => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(`mdev-agg: reconnect of guest 'web-1': 1 of 1 aggregated mdevs not as declared: ${U1} is absent\n`);
      const lines = await log.lines(1);
      process.stdout.write(`figure: syslog line of a reconnect warning:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
      expect(lines.map(parse)).toEqual([{ priority: 28, pid: r.pid, message: `op=reconnect guest="web-1" code=W_DEVICE_NOT_AS_DECLARED: reconnect of guest 'web-1': 1 of 1 aggregated mdevs not as declared: ${U1} is absent` }]);
    } finally {
      log.close();
    }
  });

  test('WHEN a guest starts and stops on a kernel THEN each device created and removed is logged; a start with nothing to do logs nothing', async () => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      const host = { sysfs: SimKernel.build(attributeHost()), store: new MemoryStateStore() };
      const xml = guest([
        { uuid: U1, type: 'i915-GVTg_V5_8', instances: 3, parent: GVT_PARENT },
        { uuid: U2, type: 'i915-GVTg_V5_8', instances: 1 },
      ]);
      const env = { MDEV_AGG_ROOT: root };
      expect((await hook(['web-1', 'prepare', 'begin', '-'], xml, host, env)).code).toBe(0);
      expect((await log.lines(2)).map((l) => parse(l).message)).toEqual([
        `op=prepare guest="web-1" code=I_CREATED: created ${U1} i915-GVTg_V5_8 x3 on ${GVT_PARENT} [attribute]`,
        `op=prepare guest="web-1" code=I_CREATED: created ${U2} i915-GVTg_V5_8 x1 on ${GVT_PARENT} [attribute]`,
      ]);
      expect((await hook(['web-1', 'prepare', 'begin', '-'], xml, host, env)).code).toBe(0);
      expect(await log.lines()).toEqual([]);
      expect((await hook(['web-1', 'release', 'end', '-'], xml, host, env)).code).toBe(0);
      expect((await log.lines(2)).map((l) => parse(l).message)).toEqual([
        `op=release guest="web-1" code=I_REMOVED: removed ${U1} i915-GVTg_V5_8 x3 on ${GVT_PARENT} [attribute]`,
        `op=release guest="web-1" code=I_REMOVED: removed ${U2} i915-GVTg_V5_8 x1 on ${GVT_PARENT} [attribute]`,
      ]);
    } finally {
      log.close();
    }
  });

  test('WHEN the root has no sys/ THEN prepare is a usage error (exit 2), and that line is logged too', async () => {
    const { root } = copyHost('gvt-attribute');
    rmSync(join(root, 'sys'), { recursive: true });
    const log = await listenAsSyslog(root);
    try {
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'prepare', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(2);
      expect((await log.lines(1)).map((l) => parse(l))).toEqual([{ priority: 27, pid: r.pid, message: `op=prepare guest="web-1" code=E_USAGE: the root ${root} has no sys/ directory` }]);
    } finally {
      log.close();
    }
  });

  test('WHEN apply fails from the command line THEN the log has the error with op=apply and the domain name; --simulate logs nothing', async () => {
    const { root, parent } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      const file = join(parent, 'guest.xml');
      writeFileSync(file, guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT }]));
      const simulated = await runBuilt(['apply', file, '--simulate'], '', root);
      expect(simulated.code).toBe(0);
      expect(await log.lines()).toEqual([]);
      const r = await runBuilt(['apply', file], '', root);
      expect(r.code).toBe(1);
      const messages = (await log.lines(2)).map((l) => parse(l).message);
      expect(messages[0]).toMatch(/^op=apply guest="web-1" code=E_VERIFY_FAILED: \/sys\/bus\/mdev\/devices\/\S+ did not appear$/);
      expect(messages[1]).toMatch(/^op=apply guest="web-1" code=I_ROLLED_BACK: /);
    } finally {
      log.close();
    }
  });

  test.each([
    ['a relative', () => '../run/systemd/journal/dev-log'],
    ['an absolute', (root: string) => join(root, 'run/systemd/journal/dev-log')],
  ])('WHEN dev/log is %s link to the socket, as journald makes it THEN the lines reach it', async (_, target) => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root, 'run/systemd/journal/dev-log');
    mkdirSync(join(root, 'dev'));
    symlinkSync(target(root), join(root, 'dev/log'));
    try {
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(0);
      expect((await log.lines(1)).map((l) => parse(l).message)).toEqual([`op=reconnect guest="web-1" code=W_DEVICE_NOT_AS_DECLARED: ${r.stderr.trim().replace(/^mdev-agg: /, '')}`]);
    } finally {
      log.close();
    }
  });

  test.each([
    ['dev is a link out of the root', (root: string, outside: string) => symlinkSync(outside, join(root, 'dev'))],
    ['dev/log is a link out of the root', (root: string, outside: string) => (mkdirSync(join(root, 'dev')), symlinkSync(join(outside, 'log'), join(root, 'dev/log')))],
    ['dev/log is a relative link climbing out of the root', (root: string, outside: string) => (mkdirSync(join(root, 'dev')), symlinkSync(`${'../'.repeat(40)}${outside.slice(1)}/log`, join(root, 'dev/log')))],
  ])('WHEN %s to a listening socket THEN no line reaches it, and the run is unchanged', async (_, plant) => {
    const { root } = copyHost('gvt-attribute');
    const outside = tempDir('mdev-agg-outside-');
    const log = await listenAsSyslog(outside, 'log');
    plant(root, outside);
    try {
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('not as declared');
      expect(await log.lines()).toEqual([]);
    } finally {
      log.close();
    }
  });

  test('WHEN dev/log is a link to a file, not a socket THEN nothing is written there and the run is unchanged', async () => {
    const { root } = copyHost('gvt-attribute');
    mkdirSync(join(root, 'dev'));
    writeFileSync(join(root, 'not-a-socket'), '');
    symlinkSync('../not-a-socket', join(root, 'dev/log'));
    const r = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
    expect(r.code).toBe(0);
    expect(readFileSync(join(root, 'not-a-socket'), 'utf8')).toBe('');
  });

  test('WHEN a hook line is longer than logger\'s default message (a 30-device warning, a 1,100-character guest) THEN each is one syslog message with its fields', async () => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      const uuids = Array.from({ length: 30 }, (_, i) => `4b20d080-1b54-4048-85b3-a6a62d1650${String(i).padStart(2, '0')}`);
      const many = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest(uuids.map((uuid) => ({ uuid, type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT }))), root);
      expect(many.stderr.length).toBeGreaterThan(1100);
      const name = 'A'.repeat(1100);
      const long = await runBuilt(['hook', 'run', '--', name, 'reconnect', 'begin', '-'], libvirtDomain(name, [{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
      const messages = (await log.lines(2)).map((l) => parse(l).message);
      expect(messages).toEqual([
        `op=reconnect guest="web-1" code=W_DEVICE_NOT_AS_DECLARED: ${many.stderr.trim().replace(/^mdev-agg: /, '')}`,
        `op=reconnect guest="${name}" code=W_DEVICE_NOT_AS_DECLARED: ${long.stderr.trim().replace(/^mdev-agg: /, '')}`,
      ]);
    } finally {
      log.close();
    }
  });

  test('WHEN a line is longer than one syslog message THEN its message is cut, marked, and it is still one message', async () => {
    const { root } = copyHost('gvt-attribute');
    const log = await listenAsSyslog(root);
    try {
      const name = 'B'.repeat(3000);
      const uuids = Array.from({ length: 100 }, (_, i) => `4b20d080-1b54-4048-85b3-a6a62d165${String(i).padStart(3, '0')}`);
      const r = await runBuilt(['hook', 'run', '--', name, 'reconnect', 'begin', '-'], libvirtDomain(name, uuids.map((uuid) => ({ uuid, type: 'i915-GVTg_V5_8', instances: 1, parent: GVT_PARENT }))), root);
      expect(r.stderr.length).toBeGreaterThan(SYSLOG_LINE_CHARS);
      const messages = (await log.lines(1)).map((l) => parse(l).message);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.length).toBeLessThanOrEqual(SYSLOG_LINE_CHARS);
      expect(messages[0]).toMatch(new RegExp(`^op=reconnect guest="${name}" code=W_DEVICE_NOT_AS_DECLARED: reconnect of guest '${name}': 100 of 100 aggregated mdevs not as declared: [^]*\\[cut\\]$`));
    } finally {
      log.close();
    }
  });

  test('WHEN reconnect cannot read the host (its sys/ leads out of the root) THEN exit 0, and W_CHECK_FAILED says why, on stderr and in the log', async () => {
    const { root, parent } = copyHost('gvt-attribute');
    renameSync(join(root, 'sys'), join(parent, 'sys'));
    symlinkSync('../sys', join(root, 'sys'));
    const log = await listenAsSyslog(root);
    try {
      const r = await runBuilt(['hook', 'run', '--', 'web-1', 'reconnect', 'begin', '-'], guest([{ uuid: U1, type: 'i915-GVTg_V5_8', instances: 2, parent: GVT_PARENT }]), root);
      expect(r.code).toBe(0);
      const why = `reconnect of guest 'web-1': the check failed: the root ${root} has ${join(root, 'sys')} leading outside it (to ${join(parent, 'sys')}); a root's sys/ must be inside the root`;
      expect(r.stderr).toBe(`mdev-agg: ${why}\n`);
      expect((await log.lines(1)).map(parse)).toEqual([{ priority: 28, pid: r.pid, message: `op=reconnect guest="web-1" code=W_CHECK_FAILED: ${why}` }]);
    } finally {
      log.close();
    }
  });
});
