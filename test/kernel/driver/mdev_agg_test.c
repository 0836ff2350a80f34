// SPDX-License-Identifier: GPL-2.0
/*
 * mdev_agg_test: a mediated-device parent for mdev-agg's kernel tests.
 *
 * One virtual parent device, "mdev_agg_test", offers two types that draw on
 * one pool of units, so creating a device of one type moves the other type's
 * available_instances too:
 *
 *   mdev_agg_test-plain  two units per device, no aggregation;
 *   mdev_agg_test-agg    one unit per instance, aggregation through the
 *                        device attribute group "mdev" (aggregated_instances,
 *                        max_aggregation), the attribute generation of the
 *                        aggregation proposal.
 *
 * Creating a device with too few free units fails with ENOSPC. Devices are
 * vfio devices on an emulated IOMMU group, so user space can open them and
 * hold them busy, and PCI devices enough for QEMU's vfio-pci to start a guest
 * with them (a config space with ids, nothing else; see below). They also
 * offer the VFIO migration region QEMU 7.2 uses when its x-enable-migration
 * is on, with no device state to carry, so a guest can be saved and restored.
 *
 * The aggregatable type has the type attribute migration_version of the
 * 2019-20 migration proposal. Reading it gives this driver's string,
 * "mdev_agg_test-<type>-<version>\n" ("mdev_agg_test-agg-1" by default; the
 * version is the module parameter migration_version). Writing a string
 * checks it as a migration target would: a string equal to that one, after
 * dropping one trailing newline, is compatible and the write returns the
 * count written; any other string (another type, another version, a bare
 * newline, more than a page, or written at an offset) is refused with
 * EINVAL. The plain type has no migration_version, so no cross-host check
 * accepts it; like the aggregatable type it offers the migration region, so
 * a guest holding it can still be saved and restored.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/mdev.h>
#include <linux/vfio.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/pci_regs.h>
#include <asm/unaligned.h>

#define AGG_TEST_NAME "mdev_agg_test"

static unsigned int pool_units = 8;
module_param(pool_units, uint, 0444);
MODULE_PARM_DESC(pool_units, "Units in the pool shared by all types (default 8)");

static unsigned int migration_version = 1;
module_param(migration_version, uint, 0444);
MODULE_PARM_DESC(migration_version,
		 "Version in the aggregatable type's migration_version string (default 1)");

struct agg_test_type {
	struct mdev_type mtype;
	unsigned int units_per_instance;
	bool aggregatable;
};

static struct agg_test_type plain_type = {
	.mtype = { .sysfs_name = "plain", .pretty_name = "mdev-agg test plain" },
	.units_per_instance = 2,
	.aggregatable = false,
};

static struct agg_test_type agg_type = {
	.mtype = { .sysfs_name = "agg", .pretty_name = "mdev-agg test aggregatable" },
	.units_per_instance = 1,
	.aggregatable = true,
};

static struct mdev_type *agg_test_types[] = { &plain_type.mtype, &agg_type.mtype };

/* Guards pool_free and every device's instances and open_count. */
static DEFINE_MUTEX(pool_lock);
static unsigned int pool_free;

struct agg_test_device {
	struct vfio_device vdev;
	struct agg_test_type *type;
	unsigned int instances;
	unsigned int open_count;
	/* VFIO migration v1 device_state; RUNNING whenever the device is opened. */
	u32 migration_state;
};

static struct agg_test_type *to_agg_test_type(struct mdev_type *mtype)
{
	return container_of(mtype, struct agg_test_type, mtype);
}

/* Caller holds pool_lock. */
static unsigned int available_locked(const struct agg_test_type *type)
{
	return pool_free / type->units_per_instance;
}

static unsigned int agg_test_get_available(struct mdev_type *mtype)
{
	unsigned int available;

	mutex_lock(&pool_lock);
	available = available_locked(to_agg_test_type(mtype));
	mutex_unlock(&pool_lock);
	return available;
}

