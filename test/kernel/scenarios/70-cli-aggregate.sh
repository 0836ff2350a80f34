# The CLI on the aggregatable type: attribute dialect, plain create then aggregated_instances.
require_cli plan apply status release
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000201
domain=$SCENARIO_DIR/aggregate.xml
domain_xml "$domain" kernel-aggregate "$uuid:$AGG_TYPE:3:$PARENT"

expect_plan "$domain" attribute "$TYPES_DIR/$AGG_TYPE/create=$uuid $DEVICES_DIR/$uuid/mdev/aggregated_instances=3"

watch_devices
expect_exit "apply" 0 $MDEV_AGG apply "$domain"
expect_device_events "apply created exactly the device" "add $uuid"
expect_device "the device has three instances" "$uuid" "$AGG_TYPE" 3
expect_available "three units are taken" 2 5
expect_exit "status: present" 0 $MDEV_AGG status "$domain"
expect_exit "apply again" 0 $MDEV_AGG apply "$domain"
expect_device "the second apply left it as it was" "$uuid" "$AGG_TYPE" 3

expect_exit "release" 0 $MDEV_AGG release "$domain"
expect_absent "the device is gone" "$DEVICES_DIR/$uuid"
expect_available "the pool is full" 4 8

# Without parent: placement finds the only parent offering the type.
domain_xml "$domain" kernel-aggregate-placed "$uuid:$AGG_TYPE:2"
expect_exit "apply without parent" 0 $MDEV_AGG apply "$domain"
expect_device "placement put it on the test parent" "$uuid" "$AGG_TYPE" 2
expect_exit "release without parent" 0 $MDEV_AGG release "$domain"
expect_absent "the placed device is gone" "$DEVICES_DIR/$uuid"
