#!/usr/bin/env bash
# Kernel scenarios: the project's CLI and test mdev driver against the real mdev core of Debian's
# kernel, booted under qemu. Builds what it needs under .cache/kernel/, boots once, runs every
# test/kernel/scenarios/*.sh inside the guest, prints the guest's console and each scenario's
# PASS/FAIL/SKIP lines, and exits non-zero when a scenario fails or the guest does not finish.
# How to run and how to add a scenario: test/kernel/README.md.
set -euo pipefail

started=$SECONDS
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/../.." && pwd)
cache=$project/.cache/kernel
results=$here/results
expected_writes=$here/expected/kernel-writes.jsonl

kernel_abi=${MDEV_AGG_KERNEL_ABI:-6.1.0-56-amd64}
# Seconds until the guest prints its first line, and for the whole guest run.
boot_timeout=${MDEV_AGG_BOOT_TIMEOUT:-90}
kvm_boot_timeout=${MDEV_AGG_KVM_BOOT_TIMEOUT:-20}
run_timeout=${MDEV_AGG_RUN_TIMEOUT:-1800}
# Scenario names (file names without .sh) to run instead of all, separated by spaces.
only_scenarios=${MDEV_AGG_SCENARIOS:-}
apt_timeout=600
lock_timeout=900

say() { printf 'kernel-tests: %s\n' "$*"; }
die() {
	say "ERROR: $*"
	say "total $((SECONDS - started)) s"
	echo "kernel: 0 passed, 1 failed, 0 skipped"
	exit 1
}
elapsed() { printf '%ds' "$((SECONDS - started))"; }

package_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_updated=0
apt_update_once() {
	if [ "$apt_updated" = 0 ]; then
		timeout "$apt_timeout" apt-get update -qq || die "apt-get update failed"
		apt_updated=1
	fi
}

# The pinned kernel when Debian still has it, else the one linux-image-amd64 points at today.
resolve_kernel_abi() {
	if package_installed "linux-headers-$kernel_abi" || apt-cache show "linux-image-$kernel_abi" >/dev/null 2>&1; then
		return
	fi
	apt_update_once
	apt-cache show "linux-image-$kernel_abi" >/dev/null 2>&1 && return
	local current
	current=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\(.*\)$/\1/p' | head -n1)
	[ -n "$current" ] || die "linux-image-$kernel_abi is not in Debian's lists and linux-image-amd64 names no kernel"
	say "linux-image-$kernel_abi is gone from Debian's lists; using $current"
	kernel_abi=$current
}

install_packages() {
	# libvirt's daemon, QEMU driver and virsh run inside the guest from the host's root (libvirt.sh):
	# the distribution's packages without libvirt-daemon-system, which would set the daemon up to run
	# on this host (users, service units, polkit, firewall).
	local wanted=(qemu-system-x86 busybox-static "linux-headers-$kernel_abi" gcc make libc6-dev kmod cpio procps
		libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)
	local missing=()
	for package in "${wanted[@]}"; do
		package_installed "$package" || missing+=("$package")
	done
	[ "${#missing[@]}" = 0 ] && return
	say "installing ${missing[*]}"
	apt_update_once
	DEBIAN_FRONTEND=noninteractive timeout "$apt_timeout" \
		apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 "${missing[@]}" >"$cache/apt-install.log" 2>&1 ||
		{ tail -n 20 "$cache/apt-install.log"; die "apt-get install failed"; }
}

# The kernel image package is unpacked under the cache rather than installed: installing it would
# run the host's initramfs and boot loader hooks for a kernel the host never boots.
unpack_kernel() {
	kernel_root=$cache/$kernel_abi/image
	vmlinuz=$kernel_root/boot/vmlinuz-$kernel_abi
	[ -f "$vmlinuz" ] && [ -f "$kernel_root/lib/modules/$kernel_abi/modules.dep" ] && return
	say "fetching linux-image-$kernel_abi"
	apt_update_once
	rm -rf "$cache/$kernel_abi/deb" "$kernel_root"
	mkdir -p "$cache/$kernel_abi/deb" "$kernel_root"
	(cd "$cache/$kernel_abi/deb" && timeout "$apt_timeout" apt-get download -q -o APT::Sandbox::User=root "linux-image-$kernel_abi") ||
		die "apt-get download linux-image-$kernel_abi failed"
	dpkg-deb -x "$cache/$kernel_abi"/deb/linux-image-*.deb "$kernel_root"
	# Debian's package ships no modules.dep: depmod writes it at install time.
	depmod -b "$kernel_root" "$kernel_abi"
}

