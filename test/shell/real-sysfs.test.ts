import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PathEscapeError, SysfsError } from '../../src/core/host/sysfs';
import { errnoOf } from './errno-of';
import { MAX_READ_BYTES, RealSysfs, resolveRoot } from '../../src/shell/real-sysfs';
import { removeTempDir, tempDir } from '../helpers/temp-dir';

let scratch: string;
let root: string;
let outside: string;

beforeEach(() => {
  scratch = fs.realpathSync(tempDir('mdev-agg-real-'));
  root = path.join(scratch, 'root');
  outside = path.join(scratch, 'outside');
  fs.mkdirSync(path.join(root, 'sys/devices/parent/types/t1'), { recursive: true });
  fs.mkdirSync(path.join(root, 'sys/class/mdev_bus'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'sys/devices/parent/types/t1/create'), '');
  fs.writeFileSync(path.join(root, 'sys/devices/parent/types/t1/available_instances'), '4\n');
  fs.writeFileSync(path.join(outside, 'secret'), 'outside data\n');
  fs.symlinkSync('../../devices/parent', path.join(root, 'sys/class/mdev_bus/parent'));
});

afterEach(() => removeTempDir(scratch));

describe('RealSysfs reads', () => {
  test('GIVEN a relative link inside the root WHEN reading through it THEN the file under the root is read', () => {
    const sysfs = new RealSysfs(root);
    expect(sysfs.read('/sys/class/mdev_bus/parent/types/t1/available_instances')).toBe('4\n');
    expect(sysfs.realpath('/sys/class/mdev_bus/parent/types/t1')).toBe('/sys/devices/parent/types/t1');
    expect(sysfs.realpath('/')).toBe('/');
  });

  test('GIVEN a directory WHEN listing THEN the names come sorted and a file lists as null', () => {
    fs.writeFileSync(path.join(root, 'sys/devices/parent/types/t1/b'), '');
    fs.writeFileSync(path.join(root, 'sys/devices/parent/types/t1/A'), '');
    const sysfs = new RealSysfs(root);
    expect(sysfs.list('/sys/class/mdev_bus/parent/types/t1')).toEqual(['A', 'available_instances', 'b', 'create']);
    expect(sysfs.list('/sys/devices/parent/types/t1/create')).toBeNull();
    expect(sysfs.list('/sys/nothing')).toBeNull();
  });

  test('GIVEN missing paths WHEN reading THEN null and false, not errors', () => {
    const sysfs = new RealSysfs(root);
    expect(sysfs.read('/sys/missing')).toBeNull();
    expect(sysfs.exists('/sys/missing')).toBe(false);
    expect(sysfs.realpath('/sys/missing/deeper')).toBeNull();
    expect(sysfs.exists('/sys/class/mdev_bus/parent')).toBe(true);
  });

  test('GIVEN a file larger than the cap WHEN reading THEN EFBIG', () => {
    fs.writeFileSync(path.join(root, 'sys/huge'), Buffer.alloc(MAX_READ_BYTES + 1, 0x41));
    fs.writeFileSync(path.join(root, 'sys/full'), Buffer.alloc(MAX_READ_BYTES, 0x41));
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.read('/sys/huge'))).toBe('EFBIG');
    expect(sysfs.read('/sys/full')).toHaveLength(MAX_READ_BYTES);
  });

  test('GIVEN a directory or a FIFO WHEN reading THEN an error at once, never a hang', () => {
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.read('/sys/devices'))).toBe('EISDIR');
    execFileSync('mkfifo', [path.join(root, 'sys/fifo')]);
    expect(errnoOf(() => sysfs.read('/sys/fifo'))).toBe('EINVAL');
  });

  test('GIVEN a path that is not absolute or holds NUL WHEN accessed THEN EINVAL', () => {
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.read('sys/devices'))).toBe('EINVAL');
    expect(errnoOf(() => sysfs.write('/sys/a\0b', '1'))).toBe('EINVAL');
  });
});

