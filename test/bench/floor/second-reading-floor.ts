/**
 * `node floor.js READINGS.json FILE...`: what `validate` cannot leave out on one thread, whatever
 * its own reader costs: Node's start, reading and decoding every file as validate does, and
 * fast-xml-parser's second reading, configured as mdev-agg configures it, of the elements mdev-agg
 * confirms (extract-second-reading.ts wrote them). Exits 1 when a reading does not give the
 * elements it should, so a timed run did the work.
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { SECOND_READING_OPTIONS } from '../../../src/core/xml/second-reading-options';
import type { SecondReading } from './extract-second-reading';

const [readingsFile, ...files] = process.argv.slice(2);
const readings = JSON.parse(readFileSync(readingsFile, 'utf8')) as SecondReading[];
const parser = new XMLParser(SECOND_READING_OPTIONS);
let decoded = 0;
for (let i = 0; i < files.length; i++) {
  decoded += readFileSync(files[i]).toString('utf8').length;
  const { text, elements } = readings[i];
  if (elements === 0) continue;
  const nodes = (parser.parse(text) as Record<string, unknown>[]).filter((node) => !('#text' in node));
  if (nodes.length !== elements) {
    process.stderr.write(`${files[i]}: fast-xml-parser read ${nodes.length} elements, not ${elements}\n`);
    process.exit(1);
  }
}
if (decoded === 0 && files.length > 0) process.exit(1);
