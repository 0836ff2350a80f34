# Helpers for the libvirt scenarios (scenarios/*-libvirt-*.sh), loaded after lib.sh, and by the
# runner to reset the host between scenarios. libvirtd, virsh and QEMU are the host's own: its root
# is shared read-only over 9p (tag hostroot) and mounted at $HOST_ROOT with the guest's /proc, /sys
# and /dev bound in and tmpfs over what libvirt writes (/etc/libvirt, /run, /tmp, /var). Commands
# run there under chroot, so the hook that libvirtd runs sees the real mdev core. See README.md.

HOST_ROOT=/mnt/host
# The project and node at their paths on the host, as the hook wrapper written inside the root names them.
HOST_PROJECT=${HOST_PROJECT:-}
HOST_CLI=$HOST_PROJECT/dist/mdev-agg.js
HOST_NODE=${HOST_NODE:-/usr/bin/node}
LIBVIRTD_LOG=/var/log/libvirt/libvirtd.log
# Seconds libvirtd may take to answer after it starts: the first start probes QEMU's capabilities.
LIBVIRTD_START_TIMEOUT=${LIBVIRTD_START_TIMEOUT:-120}
# Where each libvirt scenario leaves libvirtd's log, QEMU's logs and its table of steps.
LIBVIRT_OUT=${RESULTS_FILE%/*}/libvirt
# The system log the hook writes to: the root's /dev/log is the guest's (bound in), where
# syslog-listen (tools/) stands in for a syslog daemon, one message a line in SYSLOG_FILE.
SYSLOG_SOCKET=/dev/log
SYSLOG_FILE=${SCENARIO_DIR:-/tmp}/syslog.txt

# $IN_ROOT PROGRAM ARGS... (unquoted, a program for expect_exit) or in_root PROGRAM ARGS...: runs a
# program of the host's root with a clean environment.
IN_ROOT="chroot $HOST_ROOT /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8 LIBVIRT_DEFAULT_URI=qemu:///system"
in_root() {
	$IN_ROOT "$@"
}

# host_root_mounted: the host's root is mounted (busybox has no mountpoint).
host_root_mounted() {
	grep -q "^hostroot $HOST_ROOT " /proc/mounts
}

# libvirt_root: mounts the host's root once per boot and writes libvirt's configuration for this
# VM: no KVM (domains are type 'qemu', TCG), no cgroups or namespaces, no security driver, QEMU
# as root, QEMU's output to files instead of virtlogd, no polkit; the hook calls and their results
# at debug level in libvirtd's log.
libvirt_root() {
	host_root_mounted && return 0
	mkdir -p "$HOST_ROOT" /tmp/etc-libvirt || return 1
	# Read-only and never changed while the guest runs, so the guest may cache it freely.
	mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot "$HOST_ROOT" || return 1
	for libvirt_root_dir in proc sys dev; do
		mount -o bind "/$libvirt_root_dir" "$HOST_ROOT/$libvirt_root_dir" || return 1
	done
	for libvirt_root_dir in run tmp var; do
		mount -t tmpfs -o mode=0755 tmpfs "$HOST_ROOT/$libvirt_root_dir" || return 1
	done
	chmod 1777 "$HOST_ROOT/tmp"
	# The project at its host path, also where a tmpfs above hides it (a checkout under /tmp or /var).
	mkdir -p "$HOST_ROOT$HOST_PROJECT" 2>/dev/null
	mount -o bind /mnt/project "$HOST_ROOT$HOST_PROJECT" || return 1
	ln -s /run "$HOST_ROOT/var/run"
	ln -s /run/lock "$HOST_ROOT/var/lock"
	mkdir -p "$HOST_ROOT/run/lock" "$HOST_ROOT/var/tmp" "$HOST_ROOT/var/lib/libvirt" \
		"$HOST_ROOT/var/log/libvirt" "$HOST_ROOT/var/cache/libvirt"
	# libvirt-daemon-system would add the QEMU driver's default user and group, which libvirtd resolves
	# before it reads qemu.conf: the root's passwd and group gain them, over the read-only files.
	for libvirt_root_db in passwd group; do
		cp "$HOST_ROOT/etc/$libvirt_root_db" "/tmp/etc-$libvirt_root_db" || return 1
		grep -q '^libvirt-qemu:' "/tmp/etc-$libvirt_root_db" ||
			case $libvirt_root_db in
			passwd) echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' ;;
			group) echo 'libvirt-qemu:x:64055:' ;;
			esac >>"/tmp/etc-$libvirt_root_db"
		mount -o bind "/tmp/etc-$libvirt_root_db" "$HOST_ROOT/etc/$libvirt_root_db" || return 1
	done
	# The distribution's files in /etc/libvirt stay; the daemon's and the driver's configuration join them.
	cp -a "$HOST_ROOT/etc/libvirt/." /tmp/etc-libvirt/ &&
		mount -t tmpfs -o mode=0755 tmpfs "$HOST_ROOT/etc/libvirt" &&
		cp -a /tmp/etc-libvirt/. "$HOST_ROOT/etc/libvirt/" || return 1
	cat >"$HOST_ROOT/etc/libvirt/libvirtd.conf" <<'EOF'
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = "1:util.command 1:util.hook 1:qemu.qemu_process"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
EOF
	cat >"$HOST_ROOT/etc/libvirt/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
EOF
}

# libvirtd_start: starts the daemon in the root and waits until virsh gets an answer.
libvirtd_start() {
	in_root /usr/sbin/libvirtd --daemon || {
		fail "libvirtd starts" "libvirtd --daemon exited $?: $(tail -n 5 "$HOST_ROOT$LIBVIRTD_LOG" 2>&1 | tr '\n' ' ')"
		return 1
	}
	libvirtd_waited=0
	until in_root virsh -q uri >/dev/null 2>&1; do
		if [ "$libvirtd_waited" -ge $((LIBVIRTD_START_TIMEOUT * 2)) ]; then
			fail "libvirtd answers within ${LIBVIRTD_START_TIMEOUT}s" "$(tail -n 5 "$HOST_ROOT$LIBVIRTD_LOG" 2>&1 | tr '\n' ' ')"
			return 1
		fi
		sleep 0.5
		libvirtd_waited=$((libvirtd_waited + 1))
	done
}

# libvirtd_pid: the running daemon's pid, empty when there is none.
libvirtd_pid() {
	libvirtd_pid_now=$(cat "$HOST_ROOT/run/libvirtd.pid" 2>/dev/null)
	[ -n "$libvirtd_pid_now" ] && kill -0 "$libvirtd_pid_now" 2>/dev/null && echo "$libvirtd_pid_now"
}

# root_processes NAME: pids of the processes whose program is the root's /usr/bin/NAME or /usr/sbin/NAME.
root_processes() {
	for root_processes_dir in /proc/[0-9]*; do
		case $(readlink "$root_processes_dir/exe" 2>/dev/null) in
		"$HOST_ROOT/usr/bin/$1" | "$HOST_ROOT/usr/sbin/$1") echo "${root_processes_dir#/proc/}" ;;
		esac
	done
}

# kill_and_wait SIGNAL PID...: signals the processes and waits until they are gone (10 s at most);
# 1 when one is left.
kill_and_wait() {
	kill_signal=$1
	shift
	[ $# -gt 0 ] || return 0
	kill "-$kill_signal" "$@" 2>/dev/null
	kill_waited=0
	for kill_pid in "$@"; do
		while [ -e "/proc/$kill_pid" ] && [ "$kill_waited" -lt 100 ]; do
			sleep 0.1
			kill_waited=$((kill_waited + 1))
		done
		[ -e "/proc/$kill_pid" ] && return 1
	done
	return 0
}

# kill_libvirtd: libvirtd, which must be running, killed with SIGKILL; checked gone.
kill_libvirtd() {
	kill_libvirtd_pid=$(libvirtd_pid)
	check "libvirtd runs before it is killed" [ -n "$kill_libvirtd_pid" ]
	[ -n "$kill_libvirtd_pid" ] || return 1
	if kill_and_wait KILL "$kill_libvirtd_pid" && [ ! -e "/proc/$kill_libvirtd_pid" ]; then
		pass "libvirtd $kill_libvirtd_pid is gone after SIGKILL"
	else
		fail "libvirtd $kill_libvirtd_pid is gone after SIGKILL" "still in /proc after 10 s"
		return 1
	fi
}

# await_hook_call WHAT GUEST CALL [SECONDS]: waits (30 s by default) until libvirtd's log holds the
# Result of the hook's CALL ("op subop extra") for GUEST since step_begin. Work libvirt does in its
# own threads (the reconnect after a restart, the stop after a crash) ends with that hook, so its
# Result is the point from which the checks of its effects hold.
await_hook_call() {
	await_hook_waited=0
	until hook_calls | grep -Eq "^$2 $3 => ([0-9]|error)"; do
		if [ "$await_hook_waited" -ge $((${4:-30} * 2)) ]; then
			fail "$1" "no Result of the hook's '$3' for $2 in ${4:-30} s: $(hook_calls | tr '\n' ';')"
			return 1
		fi
		sleep 0.5
		await_hook_waited=$((await_hook_waited + 1))
	done
	pass "$1"
}

# libvirt_reset: no libvirtd, no QEMU, no domain, no hook, no mdev-agg run files in the root: each
# libvirt scenario starts from a fresh daemon. QEMU's capabilities cache is kept.
libvirt_reset() {
	host_root_mounted || return 0
	kill_and_wait KILL $(root_processes libvirtd) $(root_processes qemu-system-x86_64)
	# The syslog listener is the scenario's (in BACKGROUND_PIDS); its socket goes with it.
	rm -f "$SYSLOG_SOCKET"
	rm -rf "$HOST_ROOT/run/libvirt" "$HOST_ROOT/run/libvirtd.pid" "$HOST_ROOT/run/mdev-agg" \
		"$HOST_ROOT/etc/libvirt/qemu" "$HOST_ROOT/etc/libvirt/hooks" \
		"$HOST_ROOT/var/lib/libvirt/qemu" "$HOST_ROOT/var/log/libvirt/"*
}

# libvirt_setup: the root, the hook installed as a user installs it (then libvirtd starts, which
# reads hook scripts when it starts), libvirtd running. A failure ends the scenario.
libvirt_setup() {
	if [ -z "$HOST_PROJECT" ] || ! libvirt_root || [ ! -f "$HOST_ROOT$HOST_CLI" ]; then
		fail "the host's root is mounted with the built CLI at ${HOST_CLI:-?}"
		exit 0
	fi
	mkdir -p "$LIBVIRT_OUT"
	LIBVIRT_STEPS=$LIBVIRT_OUT/$SCENARIO-steps.txt
	: >"$LIBVIRT_STEPS"
	expect_exit "mdev-agg hook install (in the host's root)" 0 $IN_ROOT "$HOST_NODE" "$HOST_CLI" hook install
	check "the hook is an executable file in libvirt's qemu.d" [ -x "$HOST_ROOT/etc/libvirt/hooks/qemu.d/mdev-agg" ]
	check "the hook in qemu.d is mdev-agg's wrapper (its marker line)" \
		grep -qx '# mdev-agg-hook-wrapper: written by mdev-agg hook install' "$HOST_ROOT/etc/libvirt/hooks/qemu.d/mdev-agg"
	# The log lines hook_calls reads, the metadata form, x-enable-migration and the v1 migration
	# region the test driver offers are those of these versions.
	libvirt_version=$(in_root libvirtd --version 2>&1)
	case $libvirt_version in
	"libvirtd (libvirt) 9.0."[0-9]*) pass "libvirtd is libvirt 9.0.x ($libvirt_version)" ;;
	*) fail "libvirtd is libvirt 9.0.x" "libvirtd --version: '$libvirt_version'" ;;
	esac
	qemu_version=$(in_root qemu-system-x86_64 --version 2>&1 | sed -n 1p)
	case $qemu_version in
	"QEMU emulator version 7.2."[0-9]*) pass "QEMU is 7.2.x ($qemu_version)" ;;
	*) fail "QEMU is 7.2.x" "qemu-system-x86_64 --version: '$qemu_version'" ;;
	esac
	syslog_start || exit 0
	libvirtd_start || exit 0
	pass "libvirtd answers, with the hook installed"
}

# libvirt_finish: keeps the logs in the results and leaves no domain running.
libvirt_finish() {
	cp "$HOST_ROOT$LIBVIRTD_LOG" "$LIBVIRT_OUT/$SCENARIO-libvirtd.log" 2>/dev/null
	cp "$SYSLOG_FILE" "$LIBVIRT_OUT/$SCENARIO-syslog.txt" 2>/dev/null
	for libvirt_finish_log in "$HOST_ROOT"/var/log/libvirt/qemu/*.log; do
		[ -f "$libvirt_finish_log" ] && cp "$libvirt_finish_log" "$LIBVIRT_OUT/$SCENARIO-qemu-${libvirt_finish_log##*/}"
	done
	libvirt_reset
}

