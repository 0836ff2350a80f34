# The whole chain under the distribution's libvirtd: the hook installed with `mdev-agg hook install`,
# a guest with two aggregated mdevs and one plain mdev (metadata form) started with virsh,
# destroyed, and started again. Each step checks libvirt's answer, the hook's calls and its syslog
# messages, the devices on sysfs, QEMU's command line and the pool. Helpers: libvirt.sh; the table of steps goes to the results.
# scenario-timeout: 300
require_cli hook
. "${KERNEL_LIB%/*}/libvirt.sh"
agg2=9b7e1f4e-0c1a-4b7e-9d1e-000000000981
agg3=9b7e1f4e-0c1a-4b7e-9d1e-000000000982
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000983
guest=agg-guest

devices="$agg2:$AGG_TYPE:2 $agg3:$AGG_TYPE:3:$PARENT $plain:$PLAIN_TYPE:1"

libvirt_setup
define_guest "$guest" $devices
expect_available "before the start the pool is full" 4 8

watch_devices
step "virsh start" 0 "$guest" start "$guest"
expect_hook_calls "libvirtd ran the hook's prepare, start and started, each answering 0" "$guest" \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
# prepare logs each device it created; start and started have nothing to do and log nothing.
expect_syslog "the hook's syslog: prepare created the three devices, in declaration order" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_devices "started" "$guest" $devices
expect_available "started: the pool shrank by 7 units (2 + 3 aggregated, 2 for the plain device)" 0 1
expect_domstate "the guest runs" "$guest" running
expect_device_events "the start created exactly the three devices" "add $agg2; add $agg3; add $plain"
# QEMU's own view: vfio-pci realized each device with the test driver's PCI ids.
virsh_call "QEMU's monitor answers info pci" 0 qemu-monitor-command "$guest" --hmp "info pci"
check "QEMU shows three PCI devices 1b36:10a6" [ "$(grep -c 'PCI device 1b36:10a6' "$STDOUT_FILE")" = 3 ]

watch_devices
step "virsh destroy" 0 "$guest" destroy "$guest"
expect_hook_calls "libvirtd ran the hook's stopped and release" "$guest" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: release removed the three devices (stopped logs nothing)" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_gone "destroyed" $devices
expect_domstate "the guest is shut off" "$guest" "shut off"
expect_device_events "the release removed exactly the three devices" "remove $agg2; remove $agg3; remove $plain"

step "virsh start again" 0 "$guest" start "$guest"
expect_hook_calls "the second start ran prepare, start and started" "$guest" \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_syslog "the hook's syslog: the second prepare created the three devices again" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg2 *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $agg3 *" \
	"info op=prepare guest=\"$guest\" code=I_CREATED: created $plain *"
expect_guest_devices "started again" "$guest" $devices
expect_available "started again: the pool shrank by 7 units" 0 1
expect_domstate "the guest runs again" "$guest" running

step "virsh destroy at the end" 0 "$guest" destroy "$guest"
expect_hook_calls "destroyed at the end: libvirtd ran the hook's stopped and release" "$guest" "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: destroyed at the end: release removed the three devices" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"$guest\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_gone "at the end" $devices
virsh_call "virsh undefine" 0 undefine "$guest"
libvirt_finish
