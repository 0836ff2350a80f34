#!/usr/bin/env bash
# Installs, from Debian, what `npm run bench` compares against or measures with, when missing:
#   xmllint, libvirt's RelaxNG schemas, virsh, a C compiler   (scripts/setup-test-tools.sh)
#   mdevctl                                     (mdevctl)
#   GNU time, for peak RSS                      (time)
#   unshare, for mdevctl's private mount namespace (util-linux, essential on Debian)
# Does nothing (and touches no network) when everything is present.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash scripts/setup-test-tools.sh

missing=()
command -v mdevctl >/dev/null 2>&1 || missing+=(mdevctl)
[[ -x /usr/bin/time ]] || missing+=(time)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[[ ${#missing[@]} -eq 0 ]] && exit 0

fail() {
  echo "bench-setup: $*" >&2
  exit 1
}
command -v apt-get >/dev/null 2>&1 || fail "missing Debian packages ${missing[*]} and apt-get is not available; install the equivalents by hand"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || fail "missing Debian packages ${missing[*]}; run as root: apt-get install --no-install-recommends ${missing[*]}"
  as_root=(sudo)
fi
apt_get=(env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600)
echo "bench-setup: installing ${missing[*]}" >&2
"${as_root[@]}" "${apt_get[@]}" update -qq || fail "apt-get update failed"
"${as_root[@]}" "${apt_get[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || fail "apt-get install ${missing[*]} failed"
command -v mdevctl >/dev/null 2>&1 || fail "mdevctl is still missing after installing it"
[[ -x /usr/bin/time ]] || fail "/usr/bin/time is still missing after installing time"
echo "bench-setup: done" >&2
