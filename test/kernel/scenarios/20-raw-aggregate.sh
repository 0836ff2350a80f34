# The aggregatable type through raw sysfs writes: plain create, then mdev/aggregated_instances,
# with every answer the attribute generation defines and the pool moving at once.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000002
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000003
count=$DEVICES_DIR/$uuid/mdev/aggregated_instances
max=$DEVICES_DIR/$uuid/mdev/max_aggregation

expect_contains "aggregatable type announces aggregation: yes" "$TYPES_DIR/$AGG_TYPE/description" "aggregation: yes"
expect_contains "plain type announces aggregation: no" "$TYPES_DIR/$PLAIN_TYPE/description" "aggregation: no"
expect_absent "no create-option aggregation file on a stock kernel" "$TYPES_DIR/$AGG_TYPE/aggregation"

expect_write "create an aggregatable device" "$TYPES_DIR/$AGG_TYPE/create" "$uuid" OK
expect_file "a new device has one instance" "$count" 1
expect_file "max_aggregation is available plus current" "$max" 8
expect_available "one instance takes one unit" 3 7

expect_write "aggregate to 3" "$count" 3 OK
expect_file "reads back 3" "$count" 3
expect_available "the pool moves at once" 2 5
expect_file "max_aggregation stays available plus current" "$max" 8
expect_write "writing the current count is a no-op success" "$count" 3 OK
expect_available "the no-op leaves the pool alone" 2 5

expect_write "0 is EINVAL" "$count" 0 EINVAL
expect_write "above max_aggregation is EINVAL" "$count" 9 EINVAL
expect_write "not a number is EINVAL" "$count" many EINVAL
expect_write "a negative number is EINVAL" "$count" -1 EINVAL
expect_write "a leading space is EINVAL" "$count" " 2" EINVAL
expect_file "refused writes leave the count" "$count" 3
expect_available "refused writes leave the pool" 2 5

expect_write "base 0: 0x2 is hexadecimal" "$count" 0x2 OK
expect_file "0x2 reads back 2" "$count" 2
expect_write "base 0: 010 is octal" "$count" 010 OK
expect_file "010 reads back 8" "$count" 8
expect_available "the whole pool is taken" 0 0
expect_write "one trailing newline is accepted" "$count" "4$NL" OK
expect_file "4 with a newline reads back 4" "$count" 4
expect_available "shrinking returns units" 2 4

expect_write "create a plain device beside it" "$TYPES_DIR/$PLAIN_TYPE/create" "$plain" OK
expect_file "the plain device reads 0" "$DEVICES_DIR/$plain/mdev/aggregated_instances" 0
expect_file "the plain device's max_aggregation reads 0" "$DEVICES_DIR/$plain/mdev/max_aggregation" 0
expect_write "aggregating a plain device is EINVAL" "$DEVICES_DIR/$plain/mdev/aggregated_instances" 1 EINVAL
expect_file "the other type's device shrinks max_aggregation" "$max" 6

expect_write "remove the plain device" "$DEVICES_DIR/$plain/remove" 1 OK
expect_write "remove the aggregated device" "$DEVICES_DIR/$uuid/remove" 1 OK
expect_absent "the aggregated device is gone" "$DEVICES_DIR/$uuid"
expect_available "all four instances return to the pool" 4 8
