# Under the distribution's libvirtd with the hook installed: virsh save and restore of a guest with
# two aggregated mdevs and one plain mdev. libvirt saves a guest by migrating it to a file. By
# default Debian 12's QEMU (7.2) blocks the migration of every vfio-pci device: the save is refused
# and must leave the running guest and its devices as they were, with no hook call. With vfio-pci's
# x-enable-migration on, QEMU uses the test driver's migration region: the save stops the guest
# (release removes the devices) and the restore starts it again (the hook's restore creates them,
# prepare finds them as declared). Helpers: libvirt.sh; the table of steps goes to the results.
# scenario-timeout: 420
require_cli hook
. "${KERNEL_LIB%/*}/libvirt.sh"
agg2=9b7e1f4e-0c1a-4b7e-9d1e-000000000994
agg3=9b7e1f4e-0c1a-4b7e-9d1e-000000000995
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000996
guest=save-guest
devices="$agg2:$AGG_TYPE:2 $agg3:$AGG_TYPE:3 $plain:$PLAIN_TYPE:1"
# The same devices in a domain that turns vfio-pci's migration on.
migratable=save-migratable

# migration_states UUID: the new state of each change of the device's migration state the test
# driver logged (1 RUNNING, 2 SAVING, 4 RESUMING, 0 stopped), space-separated, oldest first.
migration_states() {
	dmesg | sed -n "s/.* $1: migration state [0-9]* -> \([0-9]*\)\$/\1/p" | tr '\n' ' ' | sed 's/ $//'
}
# mark_migration_states: notes each device's logged states so far, for expect_migration_states.
mark_migration_states() {
	states_before_agg2=$(migration_states "$agg2")
	states_before_agg3=$(migration_states "$agg3")
	states_before_plain=$(migration_states "$plain")
}
# expect_migration_states WHAT EREGEX: since mark_migration_states, each device's new states (as
# " s1 s2 ... ") match EREGEX.
expect_migration_states() {
	for states_uuid in "$agg2:$states_before_agg2" "$agg3:$states_before_agg3" "$plain:$states_before_plain"; do
		states_now=$(migration_states "${states_uuid%%:*}")
		states_new=${states_now#"${states_uuid#*:}"}
		if [ "${states_now%"$states_new"}" = "${states_uuid#*:}" ] && echo " ${states_new# } " | grep -Eq -- "$2"; then
			pass "$1: ${states_uuid%%:*} went through ${states_new# }"
		else
			fail "$1: ${states_uuid%%:*}" "migration states before '${states_uuid#*:}', now '$states_now'"
		fi
	done
}

libvirt_setup
define_guest "$guest" $devices
define_migratable_guest "$migratable" $devices

step "virsh start" 0 "$guest" start "$guest"
watch_devices
step "virsh save is refused without vfio-pci's migration" 1 "$guest" save "$guest" "/tmp/$guest.save"
expect_output "QEMU's migration blocker is libvirt's reason" "VFIO device doesn't support migration"
expect_hook_calls "the refused save ran no hook operation (none finished, none running)" "$guest"
expect_syslog "the hook's syslog: nothing for the refused save"
expect_domstate "after the refused save the guest still runs" "$guest" running
expect_guest_devices "after the refused save" "$guest" $devices
expect_available "after the refused save: the pool shrank by 7 units" 0 1
expect_device_events "the refused save touched no device" ""
step "virsh destroy" 0 "$guest" destroy "$guest"
expect_hook_calls "destroyed: libvirtd ran the hook's stopped and release" "$guest" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: destroyed: release removed the three devices" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_gone "destroyed" $devices

step "virsh start (vfio-pci migration on)" 0 "$migratable" start "$migratable"
expect_guest_devices "started with migration on" "$migratable" $devices
check "QEMU runs with vfio-pci's x-enable-migration on" \
	grep -q 'vfio-pci.x-enable-migration=on' "/proc/$(qemu_pid "$migratable")/cmdline"
expect_available "started with migration on: the pool shrank by 7 units" 0 1

watch_devices
mark_migration_states
step "virsh save" 0 "$migratable" save "$migratable" "/tmp/$migratable.save"
expect_output "libvirt saved the guest" "saved to /tmp/$migratable.save"
check "the save image is written" [ -s "$HOST_ROOT/tmp/$migratable.save" ]
expect_migration_states "QEMU saved each device: SAVING, then stopped" ' 2( [0-9]+)* 0 $'
expect_hook_calls "the save ran the hook's stopped and release" "$migratable" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: release removed the three devices" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_domstate "the saved guest is shut off" "$migratable" "shut off"
expect_guest_gone "saved" $devices
expect_device_events "the save removed exactly the three devices" "remove $agg2; remove $agg3; remove $plain"

watch_devices
mark_migration_states
step "virsh restore" 0 "$migratable" restore "/tmp/$migratable.save"
expect_output "libvirt restored the guest" "restored from /tmp/$migratable.save"
expect_migration_states "QEMU restored each device: RESUMING, then RUNNING" ' 4( [0-9]+)* 1 $'
expect_hook_calls "the restore ran the hook's restore, prepare, start and started" "$migratable" \
	"restore begin - => 0" "prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_syslog "the hook's syslog: restore created the three devices, prepare found them as declared" \
	"info op=restore guest=\"$migratable\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=restore guest=\"$migratable\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=restore guest=\"$migratable\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"
expect_domstate "the restored guest runs" "$migratable" running
expect_domstate_reason "the reason is the restore" "$migratable" "running (restored)"
expect_guest_devices "restored" "$migratable" $devices
expect_available "restored: the pool shrank by 7 units" 0 1
expect_device_events "the restore created exactly the three devices" "add $agg2; add $agg3; add $plain"
virsh_call "QEMU's monitor answers info pci after the restore" 0 qemu-monitor-command "$migratable" --hmp "info pci"
check "the restored QEMU shows three PCI devices 1b36:10a6" [ "$(grep -c 'PCI device 1b36:10a6' "$STDOUT_FILE")" = 3 ]

step "virsh destroy the restored guest" 0 "$migratable" destroy "$migratable"
expect_hook_calls "the restored guest destroyed: libvirtd ran the hook's stopped and release" "$migratable" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: the restored guest destroyed: release removed the three devices" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$migratable\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_gone "the restored guest destroyed" $devices
virsh_call "virsh undefine $guest" 0 undefine "$guest"
virsh_call "virsh undefine $migratable" 0 undefine "$migratable"
libvirt_finish
