# The CLI refusing N > 1 on a type without aggregation, before any write.
require_cli plan apply
uuid=9b7e1f4e-0c1a-4b7e-9d1e-000000000501
domain=$SCENARIO_DIR/refused.xml
domain_xml "$domain" kernel-unsupported "$uuid:$PLAIN_TYPE:2:$PARENT"

expect_exit "plan of 2 instances on the plain type" 1 $MDEV_AGG plan "$domain" --format json
expect_output "plan names E_AGG_UNSUPPORTED" E_AGG_UNSUPPORTED
watch_devices
expect_exit "apply of 2 instances on the plain type" 1 $MDEV_AGG apply "$domain"
expect_output "apply names E_AGG_UNSUPPORTED" E_AGG_UNSUPPORTED
expect_device_events "no device was created, not even for a moment" ""
expect_available "the pool is untouched" 4 8