static ssize_t agg_test_show_description(struct mdev_type *mtype, char *buf)
{
	const struct agg_test_type *type = to_agg_test_type(mtype);

	return sysfs_emit(buf, "units per instance: %u, pool: %u, aggregation: %s\n",
			  type->units_per_instance, pool_units,
			  type->aggregatable ? "yes" : "no");
}

/* The "mdev" group: reads give 0 on a type that does not aggregate. */
static ssize_t aggregated_instances_show(struct device *dev,
					 struct device_attribute *attr, char *buf)
{
	struct agg_test_device *state = dev_get_drvdata(dev);
	unsigned int count;

	mutex_lock(&pool_lock);
	count = state->type->aggregatable ? state->instances : 0;
	mutex_unlock(&pool_lock);
	return sysfs_emit(buf, "%u\n", count);
}

static ssize_t aggregated_instances_store(struct device *dev,
					  struct device_attribute *attr,
					  const char *buf, size_t len)
{
	struct agg_test_device *state = dev_get_drvdata(dev);
	const unsigned int unit = state->type->units_per_instance;
	unsigned long wanted;
	ssize_t ret = len;

	if (kstrtoul(buf, 0, &wanted) || wanted == 0)
		return -EINVAL;

	mutex_lock(&pool_lock);
	if (!state->type->aggregatable || state->open_count) {
		ret = -EINVAL;
	} else if (wanted > available_locked(state->type) + state->instances) {
		ret = -EINVAL;
	} else if (wanted != state->instances) {
		/* The pool moves at once, so every type's available_instances follows. */
		pool_free = pool_free + state->instances * unit - wanted * unit;
		state->instances = wanted;
	}
	mutex_unlock(&pool_lock);
	return ret;
}
static DEVICE_ATTR_RW(aggregated_instances);

static ssize_t max_aggregation_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct agg_test_device *state = dev_get_drvdata(dev);
	unsigned int max = 0;

	mutex_lock(&pool_lock);
	if (state->type->aggregatable)
		max = available_locked(state->type) + state->instances;
	mutex_unlock(&pool_lock);
	return sysfs_emit(buf, "%u\n", max);
}
static DEVICE_ATTR_RO(max_aggregation);

static struct attribute *agg_test_mdev_attrs[] = {
	&dev_attr_aggregated_instances.attr,
	&dev_attr_max_aggregation.attr,
	NULL,
};

static const struct attribute_group agg_test_mdev_group = {
	.name = "mdev",
	.attrs = agg_test_mdev_attrs,
};

static const struct attribute_group *agg_test_dev_groups[] = {
	&agg_test_mdev_group,
	NULL,
};

/*
 * The aggregatable type's migration_version. The mdev core dispatches a type
 * directory's plain attributes through a structure private to mdev_sysfs.c,
 * so the file is a binary attribute, which carries its own callbacks; with
 * size PAGE_SIZE it reads, stats and bounds writes like a plain attribute.
 */
static char agg_migration_version[64];

static ssize_t migration_version_read(struct file *file, struct kobject *kobj,
				      struct bin_attribute *attr, char *buf,
				      loff_t pos, size_t count)
{
	size_t len = strlen(agg_migration_version);

	if (pos >= len)
		return 0;
	count = min_t(size_t, count, len - pos);
	memcpy(buf, agg_migration_version + pos, count);
	return count;
}

static ssize_t migration_version_write(struct file *file, struct kobject *kobj,
				       struct bin_attribute *attr, char *buf,
				       loff_t pos, size_t count)
{
	/* The string without its newline; the newline is part of what reads. */
	size_t len = strlen(agg_migration_version) - 1;
	size_t compared = count;

	if (pos != 0)
		return -EINVAL;
	if (compared > 0 && buf[compared - 1] == '\n')
		compared--;
	if (compared != len || memcmp(buf, agg_migration_version, len))
		return -EINVAL;
	return count;
}

