# The CLI against a pool that cannot take the domain: refused before any write (a kernel that
# refuses what the plan expected, as when concurrent runs share a pool, is 97-concurrency's).
require_cli apply
plain=9b7e1f4e-0c1a-4b7e-9d1e-000000000401
big=9b7e1f4e-0c1a-4b7e-9d1e-000000000402
filler=9b7e1f4e-0c1a-4b7e-9d1e-000000000403
domain=$SCENARIO_DIR/capacity.xml

# Each type alone has room, together they do not: 2 units + 7 instances > 8. sysfs does not say that
# the two types share a pool; 1 of 4 and 7 of 8 would overdraw one, so the plan refuses first.
domain_xml "$domain" kernel-shared-pool "$plain:$PLAIN_TYPE:1:$PARENT" "$big:$AGG_TYPE:7:$PARENT"
watch_devices
expect_exit "apply beyond what one shared pool holds is refused before any write" 1 $MDEV_AGG apply "$domain"
expect_output "the refusal names E_CAPACITY" E_CAPACITY
expect_device_events "nothing was created" ""
expect_available "the pool is full" 4 8



# More instances than the pool has at all.
domain_xml "$domain" kernel-too-many "$big:$AGG_TYPE:9:$PARENT"
expect_exit "apply of 9 instances from a pool of 8 fails" 1 $MDEV_AGG apply "$domain"
expect_absent "no device is left" "$DEVICES_DIR/$big"
expect_available "the pool is full" 4 8

# An exhausted pool: available_instances 0 refuses before any write.
setup_write "$TYPES_DIR/$AGG_TYPE/create" "$filler"
setup_write "$DEVICES_DIR/$filler/mdev/aggregated_instances" 8
domain_xml "$domain" kernel-exhausted "$plain:$PLAIN_TYPE:1:$PARENT"
watch_devices
expect_exit "apply on an exhausted pool" 1 $MDEV_AGG apply "$domain"
expect_output "the refusal names E_CAPACITY" E_CAPACITY
expect_device_events "nothing was created" ""
expect_device "the device holding the pool is untouched" "$filler" "$AGG_TYPE" 8
