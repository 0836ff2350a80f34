/**
 * `plan --format sh` as an attacker would use it: the script runs as root, so nothing a domain
 * author writes may become a command (a line break in the domain name, `$(…)`, quotes), and a tree
 * changed after planning (a link out of the root, a hard link to a file outside, a FIFO, a
 * directory where an attribute was) must stop the script before it reads or writes there. Every
 * script runs under dash and bash, each bounded to 10 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { type MdevDevice, domainXml } from '../helpers/domain-builder';
import { Figures } from './figures';
import { EXISTING_DIR, EXISTING_UUID, HostTree, NEW_UUID, PARENT, TYPE_DIR, picture } from './host-tree';

const figures = new Figures();
figures.printAfterAll((n) => [
  `plan scripts run under dash and bash: ${n('runs')} runs (${n('names')} hostile domain names, ${n('files')} accepted corpus files, ${n('trees')} trees changed after planning), ${n('injected')} commands injected, ${n('outside')} writes outside the root, ${n('hung')} hangs past 10 s`,
]);

const SHELLS = ['dash', 'bash'];
const CANARY = 'PWNED';

const device = (uuid: string, instances: number): MdevDevice => ({ uuid, type: 'i915-GVTg_V5_8', instances, parent: PARENT });

/** Runs a script under a shell in `cwd` with the root; the outcome, never waiting more than 10 s. */
function runScript(shell: string, script: string, root: string, cwd: string) {
  const r = spawnSync(shell, ['-s'], { input: script, cwd, env: { PATH: process.env.PATH, MDEV_AGG_ROOT: root }, encoding: 'utf8', timeout: 10_000 });
  figures.add('runs');
  if (r.status === null) figures.add('hung');
  return r;
}

/** Whether a script run left the canary anywhere in the scratch directory (the injected command ran). */
function injected(scratch: string): boolean {
  const walk = (dir: string): boolean => readdirSync(dir, { withFileTypes: true }).some((e) => e.name.includes(CANARY) || (e.isDirectory() && !e.isSymbolicLink() && walk(join(dir, e.name))));
  return walk(scratch);
}

// Names a domain author may write (validate accepts them): each tries to end the comment or the quoting.
const HOSTILE_NAMES: [string, string][] = [
  ['a line break, then a command', `x&#10;touch ${CANARY}`],
  ['a carriage return, then a command', `x&#13;touch ${CANARY}`],
  ['a line break through a literal newline', `x\ntouch ${CANARY}`],
  ['command substitution', `$(touch ${CANARY})`],
  ['backquotes', `\`touch ${CANARY}\``],
  ['a single quote closing the quoting', `'; touch ${CANARY}; '`],
  ['a double quote and a semicolon', `"; touch ${CANARY}; "`],
  ['a backslash before the line break', `x\\&#10;touch ${CANARY}`],
  ['a tab (the only C0 control XML allows besides line breaks)', `x&#9;touch ${CANARY}`],
  ['NEL (U+0085), a line break for some tools', `x&#133;touch ${CANARY}`],
  ['the line and paragraph separators', `x&#8232;touch ${CANARY}&#8233;touch ${CANARY}2`],
  ['a C1 CSI and a bidi override', `x&#155;2J&#8238;touch ${CANARY}`],
  ['parameter expansion', `\${IFS}touch\${IFS}${CANARY}`],
  ['a here-document opener', `x&#10;cat &lt;&lt;EOF&#10;touch ${CANARY}&#10;EOF`],
];

