/**
 * Hostile host trees for the CLI: a fresh copy of a fixture host under `<scratch>/root`, a
 * directory outside it, and pictures of both that show any change (content, size, mtime, links),
 * without ever reading a FIFO.
 */
import { cpSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyHost, treePicture } from '../helpers/tree';

export const PARENT = '0000:00:02.0';
export const PARENT_DIR = 'sys/devices/pci0000:00/0000:00:02.0';
export const TYPE_DIR = `${PARENT_DIR}/mdev_supported_types/i915-GVTg_V5_8`;
export const EXISTING_UUID = '53764d0e-85a0-42b4-af5c-2046b460b1dc';
export const EXISTING_DIR = `${PARENT_DIR}/${EXISTING_UUID}`;
export const NEW_UUID = '11111111-2222-4333-8444-555555555501';

export class HostTree {
  readonly scratch: string;
  readonly root: string;
  readonly outside: string;

  constructor(host = 'gvt-attribute') {
    const { parent, root } = copyHost(host);
    this.scratch = parent;
    this.root = root;
    this.outside = join(parent, 'outside');
    mkdirSync(this.outside);
    writeFileSync(join(this.outside, 'secret'), 'outside data\n');
    // Room for the test domains' counts (2 and 4): the fixture host has 1 instance of the type left.
    if (host === 'gvt-attribute') writeFileSync(this.at(`${TYPE_DIR}/available_instances`), '4\n');
  }

  at(rel: string): string {
    return join(this.root, rel);
  }

  /** Replaces whatever is at `rel` (under the root) by a link to `target`. */
  link(rel: string, target: string): void {
    rmSync(this.at(rel), { recursive: true, force: true });
    symlinkSync(target, this.at(rel));
  }

  /** Replaces whatever is at `rel` by a regular file. */
  file(rel: string, content: string | Uint8Array): void {
    rmSync(this.at(rel), { recursive: true, force: true });
    writeFileSync(this.at(rel), content);
  }

  /** A copy of `rel` (under the root) placed outside, links kept verbatim; its absolute path. */
  copyOutside(rel: string, name: string): string {
    const to = join(this.outside, name);
    cpSync(this.at(rel), to, { recursive: true, verbatimSymlinks: true });
    return to;
  }

  remove(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** Every entry below `dir` with sizes and mtimes: see treePicture. */
export const picture = (dir: string, skip?: (rel: string) => boolean) => treePicture(dir, skip, { times: true });
