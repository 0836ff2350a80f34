/**
 * virsh on libvirt's test driver (test:///default), installed by scripts/setup-test-tools.sh. Its
 * state lives in one virsh process, so define and dumpxml run as one command list.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir';

/** The domain as libvirt keeps it: `define` then `dumpxml`, in one virsh process. */
export function defineAndDump(xml: string, name: string, defineOptions = ''): string {
  const file = join(tempDir('mdev-agg-virsh-'), 'domain.xml');
  writeFileSync(file, xml);
  const r = spawnSync('virsh', ['-q', '-c', 'test:///default', `define ${defineOptions} ${file}; dumpxml ${name}`], { encoding: 'utf8' });
  if (r.error) throw new Error(`virsh could not run (scripts/setup-test-tools.sh installs it): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`virsh define/dumpxml failed (${r.status}): ${r.stderr}`);
  const start = r.stdout.indexOf('<domain');
  if (start < 0) throw new Error(`virsh printed no domain: ${r.stdout}`);
  return r.stdout.slice(start);
}
