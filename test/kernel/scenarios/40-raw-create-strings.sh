# What the stock mdev core accepts in create and remove: a bare UUID with at most one trailing
# byte; the create-option generation's "<uuid>,aggregate=N" is refused, with nothing created.
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000007
create=$TYPES_DIR/$AGG_TYPE/create

expect_write "<uuid>,aggregate=2 is EINVAL" "$create" "$uuid,aggregate=2" EINVAL
expect_write "<uuid>,aggregate=1 is EINVAL too" "$create" "$uuid,aggregate=1" EINVAL
expect_absent "no device after the create option" "$DEVICES_DIR/$uuid"
expect_available "the pool is untouched" 4 8
expect_write "35 bytes is EINVAL" "$create" "9b7e1f4e-0c1a-4b7e-9d1e-00000000000" EINVAL
expect_write "a UUID with a non-hex digit is EINVAL" "$create" "9b7e1f4e-0c1a-4b7e-9d1e-00000000000g" EINVAL
expect_write "UUID and two newlines (38 bytes) is EINVAL" "$create" "$uuid$NL$NL" EINVAL
expect_write "UUID with one trailing newline creates" "$create" "$uuid$NL" OK
expect_exists "the device exists" "$DEVICES_DIR/$uuid"
expect_write "an upper-case spelling of a used UUID is EEXIST" "$create" "$(echo "$uuid" | tr a-f A-F)" EEXIST

expect_write "remove with a non-number is EINVAL" "$DEVICES_DIR/$uuid/remove" x EINVAL
expect_write "remove with 0 succeeds and removes nothing" "$DEVICES_DIR/$uuid/remove" 0 OK
expect_exists "the device is still there" "$DEVICES_DIR/$uuid"
expect_write "remove with 1 and a newline" "$DEVICES_DIR/$uuid/remove" "1$NL" OK
expect_absent "the device is gone" "$DEVICES_DIR/$uuid"
expect_write "remove of a device that is gone is ENOENT" "$DEVICES_DIR/$uuid/remove" 1 ENOENT
