/**
 * `node extract.js OUT.json FILE...`: for each file, the elements mdev-agg reads a second time
 * (`consumedElements`), cut from the text as `confirmElements` gives them to fast-xml-parser, and
 * how many they are. Untimed; the floor program (second-reading-floor.ts) reads what it writes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { consumedElements } from '../../../src/core/reading/domain';
import { readXml } from '../../../src/core/xml/reader';

export interface SecondReading {
  text: string;
  elements: number;
}

const [out, ...files] = process.argv.slice(2);
const readings: SecondReading[] = files.map((file) => {
  const read = readXml(readFileSync(file), file);
  if (!read.ok) throw new Error(`${file} is not read: ${read.diagnostics[0]?.message}`);
  const { hostdevs, containers } = consumedElements(read.doc.root);
  const elements = [...hostdevs, ...containers];
  return { text: elements.map((e) => read.doc.text.slice(e.start, e.end)).join(''), elements: elements.length };
});
writeFileSync(out, JSON.stringify(readings));
