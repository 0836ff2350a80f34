/**
 * Files the operator names are read byte for byte whatever their sizes, also when many small reads
 * share one buffer: a later read never changes the bytes an earlier one returned, a file larger
 * than the limit is refused, and a file of procfs (which states size 0) is read to its end.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FileRefusedError, readOperatorFile } from '../../src/shell/files/guarded-fs';
import { settings } from '../property/settings';
import { tempDir } from '../helpers/temp-dir';

const work = tempDir('mdev-agg-operator-read-');

// Sizes around the edges that matter: empty, a page, the shared buffer's share limit, beyond it.
const size = fc.oneof(fc.nat({ max: 64 }), fc.integer({ min: 4090, max: 4100 }), fc.integer({ min: 16_370, max: 16_400 }), fc.nat({ max: 70_000 }));
const content = size.chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));

test('GIVEN files of any sizes and bytes WHEN read one after another THEN each read returns its file exactly and no later read changes it', () => {
  let run = 0;
  fc.assert(
    fc.property(fc.array(content, { minLength: 1, maxLength: 40 }), fc.nat({ max: 80_000 }), (files, limit) => {
      const dir = join(work, `run-${run++}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const kept: { expected: Buffer; read: Buffer }[] = [];
      files.forEach((bytes, i) => {
        const file = join(dir, `f${i}`);
        writeFileSync(file, bytes);
        if (bytes.length > limit) {
          expect(() => readOperatorFile(file, limit)).toThrow(FileRefusedError);
          return;
        }
        const read = readOperatorFile(file, limit);
        kept.push({ expected: Buffer.from(bytes), read });
      });
      for (const { expected, read } of kept) expect(read.equals(expected)).toBe(true);
    }),
    settings(60),
  );
});

test('GIVEN a procfs file that states size 0 WHEN read THEN all of its text is returned', () => {
  const file = '/proc/self/maps';
  const read = readOperatorFile(file, 4 * 1024 * 1024).toString();
  // The maps of the reading process change between two reads; their shape does not.
  expect(read.length).toBeGreaterThan(4096);
  expect(read.endsWith('\n')).toBe(true);
  expect(read.split('\n').length).toBeGreaterThan(readFileSync(file, 'utf8').split('\n').length / 2);
});