# virsh_call WHAT CODE ARGS...: virsh ARGS in the root; exit code CODE (output in STDOUT_FILE, STDERR_FILE).
virsh_call() {
	virsh_call_what=$1
	virsh_call_code=$2
	shift 2
	expect_exit "$virsh_call_what" "$virsh_call_code" $IN_ROOT virsh "$@"
}

# libvirt_domain_xml FILE NAME DEVICE...: a domain for this VM (TCG, 32 MiB, no disk, no USB, no
# balloon) with one mdev hostdev per DEVICE ("uuid:type:instances[:parent]"), in the metadata form;
# none: a guest without aggregation.
libvirt_domain_xml() {
	DOMAIN_XML_TYPE=qemu DOMAIN_XML_MEMORY_MIB=32 \
		DOMAIN_XML_DEVICES="<emulator>/usr/bin/qemu-system-x86_64</emulator><controller type='usb' model='none'/><memballoon model='none'/>" \
		domain_xml "$@"
}

# define_guest NAME DEVICE...: libvirt_domain_xml in the root's /tmp, then virsh define, checked.
define_guest() {
	libvirt_domain_xml "$HOST_ROOT/tmp/$1.xml" "$@"
	virsh_call "virsh define $1" 0 define "/tmp/$1.xml"
}

