# Under the distribution's libvirtd with the hook installed, a running guest with two aggregated
# mdevs and one plain mdev: libvirtd killed and started again (it reconnects, the hook only checks,
# nothing is removed), and QEMU killed with SIGKILL (libvirt's release removes the devices). Then
# libvirtd restarted under a running guest whose devices are not as declared: a count differs (the
# hook's reconnect warns, exit 0, one line on stderr and in syslog; the guest runs on, nothing is
# removed), and a device is gone from sysfs (libvirt itself fails the reconnect and kills the guest
# before any hook; release removes the rest). Last, why reconnect must answer 0: another hook
# script failing the reconnect makes libvirt kill the guest.
# Helpers: libvirt.sh; the table of steps goes to the results.
# scenario-timeout: 420
require_cli hook
. "${KERNEL_LIB%/*}/libvirt.sh"
agg2=9b7e1f4e-0c1a-4b7e-9d1e-000000000991
agg3=9b7e1f4e-0c1a-4b7e-9d1e-000000000992
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000993
guest=restart-guest

devices="$agg2:$AGG_TYPE:2 $agg3:$AGG_TYPE:3 $plain:$PLAIN_TYPE:1"

libvirt_setup
define_guest "$guest" $devices

step "virsh start" 0 "$guest" start "$guest"
expect_hook_calls "started: the hook's prepare, start and started answered 0" "$guest" \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_syslog "the hook's syslog: started: prepare created the three devices" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_devices "started" "$guest" $devices
expect_available "started: the pool shrank by 7 units" 0 1

# libvirtd killed under the running guest and started again: it reconnects to QEMU and runs the
# hook's reconnect, which only checks; no device is removed or created meanwhile.
qemu_before=$(qemu_pid "$guest")
watch_devices
step_begin
kill_libvirtd
check "QEMU keeps running without libvirtd" [ -e "/proc/${qemu_before:-none}" ]
libvirtd_start || exit 0
# The reconnect runs in a thread of its own, after libvirtd already answers; the hook ends it.
await_hook_call "the restarted libvirtd's reconnect reached the hook" "$guest" "reconnect begin -"
step_row "libvirtd killed (SIGKILL) and started again" "$guest" "libvirtd $(libvirtd_pid) answers" \
	"$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
expect_hook_calls "the restarted libvirtd ran the hook's reconnect, answering 0" "$guest" "reconnect begin - => 0"
check "the reconnect printed nothing on stdout or stderr (the devices are as declared)" \
	[ "$(hook_calls | grep "^$guest reconnect ")" = "$guest reconnect begin - => 0" ]
expect_syslog "the hook's syslog: a reconnect that finds the devices as declared logs nothing"
expect_domstate "after the restart the guest still runs" "$guest" running
check "the same QEMU process runs the guest" [ "$(qemu_pid "$guest")" = "$qemu_before" ]
expect_device_events "the restart neither removed nor created a device" ""
expect_guest_devices "after the restart" "$guest" $devices
expect_available "after the restart: the pool shrank by 7 units" 0 1

# A crash: QEMU killed with SIGKILL. libvirt sees the monitor close, stops the guest and runs the
# hook's release, which removes the devices.
watch_devices
step_begin
qemu_now=$(qemu_pid "$guest")
check "QEMU runs before it is killed" [ -n "$qemu_now" ]
kill_and_wait KILL $qemu_now
# libvirt stops the guest in the thread that sees the monitor close; release is its last step.
await_hook_call "libvirt's stop after the crash reached the hook's release" "$guest" "release end -"
step_row "QEMU killed (SIGKILL)" "$guest" "QEMU $qemu_now killed" "$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
expect_domstate "after the crash the guest is shut off" "$guest" "shut off"
expect_domstate_reason "the reason is a crash" "$guest" "shut off (crashed)"
expect_hook_calls "the crash ran the hook's stopped and release" "$guest" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: the release after the crash removed the three devices" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_device_events "the release removed exactly the three devices" "remove $agg2; remove $agg3; remove $plain"
expect_guest_gone "after the crash" $devices