static struct bin_attribute agg_migration_version_attr = {
	.attr = { .name = "migration_version", .mode = 0644 },
	.size = PAGE_SIZE,
	.read = migration_version_read,
	.write = migration_version_write,
};

/* vfio side: enough for user space to open the device and hold it. */
static int agg_test_open_device(struct vfio_device *vdev)
{
	struct agg_test_device *state = container_of(vdev, struct agg_test_device, vdev);

	mutex_lock(&pool_lock);
	state->open_count++;
	state->migration_state = VFIO_DEVICE_STATE_V1_RUNNING;
	mutex_unlock(&pool_lock);
	return 0;
}

static void agg_test_close_device(struct vfio_device *vdev)
{
	struct agg_test_device *state = container_of(vdev, struct agg_test_device, vdev);

	mutex_lock(&pool_lock);
	state->open_count--;
	mutex_unlock(&pool_lock);
}

/*
 * What QEMU's vfio-pci needs to realize the device (-device vfio-pci,sysfsdev=):
 * a PCI device with the fixed region and interrupt indexes, of which only the
 * config space has a size, and no interrupt has a count. The config space is
 * a header with this driver's ids and nothing else: no BARs, no capabilities,
 * no interrupt pin. Writes to it are accepted and change nothing, so sizing
 * the ROM BAR finds none.
 */
#define AGG_TEST_PCI_VENDOR	0x1b36	/* Red Hat's QEMU range, as the kernel's mdpy sample */
#define AGG_TEST_PCI_DEVICE	0x10a6	/* a number of the test's own */
#define AGG_TEST_PCI_CLASS	0xff0000	/* device does not fit any class */
/* A region's index in the high bits of the file offset, as vfio-pci does it. */
#define AGG_TEST_REGION_SHIFT	40
#define AGG_TEST_REGION_OFFSET(index)	((u64)(index) << AGG_TEST_REGION_SHIFT)

static u8 agg_test_config[PCI_CFG_SPACE_SIZE];

static void agg_test_init_config(void)
{
	u8 *c = agg_test_config;

	put_unaligned_le16(AGG_TEST_PCI_VENDOR, c + PCI_VENDOR_ID);
	put_unaligned_le16(AGG_TEST_PCI_DEVICE, c + PCI_DEVICE_ID);
	put_unaligned_le32(AGG_TEST_PCI_CLASS << 8, c + PCI_CLASS_REVISION);
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	put_unaligned_le16(AGG_TEST_PCI_VENDOR, c + PCI_SUBSYSTEM_VENDOR_ID);
	put_unaligned_le16(AGG_TEST_PCI_DEVICE, c + PCI_SUBSYSTEM_ID);
}

/*
 * The offset in region INDEX of an access of COUNT bytes at *ppos, or -EINVAL
 * when the access is not wholly within the region's first SIZE bytes.
 */
static ssize_t agg_test_region_window(unsigned int index, size_t size,
				      size_t count, loff_t *ppos)
{
	u64 pos = *ppos;
	u64 offset = pos & (AGG_TEST_REGION_OFFSET(1) - 1);

	if (pos >> AGG_TEST_REGION_SHIFT != index || offset >= size || count > size - offset)
		return -EINVAL;
	return offset;
}

/*
 * Migration, as QEMU 7.2 speaks it: the region protocol (v1) of Linux 5.8 to
 * 5.19, which later kernels dropped from their own drivers but which is a
 * device region like any other, so a driver can still offer it. QEMU uses it
 * when vfio-pci's x-enable-migration is on; otherwise it blocks migration.
 * The device has no state of its own: pending_bytes and data_size stay 0, so
 * a save carries only QEMU's copy of the config space, and a restore has no
 * data to write. device_state takes every valid state (RESUMING alone, or any
 * mix of RUNNING and SAVING); anything else is EINVAL. Each change is logged
 * ("<uuid>: migration state OLD -> NEW") so a scenario can follow QEMU's
 * walk through the states. Only device_state is writable; the header's
 * other fields read as the protocol lays them out. The data area that
 * data_offset points to is not implemented (reading or writing past the
 * header is EINVAL): with pending_bytes 0, QEMU 7.2 never touches it.
 */
