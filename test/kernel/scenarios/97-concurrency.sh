# Many apply and release runs at once, for eight domains on the one parent whose pool of 8 units
# cannot hold them all: every run's report matches what exists afterwards, the devices and the pool
# agree, no two runs write at the same time, and no lock is left. Rounds: everything at once; apply
# and release mixed; a lock timeout of 0; a holder killed while the others wait for it; a live
# holder that outlasts the timeout; and a release of everything.
# Many CLI processes under emulation: on a loaded two-core host this outlasts the default limit.
# scenario-timeout: 420
require_cli apply release

u=9b7e1f4e-0c1a-4b7e-9d1e-00000000
# Domain N's devices end in 97N1, 97N2, 97N3: a device event tells which domain it belongs to.
domains="1 2 3 4 5 6 7 8"
define() {
	define_n=$1
	shift
	define_devices=
	define_want=
	define_units=0
	define_i=0
	for define_spec in "$@"; do
		define_i=$((define_i + 1))
		define_uuid=${u}97$define_n$define_i
		define_devices="$define_devices $define_uuid:$define_spec:$PARENT"
		define_count=${define_spec#*:}
		define_units=$((define_units + define_count))
		[ "${define_spec%:*}" = "$PLAIN_TYPE" ] && define_count=0 define_units=$((define_units + 1))
		define_want="$define_want$define_uuid ${define_spec%:*} $define_count$NL"
	done
	domain_xml "$SCENARIO_DIR/c$define_n.xml" "concurrency-c$define_n" $define_devices
	printf '%s' "$define_want" >"$SCENARIO_DIR/c$define_n.want"
	echo "$define_units" >"$SCENARIO_DIR/c$define_n.units"
}
# Units: 4, 3, 3, 5, 3, 4, 4, 4 (30 in all, the pool has 8).
define 1 "$PLAIN_TYPE:1" "$AGG_TYPE:2"
define 2 "$AGG_TYPE:2" "$AGG_TYPE:1"
define 3 "$PLAIN_TYPE:1" "$AGG_TYPE:1"
define 4 "$AGG_TYPE:3" "$PLAIN_TYPE:1"
define 5 "$AGG_TYPE:1" "$AGG_TYPE:1" "$AGG_TYPE:1"
define 6 "$PLAIN_TYPE:1" "$PLAIN_TYPE:1"
define 7 "$AGG_TYPE:2" "$PLAIN_TYPE:1"
define 8 "$AGG_TYPE:1" "$PLAIN_TYPE:1" "$AGG_TYPE:1"

trap 'rm -rf /etc/mdev-agg' EXIT
set_lock_timeout() {
	mkdir -p /etc/mdev-agg
	printf '{"lockTimeoutMs": %s}\n' "$1" >/etc/mdev-agg/config.json
}

# Which domains are applied (their devices should exist), one file each.
applied() { [ -e "$SCENARIO_DIR/c$1.applied" ]; }

runs=0 successes=0 leaked=0 problems=0 refusals= crashes=0 reconciled=0
problem() {
	problems=$((problems + 1))
	fail "round $round: $1" "$2"
}

# lock_holder: LOCK_HOLDER is the pid the lock names (the name of the one file in the lock
# directory), empty when the lock is free.
lock_holder() {
	LOCK_HOLDER=
	for lock_holder_file in /run/mdev-agg/lock/*; do
		[ -e "$lock_holder_file" ] && LOCK_HOLDER=${lock_holder_file##*/}
	done
}

