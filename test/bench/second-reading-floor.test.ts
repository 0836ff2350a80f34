/**
 * The floor the validate benchmark times beside mdev-agg: it must read every file and what mdev-agg
 * confirms (the same elements, read with the same options), and fail when a reading does not give
 * them, or its figure could come from a program that did less.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { REPO } from '../helpers/golden';
import { tempDir } from '../helpers/temp-dir';
import { readDomain } from '../../src/core/reading/domain';
import { SECOND_READING_OPTIONS } from '../../src/core/xml/second-reading-options';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { floorPrograms } = require('./floor/programs.cjs') as { floorPrograms: (dir: string) => { extract: string; floor: string } };

const dir = tempDir('mdev-agg-floor-');
const programs = floorPrograms(dir);
const names = ['example-gvt.xml', 'gvt-inline.xml', 'both-forms-agree.xml', 'second-container.xml', 'no-mdev.xml'];
const domains = names.map((f) => join(REPO, 'fixtures/domains', f));
const readings = join(dir, 'readings');
const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });

/** What the reader confirms in a file, told by its model and diagnostics, not by the code that cuts them. */
function expectedElements(file: string): number {
  const { model, diagnostics } = readDomain(readFileSync(file), file);
  return model!.hostdevs.length + (model!.container ? 1 : 0) + diagnostics.filter((d) => d.code === 'W_AGG_NAMESPACE_DUPLICATE').length;
}

describe('GIVEN the floor programs of the validate benchmark', () => {
  const extracted = node([programs.extract, readings, ...domains]);
  const index = () => JSON.parse(readFileSync(`${readings}.json`, 'utf8')) as { lengths: number[]; elements: number[] };

  test('WHEN the elements are extracted THEN each file has those mdev-agg reads twice: its mdev hostdevs and aggregation containers', () => {
    expect(extracted.status).toBe(0);
    expect(index().elements).toEqual(domains.map(expectedElements));
    expect(index().elements[names.indexOf('second-container.xml')]).toBeGreaterThan(1);
    expect(index().elements.at(-1)).toBe(0);
  });

  test('WHEN the floor reads them THEN it decoded every file and read each text with the reader options, as this test reads them', () => {
    const r = node([programs.floor, '--check', readings, ...domains]);
    expect(r.status).toBe(0);
    const texts = readFileSync(`${readings}.txt`, 'utf8');
    const parser = new XMLParser(SECOND_READING_OPTIONS);
    const digest = createHash('sha256');
    let at = 0;
    index().lengths.forEach((length, i) => {
      if (index().elements[i] > 0) digest.update(JSON.stringify(parser.parse(texts.slice(at, at + length))));
      at += length;
    });
    expect(JSON.parse(r.stdout)).toEqual({
      decoded: domains.reduce((n, f) => n + readFileSync(f, 'utf8').length, 0),
      elements: domains.reduce((n, f) => n + expectedElements(f), 0),
      digest: digest.digest('hex'),
    });
  });

  test('WHEN a timed run reads them THEN it prints nothing and exits 0', () => {
    const r = node([programs.floor, readings, ...domains]);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
  });

  test('WHEN a reading gives fewer elements than extracted THEN the floor fails and names the file', () => {
    const tampered = index();
    tampered.elements[0] += 1;
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
    writeFileSync(join(dir, 'tampered.txt'), readFileSync(`${readings}.txt`));
    const r = node([programs.floor, join(dir, 'tampered'), ...domains]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('example-gvt.xml');
  });

  test('WHEN the readings are for another list of files THEN the floor fails', () => {
    const r = node([programs.floor, readings, ...domains.slice(1)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not 4');
  });
});
