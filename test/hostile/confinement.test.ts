/**
 * Path confinement. Names that could leave the root never pass validation, and the path builders
 * refuse them even if they did; and for every component of every path apply and release write, a
 * link there leading out of the root makes the CLI refuse with E_PATH_ESCAPE before the write,
 * with the root given directly or through a link, leaving everything outside untouched.
 */
import { cpSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readDomain } from '../../src/core/reading/domain';
import { isSafeSysfsName, normaliseUuid } from '../../src/core/reading/names';
import { planApply, planRelease } from '../../src/core/plan/plan';
import { readHost } from '../../src/core/host/read-host';
import { deviceAttr, deviceDir, parentDir, typeAttr, typeDir, typesDir } from '../../src/core/host/host-layout';
import { RealSysfs } from '../../src/shell/real-sysfs';
import { cli, json } from '../helpers/cli';
import { domainXml } from '../helpers/domain-builder';
import { Figures } from './figures';
import { EXISTING_UUID, HostTree, NEW_UUID, PARENT, picture } from './host-tree';

const figures = new Figures();
figures.printAfterAll((n) => [`path confinement cases: ${n('tried')} tried, ${n('passed')} passed`]);

const ESCAPING_NAMES = [
  '..', '.', '../..', '../../etc', 'a/../../b', '/etc/passwd', 'create/..', '', 'a\u0000b', 'a\nb', ' ..', '.. ',
  '%2e%2e', '..%2f', '\uff0e\uff0e', '\u2024\u2024', 'a\\..\\b', 'x'.repeat(129), '\u202e..', '..\u200b',
];

describe('names that could leave the root', () => {
  test.each(ESCAPING_NAMES.map((n) => [JSON.stringify(n), n]))('%s is not a safe name, is refused in a domain, and no path builder takes it', (_, name) => {
    figures.add('tried');
    expect(isSafeSysfsName(name)).toBe(false);
    const value = name.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;').replace(/\u0000/g, '');
    // Hand-written: the hostile name goes into the attributes as escaped raw text.
    const domain = (attrs: string) =>
      `<domain><devices><hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='${NEW_UUID}'/></source>` +
      `<aggregation ${attrs}/></hostdev></devices></domain>`;
    if (!name.includes('\u0000')) {
      const codes = (attrs: string) => readDomain(domain(attrs), 'd.xml').diagnostics.map((d) => d.code);
      expect(codes(`type='${value}' instances='1'`)).toEqual(['E_AGG_TYPE_INVALID']);
      expect(codes(`type='t' instances='1' parent='${value}'`)).toEqual(['E_AGG_PARENT_INVALID']);
    }
    expect(() => parentDir(name)).toThrow(/unsafe parent/);
    expect(() => typesDir(name)).toThrow(/unsafe parent/);
    expect(() => typeDir(PARENT, name)).toThrow(/unsafe type/);
    expect(() => typeAttr(PARENT, name, 'create')).toThrow(/unsafe type/);
    expect(() => typeAttr(name, 'i915-GVTg_V5_8', 'create')).toThrow(/unsafe parent/);
    expect(() => deviceDir(name)).toThrow(/UUID/);
    expect(() => deviceAttr(`${NEW_UUID}/${name}`, 'remove')).toThrow(/UUID/);
    figures.add('passed');
  });

  test.each([
    ['upper case', EXISTING_UUID.toUpperCase()],
    ['plain hex', EXISTING_UUID.replace(/-/g, '')],
    ['a UUID followed by a climb', `${NEW_UUID}/../../..`],
    ['a create option', `${NEW_UUID},aggregate=9`],
  ])('a UUID that is not lower-case dashed (%s) reaches no path', (_, uuid) => {
    figures.add('tried');
    expect(() => deviceDir(uuid)).toThrow(/unnormalised UUID/);
    expect(() => deviceAttr(uuid, 'remove')).toThrow(/unnormalised UUID/);
    expect(normaliseUuid(uuid) === uuid).toBe(false);
    figures.add('passed');
  });
});

/**
 * Every prefix of every path the transaction writes, as a host path, that exists in the tree, and
 * the first that does not (the device directory a create makes: a link planted there must not be
 * followed either). The plan is made on the unchanged tree, so these are the writes that would happen.
 */