build_driver() {
	local build=$cache/$kernel_abi/driver
	mkdir -p "$build"
	# kbuild writes its objects beside the sources, so it builds a copy: the project tree stays clean.
	for source in "$here"/driver/*; do
		cmp -s "$source" "$build/$(basename "$source")" || cp "$source" "$build/"
	done
	timeout 300 make -s -C "/usr/src/linux-headers-$kernel_abi" M="$build" modules >"$build/make.log" 2>&1 ||
		{ cat "$build/make.log"; die "building the test driver failed"; }
	if grep -q 'warning:' "$build/make.log"; then
		cat "$build/make.log"
		die "the test driver builds with warnings"
	fi
	driver_module=$build/mdev_agg_test.ko
}

build_tools() {
	mkdir -p "$cache/tools"
	for source in "$here"/tools/*.c; do
		local name
		name=$(basename "$source" .c)
		name=${name//_/-}
		if [ ! -x "$cache/tools/$name" ] || [ "$source" -nt "$cache/tools/$name" ]; then
			timeout 120 gcc -static -O2 -Wall -Wextra -Werror -o "$cache/tools/$name" "$source" || die "building $name failed"
		fi
	done
}

# Modules the guest loads, with everything they depend on, as Debian's modules.dep says.
guest_module_files() {
	local module
	for module in virtio_pci 9pnet_virtio 9p vfio vfio_iommu_type1 mdev; do
		modprobe -d "$kernel_root" -S "$kernel_abi" --show-depends "$module" || return 1
	done | sed -n 's/^insmod \([^ ]*\).*/\1/p' | sort -u
}

