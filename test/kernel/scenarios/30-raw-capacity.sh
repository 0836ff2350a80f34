# Pool exhaustion through raw sysfs writes: ENOSPC from create on either type, no device left
# behind, and max_aggregation following what other devices take.
big=9b7e1f4e-0c1a-4b7e-9d1e-000000000004
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000005
extra=9b7e1f4e-0c1a-4b7e-9d1e-000000000006

expect_write "create an aggregatable device" "$TYPES_DIR/$AGG_TYPE/create" "$big" OK
expect_write "aggregate it to the whole pool" "$DEVICES_DIR/$big/mdev/aggregated_instances" 8 OK
expect_available "nothing is left" 0 0
expect_write "a plain create on an empty pool is ENOSPC" "$TYPES_DIR/$PLAIN_TYPE/create" "$plain" ENOSPC
expect_absent "the refused plain device does not exist" "$DEVICES_DIR/$plain"
expect_write "an aggregatable create on an empty pool is ENOSPC" "$TYPES_DIR/$AGG_TYPE/create" "$extra" ENOSPC
expect_absent "the refused aggregatable device does not exist" "$DEVICES_DIR/$extra"

expect_write "shrink to 6" "$DEVICES_DIR/$big/mdev/aggregated_instances" 6 OK
expect_available "two units are free" 1 2
expect_write "a plain device fits in two units" "$TYPES_DIR/$PLAIN_TYPE/create" "$plain" OK
expect_available "the pool is empty again" 0 0
expect_file "max_aggregation is the current count alone" "$DEVICES_DIR/$big/mdev/max_aggregation" 6
expect_write "growing past it is EINVAL" "$DEVICES_DIR/$big/mdev/aggregated_instances" 7 EINVAL

expect_write "remove the plain device" "$DEVICES_DIR/$plain/remove" 1 OK
expect_write "now 7 fits" "$DEVICES_DIR/$big/mdev/aggregated_instances" 7 OK
expect_available "one unit left: no plain device, one instance" 0 1
expect_write "remove the aggregated device" "$DEVICES_DIR/$big/remove" 1 OK
expect_available "the pool is full" 4 8