# The lock and the journal sampled while a round runs: a journal written by one run while the lock
# names another all along means two runs were inside at once. Its argument: the pid of a run
# killed on purpose, whose journal stays until the next holder reconciles it.
sample_lock() {
	sample_count=0
	while [ ! -e "$SCENARIO_DIR/round/stop" ] && [ "$sample_count" -lt 40000 ]; do
		lock_holder
		l1=$LOCK_HOLDER
		j=
		{ read -r j </run/mdev-agg/journal.json; } 2>/dev/null
		lock_holder
		l2=$LOCK_HOLDER
		if [ -n "$l1" ] && [ "$l1" = "$l2" ] && [ -n "$j" ]; then
			jp=${j#*\"pid\":}
			jp=${jp%%,*}
			[ "$jp" != "$l1" ] && [ "$jp" != "$1" ] && echo "lock names $l1 while the journal is $jp's" >>"$SCENARIO_DIR/round/violations"
		fi
		sample_count=$((sample_count + 1))
		nap 0.005
	done
	echo "$sample_count" >"$SCENARIO_DIR/round/samples"
}

# start_round NAME [without-sampler]: a clean record of the round, the device events and the lock
# sampler running.
start_round() {
	round=$1
	rm -rf "$SCENARIO_DIR/round"
	mkdir -p "$SCENARIO_DIR/round"
	: >"$SCENARIO_DIR/round/violations"
	watch_devices
	now_ms
	round_start=$NOW_MS
	[ "$#" -gt 1 ] || start_sampler
}
start_sampler() {
	sample_lock "${1:-}" &
	SAMPLER_PID=$!
	echo "$SAMPLER_PID" >>"$BACKGROUND_PIDS"
}

# launch_run N KIND: domain N's apply or release in the background, as users run it.
launch_run() {
	$MDEV_AGG "$2" "$SCENARIO_DIR/c$1.xml" --json >"$SCENARIO_DIR/round/c$1.json" 2>"$SCENARIO_DIR/round/c$1.err" &
	echo "$!" >"$SCENARIO_DIR/round/c$1.pid"
	echo "$2" >"$SCENARIO_DIR/round/c$1.kind"
	echo "$!" >>"$BACKGROUND_PIDS"
}

# launch_toggles N...: each domain's release when it is applied, else its apply, all at once.
launch_toggles() {
	for toggle_n in "$@"; do
		if applied "$toggle_n"; then launch_run "$toggle_n" release; else launch_run "$toggle_n" apply; fi
	done
}

# await_runs: waits for the round's runs (at most 90 s in all), then stops the sampler and the
# device events; round_ms is how long the round took.
await_runs() {
	await_waited=0
	for pid_file in "$SCENARIO_DIR"/round/c*.pid; do
		[ -e "$pid_file" ] || continue
		while kill -0 "$(cat "$pid_file")" 2>/dev/null && [ "$await_waited" -lt 900 ]; do
			nap 0.1
			await_waited=$((await_waited + 1))
		done
	done
	now_ms
	round_ms=$((NOW_MS - round_start))
	touch "$SCENARIO_DIR/round/stop"
	wait "$SAMPLER_PID"
	uevent_barrier || problem "the uevent watcher keeps up" "no event seen in 10 s"
	kill "$UEVENT_PID" 2>/dev/null
	wait "$UEVENT_PID" 2>/dev/null
}

# finish_round: await_runs, then holds every report against the host.
finish_round() {
	await_runs
	round_runs=0 round_ok=0 round_reconciled=0
	for pid_file in "$SCENARIO_DIR"/round/c*.pid; do
		[ -e "$pid_file" ] || continue
		n=${pid_file##*/c}
		n=${n%.pid}
		pid=$(cat "$pid_file")
		kind=$(cat "$SCENARIO_DIR/round/c$n.kind")
		report=$SCENARIO_DIR/round/c$n.json
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
			problem "c$n's $kind finishes within 90 s"
		fi
		wait "$pid"
		status=$?
		if [ "$kind" = killed ]; then
			continue
		fi
		round_runs=$((round_runs + 1))
		codes=$(report_codes "$report")
		case " $codes " in *" I_RECONCILED "*) round_reconciled=$((round_reconciled + 1)) ;; esac
		want=$(cat "$SCENARIO_DIR/c$n.want")
		present=$(mdev_devices | grep -F "$(echo "$want" | cut -d' ' -f1)")
		reported=$( (report_uuids "$report" created; report_uuids "$report" present) | sort)
		if [ "$status" = 0 ]; then
			round_ok=$((round_ok + 1))
			if [ "$kind" = apply ]; then
				touch "$SCENARIO_DIR/c$n.applied"
				[ "$present" = "$want" ] || problem "c$n's apply succeeded: all its devices are there" "has '$(echo "$present" | tr '\n' ';')'"
				[ "$reported" = "$(echo "$want" | cut -d' ' -f1)" ] || problem "c$n's apply reports every device created or present" "$(echo "$reported" | tr '\n' ' ')"
			else
				rm -f "$SCENARIO_DIR/c$n.applied"
				[ -z "$present" ] || problem "c$n's release succeeded: none of its devices is left" "has '$(echo "$present" | tr '\n' ';')'"
				[ "$(report_uuids "$report" removed)" = "$(echo "$want" | cut -d' ' -f1)" ] || problem "c$n's release reports every device removed"
			fi
		elif [ "$status" = 1 ]; then
			first=${codes%% *}
			case " $codes " in *" E_LOCK_TIMEOUT "*) first=E_LOCK_TIMEOUT ;; esac
			[ "$first" = I_RECONCILED ] && first=$(echo "$codes" | tr ' ' '\n' | grep '^E_' | head -n1)
			refusals="$refusals $first"
			grep -q '^  "writes": 0,$' "$report" || [ "$first" != E_LOCK_TIMEOUT ] || problem "c$n's $kind timed out before writing anything" "$(grep '"writes"' "$report")"
			if [ "$kind" = apply ]; then
				[ -z "$present" ] || problem "c$n's refused apply left none of its devices" "codes $codes; has '$(echo "$present" | tr '\n' ';')'"
				[ -z "$reported" ] || problem "c$n's refused apply reports nothing created" "$reported"
			elif [ "$first" = E_LOCK_TIMEOUT ]; then
				[ "$present" = "$want" ] || problem "c$n's timed-out release left its devices" "has '$(echo "$present" | tr '\n' ';')'"
			else
				problem "c$n's release is refused only by the lock timeout" "codes $codes"
			fi
		else
			problem "c$n's $kind exits 0 or 1" "exit $status, codes $codes; $(head -c 300 "$SCENARIO_DIR/round/c$n.err")"
		fi
	done
	runs=$((runs + round_runs))
	successes=$((successes + round_ok))
	reconciled=$((reconciled + round_reconciled))

	# The host holds exactly the applied domains' devices.
	expected=$(for n in $domains; do applied "$n" && cat "$SCENARIO_DIR/c$n.want"; done | sort)
	host_converged "$expected" problem
	leaked=$((leaked + EXTRA_DEVICES))
	[ -s "$SCENARIO_DIR/round/violations" ] && problem "the lock keeps one run inside at a time" "$(sort -u "$SCENARIO_DIR/round/violations" | head -n 3 | tr '\n' ';')"
	# Each run writes only inside the lock: the device events of one domain's run are not split
	# by another domain's.
	order=$(device_events | sed -n 's/.*97\([1-8]\)[1-3]$/\1/p' | uniq | tr '\n' ' ')
	split=$(echo "$order" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -d | tr '\n' ' ')
	[ -z "$split" ] || problem "no two runs write at the same time" "device events by domain: $order"
	echo "mdev-agg-guest: 97-concurrency round $round: $round_runs runs in $round_ms ms, $round_ok succeeded, $round_reconciled reconciled, $(cat "$SCENARIO_DIR/round/samples") lock samples, events by domain: ${order:-none}, applied now:$(for n in $domains; do applied "$n" && printf ' c%s' "$n"; done)"
}