build_initramfs() {
	local root=$cache/$kernel_abi/initramfs node_bin stamp
	initrd=$cache/$kernel_abi/initramfs.cpio
	node_bin=$(readlink -f "$(command -v node)") || die "node is not installed on the host"
	stamp=$({
		sha256sum "$here/guest/init" "$driver_module" "$cache"/tools/* /bin/busybox
		stat -c '%n %s %Y' "$node_bin"
		echo "$kernel_abi"
	} | sha256sum | cut -d' ' -f1)
	[ -f "$initrd" ] && [ "$(cat "$initrd.stamp" 2>/dev/null)" = "$stamp" ] && return
	say "building the initramfs"
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/local/bin,proc,sys,dev,tmp,run,mnt,etc,root}
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	cp "$here/guest/init" "$root/init"
	chmod 755 "$root/init"

	local modules=$root/lib/modules/$kernel_abi module_files
	module_files=$(guest_module_files) || die "resolving the guest's modules failed"
	mkdir -p "$modules/extra"
	while read -r file; do
		mkdir -p "$modules/$(dirname "${file#"$kernel_root/lib/modules/$kernel_abi/"}")"
		cp "$file" "$modules/${file#"$kernel_root/lib/modules/$kernel_abi/"}"
	done <<<"$module_files"
	cp "$kernel_root/lib/modules/$kernel_abi"/modules.{builtin,builtin.modinfo,order} "$modules/"
	cp "$driver_module" "$modules/extra/"
	depmod -b "$root" "$kernel_abi"

	# The host's node with the shared libraries it links, at the same paths.
	cp "$node_bin" "$root/usr/bin/node"
	ldd "$node_bin" | grep -o '/[^ ]*' | while read -r library; do
		cp -L --parents "$library" "$root/"
	done
	cp "$cache"/tools/* "$root/usr/local/bin/"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"

	# Uncompressed: the guest unpacks it faster than it would decompress it under emulation.
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) >"$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	echo "$stamp" >"$initrd.stamp"
}

# Boots the guest once with the given accelerator. Returns 0 when the guest ran to the end,
# 10 when it printed nothing within the boot timeout, 1 on any other failure.
boot_guest() {
	local accel=$1 first_line_timeout=$2 cpu
	console=$cache/console.log
	rm -rf "$cache/out" "$console"
	mkdir -p "$cache/out"
	[ -z "$only_scenarios" ] || echo "$only_scenarios" >"$cache/out/only-scenarios"
	# The libvirt scenarios run the host's own libvirtd, node and this project at their host paths.
	echo "$project" >"$cache/out/host-project"
	readlink -f "$(command -v node)" >"$cache/out/host-node"
	: >"$console"
	if [ "$accel" = kvm ]; then cpu=host; else cpu=max; fi
	say "booting $kernel_abi ($accel)"
	boot_started=$SECONDS
	# In a subshell whose output goes to qemu.log, bash's note of qemu dying of a signal included.
	(timeout -k 5 "$run_timeout" qemu-system-x86_64 \
		-nodefaults -no-user-config -no-reboot \
		-machine pc -accel "$accel" -cpu "$cpu" -smp 2 -m 2048 \
		-display none -monitor none -serial "file:$console" \
		-kernel "$vmlinuz" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init" \
		-virtfs "local,path=$project,mount_tag=project,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$cache/out,mount_tag=out,security_model=none,multidevs=remap" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		|| exit $?) >"$cache/qemu.log" 2>&1 &
	local qemu=$!
	booted_after=
	while kill -0 "$qemu" 2>/dev/null; do
		if [ -z "$booted_after" ] && grep -q 'mdev-agg-guest: booted' "$console"; then
			booted_after=$((SECONDS - boot_started))
			say "guest booted in ${booted_after}s"
		fi
		if [ -z "$booted_after" ] && [ $((SECONDS - boot_started)) -ge "$first_line_timeout" ]; then
			# The timeout process, the subshell's only child, passes the signal on to qemu.
			pkill -TERM -P "$qemu" 2>/dev/null
			wait "$qemu" 2>/dev/null || true
			return 10
		fi
		sleep 0.5
	done
	local status=0
	wait "$qemu" || status=$?
	guest_seconds=$((SECONDS - boot_started))
	if [ -z "$booted_after" ] && ! grep -q 'mdev-agg-guest: booted' "$console"; then
		sed 's/^/  qemu: /' "$cache/qemu.log"
		return 10
	fi
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		say "the guest did not finish within ${run_timeout}s"
		return 1
	fi
	if [ "$status" != 0 ]; then
		cat "$cache/qemu.log"
		say "qemu exited with status $status"
		return 1
	fi
	return 0
}

# KVM when it is shown to boot; its verdict on this host kernel is kept so reruns do not probe again.
run_guest() {
	local verdict_file=$cache/kvm-verdict host_kernel status=0
	host_kernel=$(uname -r)
	local accel=${MDEV_AGG_ACCEL:-}
	if [ -z "$accel" ]; then
		if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "$(cat "$verdict_file" 2>/dev/null)" != "hangs $host_kernel" ]; then
			boot_guest kvm "$kvm_boot_timeout" || status=$?
			if [ "$status" != 10 ]; then
				echo "boots $host_kernel" >"$verdict_file"
				return "$status"
			fi
			say "the KVM guest did not boot (limit ${kvm_boot_timeout}s); using TCG"
			echo "hangs $host_kernel" >"$verdict_file"
			status=0
		fi
		accel=tcg
	fi
	boot_guest "$accel" "$boot_timeout" || status=$?
	[ "$status" = 10 ] && say "the guest did not boot within ${boot_timeout}s"
	return "$status"
}

report() {
	local guest_status=$1 passed failed skipped
	say "guest console:"
	sed 's/^/  | /' "$console"
	mkdir -p "$results"
	rm -f "$results"/{console.log,scenarios.txt,kernel-writes.jsonl,kernel-writes.diff}
	rm -rf "$results/libvirt"
	cp "$console" "$results/console.log"
	: >"$results/scenarios.txt"
	[ -f "$cache/out/scenario-results.txt" ] && cp "$cache/out/scenario-results.txt" "$results/scenarios.txt"
	[ -f "$cache/out/kernel-writes.jsonl" ] && cp "$cache/out/kernel-writes.jsonl" "$results/kernel-writes.jsonl"
	[ -d "$cache/out/libvirt" ] && cp -r "$cache/out/libvirt" "$results/libvirt"

	if compgen -G "$results/libvirt/*-steps.txt" >/dev/null; then
		say "libvirt steps (scenario | step | status | message | devices: uuid type count | QEMU sysfsdev | pool: available plain/agg before -> after):"
		cat "$results"/libvirt/*-steps.txt | sed 's/^/  /'
	fi
	say "results:"
	sed 's/^/  /' "$results/scenarios.txt"
	passed=$(grep -c '^PASS ' "$results/scenarios.txt" || true)
	failed=$(grep -c '^FAIL ' "$results/scenarios.txt" || true)
	skipped=$(grep -c '^SKIP ' "$results/scenarios.txt" || true)

	if [ "$guest_status" = 0 ] && ! grep -q '^mdev-agg-guest: done ' "$console"; then
		guest_status=1
	fi
	if [ "$guest_status" != 0 ]; then
		echo "FAIL guest: the guest did not boot or did not reach the end of its scenarios"
		failed=$((failed + 1))
	fi
	if [ -n "$only_scenarios" ]; then
		say "only $only_scenarios ran: the raw writes are not compared with $expected_writes"
	elif [ "$guest_status" = 0 ]; then
		if compare_writes; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	fi
	say "boot ${booted_after:-?}s, guest ${guest_seconds:-?}s, total $(elapsed)"
	# In CI every scenario runs: a skipped one (a CLI that does not answer, say) is a failure there.
	if [ "${CI:-}" = true ] && [ "$skipped" != 0 ]; then
		echo "FAIL skips: $skipped scenario checks were skipped, and CI runs them all"
		failed=$((failed + 1))
	fi
	echo "kernel: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
}

# The raw writes and the kernel's answers are a golden file: the simulated kernel is held to it.
# MDEV_AGG_REGENERATE=1 rewrites it from this run.
compare_writes() {
	local actual=$results/kernel-writes.jsonl
	if [ ! -s "$actual" ]; then
		echo "FAIL kernel-writes: the guest logged no raw write"
		return 1
	fi
	if [ "${MDEV_AGG_REGENERATE:-}" = 1 ]; then
		mkdir -p "$(dirname "$expected_writes")"
		cp "$actual" "$expected_writes"
		echo "PASS kernel-writes: regenerated $expected_writes ($(wc -l <"$actual") writes)"
		return 0
	fi
	if [ ! -f "$expected_writes" ]; then
		echo "FAIL kernel-writes: $expected_writes is missing (MDEV_AGG_REGENERATE=1 writes it)"
		return 1
	fi
	if diff -u "$expected_writes" "$actual" >"$results/kernel-writes.diff"; then
		echo "PASS kernel-writes: $(wc -l <"$actual") raw writes answered as in $expected_writes"
		return 0
	fi
	echo "FAIL kernel-writes: answers differ from $expected_writes (diff in $results/kernel-writes.diff):"
	head -n 40 "$results/kernel-writes.diff"
	return 1
}

# The guest runs dist/mdev-agg.js as it is: say so when it is missing or older than its sources.
check_cli_bundle() {
	local bundle=$project/dist/mdev-agg.js newer
	if [ ! -f "$bundle" ]; then
		say "dist/mdev-agg.js is not built: the CLI scenarios will be skipped (npm run build)"
		return
	fi
	newer=$(find "$project/src" -newer "$bundle" -type f -print -quit 2>/dev/null)
	[ -z "$newer" ] || say "WARNING: dist/mdev-agg.js is older than ${newer#"$project/"}: the CLI scenarios test the old bundle (npm run build)"
}

main() {
	[ "$(id -u)" = 0 ] || die "needs root (apt-get, and qemu's 9p shares of root-owned files)"
	mkdir -p "$cache"
	# One run at a time per checkout: runs share the cache, the guest's output and two cores.
	exec 9>"$cache/run.lock"
	if ! flock -n 9; then
		say "another kernel test run holds $cache/run.lock; waiting at most ${lock_timeout}s"
		flock -w "$lock_timeout" 9 || die "the other run did not finish within ${lock_timeout}s"
	fi
	resolve_kernel_abi
	install_packages
	unpack_kernel
	build_driver
	build_tools
	build_initramfs
	check_cli_bundle
	say "prepared in $(elapsed)"
	local status=0
	run_guest || status=$?
	report "$status"
}

main "$@"
