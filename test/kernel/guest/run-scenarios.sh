#!/bin/sh
# Runs inside the guest: every test/kernel/scenarios/*.sh in name order, each in its own shell with
# lib.sh loaded, under a time limit, on a clean mdev tree. Results go to the writable share.
out=$1
kernel_dir=/mnt/project/test/kernel
scenario_timeout=${SCENARIO_TIMEOUT:-180}

export RESULTS_FILE=$out/scenario-results.txt
export KERNEL_WRITES=$out/kernel-writes.jsonl
export KERNEL_LIB=$kernel_dir/lib.sh
export MDEV_AGG_JS=/mnt/project/dist/mdev-agg.js
export MDEV_AGG="node $MDEV_AGG_JS"
# The project's and node's paths on the host, where the libvirt scenarios find them inside the host's root.
HOST_PROJECT=$(cat "$out/host-project" 2>/dev/null)
HOST_NODE=$(cat "$out/host-node" 2>/dev/null)
export HOST_PROJECT HOST_NODE
: >"$RESULTS_FILE"
: >"$KERNEL_WRITES"

# Processes a scenario started in the background (holders, watchers), ended after it.
export BACKGROUND_PIDS=/tmp/background-pids

# Ends what the last scenario left running (libvirtd and QEMU included, before their devices),
# removes every mdev and the CLI's lock and journal, so no scenario sees another's leftovers.
reset_host() {
	for pid in $(cat "$BACKGROUND_PIDS" 2>/dev/null); do
		kill "$pid" 2>/dev/null
	done
	: >"$BACKGROUND_PIDS"
	(. "$kernel_dir/libvirt.sh" && libvirt_reset)
	for device in /sys/bus/mdev/devices/*; do
		[ -e "$device/remove" ] || continue
		timeout -s KILL 30 sh -c 'echo 1 > "$1/remove"' sh "$device" ||
			echo "FAIL reset: could not remove $(basename "$device")" >>"$RESULTS_FILE"
	done
	rm -rf /run/mdev-agg
}

# run.sh leaves the names of the scenarios to run here when it was asked for some only.
only=$(cat "$out/only-scenarios" 2>/dev/null)

overall=0
for scenario in "$kernel_dir"/scenarios/*.sh; do
	name=$(basename "$scenario" .sh)
	if [ -n "$only" ] && ! echo " $only " | grep -qF " $name "; then
		continue
	fi
	echo "mdev-agg-guest: scenario $name"
	reset_host
	work=/tmp/scenario-$name
	mkdir -p "$work"
	before=$(grep -c "^[A-Z]* $name:" "$RESULTS_FILE")
	# A scenario may ask for another limit with a line "# scenario-timeout: SECONDS".
	limit=$(sed -n 's/^# scenario-timeout: \([0-9][0-9]*\)$/\1/p' "$scenario" | head -n 1)
	read -r started_at _ </proc/uptime
	(
		cd "$work" &&
			SCENARIO=$name SCENARIO_DIR=$work timeout -s KILL "${limit:-$scenario_timeout}" \
				sh -c '. "$KERNEL_LIB" && . "$1"' sh "$scenario"
	)
	status=$?
	read -r finished_at _ </proc/uptime
	echo "mdev-agg-guest: scenario $name took $((${finished_at%.*} - ${started_at%.*})) s"
	after=$(grep -c "^[A-Z]* $name:" "$RESULTS_FILE")
	if [ "$status" != 0 ]; then
		echo "FAIL $name: the scenario script exited with status $status" | tee -a "$RESULTS_FILE"
		overall=1
	elif [ "$after" = "$before" ]; then
		echo "FAIL $name: the scenario reported no result" | tee -a "$RESULTS_FILE"
		overall=1
	fi
done
reset_host
sync
exit "$overall"
