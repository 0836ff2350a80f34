# The CLI releasing a device a VM monitor holds open: E_DEVICE_BUSY, and no remove is written
# (the kernel would block the writer and leave the device half removed until the holder closes).
require_cli apply release
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000601
domain=$SCENARIO_DIR/busy.xml
domain_xml "$domain" kernel-busy "$uuid:$AGG_TYPE:2:$PARENT"

expect_exit "apply" 0 $MDEV_AGG apply "$domain"
if hold_device "$uuid"; then
	timeout -s KILL "$COMMAND_TIMEOUT" $MDEV_AGG release "$domain" >"$STDOUT_FILE" 2>"$STDERR_FILE" &
	releaser=$!
	if ! ended_within "$releaser" 200; then
		fail "release of a busy device returns" "still running after 20 s: it wrote remove to the open device"
		release_hold
		wait "$releaser"
	else
		wait "$releaser"
		release_status=$?
		if [ "$release_status" = 1 ]; then pass "release of a busy device exits 1"; else fail "release of a busy device exits 1" "exit $release_status"; fi
		expect_output "the refusal names E_DEVICE_BUSY" E_DEVICE_BUSY
		expect_device "the busy device is still there" "$uuid" "$AGG_TYPE" 2
		release_hold
	fi
fi
expect_exit "release once the holder closed" 0 $MDEV_AGG release "$domain"
expect_absent "the device is gone" "$DEVICES_DIR/$uuid"
expect_available "the pool is full" 4 8
