# Helpers for kernel scenarios (POSIX sh, loaded by the guest's runner before each scenario).
# Every check prints one line, "PASS|FAIL|SKIP <scenario>: <what>", and records it. See README.md.

NL='
'
PARENT=mdev_agg_test
PLAIN_TYPE=mdev_agg_test-plain
AGG_TYPE=mdev_agg_test-agg
# The test driver's pool: a plain device takes 2 units, each aggregated instance 1.
POOL_UNITS=8
PARENT_DIR=$(realpath "/sys/class/mdev_bus/$PARENT")
PARENT_DEVPATH=${PARENT_DIR#/sys}
TYPES_DIR=/sys/class/mdev_bus/$PARENT/mdev_supported_types
DEVICES_DIR=/sys/bus/mdev/devices
COMMAND_TIMEOUT=${COMMAND_TIMEOUT:-60}
STDOUT_FILE=$SCENARIO_DIR/stdout
STDERR_FILE=$SCENARIO_DIR/stderr

record() {
	echo "$1 $SCENARIO: $2"
	echo "$1 $SCENARIO: $2" >>"$RESULTS_FILE"
}
pass() { record PASS "$1"; }
fail() { record FAIL "$1${2:+ ($2)}"; }
skip() { record SKIP "$1${2:+ ($2)}"; }

# check WHAT COMMAND...: PASS when COMMAND succeeds.
check() {
	check_what=$1
	shift
	if "$@"; then pass "$check_what"; else fail "$check_what"; fi
}

# raw_write PATH DATA: one write(2) of DATA, logged to kernel-writes.jsonl with the tree's state
# after it; sets WRITE_ANSWER to OK or the errno name.
raw_write() {
	WRITE_ANSWER=$(sysfs-write "$KERNEL_WRITES" "$SCENARIO" "$1" "$2") || WRITE_ANSWER=LOG_FAILED
}

# expect_write WHAT PATH DATA ANSWER: raw_write, then the kernel's answer (OK or an errno name).
expect_write() {
	raw_write "$2" "$3"
	if [ "$WRITE_ANSWER" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "wrote $(printf '%s' "$3" | tr '\n' '~') to $2: expected $4, got $WRITE_ANSWER"
	fi
}

# read_attr PATH: a sysfs file's content without its trailing newline; empty when absent.
read_attr() {
	[ -r "$1" ] && cat "$1"
}

# expect_file WHAT PATH CONTENT: the file exists and reads CONTENT (trailing newline ignored).
expect_file() {
	if [ ! -e "$2" ]; then
		fail "$1" "$2 does not exist"
		return
	fi
	expect_file_content=$(cat "$2")
	if [ "$expect_file_content" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 reads '$expect_file_content', expected '$3'"
	fi
}

# expect_contains WHAT PATH TEXT: the file's content contains TEXT.
expect_contains() {
	if grep -qF -- "$3" "$2" 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "$2 reads '$(cat "$2" 2>&1)', expected it to contain '$3'"
	fi
}

expect_exists() {
	if [ -e "$2" ]; then pass "$1"; else fail "$1" "$2 does not exist"; fi
}

expect_absent() {
	if [ -e "$2" ]; then fail "$1" "$2 exists"; else pass "$1"; fi
}

# expect_available WHAT PLAIN AGG: both types' available_instances.
expect_available() {
	expect_available_now="plain $(read_attr "$TYPES_DIR/$PLAIN_TYPE/available_instances"), agg $(read_attr "$TYPES_DIR/$AGG_TYPE/available_instances")"
	if [ "$expect_available_now" = "plain $2, agg $3" ]; then
		pass "$1"
	else
		fail "$1" "available_instances: $expect_available_now, expected plain $2, agg $3"
	fi
}

# expect_exit WHAT CODE PROGRAM ARGS...: runs a program (not a shell function) under
# COMMAND_TIMEOUT; its output is kept in $STDOUT_FILE and $STDERR_FILE.
expect_exit() {
	expect_exit_what=$1
	expect_exit_code=$2
	shift 2
	timeout -s KILL "$COMMAND_TIMEOUT" "$@" >"$STDOUT_FILE" 2>"$STDERR_FILE"
	expect_exit_actual=$?
	if [ "$expect_exit_actual" = "$expect_exit_code" ]; then
		pass "$expect_exit_what"
	else
		fail "$expect_exit_what" "exit $expect_exit_actual, expected $expect_exit_code; stderr: $(head -c 400 "$STDERR_FILE" | tr '\n' ' ')"
	fi
}

# expect_output WHAT TEXT: the last expect_exit's stdout or stderr contains TEXT.
expect_output() {
	expect_output_of "$1" "$STDOUT_FILE" "$STDERR_FILE" "$2"
}

# expect_output_of WHAT FILE... TEXT: one of the files contains TEXT (case-insensitive).
expect_output_of() {
	expect_output_what=$1
	shift
	eval "expect_output_text=\${$#}"
	expect_output_files=
	while [ $# -gt 1 ]; do
		expect_output_files="$expect_output_files $1"
		shift
	done
	if grep -qiF -- "$expect_output_text" $expect_output_files; then
		pass "$expect_output_what"
	else
		fail "$expect_output_what" "'$expect_output_text' not in: $(cat $expect_output_files | head -c 400 | tr '\n' ' ')"
	fi
}

# json_value FILE EXPRESSION: evaluates a JavaScript expression over the JSON document in FILE,
# bound to `d`, and prints the result (strings bare, anything else as JSON).
json_value() {
	node -e '
		const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
		const v = eval(process.argv[2]);
		process.stdout.write(typeof v === "string" ? v : JSON.stringify(v) ?? "undefined");
	' "$1" "$2"
}

# expect_json WHAT EXPRESSION VALUE: json_value over the last expect_exit's stdout.
expect_json() {
	expect_json_actual=$(json_value "$STDOUT_FILE" "$2" 2>&1)
	if [ "$expect_json_actual" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "$2 is '$expect_json_actual', expected '$3'"
	fi
}

# expect_plan DOMAIN DIALECT WRITES: `plan DOMAIN --format json` exits 0, its first device has
# DIALECT, and its writes, each "path=data", joined by spaces, are WRITES.
expect_plan() {
	expect_exit "plan --format json" 0 $MDEV_AGG plan "$1" --format json
	expect_json "plan: dialect $2" 'd.devices[0].dialect' "$2"
	expect_json "plan: writes $3" \
		'd.devices[0].ops.filter(o => o.op === "write").map(o => o.path + "=" + o.data).join(" ")' "$3"
}

# cli_supports COMMAND: the built CLI exists and answers COMMAND --help with exit 0.
cli_supports() {
	[ -f "$MDEV_AGG_JS" ] && timeout -s KILL "$COMMAND_TIMEOUT" $MDEV_AGG "$1" --help >/dev/null 2>&1
}

# require_cli COMMAND...: ends the scenario with one SKIP line unless the CLI supports every COMMAND.
require_cli() {
	for require_cli_command in "$@"; do
		if ! cli_supports "$require_cli_command"; then
			if [ -f "$MDEV_AGG_JS" ]; then
				skip "CLI scenario not run" "dist/mdev-agg.js has no working '$require_cli_command --help'"
			else
				skip "CLI scenario not run" "dist/mdev-agg.js is not built"
			fi
			exit 0
		fi
	done
	echo "mdev-agg-guest: CLI scenario $SCENARIO runs against dist/mdev-agg.js"
}

# domain_xml FILE NAME DEVICE...: a domain with one mdev hostdev per DEVICE, each
# "uuid:type:instances[:parent]", in the metadata form mdev-agg reads; with no DEVICE, a domain
# without aggregation. DOMAIN_XML_TYPE (default kvm), DOMAIN_XML_MEMORY_MIB (512) and
# DOMAIN_XML_DEVICES (more elements for <devices>) shape it for a real libvirtd.
domain_xml() {
	domain_xml_file=$1
	domain_xml_name=$2
	shift 2
	{
		echo "<domain type='${DOMAIN_XML_TYPE:-kvm}'>"
		echo "  <name>$domain_xml_name</name>"
		echo "  <memory unit='MiB'>${DOMAIN_XML_MEMORY_MIB:-512}</memory>"
		echo "  <os><type arch='x86_64'>hvm</type></os>"
		if [ $# -gt 0 ]; then
			echo "  <metadata>"
			echo "    <agg:aggregation xmlns:agg='urn:mdev-agg:aggregation:1'>"
			for domain_xml_device in "$@"; do
				IFS=: read -r dx_uuid dx_type dx_instances dx_parent <<EOF
$domain_xml_device
EOF
				echo "      <agg:device uuid='$dx_uuid' type='$dx_type' instances='$dx_instances'${dx_parent:+ parent='$dx_parent'}/>"
			done
			echo "    </agg:aggregation>"
			echo "  </metadata>"
		fi
		echo "  <devices>"
		[ -z "${DOMAIN_XML_DEVICES:-}" ] || echo "    $DOMAIN_XML_DEVICES"
		for domain_xml_device in "$@"; do
			echo "    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>"
			echo "      <source><address uuid='${domain_xml_device%%:*}'/></source>"
			echo "    </hostdev>"
		done
		echo "  </devices>"
		echo "</domain>"
	} >"$domain_xml_file"
}

# hold_device UUID: opens the device through VFIO in the background, as a VM monitor would, and
# waits until it is open; HOLD_PID is the holder. release_hold ends it.
hold_device() {
	vfio-hold "$1" "$COMMAND_TIMEOUT" >"$SCENARIO_DIR/hold.out" 2>&1 &
	HOLD_PID=$!
	echo "$HOLD_PID" >>"$BACKGROUND_PIDS"
	hold_waited=0
	while ! grep -q '^held ' "$SCENARIO_DIR/hold.out" 2>/dev/null; do
		if ! kill -0 "$HOLD_PID" 2>/dev/null || [ "$hold_waited" -ge 100 ]; then
			fail "hold $1 open" "$(cat "$SCENARIO_DIR/hold.out")"
			return 1
		fi
		sleep 0.1
		hold_waited=$((hold_waited + 1))
	done
	return 0
}

# ended_within PID TENTHS: waits until process PID has ended, at most TENTHS tenths of a second;
# true when it has (its status is then wait's).
ended_within() {
	ended_waited=0
	while kill -0 "$1" 2>/dev/null && [ "$ended_waited" -lt "$2" ]; do
		sleep 0.1
		ended_waited=$((ended_waited + 1))
	done
	! kill -0 "$1" 2>/dev/null
}

release_hold() {
	kill "$HOLD_PID" 2>/dev/null
	wait "$HOLD_PID" 2>/dev/null
	HOLD_PID=
}

# setup_write PATH DATA: a write that prepares a CLI scenario, kept out of kernel-writes.jsonl
# (that log holds the raw scenarios' writes only); a refused setup write is a FAIL.
setup_write() {
	setup_write_answer=$(sysfs-write /dev/null "$SCENARIO" "$1" "$2")
	[ "$setup_write_answer" = OK ] || fail "setup: write $2 to $1" "$setup_write_answer"
}

# expect_device WHAT UUID TYPE COUNT: the device exists with that type and mdev/aggregated_instances.
expect_device() {
	if [ ! -e "$DEVICES_DIR/$2" ]; then
		fail "$1" "$2 does not exist"
		return
	fi
	expect_device_now="$(basename "$(readlink "$DEVICES_DIR/$2/mdev_type")") x$(read_attr "$DEVICES_DIR/$2/mdev/aggregated_instances")"
	if [ "$expect_device_now" = "$3 x$4" ]; then
		pass "$1"
	else
		fail "$1" "$2 is $expect_device_now, expected $3 x$4"
	fi
}

# Kernel uevents tell whether a command created or removed any mdev, even one it removed again.
# watch_devices starts recording them; expect_device_events stops and compares.
UEVENTS_FILE=$SCENARIO_DIR/uevents
# A synthetic change event of the parent carrying a fresh mark, sent until the watcher records
# it: events arrive in order, so every event before it has been recorded too.
uevent_barrier() {
	UEVENT_MARK=$((${UEVENT_MARK:-0} + 1))
	uevent_waited=0
	while ! grep -q "^change $PARENT_DEVPATH mark$UEVENT_MARK\$" "$UEVENTS_FILE"; do
		[ "$uevent_waited" -ge 20 ] && return 1
		echo "change 00000000-0000-0000-0000-000000000000 MARK=mark$UEVENT_MARK" >"$PARENT_DIR/uevent"
		sleep 0.5
		uevent_waited=$((uevent_waited + 1))
	done
}
watch_devices() {
	: >"$UEVENTS_FILE"
	uevent sh -c 'echo "$ACTION $DEVPATH $SYNTH_ARG_MARK" >>"$0"' "$UEVENTS_FILE" &
	UEVENT_PID=$!
	echo "$UEVENT_PID" >>"$BACKGROUND_PIDS"
	uevent_barrier || fail "uevent watcher starts" "no event seen in 10 s"
}
# Prints "add|remove <uuid>" for each mdev event recorded.
device_events() {
	sed -En 's#^(add|remove) '"$PARENT_DEVPATH"'/([0-9a-f-]{36}) $#\1 \2#p' "$UEVENTS_FILE"
}

# expect_device_events WHAT EXPECTED: device_events equals EXPECTED (lines joined by "; ").
expect_device_events() {
	uevent_barrier || fail "uevent watcher keeps up" "no event seen in 10 s"
	kill "$UEVENT_PID" 2>/dev/null
	wait "$UEVENT_PID" 2>/dev/null
	expect_events_now=$(device_events | tr '\n' ';' | sed 's/;$//; s/;/; /g')
	if [ "$expect_events_now" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "device events: '$expect_events_now', expected '$2'"
	fi
}

# Helpers for scenarios that run many CLI processes at once or kill them: they poll the host in
# tight loops, so they start no process where they can (under emulation a fork costs milliseconds).

# now_ms: sets NOW_MS to the milliseconds since boot (10 ms steps).
now_ms() {
	read -r now_ms_up now_ms_idle </proc/uptime
	NOW_MS=$((${now_ms_up%.*} * 1000 + (1${now_ms_up#*.} - 100) * 10))
}

# nap SECONDS: sleeps without starting a process (a read that times out on a FIFO nobody writes).
nap() {
	if [ -z "${NAP_FIFO_OPEN:-}" ]; then
		[ -p "$SCENARIO_DIR/nap.fifo" ] || mkfifo "$SCENARIO_DIR/nap.fifo"
		exec 8<>"$SCENARIO_DIR/nap.fifo"
		NAP_FIFO_OPEN=1
	fi
	read -r -t "$1" nap_ignored <&8
}

# mdev_devices: every mdev on the host, one "uuid type count" line each, sorted by UUID; count is
# mdev/aggregated_instances (0 on the plain type).
mdev_devices() {
	for mdev_devices_dir in "$DEVICES_DIR"/*; do
		[ -e "$mdev_devices_dir/mdev_type" ] || continue
		echo "${mdev_devices_dir##*/} $(basename "$(readlink "$mdev_devices_dir/mdev_type")") $(read_attr "$mdev_devices_dir/mdev/aggregated_instances")"
	done | sort
}

# pool_matches_devices: both types' available_instances are what the host's mdevs leave of the
# pool (2 units per plain device, the count of an aggregated one); POOL_NOW describes it.
pool_matches_devices() {
	pool_used=0
	for pool_entry in $(mdev_devices | sed 's/ /:/g'); do
		case $pool_entry in
		*:"$PLAIN_TYPE":*) pool_used=$((pool_used + 2)) ;;
		*:"$AGG_TYPE":*) pool_used=$((pool_used + ${pool_entry##*:})) ;;
		esac
	done
	pool_free=$((POOL_UNITS - pool_used))
	pool_plain=$(read_attr "$TYPES_DIR/$PLAIN_TYPE/available_instances")
	pool_agg=$(read_attr "$TYPES_DIR/$AGG_TYPE/available_instances")
	POOL_NOW="$pool_used units used; available plain $pool_plain, agg $pool_agg"
	[ "$pool_free" -ge 0 ] && [ "$pool_plain" = $((pool_free / 2)) ] && [ "$pool_agg" = "$pool_free" ]
}

# run_files: what is left in the CLI's run directory (/run/mdev-agg), names space-separated.
run_files() {
	ls -A /run/mdev-agg 2>/dev/null | tr '\n' ' ' | sed 's/ $//'
}

# report_codes FILE: the diagnostic codes of an apply or release `--json` report, space-separated.
report_codes() {
	sed -n 's/^ *"code": "\([A-Z_]*\)",*$/\1/p' "$1" | tr '\n' ' ' | sed 's/ $//'
}

# report_uuids FILE KEY: the UUIDs under KEY ("created", "present", "removed", "rolledBack") of
# such a report, one a line.
report_uuids() {
	sed -n '/^  "'"$2"'": \[$/,/^  \]/p' "$1" | sed -n 's/^ *"\([0-9a-f-]\{36\}\)",*$/\1/p'
}

# host_converged EXPECTED REPORT: the host after CLI runs holds exactly the mdevs EXPECTED (lines as
# mdev_devices prints them), both types' available_instances follow them, and /run/mdev-agg is
# empty. Each miss goes to the function named REPORT as WHAT DETAIL; EXTRA_DEVICES counts the
# mdevs EXPECTED does not name.
host_converged() {
	host_converged_now=$(mdev_devices)
	EXTRA_DEVICES=0
	if [ "$host_converged_now" != "$1" ]; then
		host_converged_uuids=" $(echo "$1" | cut -d' ' -f1 | tr '\n' ' ') "
		for host_converged_uuid in $(echo "$host_converged_now" | cut -d' ' -f1); do
			case $host_converged_uuids in *" $host_converged_uuid "*) ;; *) EXTRA_DEVICES=$((EXTRA_DEVICES + 1)) ;; esac
		done
		"$2" "the host holds the requested devices and no other" \
			"has '$(echo "$host_converged_now" | tr '\n' ';')', expected '$(echo "$1" | tr '\n' ';')'"
	fi
	pool_matches_devices || "$2" "available_instances follow the devices (the pool is never exceeded)" "$POOL_NOW"
	host_converged_left=$(run_files)
	[ -z "$host_converged_left" ] || "$2" "no lock, journal or other file is left" "/run/mdev-agg holds: $host_converged_left"
}