# kill_holder_round NAME N KIND OTHERS...: domain N's apply or release is stopped (SIGSTOP) once its
# journal exists, holding the lock; the other domains' runs start and wait for it; then it is
# killed. One waiter takes the dead holder's lock over and reconciles: N's devices are removed (an
# interrupted apply is undone, an interrupted release finished).
kill_holder_round() {
	kill_name=$1
	kill_n=$2
	kill_kind=$3
	shift 3
	set_lock_timeout 60000
	start_round "$kill_name" without-sampler
	$MDEV_AGG "$kill_kind" "$SCENARIO_DIR/c$kill_n.xml" --json >"$SCENARIO_DIR/killed.json" 2>&1 &
	killed_pid=$!
	echo "$killed_pid" >>"$BACKGROUND_PIDS"
	start_sampler "$killed_pid"
	echo "$killed_pid" >"$SCENARIO_DIR/round/c$kill_n.pid"
	echo killed >"$SCENARIO_DIR/round/c$kill_n.kind"
	now_ms
	kill_from=$NOW_MS
	while [ ! -e /run/mdev-agg/journal.json ] && kill -0 "$killed_pid" 2>/dev/null && [ $((NOW_MS - kill_from)) -lt 30000 ]; do
		now_ms
	done
	kill -STOP "$killed_pid"
	[ -e /run/mdev-agg/journal.json ] || problem "the $kill_kind to be killed reaches its journal"
	launch_toggles "$@"
	# Long enough for every waiter to start under emulation and poll the lock.
	nap "$kill_wait_s"
	kill -KILL "$killed_pid"
	crashes=$((crashes + 1))
	rm -f "$SCENARIO_DIR/c$kill_n.applied"
	finish_round
	[ -z "$(mdev_devices | grep -F "$(cut -d' ' -f1 "$SCENARIO_DIR/c$kill_n.want")")" ] ||
		problem "the killed $kill_kind's devices were removed"
	[ "$round_reconciled" = 1 ] || problem "exactly one waiter reconciled the killed $kill_kind" "$round_reconciled did"
}

now_ms
scenario_start=$NOW_MS

set_lock_timeout 60000
start_round "all apply"
launch_toggles $domains
finish_round
# The waiters of a killed holder must all be polling before it dies: a round of 8 takes longer.
kill_wait_s=$(((round_ms * 3 / 2 + 999) / 1000))
[ "$kill_wait_s" -gt 20 ] && kill_wait_s=20

start_round "mixed"
launch_toggles $domains
finish_round