describe('hostile domain names in the script', () => {
  test.each(HOSTILE_NAMES)('%s: one comment line, and running the script under dash and bash runs nothing else', async (_what, name) => {
    figures.add('names');
    const tree = new HostTree();
    try {
      const file = join(tree.scratch, 'domain.xml');
      writeFileSync(file, domainXml([device(NEW_UUID, 2)], { name }));
      expect((await cli(['validate', file])).code).toBe(0);
      const plan = await cli(['plan', '--root', tree.root, '--format', 'sh', file]);
      expect(plan.code).toBe(0);
      const script = plan.stdout;
      expect(script.split('\n')[1]).toMatch(/^# mdev-agg apply plan for domain /);
      expect(script.split('\n')[2]).toMatch(/^# Runs the planned sysfs writes/);
      expect(script).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
      for (const shell of SHELLS) {
        const r = runScript(shell, script, tree.root, tree.scratch);
        expect(r.status).toBe(1); // a plain tree: no device appears after create
        if (injected(tree.scratch)) figures.add('injected');
        expect(injected(tree.scratch)).toBe(false);
      }
    } finally {
      tree.remove();
    }
  });
});

const cases = JSON.parse(readFileSync(join(__dirname, '../../fixtures/hostile/cases.json'), 'utf8')) as Record<string, { code: string }>;
const ACCEPTED = Object.entries(cases).filter(([, c]) => !c.code.startsWith('E_')).map(([file]) => file);

describe('accepted hostile corpus files', () => {
  test('every file the reader accepts gives a script that dash and bash run without running anything else', async () => {
    expect(ACCEPTED.length).toBeGreaterThan(10);
    const tree = new HostTree();
    try {
      const outsideBefore = picture(tree.outside);
      for (const file of ACCEPTED) {
        figures.add('files');
        const plan = await cli(['plan', '--root', tree.root, '--format', 'sh', join(__dirname, '../../fixtures/hostile', file)]);
        if (plan.code !== 0) continue; // refused before any script is made
        for (const shell of SHELLS) {
          const r = runScript(shell, plan.stdout, tree.root, tree.scratch);
          expect(r.status).not.toBeNull();
        }
      }
      expect(injected(tree.scratch)).toBe(false);
      expect(picture(tree.outside)).toEqual(outsideBefore);
    } finally {
      tree.remove();
    }
  });
});

interface TreeChange {
  name: string;
  /** apply writes a type's create; release writes a device's remove. */
  kind: 'apply' | 'release';
  change: (tree: HostTree) => void;
  /** What the script says when it stops. */
  says: RegExp;
}

const CREATE = `${TYPE_DIR}/create`;
const REMOVE = `${EXISTING_DIR}/remove`;
const NOT_WRITTEN = /not an attribute file under the root with one link .*not written/;
const TREE_CHANGES: TreeChange[] = [
  { name: 'create is a hard link of a file outside', kind: 'apply', change: (t) => { rmSync(t.at(CREATE)); linkSync(join(t.outside, 'secret'), t.at(CREATE)); }, says: NOT_WRITTEN },
  { name: 'create has a second name outside the root', kind: 'apply', change: (t) => linkSync(t.at(CREATE), join(t.outside, 'create-too')), says: NOT_WRITTEN },
  { name: 'create links to a file outside', kind: 'apply', change: (t) => t.link(CREATE, join(t.outside, 'secret')), says: NOT_WRITTEN },
  { name: 'create is a dangling link outside', kind: 'apply', change: (t) => t.link(CREATE, join(t.outside, 'not-there')), says: NOT_WRITTEN },
  { name: 'create is a FIFO', kind: 'apply', change: (t) => { rmSync(t.at(CREATE)); spawnSync('mkfifo', [t.at(CREATE)]); }, says: NOT_WRITTEN },
  { name: 'create is a directory', kind: 'apply', change: (t) => { rmSync(t.at(CREATE)); mkdirSync(t.at(CREATE)); }, says: NOT_WRITTEN },
  { name: 'the type directory leaves the root', kind: 'apply', change: (t) => t.link(TYPE_DIR, t.copyOutside(TYPE_DIR, 'type')), says: /not a regular file under the root|not written/ },
  { name: 'the parent link leaves the root', kind: 'apply', change: (t) => t.link(`sys/class/mdev_bus/${PARENT}`, t.copyOutside('sys/devices/pci0000:00/0000:00:02.0', 'parent')), says: /not a regular file under the root|not written/ },
  { name: 'sys leaves the root', kind: 'apply', change: (t) => t.link('sys', t.copyOutside('sys', 'sys')), says: /not a regular file under the root|not written/ },
  { name: 'available_instances is a FIFO (a read)', kind: 'apply', change: (t) => { rmSync(t.at(`${TYPE_DIR}/available_instances`)); spawnSync('mkfifo', [t.at(`${TYPE_DIR}/available_instances`)]); }, says: /available_instances is not a regular file under the root; not read/ },
  { name: 'device_api is a sparse 50 GB file (a read, bounded)', kind: 'apply', change: (t) => truncateSync(t.at(`${TYPE_DIR}/device_api`), 50 * 2 ** 30), says: /device_api is larger than 65536 bytes; not read/ },
  { name: 'available_instances is 64 KiB and one byte of digits (a read, bounded)', kind: 'apply', change: (t) => writeFileSync(t.at(`${TYPE_DIR}/available_instances`), '1'.repeat(65537)), says: /available_instances is larger than 65536 bytes; not read/ },
  { name: 'device_api links to a file outside (a read)', kind: 'apply', change: (t) => t.link(`${TYPE_DIR}/device_api`, join(t.outside, 'secret')), says: /device_api is not a regular file under the root; not read/ },
  { name: 'the new device appears as a link outside (expect absent)', kind: 'apply', change: (t) => t.link(`sys/bus/mdev/devices/${NEW_UUID}`, t.outside), says: /resolves outside the root/ },
  { name: 'remove is a hard link of a file outside', kind: 'release', change: (t) => { rmSync(t.at(REMOVE)); linkSync(join(t.outside, 'secret'), t.at(REMOVE)); }, says: NOT_WRITTEN },
  { name: 'remove links to a file outside', kind: 'release', change: (t) => t.link(REMOVE, join(t.outside, 'secret')), says: NOT_WRITTEN },
  { name: 'the device link leaves the root', kind: 'release', change: (t) => t.link(`sys/bus/mdev/devices/${EXISTING_UUID}`, t.copyOutside(EXISTING_DIR, 'device')), says: /not a regular file under the root|not written/ },
];

describe('a tree changed after planning', () => {
  test.each(TREE_CHANGES.map((c) => [c.name, c]))('%s: dash and bash stop with a message, nothing outside the root changes', async (_name, c) => {
    figures.add('trees');
    for (const shell of SHELLS) {
      const tree = new HostTree();
      try {
        const file = join(tree.scratch, 'domain.xml');
        const declared = c.kind === 'apply' ? device(NEW_UUID, 2) : device(EXISTING_UUID, 4);
        writeFileSync(file, domainXml([declared], { name: 'changed-tree' }));
        const plan = await cli(['plan', '--root', tree.root, '--format', 'sh', ...(c.kind === 'release' ? ['--release'] : []), file]);
        expect(plan.code).toBe(0);
        c.change(tree);
        const outsideBefore = picture(tree.outside);
        const r = runScript(shell, plan.stdout, tree.root, tree.scratch);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(c.says);
        const outsideChanged = JSON.stringify(picture(tree.outside)) !== JSON.stringify(outsideBefore);
        if (outsideChanged) figures.add('outside');
        expect(picture(tree.outside)).toEqual(outsideBefore);
        expect(readFileSync(join(tree.outside, 'secret'), 'utf8')).toBe('outside data\n');
        expect(existsSync(join(tree.outside, 'not-there'))).toBe(false);
      } finally {
        tree.remove();
      }
    }
  });
});
