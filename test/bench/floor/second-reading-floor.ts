/**
 * `node floor.js [--check] READINGS FILE...`: what `validate` cannot leave out on one thread,
 * whatever its own reader costs: Node's start, reading and decoding every file (without validate's
 * UTF-8 check), and fast-xml-parser's second reading, configured as mdev-agg configures it, of the
 * elements mdev-agg confirms, one call per file as validate makes it (extract-second-reading.ts
 * wrote them to READINGS.txt and READINGS.json). Exits 1 when a reading does not give the elements
 * it should, so a timed run did the work. `--check` prints what was read (characters decoded,
 * elements, a digest of the library's readings) for the test to compare; timed runs leave it out.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { SECOND_READING_OPTIONS } from '../../../src/core/xml/second-reading-options';
import type { SecondReadingIndex } from './extract-second-reading';

const args = process.argv.slice(2);
const check = args[0] === '--check';
const [readings, ...files] = check ? args.slice(1) : args;
const index = JSON.parse(readFileSync(`${readings}.json`, 'utf8')) as SecondReadingIndex;
const texts = readFileSync(`${readings}.txt`, 'utf8');
if (index.lengths.length !== files.length) {
  process.stderr.write(`${readings}.json holds ${index.lengths.length} files' elements, not ${files.length}\n`);
  process.exit(1);
}
const parser = new XMLParser(SECOND_READING_OPTIONS);
const digest = check ? createHash('sha256') : null;
let decoded = 0;
let elementsRead = 0;
for (let i = 0, at = 0; i < files.length; at += index.lengths[i], i++) {
  decoded += readFileSync(files[i]).toString('utf8').length;
  if (index.elements[i] === 0) continue;
  const parsed = parser.parse(texts.slice(at, at + index.lengths[i])) as Record<string, unknown>[];
  const nodes = parsed.filter((node) => !('#text' in node));
  if (nodes.length !== index.elements[i]) {
    process.stderr.write(`${files[i]}: fast-xml-parser read ${nodes.length} elements, not ${index.elements[i]}\n`);
    process.exit(1);
  }
  elementsRead += nodes.length;
  digest?.update(JSON.stringify(parsed));
}
if (digest) process.stdout.write(`${JSON.stringify({ decoded, elements: elementsRead, digest: digest.digest('hex') })}\n`);