describe('RealSysfs confinement', () => {
  test('GIVEN a link leaving the root WHEN reading, listing, resolving or writing through it THEN PathEscapeError', () => {
    fs.symlinkSync(outside, path.join(root, 'sys/escape'));
    const sysfs = new RealSysfs(root);
    expect(() => sysfs.read('/sys/escape/secret')).toThrow(PathEscapeError);
    expect(() => sysfs.list('/sys/escape')).toThrow(PathEscapeError);
    expect(() => sysfs.exists('/sys/escape')).toThrow(PathEscapeError);
    expect(() => sysfs.realpath('/sys/escape')).toThrow(PathEscapeError);
    expect(() => sysfs.write('/sys/escape/secret', 'x')).toThrow(PathEscapeError);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('outside data\n');
  });

  test('GIVEN a link leaving the root WHEN a missing path below it is accessed THEN PathEscapeError, not a plain miss', () => {
    fs.symlinkSync(outside, path.join(root, 'sys/escape'));
    fs.symlinkSync('escape/not-there', path.join(root, 'sys/chained'));
    const sysfs = new RealSysfs(root);
    expect(() => sysfs.read('/sys/escape/missing/deeper')).toThrow(PathEscapeError);
    expect(() => sysfs.exists('/sys/chained')).toThrow(PathEscapeError);
    expect(() => sysfs.write('/sys/chained', '1')).toThrow(PathEscapeError);
    expect(fs.existsSync(path.join(outside, 'not-there'))).toBe(false);
  });

  test('GIVEN an absolute link to a file outside WHEN writing THEN the outside file is untouched', () => {
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'sys/devices/parent/types/t1/remove'));
    const sysfs = new RealSysfs(root);
    expect(() => sysfs.write('/sys/class/mdev_bus/parent/types/t1/remove', '1')).toThrow(PathEscapeError);
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('outside data\n');
  });

  test('GIVEN a dangling link pointing outside WHEN writing THEN PathEscapeError and nothing is created', () => {
    fs.symlinkSync(path.join(outside, 'new-file'), path.join(root, 'sys/dangling'));
    const sysfs = new RealSysfs(root);
    expect(() => sysfs.write('/sys/dangling', '1')).toThrow(PathEscapeError);
    expect(() => sysfs.read('/sys/dangling')).toThrow(PathEscapeError);
    expect(fs.existsSync(path.join(outside, 'new-file'))).toBe(false);
  });

  test('GIVEN `..` components WHEN they climb above the root THEN PathEscapeError; inside the root they resolve', () => {
    const sysfs = new RealSysfs(root);
    expect(() => sysfs.read('/sys/../../outside/secret')).toThrow(PathEscapeError);
    expect(() => sysfs.write('/../outside/secret', 'x')).toThrow(PathEscapeError);
    // `..` after a link is taken from the link's target, as the kernel does.
    expect(sysfs.realpath('/sys/class/mdev_bus/parent/types/..')).toBe('/sys/devices/parent');
    expect(fs.readFileSync(path.join(outside, 'secret'), 'utf8')).toBe('outside data\n');
  });

  test('GIVEN a root that is itself a link WHEN reading and writing THEN paths resolve under its target', () => {
    const rootLink = path.join(scratch, 'root-link');
    fs.symlinkSync(root, rootLink);
    const sysfs = new RealSysfs(rootLink);
    expect(sysfs.realRoot).toBe(root);
    expect(sysfs.read('/sys/class/mdev_bus/parent/types/t1/available_instances')).toBe('4\n');
    expect(sysfs.realpath('/sys/class/mdev_bus/parent')).toBe('/sys/devices/parent');
    sysfs.write('/sys/class/mdev_bus/parent/types/t1/create', 'abc');
    expect(fs.readFileSync(path.join(root, 'sys/devices/parent/types/t1/create'), 'utf8')).toBe('abc');
  });

  test('GIVEN a root that does not exist WHEN constructing THEN a SysfsError names it', () => {
    expect(() => new RealSysfs(path.join(scratch, 'none'))).toThrow(SysfsError);
  });
});

describe('RealSysfs writes', () => {
  test('GIVEN an existing attribute WHEN writing THEN exactly the data lands, without a newline added', () => {
    const sysfs = new RealSysfs(root);
    sysfs.write('/sys/class/mdev_bus/parent/types/t1/create', '53764d0e-85a0-42b4-af5c-2046b460b1dc');
    expect(fs.readFileSync(path.join(root, 'sys/devices/parent/types/t1/create'), 'utf8')).toBe(
      '53764d0e-85a0-42b4-af5c-2046b460b1dc',
    );
  });

  test('GIVEN a missing attribute WHEN writing THEN ENOENT and no file appears', () => {
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.write('/sys/devices/parent/types/t1/aggregation', '1'))).toBe('ENOENT');
    expect(errnoOf(() => sysfs.write('/sys/devices/none/remove', '1'))).toBe('ENOENT');
    expect(fs.existsSync(path.join(root, 'sys/devices/parent/types/t1/aggregation'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'sys/devices/none'))).toBe(false);
  });

  test('GIVEN a dangling link inside the root WHEN writing THEN ENOENT and the target is not created', () => {
    fs.symlinkSync('missing-target', path.join(root, 'sys/devices/parent/types/t1/remove'));
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.write('/sys/devices/parent/types/t1/remove', '1'))).toBe('ENOENT');
    expect(fs.existsSync(path.join(root, 'sys/devices/parent/types/t1/missing-target'))).toBe(false);
  });

  test('GIVEN a directory or a FIFO WHEN writing THEN an error, nothing written', () => {
    execFileSync('mkfifo', [path.join(root, 'sys/fifo')]);
    const sysfs = new RealSysfs(root);
    expect(errnoOf(() => sysfs.write('/sys/devices/parent', '1'))).toBe('EISDIR');
    // No reader on the FIFO: the non-blocking open fails rather than waiting for one.
    expect(errnoOf(() => sysfs.write('/sys/fifo', '1'))).toBe('ENXIO');
  });
});

describe('resolveRoot', () => {
  test('GIVEN a flag, an environment variable or neither WHEN resolving THEN the flag wins, then the variable, then /', () => {
    expect(resolveRoot('/tmp/a', { MDEV_AGG_ROOT: '/tmp/b' })).toBe('/tmp/a');
    expect(resolveRoot(undefined, { MDEV_AGG_ROOT: '/tmp/b' })).toBe('/tmp/b');
    expect(resolveRoot(undefined, {})).toBe('/');
    expect(resolveRoot('', { MDEV_AGG_ROOT: '' })).toBe('/');
    expect(resolveRoot('rel', {})).toBe(path.resolve('rel'));
  });
});
