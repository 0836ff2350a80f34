/** A plan for people (text), for programs (JSON, DESIGN 6), and as a POSIX sh script (audit, hosts without Node). */
import { hasErrors } from './diagnostics';
import type { DevicePlan, Plan, PlanOp } from './plan';

/** What a device gives (src/core/type-resources.ts), when the caller knows the host: a line for text, a value for JSON. */
export interface DeviceGives {
  text(device: DevicePlan): string | null;
  json(device: DevicePlan): object | null;
}

export function planJson(plan: Plan, gives?: DeviceGives) {
  return {
    ok: !hasErrors(plan.diagnostics),
    domain: plan.domain,
    kind: plan.kind,
    devices: gives ? plan.devices.map((d) => ({ ...d, gives: gives.json(d) })) : plan.devices,
    diagnostics: plan.diagnostics,
  };
}

export function describeOp(op: PlanOp): string {
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
  const lines = [`${plan.kind} plan for domain ${plan.domain ?? '(unnamed)'}: ${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'}`];
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

/** Single-quoted for sh: the only character needing care inside '' is ' itself. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The same writes, checks and reverse-order rollback as the executor, without Node. Paths are
 * taken under $MDEV_AGG_ROOT (default /); attribute files must exist before they are written.
 */
export function planShell(plan: Plan): string {
  const out = [
    '#!/bin/sh',
    `# mdev-agg ${plan.kind} plan for domain ${plan.domain ?? '(unnamed)'}`,
    '# Runs the planned sysfs writes with the same checks; on failure removes what it created, newest first.',
    'set -u',
    'root="${MDEV_AGG_ROOT:-}"',
    'root="${root%/}"',
    'undo=""',
    'rollback() {',
    '  for u in $undo; do',
    '    r="$root/sys/bus/mdev/devices/$u/remove"',
    '    if in_use "$r"; then echo "mdev-agg: rollback of $u: in use, not removed" >&2',
    '    elif [ -f "$r" ]; then printf %s 1 > "$r" || echo "mdev-agg: rollback of $u failed" >&2; fi',
    '  done',
    '  undo=""',
    '}',
    'fail() { echo "mdev-agg: $*" >&2; rollback; exit 1; }',
    '# A remove of an open device blocks until the VM lets go; a held VFIO group will not open.',
    'in_use() {',
    '  g=$(readlink -f "$root${1%/remove}/iommu_group" 2>/dev/null) || return 1',
    '  g=${g##*/}',
    '  [ -c "$root/dev/vfio/$g" ] || return 1',
    '  if ( exec 3<>"$root/dev/vfio/$g" ) 2>/dev/null; then return 1; fi',
    '  return 0',
    '}',
    'write() {',
    '  [ -f "$root$1" ] || fail "no attribute file $1"',
    '  case "$1" in */remove) ! in_use "$1" || fail "${1%/remove} is in use (its VFIO group is held open)";; esac',
    '  printf %s "$2" > "$root$1" || fail "write $2 to $1 refused"',
    '}',
    'expect_eq() {',
    '  v=$(cat "$root$1" 2>/dev/null) || fail "cannot read $1"',
    '  [ "$v" = "$2" ] || fail "$1 reads $v, expected $2"',
    '}',
    'expect_ge() {',
    '  v=$(cat "$root$1" 2>/dev/null) || fail "cannot read $1"',
    '  case "$v" in ""|*[!0-9]*) fail "$1 reads $v, not a number";; esac',
    '  [ "$v" -ge "$2" ] || fail "$1 reads $v, at least $2 needed"',
    '}',
    'expect_present() { [ -e "$root$1" ] || fail "$1 does not exist"; }',
    'expect_absent() { [ ! -e "$root$1" ] || fail "$1 exists"; }',
  ];
  if (hasErrors(plan.diagnostics)) {
    out.push(`fail ${sq(`the plan has errors: ${plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code).join(', ')}`)}`);
    return out.join('\n') + '\n';
  }
  for (const d of plan.devices) {
    out.push('', `# ${d.uuid}: ${d.type} x${d.instances} on ${d.parent || '(any)'} [${d.dialect}] ${d.action}`);
    for (const op of d.ops) {
      out.push(shellOp(op));
      // The device exists once its create write returned: from then on it is ours to undo.
      if (op.op === 'write' && op.path.endsWith('/create')) out.push(`undo="${d.uuid} $undo"`);
    }
  }
  out.push('', 'exit 0');
  return out.join('\n') + '\n';
}

function shellOp(op: PlanOp): string {
  switch (op.op) {
    case 'write':
      return `write ${sq(op.path)} ${sq(op.data)}`;
    case 'expect':
      return `${op.compare === 'eq' ? 'expect_eq' : 'expect_ge'} ${sq(op.path)} ${sq(op.value)}`;
    case 'exists':
      return `${op.value ? 'expect_present' : 'expect_absent'} ${sq(op.path)}`;
  }
}
