# Real apply processes killed with SIGKILL at varied points (timed from the launch, or as soon as
# the lock, the journal, the first or the last device appears), each followed by one more run: the
# same domain's apply or release, or another domain's apply or release. The host converges to the
# requested state or to none, never half: no leaked device, the pool as the devices say, no lock
# and no journal left.
# Many CLI processes under emulation: on a loaded two-core host this outlasts the default limit.
# scenario-timeout: 420
require_cli apply release

u=9b7e1f4e-0c1a-4b7e-9d1e-00000000
a1_plain=${u}9611 a1_agg=${u}9612
a2_agg=${u}9621 a2_plain=${u}9622 a2_one=${u}9623
b_one=${u}9631 b_two=${u}9632
# a1 and a2 take 5 units each, b 3: a finished a1 or a2 and b fit the pool of 8 together.
domain_xml "$SCENARIO_DIR/a1.xml" crash-a1 "$a1_plain:$PLAIN_TYPE:1:$PARENT" "$a1_agg:$AGG_TYPE:3:$PARENT"
domain_xml "$SCENARIO_DIR/a2.xml" crash-a2 "$a2_agg:$AGG_TYPE:2:$PARENT" "$a2_plain:$PLAIN_TYPE:1:$PARENT" "$a2_one:$AGG_TYPE:1:$PARENT"
domain_xml "$SCENARIO_DIR/b.xml" crash-b "$b_one:$AGG_TYPE:1:$PARENT" "$b_two:$AGG_TYPE:2:$PARENT"
want_a1="$a1_plain $PLAIN_TYPE 0$NL$a1_agg $AGG_TYPE 3"
want_a2="$a2_agg $AGG_TYPE 2$NL$a2_plain $PLAIN_TYPE 0$NL$a2_one $AGG_TYPE 1"
want_b="$b_one $AGG_TYPE 1$NL$b_two $AGG_TYPE 2"

# Bounds: iterations, and no new iteration once this many seconds of the scenario have passed.
max_iterations=32
time_budget_ms=120000
now_ms
scenario_start=$NOW_MS

# A fixed seed: the same kill points and follow-up runs from run to run, up to emulation timing.
RAND_STATE=9601
rand_below() {
	RAND_STATE=$(((RAND_STATE * 1103515245 + 12345) % 2147483648))
	RAND=$(((RAND_STATE / 65536) % $1))
}

# launch KIND FILE OUT: the CLI in the background, as users run it; RUN_PID is node itself, so a
# SIGKILL reaches the process that holds the lock.
launch() {
	$MDEV_AGG "$1" "$2" --json >"$3" 2>"$3.err" &
	RUN_PID=$!
	echo "$RUN_PID" >>"$BACKGROUND_PIDS"
}

# domain_state WANT: "all" when the domain's devices exist exactly as WANT, "none" when none of
# them exists, else "partial".
domain_state() {
	domain_state_now=$(mdev_devices)
	domain_state_found=0
	domain_state_total=0
	for domain_state_uuid in $(echo "$1" | cut -d' ' -f1); do
		domain_state_total=$((domain_state_total + 1))
		[ -e "$DEVICES_DIR/$domain_state_uuid" ] && domain_state_found=$((domain_state_found + 1))
	done
	if [ "$domain_state_found" = 0 ]; then
		echo none
	elif [ "$domain_state_found" = "$domain_state_total" ] &&
		[ "$(echo "$domain_state_now" | grep -F "$(echo "$1" | cut -d' ' -f1)")" = "$1" ]; then
		echo all
	else
		echo partial
	fi
}

