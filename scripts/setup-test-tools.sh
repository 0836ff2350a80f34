#!/usr/bin/env bash
# Installs, from Debian, the tools the test suite needs when they are missing:
#   xmllint                              (libxml2-utils)
#   libvirt's RelaxNG schemas            (libvirt0: /usr/share/libvirt/schemas/*.rng)
#   virsh                                (libvirt-clients)
#   mdevctl                              (mdevctl: the export tests run it on fixture trees)
#   lintian, dpkg-dev                    (the Debian package test checks npm run package:deb's .deb)
#   man                                  (man-db: the manual page tests render mdev-agg(1))
#   dash and bash                        (the hook wrapper's tests run it under both)
#   a C compiler and libc's headers      (gcc, libc6-dev: the benchmark's timer, test/bench/lib/spawn-timer.c)
#   GNU time                             (time: the benchmark's peak RSS, CPU time and page faults)
# Does nothing (and touches no network) when everything is present. libvirt's schemas are used
# from their installed location; they are never copied into the repository.
set -euo pipefail

SCHEMA_DIR=/usr/share/libvirt/schemas

missing=()
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
if [[ ! -r "$SCHEMA_DIR/domain.rng" || ! -r "$SCHEMA_DIR/domaincommon.rng" || ! -r "$SCHEMA_DIR/basictypes.rng" ]]; then
  missing+=(libvirt0)
fi
command -v virsh >/dev/null 2>&1 || missing+=(libvirt-clients)
command -v mdevctl >/dev/null 2>&1 || missing+=(mdevctl)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)
command -v dpkg-architecture >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v man >/dev/null 2>&1 || missing+=(man-db)
command -v dash >/dev/null 2>&1 || missing+=(dash)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
[[ -r /usr/include/stdio.h ]] || missing+=(libc6-dev)
[[ -x /usr/bin/time ]] || missing+=(time)

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

fail() {
  echo "setup-test-tools: $*" >&2
  echo "setup-test-tools: the tests need: xmllint (libxml2-utils), $SCHEMA_DIR/domain.rng (libvirt0), virsh (libvirt-clients), mdevctl (mdevctl), lintian (lintian), dpkg-architecture (dpkg-dev), man (man-db), dash (dash), cc (gcc), /usr/include/stdio.h (libc6-dev), /usr/bin/time (time)" >&2
  exit 1
}

if ! command -v apt-get >/dev/null 2>&1; then
  fail "missing Debian packages ${missing[*]} and apt-get is not available; install the equivalent packages by hand"
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    fail "missing Debian packages ${missing[*]}; not root and sudo is not available. Run as root: apt-get install --no-install-recommends ${missing[*]}"
  fi
fi

# Another apt run (a provisioning step, a parallel job) may hold the dpkg lock: wait for it.
apt_get=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)

echo "setup-test-tools: installing ${missing[*]}" >&2
"${as_root[@]}" "${apt_get[@]}" update -qq ||
  fail "apt-get update failed"
"${as_root[@]}" "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  fail "apt-get install ${missing[*]} failed"

# Check the result, not just apt's exit status.
command -v xmllint >/dev/null 2>&1 || fail "xmllint is still missing after installing libxml2-utils"
[[ -r "$SCHEMA_DIR/domain.rng" ]] || fail "$SCHEMA_DIR/domain.rng is still missing after installing libvirt0"
command -v virsh >/dev/null 2>&1 || fail "virsh is still missing after installing libvirt-clients"
command -v mdevctl >/dev/null 2>&1 || fail "mdevctl is still missing after installing mdevctl"
command -v lintian >/dev/null 2>&1 || fail "lintian is still missing after installing lintian"
command -v dpkg-architecture >/dev/null 2>&1 || fail "dpkg-architecture is still missing after installing dpkg-dev"
command -v man >/dev/null 2>&1 || fail "man is still missing after installing man-db"
command -v dash >/dev/null 2>&1 || fail "dash is still missing after installing dash"
command -v cc >/dev/null 2>&1 || fail "cc is still missing after installing gcc"
[[ -r /usr/include/stdio.h ]] || fail "/usr/include/stdio.h is still missing after installing libc6-dev"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time is still missing after installing time"
echo "setup-test-tools: done" >&2