#define AGG_TEST_MIGRATION_REGION_INDEX	VFIO_PCI_NUM_REGIONS
#define AGG_TEST_MIGRATION_HEADER	sizeof(struct vfio_device_migration_info)
#define AGG_TEST_MIGRATION_REGION_SIZE	PAGE_SIZE

static ssize_t agg_test_migration_read(struct agg_test_device *state, char __user *buf,
				       size_t count, loff_t *ppos)
{
	ssize_t offset = agg_test_region_window(AGG_TEST_MIGRATION_REGION_INDEX,
						 AGG_TEST_MIGRATION_HEADER, count, ppos);
	struct vfio_device_migration_info header = {
		.data_offset = AGG_TEST_MIGRATION_HEADER,
	};

	if (offset < 0)
		return offset;
	mutex_lock(&pool_lock);
	header.device_state = state->migration_state;
	mutex_unlock(&pool_lock);
	if (copy_to_user(buf, (u8 *)&header + offset, count))
		return -EFAULT;
	*ppos += count;
	return count;
}

static ssize_t agg_test_migration_write(struct agg_test_device *state, const char __user *buf,
					size_t count, loff_t *ppos)
{
	ssize_t offset = agg_test_region_window(AGG_TEST_MIGRATION_REGION_INDEX,
						 AGG_TEST_MIGRATION_HEADER, count, ppos);
	u32 device_state, old_state;

	if (offset < 0)
		return offset;
	if (offset != offsetof(struct vfio_device_migration_info, device_state) ||
	    count != sizeof(device_state))
		return -EINVAL;
	if (copy_from_user(&device_state, buf, sizeof(device_state)))
		return -EFAULT;
	if (device_state & ~VFIO_DEVICE_STATE_MASK || !VFIO_DEVICE_STATE_VALID(device_state))
		return -EINVAL;
	mutex_lock(&pool_lock);
	old_state = state->migration_state;
	state->migration_state = device_state;
	mutex_unlock(&pool_lock);
	dev_info(state->vdev.dev, "migration state %u -> %u\n", old_state, device_state);
	*ppos += count;
	return count;
}

static ssize_t agg_test_config_read(char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t offset = agg_test_region_window(VFIO_PCI_CONFIG_REGION_INDEX,
						 PCI_CFG_SPACE_SIZE, count, ppos);

	if (offset < 0)
		return offset;
	if (copy_to_user(buf, agg_test_config + offset, count))
		return -EFAULT;
	*ppos += count;
	return count;
}

/* Writes to the config space are accepted and change nothing. */
static ssize_t agg_test_config_write(size_t count, loff_t *ppos)
{
	ssize_t offset = agg_test_region_window(VFIO_PCI_CONFIG_REGION_INDEX,
						 PCI_CFG_SPACE_SIZE, count, ppos);

	if (offset < 0)
		return offset;
	*ppos += count;
	return count;
}

static bool agg_test_is_migration_access(loff_t *ppos)
{
	return *ppos >> AGG_TEST_REGION_SHIFT == AGG_TEST_MIGRATION_REGION_INDEX;
}

static ssize_t agg_test_read(struct vfio_device *vdev, char __user *buf,
			     size_t count, loff_t *ppos)
{
	if (agg_test_is_migration_access(ppos))
		return agg_test_migration_read(container_of(vdev, struct agg_test_device, vdev),
					       buf, count, ppos);
	return agg_test_config_read(buf, count, ppos);
}

