// `npm run package:deb`: mdev-agg_<version>_all.deb from the built dist/, with dpkg-deb.
//   /usr/lib/mdev-agg/                   the CLI (executable, bundle, code cache, vendor bundles), schemas/
//   /usr/bin/mdev-agg                    a link to it
//   /usr/share/man/man1/mdev-agg.1.gz    the manual, written by the build from the command table
//   /etc/libvirt/hooks/qemu.d/mdev-agg   the hook wrapper, a conffile, written by the same wrapperScript() as `hook install`
//   /usr/share/doc/mdev-agg/             copyright (with every package the bundles carry), changelog
// The maintainer scripts only say that libvirtd must be restarted: a package must not restart it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadTs } from './load-ts.mjs';
import { sourceDate } from './source-date.mjs';

const LIB = '/usr/lib/mdev-agg';
const CLI = `${LIB}/mdev-agg.js`;
const MAINTAINER = 'mdev-agg maintainers <mdev-agg@users.noreply.github.com>';
// The licence text after LICENSE's copyright line: the npm package's LICENSE and the .deb's copyright say the same.
const EXPAT = readFileSync('LICENSE', 'utf8').split('\n').slice(3).join('\n').trim();


const { version, license } = JSON.parse(readFileSync('package.json', 'utf8'));
if (!existsSync('dist/mdev-agg.js')) throw new Error('package-deb: dist/ is missing; run npm run build first');
// The changelog's and copyright's date: SOURCE_DATE_EPOCH, else the last commit's, so a build repeats.
const when = sourceDate();

const stage = join(mkdtempSync(join(tmpdir(), 'mdev-agg-deb-')), `mdev-agg_${version}_all`);
const at = (path) => join(stage, path);
const put = (path, content, mode = 0o644) => {
  mkdirSync(join(at(path), '..'), { recursive: true, mode: 0o755 });
  writeFileSync(at(path), content);
  chmodSync(at(path), mode);
};

// The CLI: what dist/mdev-agg.js loads, nothing else (the library and its declarations are the npm package's).
for (const file of ['mdev-agg.js', 'mdev-agg-cli.js', 'mdev-agg-cli.v8cache', 'mdev-agg-hook.js', 'mdev-agg-hook.v8cache', 'mdev-agg-validate.js']) put(`${LIB}/${file}`, readFileSync(`dist/${file}`), file === 'mdev-agg.js' ? 0o755 : 0o644);
for (const file of readdirSync('dist/vendor')) put(`${LIB}/vendor/${file}`, readFileSync(`dist/vendor/${file}`));
for (const file of readdirSync('schemas').filter((f) => f.endsWith('.rng'))) put(`${LIB}/schemas/${file}`, readFileSync(`schemas/${file}`));
mkdirSync(at('/usr/bin'), { recursive: true });
symlinkSync(relative('/usr/bin', CLI), at('/usr/bin/mdev-agg'));
put('/usr/share/man/man1/mdev-agg.1.gz', gzipSync(readFileSync('dist/man/mdev-agg.1'), { level: 9 }));

const { wrapperScript, HOOKS_DIR, HOOK_NAME, PACKAGED_REMOVAL } = await loadTs('src/core/hook/hook-wrapper.ts');
const wrapper = `${HOOKS_DIR}/${HOOK_NAME}`;
put(wrapper, wrapperScript({ node: '/usr/bin/node', cli: CLI, removal: PACKAGED_REMOVAL }), 0o755);

put('/usr/share/doc/mdev-agg/copyright', copyright());
put('/usr/share/doc/mdev-agg/changelog.gz', gzipSync(changelog(), { level: 9 }));

put('/DEBIAN/conffiles', `${wrapper}\n`);
put('/DEBIAN/postinst', maintainerScript('configure', `mdev-agg: the libvirt qemu hook is ${wrapper}. libvirt reads hooks when it starts: restart libvirtd (or virtqemud) for it to take effect.`), 0o755);
put(
  '/DEBIAN/postrm',
  [
    '#!/bin/sh',
    'set -e',
    'case "$1" in',
    '  remove)',
    `    echo "mdev-agg: removed; its hook wrapper ${wrapper} stays until the package is purged and does nothing without the CLI. Restart libvirtd (or virtqemud)."`,
    '    ;;',
    '  purge)',
    // The lock directory a run left (empty unless a run was stopped mid-way: then its journal stays).
    '    rmdir "${DPKG_ROOT:-}/run/mdev-agg" 2>/dev/null || true',
    `    echo "mdev-agg: purged, hook wrapper included. Restart libvirtd (or virtqemud) so that it no longer runs the hook."`,
    '    ;;',
    'esac',
    'exit 0',
    '',
  ].join('\n'),
  0o755,
);
put('/DEBIAN/md5sums', md5sums());
put('/DEBIAN/control', control());