# Calibration: one apply watched to the end, so that the timed kills aim at the span where it
# holds the lock (node's start-up under emulation is most of a run).
launch apply "$SCENARIO_DIR/a1.xml" "$SCENARIO_DIR/calibration.json"
now_ms
t0=$NOW_MS
t_lock= t_journal= t_device= t_exit=
while kill -0 "$RUN_PID" 2>/dev/null; do
	now_ms
	[ $((NOW_MS - t0)) -gt 60000 ] && break
	[ -z "$t_lock" ] && [ -e /run/mdev-agg/lock ] && t_lock=$((NOW_MS - t0))
	[ -z "$t_journal" ] && [ -e /run/mdev-agg/journal.json ] && t_journal=$((NOW_MS - t0))
	[ -z "$t_device" ] && [ -e "$DEVICES_DIR/$a1_agg" ] && t_device=$((NOW_MS - t0))
done
wait "$RUN_PID"
calibration_status=$?
now_ms
t_exit=$((NOW_MS - t0))
echo "mdev-agg-guest: 96-crash-sigkill calibration: lock at ${t_lock:-?} ms, journal at ${t_journal:-?} ms, last device at ${t_device:-?} ms, exit at $t_exit ms"
if [ "$calibration_status" != 0 ] || [ "$(domain_state "$want_a1")" != all ] || [ -z "$t_lock" ]; then
	fail "calibration apply" "exit $calibration_status, lock seen at '${t_lock}' ms, devices: $(mdev_devices | tr '\n' ';')"
	exit 0
fi
pass "calibration apply created the domain (lock at $t_lock ms, exit at $t_exit ms)"
expect_exit "release after the calibration" 0 $MDEV_AGG release "$SCENARIO_DIR/a1.xml"
# Timed kills fall from a little before the lock is taken to a little after the run ends.
delay_from=$((t_lock > 150 ? t_lock - 150 : 0))
delay_span=$((t_exit + 100 - delay_from))

crashes=0 mid_run=0 with_journal=0 partial=0 lock_only=0 taking=0 before=0 after=0 reconciled=0 leaked=0 problems=0
problem() {
	problems=$((problems + 1))
	fail "iteration $iteration ($kill_how, then $next_kind $next_name): $1" "$2"
}