set_lock_timeout 0
start_round "lock timeout 0"
launch_toggles $domains
finish_round

# pick_victim: "N apply" for a domain the pool has room for, else "N release" for an applied one:
# a run that gets as far as its journal and succeeds unless stopped.
pick_victim() {
	pool_matches_devices
	for pick_n in 3 5 2 1 4 6 7 8; do
		applied "$pick_n" || [ "$(cat "$SCENARIO_DIR/c$pick_n.units")" -gt "$pool_free" ] || { echo "$pick_n apply"; return; }
	done
	for pick_n in 3 5 2 1 4 6 7 8; do
		applied "$pick_n" && { echo "$pick_n release"; return; }
	done
}
# The holder to kill: picked so; the others toggle.
for kill_round in 1 2 3; do
	victim=$(pick_victim)
	kill_holder_round "holder killed $kill_round (${victim#* } c${victim% *})" $victim $(echo "$domains" | tr ' ' '\n' | grep -vx "${victim% *}")
done

# A live holder that outlasts the timeout: three runs give up with E_LOCK_TIMEOUT after waiting
# the configured time, write nothing, and leave the holder's lock alone. Once the holder is dead,
# its lock is taken over.
set_lock_timeout 4000
sleep 120 &
holder=$!
echo "$holder" >>"$BACKGROUND_PIDS"
mkdir -p "/run/mdev-agg/lock"
# As a run writes it: the holder's pid and its start time (/proc/<pid>/stat field 22); a lock
# naming no start time is respected only for the lock timeout (README "Lock, journal, rollback").
echo "$holder $(cut -d' ' -f22 "/proc/$holder/stat")" >"/run/mdev-agg/lock/$holder"
before=$(mdev_devices)
start_round "live holder"
launch_toggles 1 2 3
await_runs
held_ms=$round_ms
for n in 1 2 3; do
	wait "$(cat "$SCENARIO_DIR/round/c$n.pid")"
	status=$?
	timed_out=$(report_codes "$SCENARIO_DIR/round/c$n.json")
	[ "$status" = 1 ] && [ "$timed_out" = E_LOCK_TIMEOUT ] && grep -q '^  "writes": 0,$' "$SCENARIO_DIR/round/c$n.json" ||
		problem "c$n gives up on a live holder with E_LOCK_TIMEOUT only, writing nothing" "exit $status, codes $timed_out"
	refusals="$refusals E_LOCK_TIMEOUT"
done
runs=$((runs + 3))
[ "$held_ms" -ge 4000 ] && [ "$held_ms" -lt 40000 ] || problem "the runs waited the configured 4000 ms, and no longer than start-up takes on top" "all done after $held_ms ms"
lock_holder
[ "$LOCK_HOLDER" = "$holder" ] || problem "the live holder's lock is left alone" "lock: $(ls /run/mdev-agg/lock)"
[ "$(mdev_devices)" = "$before" ] || problem "no device changed while the holder lived"
[ -z "$(device_events)" ] || problem "nothing was created or removed while the holder lived" "$(device_events | tr '\n' ';')"
kill "$holder"
wait "$holder" 2>/dev/null
start_round "dead holder taken over"
taker=$(pick_victim)
launch_run $taker
finish_round
[ "$round_ok" = 1 ] || problem "the ${taker#* } of c${taker% *} takes the dead holder's lock over and succeeds" "codes: $(report_codes "$SCENARIO_DIR/round/c${taker% *}.json")"
echo "mdev-agg-guest: 97-concurrency live holder: 3 runs gave up after $held_ms ms"

set_lock_timeout 60000
start_round "release everything"
for n in $domains; do
	applied "$n" && launch_run "$n" release
done
finish_round
[ -z "$(mdev_devices)" ] || problem "no device is left at the end" "$(mdev_devices | tr '\n' ';')"

now_ms
refusal_summary=$(echo "$refusals" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
figures="$runs concurrent runs, $successes succeeded, refused: ${refusal_summary:-none}; $crashes lock holders killed while others waited, $reconciled reconciled; $leaked leaked devices; $(((NOW_MS - scenario_start) / 1000)) s"
echo "mdev-agg-guest: figures 97-concurrency: $figures"
if [ "$problems" = 0 ]; then
	pass "concurrent runs kept the host consistent ($figures)"
else
	fail "concurrent runs kept the host consistent" "$problems problems; $figures"
fi
# Rounds where every run has the pool to itself would test nothing.
case " $refusal_summary " in
*E_CAPACITY* | *E_VERIFY_FAILED* | *E_SYSFS_WRITE*) pass "the pool refused some runs ($refusal_summary)" ;;
*) fail "the pool refused some runs" "refusals: ${refusal_summary:-none}" ;;
esac
