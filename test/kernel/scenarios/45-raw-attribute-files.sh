# Writes to files that take none or are not there, and oversized data: the errnos the file
# layer and the core answer before any driver logic.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000009
count=$DEVICES_DIR/$uuid/mdev/aggregated_instances

long=$uuid
while [ "${#long}" -le 4096 ]; do long="$long$long"; done
long=$(printf '%.4097s' "$long")
expect_write "a create write of 4097 bytes is EINVAL" "$TYPES_DIR/$AGG_TYPE/create" "$long" EINVAL
expect_write "the create-option generation's aggregation file is absent: ENOENT" "$TYPES_DIR/$AGG_TYPE/aggregation" 2 ENOENT
expect_write "available_instances is read-only: EACCES" "$TYPES_DIR/$AGG_TYPE/available_instances" 1 EACCES
expect_available "the pool is untouched" 4 8

expect_write "create an aggregatable device" "$TYPES_DIR/$AGG_TYPE/create" "$uuid" OK
expect_write "max_aggregation is read-only: EACCES" "$DEVICES_DIR/$uuid/mdev/max_aggregation" 2 EACCES
expect_write "a count beyond unsigned long is EINVAL" "$count" 18446744073709551616 EINVAL
expect_write "a count with a trailing letter is EINVAL" "$count" 2x EINVAL
expect_write "the generation-A device attribute is absent: ENOENT" "$DEVICES_DIR/$uuid/aggregated_instances" 2 ENOENT
expect_file "the count is unchanged" "$count" 1
expect_write "remove the device" "$DEVICES_DIR/$uuid/remove" 1 OK
expect_available "the pool is full" 4 8
