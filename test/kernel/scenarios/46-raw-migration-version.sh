# The aggregatable type's migration_version (the test driver's, see driver/mdev_agg_test.c): it
# reads the driver's string; a write of that string, with or without one trailing newline, is
# accepted whole; any other string is refused with EINVAL; the plain type has none. A check
# creates and changes nothing.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-00000000000a
version_file=$TYPES_DIR/$AGG_TYPE/migration_version
version=mdev_agg_test-agg-1

expect_file "the aggregatable type's migration_version reads $version" "$version_file" "$version"
expect_absent "the plain type has no migration_version" "$TYPES_DIR/$PLAIN_TYPE/migration_version"
expect_write "the plain type's migration_version cannot be written: ENOENT" "$TYPES_DIR/$PLAIN_TYPE/migration_version" "$version$NL" ENOENT

expect_write "its own string with the newline is accepted" "$version_file" "$version$NL" OK
expect_write "its own string without a newline is accepted" "$version_file" "$version" OK
expect_write "another version is EINVAL" "$version_file" "mdev_agg_test-agg-2$NL" EINVAL
expect_write "another type is EINVAL" "$version_file" "mdev_agg_test-plain-1$NL" EINVAL
expect_write "another driver is EINVAL" "$version_file" "other_driver-agg-1$NL" EINVAL
expect_write "a prefix of the string is EINVAL" "$version_file" "mdev_agg_test-agg-$NL" EINVAL
expect_write "two trailing newlines are EINVAL" "$version_file" "$version$NL$NL" EINVAL
expect_write "a trailing space is EINVAL" "$version_file" "$version $NL" EINVAL
expect_write "upper case is EINVAL" "$version_file" "MDEV_AGG_TEST-AGG-1$NL" EINVAL
expect_write "a bare newline is EINVAL" "$version_file" "$NL" EINVAL
long=$version
while [ "${#long}" -le 4096 ]; do long="$long$long"; done
long=$(printf '%.4097s' "$long")
expect_write "a string of 4097 bytes is EINVAL" "$version_file" "$long" EINVAL
expect_file "the string is unchanged by the writes" "$version_file" "$version"
expect_available "the checks took nothing from the pool" 4 8

# The attribute belongs to the type: a device of it reaches the same file, and a device changes nothing.
expect_write "create an aggregatable device" "$TYPES_DIR/$AGG_TYPE/create" "$uuid" OK
expect_write "aggregate it to 3" "$DEVICES_DIR/$uuid/mdev/aggregated_instances" 3 OK
expect_file "the device's mdev_type reaches the same string" "$DEVICES_DIR/$uuid/mdev_type/migration_version" "$version"
expect_write "with a device present the string is still accepted" "$version_file" "$version$NL" OK
expect_write "and another version still refused" "$version_file" "mdev_agg_test-agg-0$NL" EINVAL
expect_device "the device is untouched" "$uuid" "$AGG_TYPE" 3
expect_write "remove the device" "$DEVICES_DIR/$uuid/remove" 1 OK
expect_available "the pool is full" 4 8