iteration=0
while [ "$iteration" -lt "$max_iterations" ]; do
	now_ms
	[ $((NOW_MS - scenario_start)) -ge "$time_budget_ms" ] && break
	iteration=$((iteration + 1))
	rand_below 2
	if [ "$RAND" = 0 ]; then name=a1 want=$want_a1; else name=a2 want=$want_a2; fi
	rand_below 4
	case $RAND in
	0) next_kind=apply next_name=$name ;;
	1) next_kind=release next_name=$name ;;
	2) next_kind=apply next_name=b ;;
	3) next_kind=release next_name=b ;;
	esac
	# Every other kill is timed, the others wait for a sign of progress, in turn.
	case $((iteration % 8)) in
	1) trigger=/run/mdev-agg/lock ;;
	3) trigger=/run/mdev-agg/journal.json ;;
	5) trigger=$DEVICES_DIR/$(echo "$want" | head -n1 | cut -d' ' -f1) ;;
	7) trigger=$DEVICES_DIR/$(echo "$want" | tail -n1 | cut -d' ' -f1) ;;
	*) trigger= ;;
	esac
	if [ -n "$trigger" ]; then
		kill_how="apply $name killed on seeing ${trigger##*/}"
	else
		rand_below "$delay_span"
		delay=$((delay_from + RAND))
		kill_how="apply $name killed after $delay ms"
	fi

	launch apply "$SCENARIO_DIR/$name.xml" "$SCENARIO_DIR/killed.json"
	now_ms
	t0=$NOW_MS
	if [ -n "$trigger" ]; then
		while kill -0 "$RUN_PID" 2>/dev/null && [ ! -e "$trigger" ]; do
			now_ms
			[ $((NOW_MS - t0)) -gt 60000 ] && break
		done
	else
		# Short naps rather than one: a child's exit interrupts a nap, which then starts over.
		now_ms
		while kill -0 "$RUN_PID" 2>/dev/null && [ $((NOW_MS - t0)) -lt "$delay" ]; do
			nap 0.01
			now_ms
		done
	fi
	kill -KILL "$RUN_PID" 2>/dev/null
	now_ms
	killed_at=$((NOW_MS - t0))
	wait "$RUN_PID"
	killed_status=$?
	crashes=$((crashes + 1))
	left=$(run_files)
	state=$(domain_state "$want")
	journal_left=no
	case " $left " in *" journal.json "*) journal_left=yes ;; esac
	if [ "$killed_status" != 137 ]; then
		landed=after
	elif [ -n "$left" ]; then
		landed=mid-run
		case " $left " in
		*" journal.json "*) with_journal=$((with_journal + 1)) ;;
		*" lock "*) lock_only=$((lock_only + 1)) ;;
		*) taking=$((taking + 1)) ;;
		esac
		[ "$state" = partial ] && partial=$((partial + 1))
	elif [ "$state" = all ]; then
		landed=after
	elif [ "$state" = none ]; then
		landed=before
	else
		landed=mid-run
		problem "devices without a journal after the kill" "$(mdev_devices | tr '\n' ';')"
	fi
	case $landed in
	before) before=$((before + 1)) ;;
	mid-run) mid_run=$((mid_run + 1)) ;;
	after) after=$((after + 1)) ;;
	esac
	echo "mdev-agg-guest: 96-crash-sigkill $iteration: $kill_how: exit $killed_status at $killed_at ms, $landed, devices $state, left: ${left:-nothing}"

	# What the host must hold after the next run.
	state_after_kill=$state
	[ "$journal_left" = yes ] && state_after_kill=none
	if [ "$next_name" = "$name" ]; then
		expected=
		[ "$next_kind" = apply ] && expected=$want
	else
		expected=
		[ "$state_after_kill" = all ] && expected=$want
		[ "$next_kind" = apply ] && expected="$expected$NL$want_b"
	fi
	expected=$(echo "$expected" | sed '/^$/d' | sort)

	timeout -s KILL "$COMMAND_TIMEOUT" $MDEV_AGG "$next_kind" "$SCENARIO_DIR/$next_name.xml" --json >"$SCENARIO_DIR/next.json" 2>"$SCENARIO_DIR/next.err"
	next_status=$?
	codes=$(report_codes "$SCENARIO_DIR/next.json")
	[ "$next_status" = 0 ] || problem "the next run exits 0" "exit $next_status, codes: $codes; $(head -c 300 "$SCENARIO_DIR/next.err")"
	case " $codes " in
	*" I_RECONCILED "*)
		reconciled=$((reconciled + 1))
		[ "$journal_left" = yes ] || problem "reconciles only a journal the killed run left" "codes: $codes"
		;;
	*) [ "$journal_left" = no ] || problem "the next run reconciles the journal left" "codes: $codes" ;;
	esac
	host_converged "$expected" problem
	leaked=$((leaked + EXTRA_DEVICES))

	# Back to an empty host for the next iteration, whatever happened.
	for device in "$DEVICES_DIR"/*; do
		[ -e "$device/remove" ] && timeout -s KILL "$COMMAND_TIMEOUT" sh -c 'echo 1 >"$1/remove"' sh "$device"
	done
	rm -rf /run/mdev-agg
done

figures="$crashes crashes injected: $mid_run landed mid-run ($with_journal with a journal, $partial of them with part of the devices made; $lock_only holding the lock alone; $taking taking the lock), $before before the lock, $after after the work; $reconciled reconciled by the next run; $leaked leaked devices"
echo "mdev-agg-guest: figures 96-crash-sigkill: $figures"
if [ "$problems" = 0 ]; then
	pass "every killed apply converged with the next run ($figures)"
else
	fail "every killed apply converged with the next run" "$problems problems; $figures"
fi
# Kills that all miss the run would test nothing: most must land while it holds the lock.
if [ "$crashes" -ge 8 ] && [ $((mid_run * 2)) -ge "$crashes" ] && [ "$partial" -ge 1 ]; then
	pass "kills landed mid-run ($mid_run of $crashes, $partial with part of the devices made)"
else
	fail "kills landed mid-run" "$mid_run of $crashes, $partial partial: aim the kills again"
fi
