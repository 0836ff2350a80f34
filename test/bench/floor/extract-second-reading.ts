/**
 * `node extract.js OUT FILE...`: for each file, the elements mdev-agg reads a second time
 * (`consumedElements`), cut from the text as `confirmElements` gives them to fast-xml-parser.
 * Written as OUT.txt (the texts one after another) and OUT.json (each file's text length and
 * element count), so that the floor program (second-reading-floor.ts) loads them with one read and
 * one decoding, not a parse of every text. Untimed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { consumedElements } from '../../../src/core/reading/domain';
import { readXml } from '../../../src/core/xml/reader';

/** OUT.json: per file, in the order given, the length of its text in OUT.txt (UTF-16 units) and how many elements it holds. */
export interface SecondReadingIndex {
  lengths: number[];
  elements: number[];
}

const [out, ...files] = process.argv.slice(2);
const texts: string[] = [];
const index: SecondReadingIndex = { lengths: [], elements: [] };
for (const file of files) {
  const read = readXml(readFileSync(file), file);
  if (!read.ok) throw new Error(`${file} is not read: ${read.diagnostics[0]?.message}`);
  const { hostdevs, containers } = consumedElements(read.doc.root);
  const elements = [...hostdevs, ...containers];
  const text = elements.map((e) => read.doc.text.slice(e.start, e.end)).join('');
  texts.push(text);
  index.lengths.push(text.length);
  index.elements.push(elements.length);
}
writeFileSync(`${out}.txt`, texts.join(''));
writeFileSync(`${out}.json`, JSON.stringify(index));