# Reconnect when the running guest's devices are not as declared. First the declaration changed:
# the live domain's aggregation metadata asks for x4 where the device QEMU holds is x3 (the kernel
# refuses a new count while the device is open). libvirtd restarted runs reconnect, which must
# report it and still answer 0: libvirt kills a running guest whose reconnect hook fails
# (libvirt-integration.md), and the hook never writes.
step "virsh start for the reconnect warnings" 0 "$guest" start "$guest"
expect_hook_calls "started for the reconnect warnings: the hook's prepare, start and started answered 0" "$guest" \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_syslog "the hook's syslog: started for the reconnect warnings: prepare created the three devices" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_devices "started for the reconnect warnings" "$guest" $devices
qemu_before=$(qemu_pid "$guest")
virsh_call "virsh metadata --live: $agg3 declared x4 while it runs as x3" 0 metadata "$guest" --live \
	--uri urn:mdev-agg:aggregation:1 --key agg \
	--set "<aggregation xmlns='urn:mdev-agg:aggregation:1'><device uuid='$agg2' type='$AGG_TYPE' instances='2'/><device uuid='$agg3' type='$AGG_TYPE' instances='4'/><device uuid='$plain' type='$PLAIN_TYPE' instances='1'/></aggregation>"
watch_devices
step_begin
kill_libvirtd
libvirtd_start || exit 0
await_hook_call "the restarted libvirtd's reconnect reached the hook" "$guest" "reconnect begin -"
step_row "live metadata declares $agg3 x4, libvirtd killed and started again" "$guest" \
	"libvirtd $(libvirtd_pid) answers" "$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
expect_hook_calls "the reconnect answered 0 although a count differs" "$guest" "reconnect begin - => 0"
reconnect_line="mdev-agg: reconnect of guest '$guest': 1 of 3 aggregated mdevs not as declared: $agg3 is $AGG_TYPE x3 on $PARENT"
check "the reconnect's only output is one line on stderr naming the device and what it is" \
	[ "$(hook_calls | grep "^$guest reconnect ")" = "$guest reconnect begin - => 0 stderr: $reconnect_line\\n" ]
expect_syslog "the hook's syslog: the reconnect's warning W_DEVICE_NOT_AS_DECLARED" \
	"warning op=reconnect guest=\"$guest\" code=W_DEVICE_NOT_AS_DECLARED: ${reconnect_line#mdev-agg: }"
expect_domstate "libvirt keeps the guest running after the warning" "$guest" running
check "the same QEMU process runs the guest" [ "$(qemu_pid "$guest")" = "$qemu_before" ]
expect_device_events "the reconnect neither removed nor created a device" ""
expect_guest_devices "after the reconnect warning" "$guest" $devices
expect_available "after the reconnect warning: the pool is as before" 0 1

# The declaration as it was, then a device removed behind libvirt's back while QEMU holds it: the
# kernel's remove blocks until QEMU closes the device, which meanwhile has left sysfs with its units
# still taken. libvirtd restarted looks the guest's mdevs up on sysfs itself before any hook: it
# does not find the device, gives up the reconnect and kills the guest, then runs stopped and
# release; the hook's reconnect never runs. release removes the two devices left.
virsh_call "virsh metadata --live: the declaration as it was" 0 metadata "$guest" --live \
	--uri urn:mdev-agg:aggregation:1 --key agg \
	--set "<aggregation xmlns='urn:mdev-agg:aggregation:1'><device uuid='$agg2' type='$AGG_TYPE' instances='2'/><device uuid='$agg3' type='$AGG_TYPE' instances='3'/><device uuid='$plain' type='$PLAIN_TYPE' instances='1'/></aggregation>"
watch_devices
step_begin
echo 1 >"$DEVICES_DIR/$agg2/remove" 2>"$SCENARIO_DIR/remove.err" &
remover=$!
echo "$remover" >>"$BACKGROUND_PIDS"
remove_waited=0
while [ -e "$DEVICES_DIR/$agg2" ] && [ "$remove_waited" -lt 100 ]; do
	sleep 0.1
	remove_waited=$((remove_waited + 1))