static ssize_t agg_test_write(struct vfio_device *vdev, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	if (agg_test_is_migration_access(ppos))
		return agg_test_migration_write(container_of(vdev, struct agg_test_device, vdev),
						buf, count, ppos);
	return agg_test_config_write(count, ppos);
}

static long agg_test_get_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	info.flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = AGG_TEST_MIGRATION_REGION_INDEX + 1;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long agg_test_get_region_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_region_info info;
	struct vfio_region_info_cap_type migration_type = {
		.header = { .id = VFIO_REGION_INFO_CAP_TYPE, .version = 1 },
		.type = VFIO_REGION_TYPE_MIGRATION_DEPRECATED,
		.subtype = VFIO_REGION_SUBTYPE_MIGRATION_DEPRECATED,
	};

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index > AGG_TEST_MIGRATION_REGION_INDEX)
		return -EINVAL;
	info.offset = AGG_TEST_REGION_OFFSET(info.index);
	info.cap_offset = 0;
	if (info.index == VFIO_PCI_CONFIG_REGION_INDEX) {
		info.size = PCI_CFG_SPACE_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
	} else if (info.index == AGG_TEST_MIGRATION_REGION_INDEX) {
		/* Its type is a capability after the info; a short argsz learns the size it needs. */
		info.size = AGG_TEST_MIGRATION_REGION_SIZE;
		info.flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + sizeof(migration_type)) {
			info.argsz = sizeof(info) + sizeof(migration_type);
		} else {
			if (copy_to_user((void __user *)arg + sizeof(info), &migration_type,
					 sizeof(migration_type)))
				return -EFAULT;
			info.cap_offset = sizeof(info);
		}
	} else {
		info.size = 0;
		info.flags = 0;
	}
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long agg_test_get_irq_info(unsigned long arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void __user *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	info.flags = 0;
	info.count = 0;
	return copy_to_user((void __user *)arg, &info, minsz) ? -EFAULT : 0;
}

static long agg_test_ioctl(struct vfio_device *vdev, unsigned int cmd,
			   unsigned long arg)
{
	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return agg_test_get_info(arg);
	case VFIO_DEVICE_GET_REGION_INFO:
		return agg_test_get_region_info(arg);
	case VFIO_DEVICE_GET_IRQ_INFO:
		return agg_test_get_irq_info(arg);
	case VFIO_DEVICE_RESET:
		/*
		 * The guest can change nothing; migration v1 has a reset device
		 * running again.
		 */
		mutex_lock(&pool_lock);
		container_of(vdev, struct agg_test_device, vdev)->migration_state =
			VFIO_DEVICE_STATE_V1_RUNNING;
		mutex_unlock(&pool_lock);
		return 0;
	default:
		/* VFIO_DEVICE_SET_IRQS included: there is no interrupt to set. */
		return -ENOTTY;
	}
}

static void agg_test_release(struct vfio_device *vdev)
{
	vfio_free_device(vdev);
}

static const struct vfio_device_ops agg_test_vfio_ops = {
	.name = AGG_TEST_NAME,
	.open_device = agg_test_open_device,
	.close_device = agg_test_close_device,
	.read = agg_test_read,
	.write = agg_test_write,
	.ioctl = agg_test_ioctl,
	.release = agg_test_release,
};

static int agg_test_probe(struct mdev_device *mdev)
{
	struct agg_test_type *type = to_agg_test_type(mdev->type);
	struct agg_test_device *state;
	int ret;

	mutex_lock(&pool_lock);
	if (pool_free < type->units_per_instance) {
		mutex_unlock(&pool_lock);
		return -ENOSPC;
	}
	pool_free -= type->units_per_instance;
	mutex_unlock(&pool_lock);

	state = vfio_alloc_device(agg_test_device, vdev, &mdev->dev, &agg_test_vfio_ops);
	if (IS_ERR(state)) {
		ret = PTR_ERR(state);
		goto err_unreserve;
	}
	state->type = type;
	state->instances = 1;
	dev_set_drvdata(&mdev->dev, state);

	ret = vfio_register_emulated_iommu_dev(&state->vdev);
	if (ret)
		goto err_put;
	return 0;

err_put:
	vfio_put_device(&state->vdev);
err_unreserve:
	mutex_lock(&pool_lock);
	pool_free += type->units_per_instance;
	mutex_unlock(&pool_lock);
	return ret;
}

