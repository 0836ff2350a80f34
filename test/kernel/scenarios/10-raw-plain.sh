# The plain type through raw sysfs writes: create, the pool shared with the aggregatable type,
# the mdev group reading 0, EEXIST for a UUID in use, remove.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000001

expect_file "parent lists the plain type's device_api" "$TYPES_DIR/$PLAIN_TYPE/device_api" vfio-pci
expect_available "pool starts full" 4 8
expect_write "create a plain device" "$TYPES_DIR/$PLAIN_TYPE/create" "$uuid" OK
expect_exists "device directory appears" "$DEVICES_DIR/$uuid"
expect_available "a plain device takes two units from both types" 3 6
expect_file "plain device reads aggregated_instances 0" "$DEVICES_DIR/$uuid/mdev/aggregated_instances" 0
expect_write "same UUID again is EEXIST" "$TYPES_DIR/$PLAIN_TYPE/create" "$uuid" EEXIST
expect_write "remove the device" "$DEVICES_DIR/$uuid/remove" 1 OK
expect_absent "device directory is gone" "$DEVICES_DIR/$uuid"
expect_available "units return to the pool" 4 8
