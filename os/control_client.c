/* control_client: "apply N" over $TLSGATE_HOME/tlsgated.sock.
 * Protocol (one line each way): "apply N\n" -> "applied N\n" | "error TEXT\n". */
#include "control_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int read_reply(int fd, int timeout_ms, char *buf, size_t len)
{
	long deadline = now_ms() + timeout_ms;
	size_t used = 0;

	while (used + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		n = read(fd, buf + used, len - 1 - used);
		if (n <= 0)
			return -1;
		used += (size_t)n;
		buf[used] = '\0';
		char *nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			return 0;
		}
	}
	return -1;
}

enum apply_result control_apply(const char *home, long version, int timeout_ms, char *reply,
				size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char request[64], answer[1024], expected[64];
	int fd;

	if ((size_t)snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/tlsgated.sock", home) >=
	    sizeof(addr.sun_path)) {
		snprintf(reply, len, "the control socket path is too long");
		return APPLY_NOT_RUNNING;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int why = errno;
		snprintf(reply, len, "%s", strerror(why));
		if (fd >= 0)
			close(fd);
		return why == EACCES || why == EPERM ? APPLY_UNREACHABLE : APPLY_NOT_RUNNING;
	}
	snprintf(request, sizeof(request), "apply %ld\n", version);
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request) ||
	    read_reply(fd, timeout_ms, answer, sizeof(answer)) < 0) {
		close(fd);
		snprintf(reply, len, "tlsgated did not answer within %d ms", timeout_ms);
		return APPLY_FAILED;
	}
	close(fd);
	snprintf(expected, sizeof(expected), "applied %ld", version);
	if (strcmp(answer, expected) == 0)
		return APPLY_DONE;
	snprintf(reply, len, "%s", strncmp(answer, "error ", 6) == 0 ? answer + 6 : answer);
	return APPLY_FAILED;
}
