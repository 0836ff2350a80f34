# The CLI meeting a UUID that already exists: the same device is success without a write; a
# different one is E_DEVICE_CONFLICT and is neither changed nor removed.
require_cli apply release status
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000301
domain=$SCENARIO_DIR/existing.xml
setup_write "$TYPES_DIR/$PLAIN_TYPE/create" "$uuid"

domain_xml "$domain" kernel-conflict "$uuid:$AGG_TYPE:2:$PARENT"
watch_devices
expect_exit "apply over a device of another type" 1 $MDEV_AGG apply "$domain"
expect_output "the refusal names E_DEVICE_CONFLICT" E_DEVICE_CONFLICT
expect_device_events "the conflicting apply created and removed nothing" ""
expect_device "the existing device is untouched" "$uuid" "$PLAIN_TYPE" 0
expect_exit "release of a conflicting device is refused" 1 $MDEV_AGG release "$domain"
expect_device "release left the other device alone" "$uuid" "$PLAIN_TYPE" 0

domain_xml "$domain" kernel-same "$uuid:$PLAIN_TYPE:1:$PARENT"
watch_devices
expect_exit "apply over the same device" 0 $MDEV_AGG apply "$domain"
expect_device_events "the matching device was left as it was" ""
expect_available "nothing more was taken" 3 6
expect_exit "status: present" 0 $MDEV_AGG status "$domain"
expect_exit "release of the matching device" 0 $MDEV_AGG release "$domain"
expect_absent "it is gone" "$DEVICES_DIR/$uuid"
