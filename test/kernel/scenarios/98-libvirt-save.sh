# Under the distribution's libvirtd with the hook installed: virsh save and restore. libvirt saves a
# guest by migrating it to a file, and Debian 12's QEMU (7.2) blocks the migration of a vfio-pci
# device without migration support, so the save of a guest with mdevs is refused and must leave the
# running guest and its devices as they were, with no hook call. A guest without aggregation is
# saved and restored beside it, the hook answering libvirt's restore. Helpers: libvirt.sh.
# scenario-timeout: 300
require_cli hook
. "${KERNEL_LIB%/*}/libvirt.sh"
agg2=9b7e1f4e-0c1a-4b7e-9d1e-000000000994
agg3=9b7e1f4e-0c1a-4b7e-9d1e-000000000995
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000996
guest=save-guest
devices="$agg2:$AGG_TYPE:2 $agg3:$AGG_TYPE:3 $plain:$PLAIN_TYPE:1"

libvirt_setup
define_guest "$guest" $devices
define_guest no-aggregation
step "virsh start" 0 "$guest" start "$guest"

watch_devices
step "virsh save of the guest with mdevs is refused" 1 "$guest" save "$guest" "/tmp/$guest.save"
expect_output "QEMU's migration blocker is libvirt's reason" "VFIO device doesn't support migration"
expect_hook_calls "the refused save ran no hook operation" "$guest"
expect_domstate "after the refused save the guest still runs" "$guest" running
expect_guest_devices "after the refused save" "$guest" $devices
expect_available "after the refused save: the pool shrank by 7 units" 0 1

step "virsh start no-aggregation" 0 no-aggregation start no-aggregation
step "virsh save no-aggregation" 0 no-aggregation save no-aggregation /tmp/no-aggregation.save
expect_hook_calls "the save ran the hook's stopped and release" no-aggregation "stopped end - => 0" "release end - => 0"
expect_domstate "the saved guest is shut off" no-aggregation "shut off"
step "virsh restore no-aggregation" 0 no-aggregation restore /tmp/no-aggregation.save
expect_hook_calls "the restore ran the hook's restore, prepare, start and started" no-aggregation \
	"restore begin - => 0" "prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_domstate "the restored guest runs" no-aggregation running
step "virsh destroy no-aggregation" 0 no-aggregation destroy no-aggregation
expect_device_events "neither save nor restore touched a device" ""
expect_guest_devices "after the other guest's save and restore" "$guest" $devices

step "virsh destroy" 0 "$guest" destroy "$guest"
expect_guest_gone "destroyed" $devices
virsh_call "virsh undefine $guest" 0 undefine "$guest"
virsh_call "virsh undefine no-aggregation" 0 undefine no-aggregation
libvirt_finish
