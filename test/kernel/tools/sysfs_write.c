// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs-write LOG SCENARIO PATH DATA: one write(2) of exactly DATA to the
 * existing file PATH (never created), then one JSON line appended to LOG:
 *
 *   {"scenario":..,"path":..,"data":..,"errno":null|"EINVAL"|..,
 *    "state":{"available_instances":{"<parent>/<type>":N,..},
 *             "devices":{"<uuid>":{"parent":..,"type":..,
 *                        "aggregated_instances":N|null,"max_aggregation":N|null},..}}}
 *
 * The state is read right after the write, so the log holds the kernel's
 * answer and its effect on the whole mdev tree. Prints the errno name, or OK,
 * on stdout. Exit codes: 0 the write was made (whatever the kernel answered),
 * 2 usage or the log could not be written.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MDEV_BUS_CLASS "/sys/class/mdev_bus"
#define MDEV_DEVICES "/sys/bus/mdev/devices"

static void json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_cstring(FILE *out, const char *s)
{
	json_string(out, s, strlen(s));
}

/* A sysfs number file as JSON: the number, or null when absent or unreadable. */
static void json_number_file(FILE *out, const char *path)
{
	char buf[64];
	char *end;
	unsigned long value;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fputs("null", out);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		fputs("null", out);
		return;
	}
	buf[n] = '\0';
	errno = 0;
	value = strtoul(buf, &end, 10);
	if (errno || end == buf || (*end != '\n' && *end != '\0'))
		json_string(out, buf, (size_t)n);
	else
		fprintf(out, "%lu", value);
}

static int visible(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* Last path component of a link's target, or "" when it is not a link. */
static const char *link_basename(const char *path, char *target, size_t size)
{
	ssize_t n = readlink(path, target, size - 1);
	const char *base;

	if (n < 0)
		return "";
	target[n] = '\0';
	base = strrchr(target, '/');
	return base ? base + 1 : target;
}

/* Second-to-last path component of a link's target, or "" when it has none. */
static void link_parent_name(const char *path, char *name, size_t size)
{
	char target[PATH_MAX];
	char *last;
	const char *parent;
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	name[0] = '\0';
	if (n < 0)
		return;
	target[n] = '\0';
	last = strrchr(target, '/');
	if (!last)
		return;
	*last = '\0';
	parent = strrchr(target, '/');
	snprintf(name, size, "%s", parent ? parent + 1 : target);
}

static void json_available_instances(FILE *out)
{
	struct dirent **parents;
	char path[PATH_MAX];
	int nparents = scandir(MDEV_BUS_CLASS, &parents, visible, alphasort);
	int first = 1;

	fputs("\"available_instances\":{", out);
	for (int p = 0; p < nparents; p++) {
		struct dirent **types;
		int ntypes;

		snprintf(path, sizeof(path), MDEV_BUS_CLASS "/%s/mdev_supported_types",
			 parents[p]->d_name);
		ntypes = scandir(path, &types, visible, alphasort);
		for (int t = 0; t < ntypes; t++) {
			char key[2 * NAME_MAX + 2];

			snprintf(key, sizeof(key), "%s/%s", parents[p]->d_name, types[t]->d_name);
			fputs(first ? "" : ",", out);
			first = 0;
			json_cstring(out, key);
			fputc(':', out);
			snprintf(path, sizeof(path),
				 MDEV_BUS_CLASS "/%s/mdev_supported_types/%s/available_instances",
				 parents[p]->d_name, types[t]->d_name);
			json_number_file(out, path);
			free(types[t]);
		}
		if (ntypes > 0)
			free(types);
		free(parents[p]);
	}
	if (nparents > 0)
		free(parents);
	fputc('}', out);
}

static void json_devices(FILE *out)
{
	struct dirent **devices;
	int ndevices = scandir(MDEV_DEVICES, &devices, visible, alphasort);

	fputs("\"devices\":{", out);
	for (int d = 0; d < ndevices; d++) {
		const char *uuid = devices[d]->d_name;
		char path[PATH_MAX], target[PATH_MAX], parent[PATH_MAX];

		/* The device link points at <parent device>/<uuid>. */
		snprintf(path, sizeof(path), MDEV_DEVICES "/%s", uuid);
		link_parent_name(path, parent, sizeof(parent));

		fputs(d ? "," : "", out);
		json_cstring(out, uuid);
		fputs(":{\"parent\":", out);
		json_cstring(out, parent);
		fputs(",\"type\":", out);
		snprintf(path, sizeof(path), MDEV_DEVICES "/%s/mdev_type", uuid);
		json_cstring(out, link_basename(path, target, sizeof(target)));
		fputs(",\"aggregated_instances\":", out);
		snprintf(path, sizeof(path), MDEV_DEVICES "/%s/mdev/aggregated_instances", uuid);
		json_number_file(out, path);
		fputs(",\"max_aggregation\":", out);
		snprintf(path, sizeof(path), MDEV_DEVICES "/%s/mdev/max_aggregation", uuid);
		json_number_file(out, path);
		fputc('}', out);
		free(devices[d]);
	}
	if (ndevices > 0)
		free(devices);
	fputc('}', out);
}

int main(int argc, char **argv)
{
	const char *log_path, *scenario, *path, *data;
	const char *answer = "OK";
	size_t len;
	FILE *log;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: sysfs-write LOG SCENARIO PATH DATA\n");
		return 2;
	}
	log_path = argv[1];
	scenario = argv[2];
	path = argv[3];
	data = argv[4];
	len = strlen(data);

	fd = open(path, O_WRONLY);
	if (fd < 0) {
		answer = strerrorname_np(errno);
	} else {
		ssize_t n = write(fd, data, len);

		if (n < 0)
			answer = strerrorname_np(errno);
		else if ((size_t)n != len)
			answer = "SHORT_WRITE";
		close(fd);
	}

	log = fopen(log_path, "a");
	if (!log) {
		fprintf(stderr, "sysfs-write: %s: %s\n", log_path, strerror(errno));
		return 2;
	}
	fputs("{\"scenario\":", log);
	json_cstring(log, scenario);
	fputs(",\"path\":", log);
	json_cstring(log, path);
	fputs(",\"data\":", log);
	json_string(log, data, len);
	fputs(",\"errno\":", log);
	if (strcmp(answer, "OK") == 0)
		fputs("null", log);
	else
		json_cstring(log, answer);
	fputs(",\"state\":{", log);
	json_available_instances(log);
	fputc(',', log);
	json_devices(log);
	fputs("}}\n", log);
	if (fclose(log) != 0) {
		fprintf(stderr, "sysfs-write: %s: %s\n", log_path, strerror(errno));
		return 2;
	}
	puts(answer);
	return 0;
}
