# Under the distribution's libvirtd with the hook installed: while a guest holds 7 of the pool's 8
# units, a guest asking for 2 more aggregated instances is refused by the hook, and libvirt's error
# carries the hook's one line; nothing of it is left created. A guest without aggregation starts
# and stops normally beside the running one, which is never touched.
# Helpers: libvirt.sh; the table of steps goes to the results.
# scenario-timeout: 300
require_cli hook
. "${KERNEL_LIB%/*}/libvirt.sh"
agg3=9b7e1f4e-0c1a-4b7e-9d1e-000000000984
agg2=9b7e1f4e-0c1a-4b7e-9d1e-000000000985
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000986
big=9b7e1f4e-0c1a-4b7e-9d1e-000000000987

holder_devices="$agg3:$AGG_TYPE:3 $agg2:$AGG_TYPE:2 $plain:$PLAIN_TYPE:1"

libvirt_setup
define_guest holder $holder_devices
define_guest too-big "$big:$AGG_TYPE:2:$PARENT"
define_guest no-aggregation

# expect_holder WHAT: the running guest's devices are as it started them, one unit is free.
expect_holder() {
	expect_guest_devices "$1" holder $holder_devices
	expect_available "$1: one unit is free" 0 1
}

step "virsh start holder" 0 holder start holder
expect_holder "holder started"

watch_devices
step "virsh start too-big is refused" 1 too-big start too-big
expect_output "libvirt's error is the hook's failure" "Hook script execution failed"
expect_output "libvirt's error carries the hook's line" "mdev-agg: prepare of guest 'too-big' failed: "
expect_output "the refusal is the capacity check, before any write" "failed: E_CAPACITY"
check "the hook's refusal is one line in libvirt's message" [ "$(grep -c "mdev-agg: prepare of guest 'too-big'" "$STDERR_FILE")" = 1 ]
expect_hook_calls "libvirt ran the hook's prepare (refused), then stopped and release" too-big \
	"prepare begin - => 1" "stopped end - => 0" "release end - => 0"
expect_domstate "too-big is shut off" too-big "shut off"
check "no QEMU runs for too-big" [ -z "$(qemu_pid too-big)" ]
expect_absent "too-big's device does not exist" "$DEVICES_DIR/$big"
# N <= available_instances before any write, in the attribute generation too: nothing is created.
expect_device_events "the hook refused before writing: no device appeared" ""
expect_holder "after the refused start"
check "no lock or journal is left in /run/mdev-agg" [ -z "$(ls -A "$HOST_ROOT/run/mdev-agg" 2>/dev/null)" ]

watch_devices
step "virsh start no-aggregation" 0 no-aggregation start no-aggregation
expect_hook_calls "the hook answered 0 to the start of the guest without aggregation" no-aggregation \
	"prepare begin - => 0" "start begin - => 0" "started begin - => 0"
expect_domstate "the guest without aggregation runs" no-aggregation running
check "its QEMU runs" [ -n "$(qemu_pid no-aggregation)" ]
check "its QEMU has no sysfsdev argument" [ -z "$(qemu_sysfsdevs no-aggregation)" ]
step "virsh destroy no-aggregation" 0 no-aggregation destroy no-aggregation
expect_domstate "the guest without aggregation is shut off" no-aggregation "shut off"
expect_device_events "the guest without aggregation touched no device" ""
expect_holder "after the guest without aggregation"

step "virsh destroy holder" 0 holder destroy holder
expect_guest_gone "holder destroyed" $holder_devices
check "no mdev is left" [ -z "$(mdev_devices)" ]
for name in holder too-big no-aggregation; do
	virsh_call "virsh undefine $name" 0 undefine "$name"
done
libvirt_finish
