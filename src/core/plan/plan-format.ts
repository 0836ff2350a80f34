/** A plan for people (text), for programs (JSON, as the README's CLI section documents), and as a POSIX sh script (audit, hosts without Node). */
import { hasErrors } from '../text/diagnostics';
import type { DevicePlan, Plan, PlanOp } from './plan';
import { MAX_HOST_FILE_BYTES } from '../host/read-host';
import { sanitiseLine } from '../text/terminal-text';
import { MDEV_DEVICES } from '../host/host-layout';
import { shellQuote } from '../text/shell-quote';

/** What a device gives (src/core/host/type-resources.ts), when the caller knows the host: a line for text, a value for JSON. */
export interface DeviceGives {
  text(device: DevicePlan): string | null;
  json(device: DevicePlan): object | null;
}

export function planJson(plan: Plan, gives?: DeviceGives) {
  const device = (d: DevicePlan) => ({ ...d, ops: d.ops.map(jsonOp), rollback: d.rollback.map(jsonOp), ...(gives ? { gives: gives.json(d) } : {}) });
  return {
    ok: !hasErrors(plan.diagnostics),
    domain: plan.domain,
    kind: plan.kind,
    devices: plan.devices.map(device),
    diagnostics: plan.diagnostics,
  };
}

/** An operation as the JSON plan documents it: what is read or written (its role is the executor's). */
function jsonOp(op: PlanOp) {
  const { role: _role, failure: _failure, ...shown } = op;
  return shown;
}

function describeOp(op: PlanOp): string {
  switch (op.op) {
    case 'write':
      return `write ${JSON.stringify(op.data)} > ${op.path}`;
    case 'expect':
      return `expect ${op.path} ${op.compare === 'eq' ? '==' : '>='} ${op.value}`;
    case 'exists':
      return `${op.value ? 'expect present' : 'expect absent'} ${op.path}`;
  }
}

export function planText(plan: Plan, gives?: DeviceGives): string {
  const lines = [`${plan.kind} plan for domain ${sanitiseLine(plan.domain ?? '(unnamed)')}: ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'}`];
  for (const d of plan.devices) {
    const what = { create: 'create', present: 'already present, nothing to do', remove: 'remove', absent: 'not present, nothing to do' }[d.action];
    lines.push(`  ${d.uuid}  ${d.type} x${d.instances} on ${d.parent || '(any)'}  [${d.dialect}]  ${what}`);
    const given = gives?.text(d);
    if (given) lines.push(`    gives: ${given}`);
    for (const op of d.ops) lines.push(`    ${describeOp(op)}`);
    if (d.rollback.length) lines.push(`    on failure: ${d.rollback.map(describeOp).join('; ')}`);
  }
  return lines.join('\n');
}


/** A comment line: one line whatever the text holds (a line break in a domain name would start a command). */
const comment = (text: string) => `# ${sanitiseLine(text)}`;

/**
 * The same writes, checks and reverse-order rollback as the executor, without Node. Paths are
 * taken under $MDEV_AGG_ROOT (default /). Before each read or write the script resolves the path
 * and stops unless it stays under the root and is a regular file, with one link for a write: the
 * checks the executor's guarded file access makes, for a tree that changed since it was planned.
 */