static void agg_test_remove(struct mdev_device *mdev)
{
	struct agg_test_device *state = dev_get_drvdata(&mdev->dev);

	/* Returns only once every user has closed the device. */
	vfio_unregister_group_dev(&state->vdev);
	mutex_lock(&pool_lock);
	pool_free += state->instances * state->type->units_per_instance;
	mutex_unlock(&pool_lock);
	vfio_put_device(&state->vdev);
}

static struct mdev_driver agg_test_mdev_driver = {
	.device_api = VFIO_DEVICE_API_PCI_STRING,
	.probe = agg_test_probe,
	.remove = agg_test_remove,
	.get_available = agg_test_get_available,
	.show_description = agg_test_show_description,
	.driver = {
		.name = AGG_TEST_NAME,
		.owner = THIS_MODULE,
		.mod_name = KBUILD_MODNAME,
		.dev_groups = agg_test_dev_groups,
	},
};

static struct mdev_parent agg_test_parent;

static int agg_test_platform_probe(struct platform_device *pdev)
{
	int ret;

	ret = mdev_register_parent(&agg_test_parent, &pdev->dev, &agg_test_mdev_driver,
				   agg_test_types, ARRAY_SIZE(agg_test_types));
	if (ret)
		return ret;
	/* The type's kobject exists once the parent is registered. */
	ret = sysfs_create_bin_file(&agg_type.mtype.kobj, &agg_migration_version_attr);
	if (ret)
		mdev_unregister_parent(&agg_test_parent);
	return ret;
}

static int agg_test_platform_remove(struct platform_device *pdev)
{
	sysfs_remove_bin_file(&agg_type.mtype.kobj, &agg_migration_version_attr);
	mdev_unregister_parent(&agg_test_parent);
	return 0;
}

/* Binding a platform driver makes the type directories "mdev_agg_test-<name>". */
static struct platform_driver agg_test_platform_driver = {
	.probe = agg_test_platform_probe,
	.remove = agg_test_platform_remove,
	.driver = { .name = AGG_TEST_NAME },
};

static struct platform_device *agg_test_pdev;

static int __init agg_test_init(void)
{
	int ret;

	if (pool_units == 0)
		return -EINVAL;
	pool_free = pool_units;
	agg_test_init_config();
	snprintf(agg_migration_version, sizeof(agg_migration_version), "%s-%s-%u\n",
		 AGG_TEST_NAME, agg_type.mtype.sysfs_name, migration_version);

	ret = mdev_register_driver(&agg_test_mdev_driver);
	if (ret)
		return ret;
	ret = platform_driver_register(&agg_test_platform_driver);
	if (ret)
		goto err_mdev_driver;
	agg_test_pdev = platform_device_register_simple(AGG_TEST_NAME, PLATFORM_DEVID_NONE,
							NULL, 0);
	if (IS_ERR(agg_test_pdev)) {
		ret = PTR_ERR(agg_test_pdev);
		goto err_platform_driver;
	}
	return 0;

err_platform_driver:
	platform_driver_unregister(&agg_test_platform_driver);
err_mdev_driver:
	mdev_unregister_driver(&agg_test_mdev_driver);
	return ret;
}

static void __exit agg_test_exit(void)
{
	platform_device_unregister(agg_test_pdev);
	platform_driver_unregister(&agg_test_platform_driver);
	mdev_unregister_driver(&agg_test_mdev_driver);
}

module_init(agg_test_init);
module_exit(agg_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Test mdev parent with a plain and an aggregatable type sharing one pool");
