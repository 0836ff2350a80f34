# Under the distribution's libvirtd with the hook installed, a running guest with two aggregated
# mdevs and one plain mdev: libvirtd killed and started again (it reconnects, the hook only checks,
# nothing is removed), and QEMU killed with SIGKILL (libvirt's release removes the devices).
# Helpers: libvirt.sh; the table of steps goes to the results.
# scenario-timeout: 300
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
expect_guest_devices "started" "$guest" $devices
expect_available "started: the pool shrank by 7 units" 0 1

# libvirtd killed under the running guest and started again: it reconnects to QEMU and runs the
# hook's reconnect, which only checks; no device is removed or created meanwhile.
qemu_before=$(qemu_pid "$guest")
watch_devices
step_begin
kill_and_wait KILL $(libvirtd_pid)
check "libvirtd is gone after SIGKILL" [ -z "$(libvirtd_pid)" ]
check "QEMU keeps running without libvirtd" [ -e "/proc/${qemu_before:-none}" ]
libvirtd_start || exit 0
step_row "libvirtd killed (SIGKILL) and started again" "$guest" "libvirtd $(libvirtd_pid) answers" \
	"$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
expect_hook_calls "the restarted libvirtd ran the hook's reconnect, answering 0" "$guest" "reconnect begin - => 0"
check "the reconnect printed nothing (the devices are as declared)" [ -z "$(hook_calls | grep -F ' reconnect begin - => 0:')" ]
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
kill_and_wait KILL $qemu_now
crash_waited=0
while [ "$(in_root virsh domstate "$guest" 2>/dev/null | sed '/^$/d')" != "shut off" ] && [ "$crash_waited" -lt 60 ]; do
	sleep 0.5
	crash_waited=$((crash_waited + 1))
done
step_row "QEMU killed (SIGKILL)" "$guest" "QEMU $qemu_now killed" "$(in_root virsh domstate --reason "$guest" 2>&1 | sed '/^$/d')"
expect_domstate "after the crash the guest is shut off" "$guest" "shut off"
expect_hook_calls "the crash ran the hook's stopped and release" "$guest" "stopped end - => 0" "release end - => 0"
expect_device_events "the release removed exactly the three devices" "remove $agg2; remove $agg3; remove $plain"
expect_guest_gone "after the crash" $devices
virsh_call "virsh undefine" 0 undefine "$guest"
libvirt_finish