done
check "the remove of $agg2 blocks while QEMU holds it" kill -0 "$remover"
expect_absent "the device QEMU holds has left sysfs" "$DEVICES_DIR/$agg2"
expect_available "its units stay taken while QEMU holds it" 0 1
qemu_before=$(qemu_pid "$guest")
kill_libvirtd
libvirtd_start || exit 0
await_hook_call "libvirt's stop after the failed reconnect reached the hook's release" "$guest" "release end -"
step_row "$agg2 removed behind libvirt's back, libvirtd killed and started again" "$guest" \
	"libvirtd $(libvirtd_pid) answers" "$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
check "libvirt's reconnect failed on the missing mdev before any hook ran" \
	step_log_has "virMediatedDeviceNew:[0-9]* : device not found: mediated device '$agg2' not found"
expect_domstate "libvirt killed the guest it could not reconnect" "$guest" "shut off"
expect_domstate_reason "the reason is unknown (libvirt's failed reconnect)" "$guest" "shut off (unknown)"
check "its QEMU is gone" [ ! -e "/proc/${qemu_before:-none}" ]
expect_hook_calls "libvirt ran stopped and release, not reconnect" "$guest" "stopped end - => 0" "release end - => 0"
if ! ended_within "$remover" 100; then
	fail "the blocked remove completed once QEMU closed the device" "still blocked after 10 s"
else
	check "the blocked remove completed once QEMU closed the device" wait "$remover"
fi
expect_syslog "the hook's syslog: release removed the two devices left" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
# The held device's remove completes when QEMU's fds close, concurrently with release's removes:
# exactly these three removes, release's two in declaration order.
uevent_barrier || fail "uevent watcher keeps up" "no event seen in 10 s"
held_events=$(device_events)
check "the held device's remove was seen once" [ "$(printf '%s\n' "$held_events" | grep -cx "remove $agg2")" = 1 ]
check "release removed the two others, in declaration order" \
	[ "$(printf '%s\n' "$held_events" | grep -vx "remove $agg2" | tr '\n' ';')" = "remove $agg3;remove $plain;" ]
expect_device_events "no other device event came" "$(printf '%s\n' "$held_events" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
expect_guest_gone "after the failed reconnect" $devices

# Why the hook's reconnect answers 0 whatever it finds: a reconnect hook that fails makes libvirt
# kill the running guest. Another script in qemu.d, run after the hook, fails every reconnect.
step "virsh start for a failing reconnect hook" 0 "$guest" start "$guest"
expect_hook_calls "started for a failing reconnect hook: the hook's prepare, start and started answered 0" "$guest" \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_syslog "the hook's syslog: started for a failing reconnect hook: prepare created the three devices" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"
qemu_before=$(qemu_pid "$guest")
printf '#!/bin/sh\n[ "$2" != reconnect ] || { echo "reconnect refused by a test script" >&2; exit 1; }\n' \
	>"$HOST_ROOT/etc/libvirt/hooks/qemu.d/zz-fail-reconnect"
chmod 755 "$HOST_ROOT/etc/libvirt/hooks/qemu.d/zz-fail-reconnect"
watch_devices
step_begin
kill_libvirtd
libvirtd_start || exit 0
await_hook_call "libvirt's stop after the failing reconnect hook reached the hook's release" "$guest" "release end -"
step_row "a reconnect hook that fails, libvirtd killed and started again" "$guest" \
	"libvirtd $(libvirtd_pid) answers" "$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
check "libvirt reports the failing reconnect hook" \
	step_log_has "zz-fail-reconnect $guest reconnect begin -) unexpected exit status 1"
expect_domstate "libvirt killed the guest whose reconnect hook failed" "$guest" "shut off"
expect_domstate_reason "the reason is the daemon's (the failed reconnect hook)" "$guest" "shut off (daemon)"
check "its QEMU is gone" [ ! -e "/proc/${qemu_before:-none}" ]
expect_hook_calls "mdev-agg's reconnect answered 0, then libvirt ran stopped and release" "$guest" \
	"reconnect begin - => 0" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: release removed the three devices" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_device_events "release removed exactly the three devices" "remove $agg2; remove $agg3; remove $plain"
expect_guest_gone "after the failing reconnect hook" $devices
virsh_call "virsh undefine" 0 undefine "$guest"
libvirt_finish
