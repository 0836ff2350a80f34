// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-hold UUID SECONDS: open a mediated device through VFIO the way a VM
 * monitor does (container, group, device fd) and keep it open for at most
 * SECONDS, or until killed, so tests can see what happens to a busy device.
 *
 * Prints "held <uuid> group <n>" on stdout once the device fd is open.
 * Exit codes: 0 held and released, 1 a VFIO step failed, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int fail(const char *step)
{
	fprintf(stderr, "vfio-hold: %s: %s\n", step, strerror(errno));
	return 1;
}

static int iommu_group_of(const char *uuid)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *base;

	snprintf(link, sizeof(link), "/sys/bus/mdev/devices/%s/iommu_group", uuid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	return atoi(base ? base + 1 : target);
}

int main(int argc, char **argv)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	char group_path[64];
	int container, group, device, group_number;
	unsigned int seconds;

	if (argc != 3) {
		fprintf(stderr, "usage: vfio-hold UUID SECONDS\n");
		return 2;
	}
	seconds = (unsigned int)strtoul(argv[2], NULL, 10);

	group_number = iommu_group_of(argv[1]);
	if (group_number < 0)
		return fail("iommu_group link");
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%d", group_number);

	container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO_GET_API_VERSION");
	group = open(group_path, O_RDWR);
	if (group < 0)
		return fail(group_path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0)
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return fail("group not viable");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0)
		return fail("VFIO_SET_IOMMU");
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, argv[1]);
	if (device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	if (ioctl(device, VFIO_DEVICE_GET_INFO, &info) < 0)
		return fail("VFIO_DEVICE_GET_INFO");

	printf("held %s group %d\n", argv[1], group_number);
	fflush(stdout);
	sleep(seconds);
	close(device);
	close(group);
	close(container);
	return 0;
}
