# A device held open through VFIO: aggregated_instances refuses changes, and a raw remove does
# not fail but blocks until the holder lets go, the device half removed meanwhile. So mdev-agg
# must find a busy device before it writes remove.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000008

# group_opens DEVICE: the VFIO group character device opens read-write; the shell's message in
# $SCENARIO_DIR/group-open when it does not.
group_opens() {
	(exec 3<>"$1") 2>"$SCENARIO_DIR/group-open"
}
count=$DEVICES_DIR/$uuid/mdev/aggregated_instances

expect_write "create an aggregatable device" "$TYPES_DIR/$AGG_TYPE/create" "$uuid" OK
expect_exists "it has an IOMMU group" "$DEVICES_DIR/$uuid/iommu_group"
group=/dev/vfio/$(basename "$(readlink "$DEVICES_DIR/$uuid/iommu_group")")
check "the group of an idle device opens" group_opens "$group"
if hold_device "$uuid"; then
	pass "open the device through VFIO"
	# A group has one user at a time: the probe a tool can make before writing remove.
	if group_opens "$group"; then
		fail "opening the group of a held device is EBUSY" "it opened"
	else
		expect_output_of "opening the group of a held device is EBUSY" "$SCENARIO_DIR/group-open" "busy"
	fi
	expect_write "aggregated_instances of an open device is EINVAL" "$count" 2 EINVAL
	expect_write "even the current count is EINVAL while open" "$count" 1 EINVAL
	expect_file "the count is unchanged" "$count" 1

	# The remove write runs in the background: the kernel waits for the holder to close.
	sysfs-write "$KERNEL_WRITES" "$SCENARIO" "$DEVICES_DIR/$uuid/remove" 1 >"$SCENARIO_DIR/remove.answer" &
	remover=$!
	sleep 2
	if kill -0 "$remover" 2>/dev/null; then
		pass "remove of an open device blocks instead of failing"
	else
		fail "remove of an open device blocks instead of failing" "it returned $(cat "$SCENARIO_DIR/remove.answer")"
	fi
	# Removal has started: the device leaves the bus and its type at once, but the driver's
	# remove waits for the holder, so its units and a half-removed directory remain.
	expect_absent "the bus link is gone while remove waits" "$DEVICES_DIR/$uuid"
	expect_absent "the type no longer lists it" "$TYPES_DIR/$AGG_TYPE/devices/$uuid"
	expect_exists "the parent keeps a half-removed device directory" "$(realpath "/sys/class/mdev_bus/$PARENT")/$uuid/iommu_group"
	expect_available "its unit is not yet returned" 3 7
	release_hold
	remove_waited=0
	while kill -0 "$remover" 2>/dev/null && [ "$remove_waited" -lt 100 ]; do
		sleep 0.1
		remove_waited=$((remove_waited + 1))
	done
	wait "$remover"
	expect_file "remove completes once the holder closes" "$SCENARIO_DIR/remove.answer" OK
	expect_absent "the device is gone" "$DEVICES_DIR/$uuid"
else
	expect_write "remove the device" "$DEVICES_DIR/$uuid/remove" 1 OK
fi
expect_available "the pool is full" 4 8
