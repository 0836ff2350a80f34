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
expect_syslog "the hook's syslog: holder's prepare created its three devices" \
	"info op=prepare guest=\"holder\" code=I_CREATED: created $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=prepare guest=\"holder\" code=I_CREATED: created $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=prepare guest=\"holder\" code=I_CREATED: created $plain $PLAIN_TYPE x1 on $PARENT *"

watch_devices
step "virsh start too-big is refused" 1 too-big start too-big
expect_output "libvirt's error is the hook's failure" "Hook script execution failed"
expect_output "libvirt's error carries the hook's line" "mdev-agg: prepare of guest 'too-big' failed: "
expect_output "the refusal is the capacity check, before any write" "failed: E_CAPACITY"
expect_hook_calls "libvirt ran the hook's prepare (refused), then stopped and release" too-big \
	"prepare begin - => 1" "stopped end - => 0" "release end - => 0"
# The hook's line as the hook wrote it, from the system log (the same line as on stderr, without the
# "mdev-agg: " the log's tag replaces),
# must stand in libvirt's message exactly once and whole: after libvirt's "unexpected exit status 1: ",
# up to the end of that line of virsh's output, with nothing of the hook on the lines after it.
expect_syslog "the hook's syslog: prepare's refusal, level err, with its E_ code (stopped and release log nothing)" \
	"err op=prepare guest=\"too-big\" code=E_CAPACITY: prepare of guest 'too-big' failed: E_CAPACITY: *"
refusal=$(hook_syslog | sed -n 's/^err op=prepare guest="too-big" code=E_[A-Z_]*: /mdev-agg: /p')
check "the hook's line names its E_ code" [ -n "$(echo "$refusal" | grep -E "^mdev-agg: prepare of guest 'too-big' failed: E_[A-Z_]+: .")" ]
check "libvirt's message holds the hook's line exactly once" \
	[ "$(if [ -n "$refusal" ]; then grep -cF -- "$refusal" "$STDERR_FILE"; fi)" = 1 ]
check "libvirt's message holds no other line of the hook" [ "$(grep -o "mdev-agg: prepare of guest" "$STDERR_FILE" | grep -c '')" = 1 ]
check "the hook's line is whole on one line of libvirt's message, ending it" \
	[ "$(sed -n 's/.* unexpected exit status 1: //p' "$STDERR_FILE")" = "$refusal" ]
check "no line of libvirt's message after the hook's line comes from the hook" \
	[ -z "$(sed -n '/ unexpected exit status 1: /,$p' "$STDERR_FILE" | sed '1d; /^ *$/d')" ]
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
expect_syslog "the hook's syslog: nothing for a guest without aggregation"
expect_domstate "the guest without aggregation runs" no-aggregation running
check "its QEMU runs" [ -n "$(qemu_pid no-aggregation)" ]
check "its QEMU has no sysfsdev argument" [ -z "$(qemu_sysfsdevs no-aggregation)" ]
step "virsh destroy no-aggregation" 0 no-aggregation destroy no-aggregation
expect_hook_calls "the hook answered 0 to the stop of the guest without aggregation" no-aggregation \
	"stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: nothing for the stop of a guest without aggregation"
expect_domstate "the guest without aggregation is shut off" no-aggregation "shut off"
expect_device_events "the guest without aggregation touched no device" ""
expect_holder "after the guest without aggregation"

step "virsh destroy holder" 0 holder destroy holder
expect_hook_calls "holder destroyed: libvirtd ran the hook's stopped and release" holder "stopped end - => 0" "release end - => 0"
expect_syslog "the hook's syslog: holder destroyed: release removed its three devices" \
	"info op=release guest=\"holder\" code=I_REMOVED: removed $agg3 $AGG_TYPE x3 on $PARENT *" \
	"info op=release guest=\"holder\" code=I_REMOVED: removed $agg2 $AGG_TYPE x2 on $PARENT *" \
	"info op=release guest=\"holder\" code=I_REMOVED: removed $plain $PLAIN_TYPE x1 on $PARENT *"
expect_guest_gone "holder destroyed" $holder_devices
check "no mdev is left" [ -z "$(mdev_devices)" ]
for name in holder too-big no-aggregation; do
	virsh_call "virsh undefine $name" 0 undefine "$name"
done
libvirt_finish
