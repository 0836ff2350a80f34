# The CLI reading the real tree: the test parent, its driver, and each type's dialect and room.
require_cli types
expect_exit "types --json" 0 $MDEV_AGG types --json
expect_json "types: the test parent and its driver" \
	'd.parents.map(p => p.name + " " + p.driver).join(" ")' "$PARENT $PARENT"
expect_json "types: dialect and available_instances per type" \
	'd.parents[0].types.map(t => t.id + "=" + t.dialect + "/" + t.availableInstances).join(" ")' \
	"$AGG_TYPE=attribute/8 $PLAIN_TYPE=none/4"
expect_json "types: the real tree reads without problems" 'd.problems.length' 0

# What the kernel says after a device takes units from the shared pool.
setup_write "$TYPES_DIR/$PLAIN_TYPE/create" 9b7e1f4e-0c1a-4b7e-9d1e-000000000701
expect_exit "types --json with a device" 0 $MDEV_AGG types --json
expect_json "types: both types show the pool shrunk" \
	'd.parents[0].types.map(t => t.id + "=" + t.availableInstances).join(" ")' "$AGG_TYPE=6 $PLAIN_TYPE=3"
