// SPDX-License-Identifier: GPL-2.0
/*
 * syslog-listen SOCKET FILE: a syslog daemon reduced to what the tests read.
 * Binds a unix datagram socket at SOCKET (as /dev/log is bound) and appends
 * each message received to FILE as one line, exactly as it arrived (the
 * <PRI> prefix and the header the sender wrote included), with a backslash
 * written as "\\" and a line break inside a message as "\n", so a message
 * that carries a line break still is one line of FILE and shows it. A
 * message longer than the buffer is kept cut, ending in "[truncated N]" (N
 * its real length), so a check of it fails visibly.
 *
 * Prints "listening <socket>" on stdout once bound. Runs until killed.
 * Exit codes: 1 the socket or the file cannot be set up, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* A syslog datagram of the largest size journald and rsyslog take, with room to see a longer one. */
#define MESSAGE_BYTES 16384

static int fail(const char *step)
{
	fprintf(stderr, "syslog-listen: %s: %s\n", step, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	static char message[MESSAGE_BYTES], line[2 * MESSAGE_BYTES + 64];
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int sock, out;

	if (argc != 3 || strlen(argv[1]) >= sizeof(address.sun_path)) {
		fprintf(stderr, "usage: syslog-listen SOCKET FILE\n");
		return 2;
	}
	strcpy(address.sun_path, argv[1]);
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0)
		return fail(argv[2]);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fail("socket");
	unlink(argv[1]);
	if (bind(sock, (struct sockaddr *)&address, sizeof(address)) < 0)
		return fail(argv[1]);
	/* Anyone may log, as with a syslog daemon's socket. */
	if (chmod(argv[1], 0666) < 0)
		return fail("chmod");
	printf("listening %s\n", argv[1]);
	fflush(stdout);

	for (;;) {
		/* MSG_TRUNC: the datagram's real length, also when it did not fit. */
		ssize_t got = recv(sock, message, sizeof(message), MSG_TRUNC);
		ssize_t kept = got < (ssize_t)sizeof(message) ? got : (ssize_t)sizeof(message);
		size_t used = 0;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return fail("recv");
		}
		for (ssize_t i = 0; i < kept; i++) {
			if (message[i] == '\n' || message[i] == '\\') {
				line[used++] = '\\';
				line[used++] = message[i] == '\n' ? 'n' : '\\';
			} else {
				line[used++] = message[i];
			}
		}
		if (got > kept)
			used += snprintf(line + used, sizeof(line) - used, "[truncated %zd]", got);
		line[used++] = '\n';
		/* One write per message, so a reader never sees half a line. */
		if (write(out, line, used) != (ssize_t)used)
			return fail(argv[2]);
	}
}