export function planShell(plan: Plan): string {
  const out = [
    '#!/bin/sh',
    comment(`mdev-agg ${plan.kind} plan for domain ${plan.domain ?? '(unnamed)'}`),
    '# Runs the planned sysfs writes with the same checks; on failure removes what it created, newest first.',
    'set -u',
    'root="${MDEV_AGG_ROOT:-}"',
    'root="${root%/}"',
    'real_root=$(readlink -f -- "${root:-/}") || { echo "mdev-agg: the root ${root:-/} does not resolve" >&2; exit 1; }',
    // df -P: the file system and mount point of a path (a mount point with a space never matches: refused).
    'mount_of() { df -P -- "$1" 2>/dev/null | awk \'NR == 2 { print $1 " " $6 }\'; }',
    'root_mount=$(mount_of "$real_root")',
    'undo=""',
    '# $r: the real path of a host path. 0 when every link on the way stays under the root, 1 when',
    '# the path cannot be resolved (a directory on the way is missing), 2 when it leads out of the root.',
    'resolve() {',
    '  r=$(readlink -f -- "$root$1" 2>/dev/null) || return 1',
    '  [ "$real_root" = / ] && return 0',
    '  case "$r" in "$real_root"/*) return 0;; esac',
    '  return 2',
    '}',
    'inside() { resolve "$1"; }',
    '# A regular file under the root (no FIFO, device or directory): what may be read.',
    'readable() { inside "$1" && [ -f "$r" ]; }',
    '# A regular file under the root with one link (another name of it could be outside), on the',
    "# root's own mount (a bind mount inside the root leads out of it) unless it is sysfs under sys/.",
    'writable() {',
    '  readable "$1" || return 1',
    '  n=$(ls -ldn -- "$r" | awk \'{ print $2 }\')',
    '  [ "$n" = 1 ] || return 1',
    '  [ "$real_root" = / ] && return 0',
    '  m=$(mount_of "$r")',
    '  case "$m" in "sysfs $real_root/sys"|"sysfs $real_root/sys/"*) return 0;; esac',
    '  [ -n "$root_mount" ] && [ "${m#* }" = "${root_mount#* }" ]',
    '}',
    'rollback() {',
    '  for u in $undo; do',
    `    p="${MDEV_DEVICES}/$u/remove"`,
    '    resolve "$p"; s=$?',
    '    if [ "$s" = 1 ] || { [ "$s" = 0 ] && [ ! -e "$r" ]; }; then continue; fi',
    '    if in_use "$p"; then echo "mdev-agg: rollback of $u: in use, not removed" >&2',
    '    elif writable "$p"; then printf %s 1 > "$r" || echo "mdev-agg: rollback of $u failed" >&2',
    '    else echo "mdev-agg: rollback of $u: $p is not a file under the root with one link; not written" >&2; fi',
    '  done',
    '  undo=""',
    '}',
    'fail() { echo "mdev-agg: $*" >&2; rollback; exit 1; }',
    '# A remove of an open device blocks until the VM lets go; a held VFIO group will not open.',
    'in_use() {',
    '  inside "${1%/remove}/iommu_group" || return 1',
    '  g=${r##*/}',
    '  inside "/dev/vfio/$g" || return 1',
    '  [ -c "$r" ] || return 1',
    '  if ( exec 3<>"$r" ) 2>/dev/null; then return 1; fi',
    '  return 0',
    '}',
    'write() {',
    '  case "$1" in */remove) ! in_use "$1" || fail "${1%/remove} is in use (its VFIO group is held open)";; esac',
    '  writable "$1" || fail "$1 is not an attribute file under the root with one link on its mount (a link or a mount out of the root, a hard link, a FIFO or missing); not written"',
    '  printf %s "$2" > "$r" || fail "write $2 to $1 refused"',
    '}',
    'read_attr() {',
    '  readable "$1" || fail "$1 is not a regular file under the root; not read"',
    // Bounded as the executor's reads are: a sparse or endless file is refused, never read whole.
    `  n=$(head -c ${MAX_HOST_FILE_BYTES + 1} -- "$r" 2>/dev/null | wc -c) || fail "cannot read $1"`,
    `  [ "$n" -le ${MAX_HOST_FILE_BYTES} ] || fail "$1 is larger than ${MAX_HOST_FILE_BYTES} bytes; not read"`,
    `  v=$(head -c ${MAX_HOST_FILE_BYTES} -- "$r" 2>/dev/null) || fail "cannot read $1"`,
    '}',
    'expect_eq() {',
    '  read_attr "$1"',
    '  [ "$v" = "$2" ] || fail "$1 reads $v, expected $2"',
    '}',
    'expect_ge() {',
    '  read_attr "$1"',
    '  case "$v" in ""|*[!0-9]*) fail "$1 reads $v, not a number";; esac',
    '  [ "$v" -ge "$2" ] || fail "$1 reads $v, at least $2 needed"',
    '}',
    'expect_present() { inside "$1" && [ -e "$r" ] || fail "$1 does not exist under the root"; }',
    'expect_absent() {',
    '  resolve "$1"; s=$?',
    '  [ "$s" != 2 ] || fail "$1 resolves outside the root"',
    '  [ "$s" = 1 ] || [ ! -e "$r" ] || fail "$1 exists"',
    '}',
  ];
  if (hasErrors(plan.diagnostics)) {
    out.push(`fail ${shellQuote(`the plan has errors: ${plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).join(', ')}`)}`);
    return out.join('\n') + '\n';
  }
  for (const d of plan.devices) {
    out.push('', comment(`${d.uuid}: ${d.type} x${d.instances} on ${d.parent || '(any)'} [${d.dialect}] ${d.action}`));
    for (const op of d.ops) {
      out.push(shellOp(op));
      // The device exists once its create write returned: from then on it is ours to undo.
      if (op.role === 'create') out.push(`undo="${d.uuid} $undo"`);
    }
  }
  out.push('', 'exit 0');
  return out.join('\n') + '\n';
}

function shellOp(op: PlanOp): string {
  switch (op.op) {
    case 'write':
      return `write ${shellQuote(op.path)} ${shellQuote(op.data)}`;
    case 'expect':
      return `${op.compare === 'eq' ? 'expect_eq' : 'expect_ge'} ${shellQuote(op.path)} ${shellQuote(op.value)}`;
    case 'exists':
      return `${op.value ? 'expect_present' : 'expect_absent'} ${shellQuote(op.path)}`;
  }
}