# define_migratable_guest NAME DEVICE...: define_guest's domain with vfio-pci's migration on
# (QEMU 7.2's x-enable-migration, off by default, for every vfio-pci device), so the test driver's
# migration region is used and a save is not blocked; QEMU's own argument, as qemu:commandline.
define_migratable_guest() {
	libvirt_domain_xml "$HOST_ROOT/tmp/$1.xml" "$@"
	sed -i "s#^<domain type='qemu'>\$#<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>#
		s#^</domain>\$#  <qemu:commandline><qemu:arg value='-global'/><qemu:arg value='vfio-pci.x-enable-migration=on'/></qemu:commandline>\n</domain>#" \
		"$HOST_ROOT/tmp/$1.xml"
	virsh_call "virsh define $1 (migratable)" 0 define "/tmp/$1.xml"
}

# qemu_pid DOMAIN: the pid of the domain's QEMU, from libvirt's pid file; empty when none runs.
qemu_pid() {
	qemu_pid_now=$(cat "$HOST_ROOT/run/libvirt/qemu/$1.pid" 2>/dev/null)
	[ -n "$qemu_pid_now" ] && [ -e "/proc/$qemu_pid_now" ] && echo "$qemu_pid_now"
}

# qemu_sysfsdevs DOMAIN: the UUIDs in the sysfsdev arguments of the domain's QEMU command line,
# sorted, space-separated.
qemu_sysfsdevs() {
	qemu_sysfsdevs_pid=$(qemu_pid "$1")
	[ -n "$qemu_sysfsdevs_pid" ] || return 0
	tr '\0' '\n' <"/proc/$qemu_sysfsdevs_pid/cmdline" | grep -o 'sysfsdev[^,}]*' |
		sed 's#.*/##; s/"//g' | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect_sysfsdevs WHAT DOMAIN UUID...: the domain's QEMU runs with exactly these sysfsdev devices.
expect_sysfsdevs() {
	expect_sysfsdevs_what=$1
	expect_sysfsdevs_domain=$2
	shift 2
	expect_sysfsdevs_wanted=$(for expect_sysfsdevs_uuid in "$@"; do echo "$expect_sysfsdevs_uuid"; done | sort | tr '\n' ' ' | sed 's/ $//')
	expect_sysfsdevs_now=$(qemu_sysfsdevs "$expect_sysfsdevs_domain")
	if [ -n "$(qemu_pid "$expect_sysfsdevs_domain")" ] && [ "$expect_sysfsdevs_now" = "$expect_sysfsdevs_wanted" ]; then
		pass "$expect_sysfsdevs_what"
	else
		fail "$expect_sysfsdevs_what" "QEMU pid '$(qemu_pid "$expect_sysfsdevs_domain")', sysfsdev '$expect_sysfsdevs_now', expected '$expect_sysfsdevs_wanted'"
	fi
}

# expect_domstate WHAT DOMAIN STATE: virsh domstate answers STATE ("running", "shut off").
expect_domstate() {
	expect_domstate_now=$(in_root virsh domstate "$2" 2>&1 | sed '/^$/d')
	if [ "$expect_domstate_now" = "$3" ]; then pass "$1"; else fail "$1" "domstate '$expect_domstate_now', expected '$3'"; fi
}

# expect_domstate_reason WHAT DOMAIN STATE: virsh domstate --reason answers STATE ("shut off (crashed)").
expect_domstate_reason() {
	expect_domstate_now=$(in_root virsh domstate --reason "$2" 2>&1 | sed '/^$/d')
	if [ "$expect_domstate_now" = "$3" ]; then pass "$1"; else fail "$1" "domstate --reason '$expect_domstate_now', expected '$3'"; fi
}

# The hook's calls are read from libvirtd's log, which records each command libvirt runs ("About to
# run ...") and then, from the same thread, its stdout and stderr ("Result ..."). The status in that
# line reads 0 even for a failed command: a failure is the error logged before it, from virCommandWait.
# step_begin: marks where the log ends now, and the pool, for the calls and the row of a step.
step_begin() {
	STEP_LOG_FROM=$(($(wc -l <"$HOST_ROOT$LIBVIRTD_LOG" 2>/dev/null || echo 0) + 1))
	syslog_barrier
	STEP_SYSLOG_FROM=$(($(wc -l <"$SYSLOG_FILE" 2>/dev/null || echo 0) + 1))
	STEP_POOL_BEFORE=$(pool_now)
}
# step_log_has PATTERN: libvirtd's log since step_begin has a line matching PATTERN (grep's).
step_log_has() {
	tail -n +"${STEP_LOG_FROM:-1}" "$HOST_ROOT$LIBVIRTD_LOG" 2>/dev/null | grep -q -- "$1"
}
# hook_calls: the installed hook's runs since step_begin, one a line:
# "guest op subop extra => status[ stdout: TEXT][ stderr: TEXT]", TEXT whole with each newline
# written \n (a Result message goes on over the log's next lines up to the next dated line); a run
# whose Result has not arrived yet (still running, or hung) as "guest op subop extra => running".
hook_calls() {
	tail -n +"${STEP_LOG_FROM:-1}" "$HOST_ROOT$LIBVIRTD_LOG" 2>/dev/null | awk -v q="'" '
		function finish(   text, at, out, err) {
			text = result
			result = ""
			at = index(text, " stdout: " q)
			text = substr(text, at + 10)
			at = index(text, q " stderr: " q)
			out = substr(text, 1, at - 1)
			err = substr(text, at + 11)
			if (substr(err, length(err)) == q) err = substr(err, 1, length(err) - 1)
			if (out == "(null)") out = ""
			if (err == "(null)") err = ""
			gsub(/\n/, "\\n", out)
			gsub(/\n/, "\\n", err)
			print calls[thread] " => " status (out == "" ? "" : " stdout: " out) (err == "" ? "" : " stderr: " err)
			delete calls[thread]
			delete failed[thread]
		}
		result != "" && !/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:/ {
			result = result "\n" $0
			next
		}
		result != "" { finish() }
		/ About to run .*\/hooks\/qemu\.d\/mdev-agg / {
			call = $0
			sub(/.*\/hooks\/qemu\.d\/mdev-agg /, "", call)
			calls[$3] = call
			order[++n] = $3
			next
		}
		/ error : virCommandWait:[0-9]+ : / && ($3 in calls) {
			failed[$3] = $0
			if (sub(/.* unexpected exit status /, "", failed[$3])) sub(/:.*/, "", failed[$3])
			else failed[$3] = "error"
			next
		}
		/ virCommandRun:[0-9]+ : Result / && ($3 in calls) {
			thread = $3
			status = (thread in failed) ? failed[thread] : 0
			result = $0
		}
		END {
			if (result != "") finish()
			for (i = 1; i <= n; i++) if (order[i] in calls) {
				print calls[order[i]] " => running"
				delete calls[order[i]]
			}
		}'
}
# expect_hook_calls WHAT GUEST CALL...: since step_begin, libvirtd ran the installed hook for GUEST
# exactly with these CALLs, in this order, each "op subop extra => status" (output not compared).
expect_hook_calls() {
	expect_hook_what=$1
	expect_hook_guest=$2
	shift 2
	expect_hook_wanted=$(for expect_hook_call in "$@"; do echo "$expect_hook_call"; done | tr '\n' ';' | sed 's/;$//')
	expect_hook_now=$(hook_calls | sed -n "s/^$expect_hook_guest //p" | sed 's/\(=> [^ ]*\) .*/\1/' | tr '\n' ';' | sed 's/;$//')
	if [ "$expect_hook_now" = "$expect_hook_wanted" ]; then
		pass "$expect_hook_what"
	else
		fail "$expect_hook_what" "hook calls for $expect_hook_guest: '$expect_hook_now', expected '$expect_hook_wanted'"
	fi
}

# syslog_start: the listener on the guest's /dev/log (the root's too), before libvirtd and the hook run.
syslog_start() {
	: >"$SYSLOG_FILE"
	syslog-listen "$SYSLOG_SOCKET" "$SYSLOG_FILE" >"$SCENARIO_DIR/syslog-listen.out" 2>&1 &
	echo "$!" >>"$BACKGROUND_PIDS"
	syslog_waited=0
	until grep -q '^listening ' "$SCENARIO_DIR/syslog-listen.out" 2>/dev/null; do
		if [ "$syslog_waited" -ge 100 ]; then
			fail "syslog-listen binds $SYSLOG_SOCKET" "$(cat "$SCENARIO_DIR/syslog-listen.out")"
			return 1
		fi
		sleep 0.1
		syslog_waited=$((syslog_waited + 1))
	done
}
# syslog_barrier: every message sent to the socket so far is in SYSLOG_FILE. A mark of another
# tag is logged with the root's logger and awaited: a datagram socket delivers in order.
# Without the socket the hook's logger is silent (--socket-errors=off): that is a failure here.
syslog_barrier() {
	[ -S "$SYSLOG_SOCKET" ] || {
		fail "the syslog socket $SYSLOG_SOCKET is present"
		return 1
	}
	SYSLOG_MARK=$((${SYSLOG_MARK:-0} + 1))
	in_root logger --socket "$SYSLOG_SOCKET" --tag mdev-agg-test -- "mark $SYSLOG_MARK" 2>/dev/null
	syslog_barrier_waited=0
	until grep -q " mdev-agg-test: mark $SYSLOG_MARK\$" "$SYSLOG_FILE"; do
		if [ "$syslog_barrier_waited" -ge 100 ]; then
			fail "the syslog listener keeps up" "mark $SYSLOG_MARK not seen in 10 s"
			return 1
		fi
		sleep 0.1
		syslog_barrier_waited=$((syslog_barrier_waited + 1))
	done
}
# hook_syslog: the hook's syslog messages since step_begin, one a line, as "LEVEL op=OP guest="NAME"
# code=CODE: message": the documented header (<PRI> of facility daemon, logger's time stamp, tag
# mdev-agg with the pid) checked and taken off, the level named. A message naming mdev-agg in another
# form is shown whole after "MALFORMED"; other senders' messages (libvirtd's, QEMU's) are left out.
hook_syslog() {
	syslog_barrier
	hook_syslog_read
}
# hook_syslog_read: hook_syslog without the barrier.
hook_syslog_read() {
	tail -n +"${STEP_SYSLOG_FROM:-1}" "$SYSLOG_FILE" 2>/dev/null | grep -F mdev-agg | grep -v ' mdev-agg-test: mark [0-9]*$' | sed -E '
		s/^<(27|28|30)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} mdev-agg\[[0-9]+\]: (op=[a-z-]+ guest=("([^"\\]|\\.)*"|-) code=[A-Z][A-Z0-9_]*: )/\1 \2/
		t level
		s/^/MALFORMED /
		b
		:level
		s/^27 /err /
		s/^28 /warning /
		s/^30 /info /'
}
# expect_syslog WHAT PATTERN...: since step_begin the hook logged exactly one message per PATTERN,
# in this order, each matching its PATTERN (a shell pattern over hook_syslog's line).
expect_syslog() {
	expect_syslog_what=$1
	shift
	if ! syslog_barrier; then
		fail "$expect_syslog_what" "the syslog listener did not confirm delivery"
		return
	fi
	expect_syslog_now=$(hook_syslog_read)
	expect_syslog_count=$(printf '%s' "$expect_syslog_now" | grep -c '')
	expect_syslog_bad=
	if [ "$expect_syslog_count" != $# ]; then
		expect_syslog_bad="$expect_syslog_count messages, expected $#"
	else
		expect_syslog_n=0
		for expect_syslog_pattern in "$@"; do
			expect_syslog_n=$((expect_syslog_n + 1))
			expect_syslog_line=$(printf '%s\n' "$expect_syslog_now" | sed -n "${expect_syslog_n}p")
			# shellcheck disable=SC2254
			case $expect_syslog_line in
			$expect_syslog_pattern) ;;
			*) expect_syslog_bad="message $expect_syslog_n does not match '$expect_syslog_pattern'" ;;
			esac
		done
	fi
	if [ -z "$expect_syslog_bad" ]; then
		pass "$expect_syslog_what"
	else
		fail "$expect_syslog_what" "$expect_syslog_bad: $(printf '%s' "$expect_syslog_now" | tr '\n' '|')"
	fi
}

