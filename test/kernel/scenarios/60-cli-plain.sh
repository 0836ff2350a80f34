# The CLI on the plain type: plan, apply, status, an idempotent second apply, release.
require_cli plan apply status release
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000101
domain=$SCENARIO_DIR/plain.xml
domain_xml "$domain" kernel-plain "$uuid:$PLAIN_TYPE:1:$PARENT"

expect_plan "$domain" none "$TYPES_DIR/$PLAIN_TYPE/create=$uuid"
expect_absent "plan creates nothing" "$DEVICES_DIR/$uuid"

watch_devices
expect_exit "apply" 0 $MDEV_AGG apply "$domain"
expect_device_events "apply created exactly the device" "add $uuid"
expect_device "the device exists as declared" "$uuid" "$PLAIN_TYPE" 0
expect_available "it took two units" 3 6
expect_exit "status: present" 0 $MDEV_AGG status "$domain"

watch_devices
expect_exit "apply again" 0 $MDEV_AGG apply "$domain"
expect_device_events "the second apply created nothing" ""
expect_available "the pool is as after the first apply" 3 6
expect_exit "plan of an applied domain" 0 $MDEV_AGG plan "$domain" --format json
expect_json "plan of an applied domain writes nothing" 'd.devices[0].ops.filter(o => o.op === "write").length' 0

watch_devices
expect_exit "release" 0 $MDEV_AGG release "$domain"
expect_device_events "release removed exactly the device" "remove $uuid"
expect_absent "the device is gone" "$DEVICES_DIR/$uuid"
expect_available "the pool is full" 4 8
expect_exit "status after release: missing" 1 $MDEV_AGG status "$domain"
