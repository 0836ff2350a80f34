import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../../src/cli/run';
import { snapshotJson } from '../../src/core/snapshot/model';
import { readSnapshot } from '../../src/core/snapshot/read';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const CORPUS = join(REPO, 'fixtures/migration');
const DOMAINS = ['acme-one.xml', 'gvt-one.xml', 'gvt-one-unstamped.xml', 'no-managed.xml', 'nv-no-parent.xml', 'nv-one.xml'];
const TARGETS = ['acme-tgt-same.xml', 'gvt-tgt-ok.xml', 'nv-tgt-129.xml', 'nv-tgt-same.xml'];

describe('migrate-check fleet mode', () => {
  let dir: string;
  let argv: string[];
  beforeAll(() => {
    dir = tempDir('mdev-agg-fleet-');
    for (const sub of ['domains', 'sources', 'targets']) mkdirSync(join(dir, sub));
    for (const f of DOMAINS) copyFileSync(join(CORPUS, 'domains', f), join(dir, 'domains', f));
    for (const f of TARGETS) copyFileSync(join(CORPUS, 'snapshots', f), join(dir, 'targets', f));
    // Found three ways: as <host>.xml for the stamp's host, by the snapshot's name, by a device UUID.
    copyFileSync(join(CORPUS, 'snapshots/nv-src.xml'), join(dir, 'sources/hv-nv-src.xml'));
    copyFileSync(join(CORPUS, 'snapshots/gvt-src.xml'), join(dir, 'sources/gvt-source.xml'));
    argv = ['migrate-check', '--domains', join(dir, 'domains'), '--source-dir', join(dir, 'sources'), '--targets', join(dir, 'targets')];
  });

  test('GIVEN domains, sources and targets WHEN checked as a fleet THEN each domain lists the targets that can take it, with its source snapshot', async () => {
    const r = await cli([...argv, '--json']);
    expect(r.code).toBe(0);
    const result = json(r);
    expect(result.ok).toBe(true);
    expect(result.targets).toEqual(['acme-tgt-same', 'gvt-tgt-ok', 'nv-tgt-129', 'nv-tgt-same']);
    expect(result.domains).toEqual([
      { file: 'acme-one.xml', name: 'acme-one', source: null, targets: ['acme-tgt-same'], errors: [] },
      { file: 'gvt-one-unstamped.xml', name: 'gvt-one-unstamped', source: 'gvt-source.xml', targets: ['gvt-tgt-ok'], errors: [] },
      { file: 'gvt-one.xml', name: 'gvt-one', source: 'gvt-source.xml', targets: ['gvt-tgt-ok'], errors: [] },
      { file: 'no-managed.xml', name: 'no-managed', source: null, targets: ['acme-tgt-same', 'gvt-tgt-ok', 'nv-tgt-129', 'nv-tgt-same'], errors: [] },
      { file: 'nv-no-parent.xml', name: 'nv-no-parent', source: 'hv-nv-src.xml', targets: ['nv-tgt-same'], errors: [] },
      { file: 'nv-one.xml', name: 'nv-one', source: 'hv-nv-src.xml', targets: ['nv-tgt-same'], errors: [] },
    ]);
    expect(result.diagnostics).toEqual([expect.objectContaining({ code: 'W_SOURCE_SNAPSHOT_MISSING', severity: 'warning', file: join(dir, 'domains', 'acme-one.xml') })]);
  });

  test('GIVEN the same inputs WHEN each pair is checked alone THEN the single check agrees with the matrix', async () => {
    const matrix = json(await cli([...argv, '--json']));
    for (const row of matrix.domains) {
      for (const target of TARGETS) {
        const single = await cli([
          'migrate-check',
          join(dir, 'domains', row.file),
          ...(row.source ? ['--source', join(dir, 'sources', row.source)] : []),
          '--target',
          join(dir, 'targets', target),
        ]);
        expect([row.file, target, single.code]).toEqual([row.file, target, row.targets.includes(target.replace(/\.xml$/, '')) ? 0 : 1]);
      }
    }
  });

  test('GIVEN a readable table WHEN printed THEN one line per domain with its source and targets, and a summary', async () => {
    const r = await cli(argv);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DOMAIN\s+SOURCE\s+TARGETS THAT CAN TAKE IT$/);
    expect(lines).toContainEqual(expect.stringMatching(/^nv-one \(nv-one\.xml\)\s+hv-nv-src\.xml\s+1\/4: nv-tgt-same$/));
    expect(lines[lines.length - 1]).toMatch(/^6 domains, 4 targets: 6 domains can move, 0 cannot/);
    expect(r.stderr).toContain('W_SOURCE_SNAPSHOT_MISSING');
  });

  test('GIVEN a domain no target can take WHEN checked THEN exit 1', async () => {
    const r = await cli(['migrate-check', '--domains', join(dir, 'domains'), '--source-dir', join(dir, 'sources'), '--targets', join(CORPUS, 'snapshots'), '--json']);
    // the corpus snapshots include targets for every domain but acme-one's source facts make it need acme-tgt-same, which is there
    expect(json(r).domains.every((d: { targets: string[] }) => d.targets.length > 0)).toBe(true);
    const none = await cli(['migrate-check', '--domains', join(dir, 'domains'), '--source-dir', join(dir, 'sources'), '--targets', join(dir, 'sources'), '--json']);
    expect(none.code).toBe(1);
    expect(json(none).domains.find((d: { file: string }) => d.file === 'acme-one.xml').targets).toEqual([]);
  });

  test('GIVEN stderr is a terminal WHEN checked THEN progress is reported; otherwise never', async () => {
    const lines: string[] = [];
    const tty = await run(argv, '', {}, { cwd: REPO, stderrIsTTY: true, progress: (line) => lines.push(line) });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[lines.length - 1]).toMatch(/judged 6\/6 domains/);
    const quiet: string[] = [];
    const piped = await run(argv, '', {}, { cwd: REPO, stderrIsTTY: false, progress: (line) => quiet.push(line) });
    expect(quiet).toEqual([]);
    expect(piped.stdout).toBe(tty.stdout);
  });

  /** A copy of the fleet's directories with every snapshot in its JSON form (`snapshot --json`). */
  const asJson = (): string[] => {
    const copy = tempDir('mdev-agg-fleet-json-');
    for (const sub of ['sources', 'targets']) {
      mkdirSync(join(copy, sub));
      const files = sub === 'targets' ? TARGETS : ['hv-nv-src.xml', 'gvt-source.xml'];
      for (const f of files) {
        const snapshot = readSnapshot(readFileSync(join(dir, sub, f)), f).snapshot!;
        writeFileSync(join(copy, sub, f.replace(/\.xml$/, '.json')), JSON.stringify(snapshotJson(snapshot), null, 2));
      }
    }
    return ['migrate-check', '--domains', join(dir, 'domains'), '--source-dir', join(copy, 'sources'), '--targets', join(copy, 'targets')];
  };

  test('GIVEN the snapshots in their JSON form WHEN checked as a fleet THEN the matrix is the one the XML form gives', async () => {
    const jsonArgv = asJson();
    const fromXml = json(await cli([...argv, '--json']));
    const fromJson = json(await cli([...jsonArgv, '--json']));
    expect(fromJson.targets).toEqual(fromXml.targets);
    expect(fromJson.domains).toEqual(fromXml.domains.map((d: { source: string | null }) => ({ ...d, source: d.source?.replace(/\.xml$/, '.json') ?? null })));
    // One host in both forms is ambiguous: refused as a usage error
    copyFileSync(join(dir, 'targets', 'nv-tgt-same.xml'), join(jsonArgv[6]!, 'nv-tgt-same.xml'));
    const both = await cli(jsonArgv);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--targets .*: nv-tgt-same has both nv-tgt-same\.xml and nv-tgt-same\.json; keep one/);
    // ... in --source-dir too, even where the stamp's host names the file directly
    rmSync(join(jsonArgv[6]!, 'nv-tgt-same.xml'));
    copyFileSync(join(dir, 'sources', 'hv-nv-src.xml'), join(jsonArgv[4]!, 'hv-nv-src.xml'));
    // nv-one alone: its stamp names hv-nv-src, so the directory is never scanned by name or UUID
    const alone = join(jsonArgv[4]!, '..', 'domains');
    mkdirSync(alone);
    copyFileSync(join(dir, 'domains', 'nv-one.xml'), join(alone, 'nv-one.xml'));
    const sources = await cli(jsonArgv.map((arg, i) => (i === 2 ? alone : arg)));
    expect(sources.code).toBe(2);
    expect(sources.stderr).toMatch(/--source-dir .*: hv-nv-src has both hv-nv-src\.xml and hv-nv-src\.json; keep one/);
  });

  test('GIVEN a domain with errors among the fleet WHEN checked THEN it has a row saying it was not checked, and exit 1', async () => {
    const broken = join(dir, 'domains', 'zz-broken.xml');
    writeFileSync(broken, '<domain type="kvm"><name>zz</name>');
    try {
      const r = await cli([...argv, '--json']);
      expect(r.code).toBe(1);
      const result = json(r);
      expect(result.ok).toBe(false);
      expect(result.domains.at(-1)).toEqual({ file: 'zz-broken.xml', name: null, source: null, targets: [], errors: ['E_XML_MALFORMED'] });
      expect(result.diagnostics).toContainEqual(expect.objectContaining({ code: 'E_XML_MALFORMED', file: broken }));
      const table = await cli(argv);
      expect(table.stdout).toMatch(/^zz-broken\.xml\s+-\s+not checked: E_XML_MALFORMED$/m);
      expect(table.stdout).toMatch(/^7 domains, 4 targets: 6 domains can move, 0 cannot, 1 not checked \(errors\)/m);
    } finally {
      rmSync(broken);
    }
  });

  test.each([
    [['--domains', 'x'], /fleet mode needs --domains, --source-dir and --targets \(missing --source-dir\)/],
    [['--domains', 'x', '--source-dir', 'y', '--targets', 'z', 'guest.xml'], /fleet mode takes no FILE/],
    [['--domains', 'x', '--source-dir', 'y', '--targets', 'z', '--target', 't.xml'], /--target is not used in fleet mode/],
    [['--domains', 'no-such-dir', '--source-dir', 'y', '--targets', 'fixtures/migration/snapshots'], /--domains no-such-dir: ENOENT/],
    [[], /missing FILE/],
  ])('GIVEN %j WHEN run THEN a usage error, exit 2', async (args, message) => {
    const r = await cli(['migrate-check', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
