/**
 * The Debian package: `npm run package:deb` on a fresh clone makes mdev-agg_<version>_all.deb;
 * lintian reports no error; dpkg installs it, the CLI runs, remove keeps only the hook wrapper
 * (a conffile), purge leaves nothing. dpkg works on a throwaway root with its own database
 * (`--root`, maintainer scripts run without chroot), so the test host's packages are not touched
 * and parallel runs cannot meet.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGED_REMOVAL, wrapperScript } from '../../src/core/hook/hook-wrapper';
import { REPO } from '../helpers/golden';
import { freshClone, step } from '../helpers/package-build';
import { treePicture } from '../helpers/tree';
import { tempDir } from '../helpers/temp-dir';

const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const transcript: string[] = [];
/** 2026-01-02 03:04:05 UTC: what the build's dates must be, whenever it runs. */
const SOURCE_DATE_EPOCH = 1767323045;
let deb = '';

beforeAll(() => {
  const clone = freshClone();
  step(transcript, clone, 'npm', ['run', '--silent', 'package:deb'], { SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH) });
  deb = join(clone, `mdev-agg_${version}_all.deb`);
}, 240_000);

afterAll(() => process.stdout.write(`figure: Debian package transcript\n${transcript.join('\n')}\n`));

test('the package declares what a KVM host needs: nodejs >= 20, the hook wrapper as a conffile', () => {
  const control = step(transcript, REPO, 'dpkg-deb', ['--field', deb, 'Package', 'Version', 'Architecture', 'Depends']);
  expect(control).toBe(`Package: mdev-agg\nVersion: ${version}\nArchitecture: all\nDepends: nodejs (>= 20)\n`);
  expect(spawnSync('dpkg-deb', ['--ctrl-tarfile', deb]).status).toBe(0);
  const conffiles = spawnSync('sh', ['-c', `dpkg-deb --ctrl-tarfile '${deb}' | tar -xOf - ./conffiles`], { encoding: 'utf8' }).stdout;
  expect(conffiles).toBe('/etc/libvirt/hooks/qemu.d/mdev-agg\n');
});

test('the changelog is dated by SOURCE_DATE_EPOCH, not by the build, so a build repeats', () => {
  const changelog = spawnSync('sh', ['-c', `dpkg-deb --fsys-tarfile '${deb}' | tar -xOf - ./usr/share/doc/mdev-agg/changelog.gz | gzip -d`], { encoding: 'utf8' }).stdout;
  expect(changelog).toMatch(/^ -- mdev-agg maintainers <[^>]+>  Fri, 02 Jan 2026 03:04:05 \+0000$/m);
});

test('lintian reports no error (nor warning)', () => {
  const r = spawnSync('lintian', ['--pedantic', '--display-info', deb], { encoding: 'utf8' });
  const tags = r.stdout.split('\n').filter((l) => /^[EWIPX]: /.test(l));
  const count = (k: string) => tags.filter((t) => t.startsWith(`${k}: `)).length;
  transcript.push(`$ lintian --pedantic --display-info ${deb}`, `  summary: ${count('E')} errors, ${count('W')} warnings, ${count('I')} info, ${count('P')} pedantic`, ...tags.map((t) => `  ${t}`));
  expect(r.status).toBe(0);
  expect(tags.filter((t) => /^[EW]: /.test(t))).toEqual([]);
});

test('dpkg -i installs a working CLI and the wrapper; -r keeps only the conffile; --purge leaves nothing', () => {
  const root = tempDir('mdev-agg-dpkg-');
  const admin = join(root, 'var/lib/dpkg');
  for (const dir of ['info', 'updates', 'triggers']) mkdirSync(join(admin, dir), { recursive: true });
  // The throwaway database knows the node that runs the CLI (the host's nodejs package, or the node on PATH).
  const nodejs = spawnSync('dpkg-query', ['--status', 'nodejs'], { encoding: 'utf8' });
  const stanza = nodejs.status === 0 ? nodejs.stdout : `Package: nodejs\nStatus: install ok installed\nVersion: ${process.versions.node}\nArchitecture: all\nMaintainer: none\nDescription: the node on PATH\n`;
  writeFileSync(join(admin, 'status'), `${stanza.trimEnd()}\n\n`);
  writeFileSync(join(admin, 'available'), '');
  writeFileSync(join(admin, 'info/nodejs.list'), '');
  const before = treePicture(root, (p) => p.startsWith('var/lib/dpkg'));
  const dpkg = (...args: string[]) => step(transcript, root, 'dpkg', [`--root=${root}`, '--force-script-chrootless', ...args]);

  const installed = dpkg('-i', deb);
  expect(installed).toMatch(/mdev-agg: the libvirt qemu hook is \/etc\/libvirt\/hooks\/qemu\.d\/mdev-agg\. .*restart libvirtd/);
  expect(readlinkSync(join(root, 'usr/bin/mdev-agg'))).toBe('../lib/mdev-agg/mdev-agg.js');
  const wrapper = join(root, 'etc/libvirt/hooks/qemu.d/mdev-agg');
  expect(readFileSync(wrapper, 'utf8')).toBe(wrapperScript({ node: '/usr/bin/node', cli: '/usr/lib/mdev-agg/mdev-agg.js', removal: PACKAGED_REMOVAL }));
  expect(readFileSync(wrapper, 'utf8')).toContain('\n# Remove it with: apt purge mdev-agg ');

  const cli = join(root, 'usr/bin/mdev-agg');
  expect(step(transcript, REPO, cli, ['--version'])).toBe(`mdev-agg ${version}\n`);
  expect(step(transcript, REPO, cli, ['validate', 'fixtures/domains/example-gvt.xml'])).toBe('fixtures/domains/example-gvt.xml: valid, 3 aggregated mdevs\n');
  expect(step(transcript, REPO, cli, ['types', '--root', 'fixtures/hosts/gvt-create-option'])).toContain('largest now, x10: low_gm_size 320MB');
  expect(spawnSync('man', ['-l', '-Tutf8', join(root, 'usr/share/man/man1/mdev-agg.1.gz')], { encoding: 'utf8' }).stdout).toMatch(/mdev-agg - aggregated VFIO mediated devices for libvirt/);

  expect(dpkg('-r', 'mdev-agg')).toMatch(/hook wrapper .* stays until the package is purged/);
  const removed = treePicture(root, (p) => p.startsWith('var/lib/dpkg'));
  expect(Object.keys(removed).filter((p) => !(p in before))).toEqual(['etc', 'etc/libvirt', 'etc/libvirt/hooks', 'etc/libvirt/hooks/qemu.d', 'etc/libvirt/hooks/qemu.d/mdev-agg']);

  expect(dpkg('--purge', 'mdev-agg')).toMatch(/purged, hook wrapper included/);
  expect(treePicture(root, (p) => p.startsWith('var/lib/dpkg'))).toEqual(before);
  expect(spawnSync('dpkg-query', [`--admindir=${admin}`, '--status', 'mdev-agg'], { encoding: 'utf8' }).status).not.toBe(0);
});
