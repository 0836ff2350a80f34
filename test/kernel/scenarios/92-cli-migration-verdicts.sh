# The live migration check predicts apply on the real mdev core: on a partly used pool, for every
# count from 1 to one more than the aggregatable type has available, `migrate-check` (live: the
# stamped migration_version is written to the type's attribute, the driver answers) says compatible
# exactly when `apply` of the same domain then succeeds. A string of another version is refused by
# the driver with EINVAL, and the check fails on the driver alone.
require_cli migrate-check apply release
holder=9b7e1f4e-0c1a-4b7e-9d1e-000000000921
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000922
domain=$SCENARIO_DIR/incoming.xml
holder_domain=$SCENARIO_DIR/holder.xml
version=$(read_attr "$TYPES_DIR/$AGG_TYPE/migration_version")

# stamped_domain FILE COUNT VERSION: one aggregatable device of COUNT instances, stamped on a source
# host whose type reported VERSION.
stamped_domain() {
	domain_xml "$1" kernel-incoming "$uuid:$AGG_TYPE:$2"
	sed -i "s#instances='$2'/>#instances='$2'><agg:source host='source-host' driver='mdev_agg_test' migrationVersion='$3'/></agg:device>#" "$1"
}

# A plain device takes 2 of the pool's 8 units: the aggregatable type has 6 left.
domain_xml "$holder_domain" kernel-holder "$holder:$PLAIN_TYPE:1:$PARENT"
expect_exit "a plain device takes part of the pool" 0 $MDEV_AGG apply "$holder_domain"
expect_available "6 aggregatable instances are left" 3 6
available=$(read_attr "$TYPES_DIR/$AGG_TYPE/available_instances")

count=1
while [ "$count" -le $((available + 1)) ]; do
	stamped_domain "$domain" "$count" "$version"
	timeout -s KILL "$COMMAND_TIMEOUT" $MDEV_AGG migrate-check "$domain" --json >"$STDOUT_FILE" 2>"$STDERR_FILE"
	check_exit=$?
	verdict=$(json_value "$STDOUT_FILE" 'd.compatible')
	method=$(json_value "$STDOUT_FILE" 'd.devices[0].checks.driver.method')
	timeout -s KILL "$COMMAND_TIMEOUT" $MDEV_AGG apply "$domain" >"$SCENARIO_DIR/apply.out" 2>&1
	apply_exit=$?
	echo "mdev-agg-guest: table: count $count, available $available, migrate-check $([ "$verdict" = true ] && echo compatible || echo incompatible) (exit $check_exit, driver $method), apply exit $apply_exit"
	if [ "$verdict" = true ] && [ "$check_exit" = 0 ] && [ "$apply_exit" = 0 ] || { [ "$verdict" = false ] && [ "$check_exit" = 1 ] && [ "$apply_exit" = 1 ]; }; then
		pass "count $count of $available available: the verdict ($verdict) is apply's outcome (exit $apply_exit)"
	else
		fail "count $count of $available available: the verdict is apply's outcome" "migrate-check exit $check_exit compatible $verdict, apply exit $apply_exit: $(head -c 300 "$SCENARIO_DIR/apply.out" | tr '\n' ' ')"
	fi
	check "count $count: the driver check wrote migration_version on sysfs" [ "$method" = migration-version-write ]
	if [ "$apply_exit" = 0 ]; then
		expect_device "count $count: the device carries the count" "$uuid" "$AGG_TYPE" "$count"
		expect_exit "count $count: release" 0 $MDEV_AGG release "$domain"
	fi
	expect_absent "count $count: nothing is left of the incoming device" "$DEVICES_DIR/$uuid"
	count=$((count + 1))
done
expect_available "the pool is as before the checks" 3 6

# Another version of the driver's string: the driver refuses it; apply does not look at it.
stamped_domain "$domain" 2 mdev_agg_test-agg-2
expect_exit "a stamp of another version is incompatible" 1 $MDEV_AGG migrate-check "$domain" --json
expect_json "the driver check failed" 'd.devices[0].checks.driver.code' C_DRIVER_INCOMPATIBLE
expect_json "the driver refused the write with EINVAL" 'd.devices[0].checks.driver.reason.endsWith(": EINVAL")' true
expect_json "type and count pass" 'd.devices[0].checks.type.ok && d.devices[0].checks.count.ok' true
expect_file "the type's migration_version is unchanged" "$TYPES_DIR/$AGG_TYPE/migration_version" "$version"

expect_exit "release the plain device" 0 $MDEV_AGG release "$holder_domain"
expect_available "the pool is full" 4 8
