/** xmllint with RelaxNG, as libvirt's own tests and virt-xml-validate use it; installed by scripts/setup-test-tools.sh. */
import { spawnSync } from 'node:child_process';

export const LIBVIRT_SCHEMAS = '/usr/share/libvirt/schemas';

export function relaxng(schema: string, xml: string): { ok: boolean; output: string } {
  const r = spawnSync('xmllint', ['--noout', '--relaxng', schema, '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint could not run (scripts/setup-test-tools.sh installs it): ${r.error.message}`);
  return { ok: r.status === 0, output: r.stderr };
}