# Table of steps (results/libvirt/<scenario>-steps.txt, also on the console): per step, the exit
# status and first message line, the hook's calls and answers, the mdevs on sysfs, QEMU's sysfsdev
# arguments, both types' available_instances before and after.
pool_now() {
	echo "plain $(read_attr "$TYPES_DIR/$PLAIN_TYPE/available_instances") agg $(read_attr "$TYPES_DIR/$AGG_TYPE/available_instances")"
}
# step WHAT CODE DOMAIN ARGS...: virsh ARGS as a checked step (virsh_call) with a row in the table;
# the hook's calls of the step stay readable (expect_hook_calls) until the next step_begin.
step() {
	step_what=$1
	step_code=$2
	step_domain=$3
	shift 3
	step_begin
	virsh_call "$step_what" "$step_code" "$@"
	step_row "$step_what" "$step_domain" "exit $expect_exit_actual" \
		"$(sed '/^ *$/d' "$STDERR_FILE" "$STDOUT_FILE" | tr '\n' ' ' | cut -c1-700)"
}
# step_row WHAT DOMAIN STATUS MESSAGE: the row of a step begun with step_begin.
step_row() {
	step_row_line="$SCENARIO | $1 | $3 | ${4:-(no message)} | hook: $(hook_calls | cut -d' ' -f2- | tr '\n' ';' | sed 's/;$//; s/;/; /g') | devices: $(mdev_devices | tr '\n' ',' | sed 's/,$//; s/,/, /g') | QEMU sysfsdev: $(qemu_sysfsdevs "$2") | pool: $STEP_POOL_BEFORE -> $(pool_now) | syslog: $(hook_syslog | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
	echo "mdev-agg-guest: step $step_row_line"
	echo "$step_row_line" >>"$LIBVIRT_STEPS"
}

