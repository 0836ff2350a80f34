/**
 * The floor the validate benchmark times beside mdev-agg: it must read what mdev-agg confirms (the
 * same elements, the same options), and fail when that reading does not give them, or its figure
 * could come from a program that did less.
 */
import { spawnSync } from 'node:child_process';
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
const domains = ['example-gvt.xml', 'gvt-inline.xml', 'both-forms-agree.xml', 'no-mdev.xml'].map((f) => join(REPO, 'fixtures/domains', f));
const readings = join(dir, 'readings.json');
const node = (args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8' });

describe('GIVEN the floor programs of the validate benchmark', () => {
  const extracted = node([programs.extract, readings, ...domains]);
  const written = () => JSON.parse(readFileSync(readings, 'utf8')) as { text: string; elements: number }[];

  test('WHEN the elements are extracted THEN each file has those mdev-agg reads twice: its mdev hostdevs and aggregation entries', () => {
    expect(extracted.status).toBe(0);
    const got = written();
    expect(got).toHaveLength(domains.length);
    domains.forEach((file, i) => {
      const { model } = readDomain(readFileSync(file), file);
      const expected = model!.hostdevs.length + (model!.container ? 1 : 0);
      expect(got[i].elements).toBe(expected);
      const parsed = (new XMLParser(SECOND_READING_OPTIONS).parse(got[i].text) as object[]).filter((n) => !('#text' in n));
      expect(parsed).toHaveLength(expected);
    });
    expect(got.at(-1)!.elements).toBe(0);
  });

  test('WHEN the floor reads them THEN it exits 0', () => {
    expect(node([programs.floor, readings, ...domains]).status).toBe(0);
  });

  test('WHEN a reading gives fewer elements than extracted THEN the floor fails and names the file', () => {
    const tampered = written();
    tampered[0].elements += 1;
    writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
    const r = node([programs.floor, join(dir, 'tampered.json'), ...domains]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('example-gvt.xml');
  });
});