function writtenPathPrefixes(root: string, kind: 'apply' | 'release', domainText: string): string[] {
  const { model } = readDomain(domainText, 'd.xml');
  const host = readHost(new RealSysfs(root));
  const plan = kind === 'apply' ? planApply(model!, host) : planRelease(model!, host);
  expect(plan.diagnostics).toEqual([]);
  const writes = plan.devices.flatMap((d) => d.ops).filter((op) => op.op === 'write').map((op) => op.path);
  expect(writes.length).toBeGreaterThan(0);
  const sysfs = new RealSysfs(root);
  const prefixes = new Set<string>();
  for (const path of [...writes, ...plan.devices.flatMap((d) => d.ops).filter((op) => op.op === 'exists').map((op) => op.path)]) {
    const parts = path.split('/').slice(1);
    for (let i = 1; i <= parts.length; i++) {
      const prefix = `/${parts.slice(0, i).join('/')}`;
      prefixes.add(prefix);
      if (!sysfs.exists(prefix)) break;
    }
  }
  return [...prefixes];
}

const guest = (uuid: string, instances: number) => domainXml([{ uuid, type: 'i915-GVTg_V5_8', instances, parent: PARENT }], { name: 'c' });
const TRANSACTIONS = [
  { kind: 'apply' as const, domain: guest(NEW_UUID, 2) },
  { kind: 'release' as const, domain: guest(EXISTING_UUID, 4) },
];

const probe = new HostTree();
const CASES = TRANSACTIONS.flatMap(({ kind, domain }) =>
  writtenPathPrefixes(probe.root, kind, domain).flatMap((hostPath) =>
    [false, true].map((throughRootLink) => ({ kind, domain, hostPath, throughRootLink })),
  ),
);
probe.remove();

/** The directories a root must hold inside it: a link of one (or of a directory above it) out of the root is a usage error. */
const ROOT_DIRECTORIES = ['/sys/class/mdev_bus', '/sys/bus/mdev/devices'];

describe('a link out of the root at any component of a written path', () => {
  test.each(CASES)('$kind: $hostPath leads outside (root given through a link: $throughRootLink)', async ({ kind, domain, hostPath, throughRootLink }) => {
    figures.add('tried');
    const tree = new HostTree();
    try {
      // Where the component sits in the tree (its real parent directory), and what it resolves to;
      // a component that does not exist yet (a device to be created) gets an existing device's copy.
      const sysfs = new RealSysfs(tree.root);
      const location = join(tree.root, sysfs.realpath(dirname(hostPath))!, basename(hostPath));
      const target = join(tree.root, sysfs.realpath(hostPath) ?? sysfs.realpath(`/sys/bus/mdev/devices/${EXISTING_UUID}`)!);
      const copy = join(tree.outside, 'copy');
      cpSync(target, copy, { recursive: true, verbatimSymlinks: true });
      rmSync(location, { recursive: true, force: true });
      symlinkSync(copy, location);
      let root = tree.root;
      if (throughRootLink) {
        root = join(tree.scratch, 'root-link');
        symlinkSync(tree.root, root);
      }
      const file = join(tree.scratch, 'domain.xml');
      writeFileSync(file, domain);
      const before = picture(tree.outside);

      const result = await cli([kind, '--json', '--root', root, file]);
      expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
      if (ROOT_DIRECTORIES.some((dir) => dir === hostPath || dir.startsWith(`${hostPath}/`))) {
        // sys/ or an mdev directory out of the root: no host at all, refused before any read
        expect([result.code, result.stdout]).toEqual([2, '']);
        expect(result.stderr).toMatch(/ leading outside it /);
      } else {
        const errors = json(result).diagnostics.filter((d: { severity: string }) => d.severity === 'error');
        expect(errors[0]?.code).toBe('E_PATH_ESCAPE');
        expect(result.code).toBe(1);
      }
      // Content, size and mtime of everything outside, the copy included, are as they were.
      expect(picture(tree.outside)).toEqual(before);
      expect(realpathSync(root)).toBe(realpathSync(tree.root));
    } finally {
      tree.remove();
    }
    figures.add('passed');
  });
});
