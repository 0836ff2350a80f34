/**
 * Fleet mode's inputs that file names must not decide: several source snapshots claiming one
 * domain's devices (the choice would follow the order of the names), and a listed target whose
 * name does not resolve (a name that is not UTF-8).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json } from '../helpers/cli';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';

const CORPUS = join(REPO, 'fixtures/migration');

describe('fleet mode: sources and targets that names must not decide', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('mdev-agg-fleet-sources-');
    for (const sub of ['domains', 'sources', 'targets']) mkdirSync(join(dir, sub));
  });
  const fleet = () => cli(['migrate-check', '--domains', join(dir, 'domains'), '--source-dir', join(dir, 'sources'), '--targets', join(dir, 'targets'), '--json']);

  test('GIVEN two source snapshots holding the domain\'s device with different facts WHEN checked under either name order THEN neither is taken, with a warning, and the verdicts are the same', async () => {
    // The unstamped domain is found by its device's UUID only.
    copyFileSync(join(CORPUS, 'domains/nv-one-unstamped.xml'), join(dir, 'domains/d.xml'));
    copyFileSync(join(CORPUS, 'snapshots/nv-tgt-same.xml'), join(dir, 'targets/t.xml'));
    const runs = [];
    for (const [first, second] of [['nv-src.xml', 'nv-src-550.xml'], ['nv-src-550.xml', 'nv-src.xml']]) {
      copyFileSync(join(CORPUS, 'snapshots', first!), join(dir, 'sources/a.xml'));
      copyFileSync(join(CORPUS, 'snapshots', second!), join(dir, 'sources/b.xml'));
      const r = await fleet();
      const result = json(r);
      expect(result.domains[0].source).toBeNull();
      expect(result.diagnostics.map((d: { code: string }) => d.code)).toContain('W_SOURCE_SNAPSHOT_AMBIGUOUS');
      runs.push(result.domains[0].targets);
    }
    expect(runs[0]).toEqual(runs[1]);
  });

  test('GIVEN a target file whose name is not UTF-8 WHEN checked THEN it is reported unreadable, not dropped in silence', async () => {
    copyFileSync(join(CORPUS, 'domains/nv-one.xml'), join(dir, 'domains/d.xml'));
    copyFileSync(join(CORPUS, 'snapshots/nv-tgt-same.xml'), join(dir, 'targets/ok.xml'));
    writeFileSync(Buffer.concat([Buffer.from(join(dir, 'targets/host')), Buffer.from([0xff]), Buffer.from('.xml')]), readFileSync(join(CORPUS, 'snapshots/nv-tgt-same.xml')));
    const r = await fleet();
    expect(r.code).toBe(1);
    const result = json(r);
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d: { code: string }) => d.code)).toContain('E_INPUT_UNREADABLE');
  });
});