const out = `mdev-agg_${version}_all.deb`;
execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, out], { stdio: ['ignore', 'ignore', 'inherit'] });
rmSync(join(stage, '..'), { recursive: true });
console.log(out);

function maintainerScript(when, message) {
  return ['#!/bin/sh', 'set -e', `if [ "$1" = ${when} ]; then`, `  echo "${message}"`, 'fi', 'exit 0', ''].join('\n');
}

function files(dir = stage, base = '') {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${base}/${e.name}`;
    if (path === '/DEBIAN') return [];
    if (e.isDirectory()) return files(join(dir, e.name), path);
    return [path];
  });
}

function md5sums() {
  return files()
    // conffiles are not listed (dpkg keeps their sums itself); links have no content
    .filter((f) => !f.startsWith('/etc/') && lstatSync(at(f)).isFile())
    .sort()
    .map((f) => `${createHash('md5').update(readFileSync(at(f))).digest('hex')}  ${f.slice(1)}`)
    .join('\n')
    .concat('\n');
}

function control() {
  const installedKiB = Math.ceil(files().reduce((sum, f) => sum + lstatSync(at(f)).size, 0) / 1024);
  return [
    'Package: mdev-agg',
    `Version: ${version}`,
    'Architecture: all',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${installedKiB}`,
    'Depends: nodejs (>= 20)',
    'Suggests: libvirt-daemon-system',
    'Section: admin',
    'Priority: optional',
    'Description: aggregated VFIO mediated devices for libvirt',
    ' mdev-agg reads libvirt domain XML that asks for aggregated mediated devices',
    ' (one mdev carrying N instances of a type, as Intel GVT-g and vendor forks',
    ' offer), plans the exact sysfs writes the kernel interface needs, creates and',
    ' removes the devices safely (host-wide lock, journal, rollback) and checks',
    ' migration compatibility between hosts.',
    ' .',
    ' The package installs the command line tool and, as a configuration file,',
    ' the libvirt qemu hook that creates a guest\'s devices before it starts and',
    ' removes them when it stops.',
    '',
  ].join('\n');
}

function changelog() {
  const date = when.toUTCString().replace('GMT', '+0000');
  return `mdev-agg (${version}) unstable; urgency=medium\n\n  * Release ${version}.\n\n -- ${MAINTAINER}  ${date}\n`;
}

/** DEP-5: the project's licence, and every package the bundles carry with its own licence. */
function copyright() {
  const bundled = JSON.parse(readFileSync('dist/bundled-packages.json', 'utf8'));
  if (license !== 'MIT' || bundled.some((p) => p.license !== 'MIT')) throw new Error(`package-deb: only MIT (Expat) licences are described: ${[license, ...bundled.map((p) => `${p.name} ${p.license}`)].join(', ')}`);
  const authors = [...new Set(bundled.map((p) => (p.author ?? `the ${p.name} authors`).replace(/\s*[<(].*$/, '')))].sort();
  const paragraph = (text) => text.trim().split(/\n\s*\n/).map((p) => p.split('\n').map((l) => ` ${l.trim()}`).join('\n')).join('\n .\n');
  return [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    'Upstream-Name: mdev-agg',
    '',
    'Files: *',
    `Copyright: ${when.getUTCFullYear()} the mdev-agg authors`,
    'License: Expat',
    '',
    `Files: usr/lib/mdev-agg/mdev-agg-cli.js usr/lib/mdev-agg/mdev-agg-hook.js usr/lib/mdev-agg/vendor/*`,
    `Copyright: ${when.getUTCFullYear()} the mdev-agg authors`,
    ...authors.map((a) => ` ${a}`),
    'License: Expat',
    `Comment: These bundles carry ${bundled.map((p) => `${p.name} ${p.version}`).join(', ')}, each under the Expat (MIT) licence.`,
    '',
    'License: Expat',
    paragraph(EXPAT),
    '',
  ].join('\n');
}