# expect_guest_devices WHAT DOMAIN DEVICE...: each DEVICE ("uuid:type:instances[:parent]", as for
# libvirt_domain_xml) exists with its count (0 on the plain type, which does not aggregate), and the
# domain's QEMU runs with exactly these devices as sysfsdev arguments.
expect_guest_devices() {
	expect_guest_what=$1
	expect_guest_domain=$2
	shift 2
	expect_guest_uuids=
	for expect_guest_device in "$@"; do
		IFS=: read -r eg_uuid eg_type eg_instances eg_parent <<SPEC
$expect_guest_device
SPEC
		[ "$eg_type" = "$PLAIN_TYPE" ] && eg_instances=0
		expect_device "$expect_guest_what: $eg_uuid is $eg_type x$eg_instances" "$eg_uuid" "$eg_type" "$eg_instances"
		expect_guest_uuids="$expect_guest_uuids $eg_uuid"
	done
	expect_sysfsdevs "$expect_guest_what: QEMU's command line holds each device's sysfsdev" "$expect_guest_domain" $expect_guest_uuids
}

# expect_guest_gone WHAT DEVICE...: none of the devices is left, the pool is full, and no lock or
# journal is left in the root's /run/mdev-agg.
expect_guest_gone() {
	expect_gone_what=$1
	shift
	for expect_gone_device in "$@"; do
		expect_absent "$expect_gone_what: ${expect_gone_device%%:*} is gone" "$DEVICES_DIR/${expect_gone_device%%:*}"
	done
	expect_available "$expect_gone_what: the pool is full again" 4 8
	check "$expect_gone_what: no lock or journal is left in /run/mdev-agg" [ -z "$(ls -A "$HOST_ROOT/run/mdev-agg" 2>/dev/null)" ]
}
