/* input_queue: the queue of ';'-separated commands of one line ("a; b"),
 * run before the next line is read (input.h). */
#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Commands of one line, in order: queue[head..len). Grows as needed: an
 * ssh one-liner may hold hundreds of commands, and none may be dropped. */
static char **queue;
static size_t queue_head, queue_len, queue_cap;

void input_clear_queue(void)
{
	for (size_t i = queue_head; i < queue_len; i++)
		free(queue[i]);
	free(queue);
	queue = NULL;
	queue_head = queue_len = queue_cap = 0;
}

static void queue_push(char *cmd)
{
	if (queue_len == queue_cap) {
		queue_cap = queue_cap ? queue_cap * 2 : 16;
		queue = realloc(queue, queue_cap * sizeof(*queue));
		if (!queue)
			abort();
	}
	queue[queue_len++] = cmd;
}

static void trim_copy(char *dst, const char *src, size_t n)
{
	while (n > 0 && (*src == ' ' || *src == '\t'))
		src++, n--;
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int input_queue_commands(const char *line)
{
	const char *start = line;
	int in_quote = 0;

	for (const char *p = line;; p++) {
		if (*p == '\\' && in_quote && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			in_quote = !in_quote;
		if (*p == '\0' || (*p == ';' && !in_quote)) {
			size_t n = (size_t)(p - start);
			char *cmd = malloc(n + 1);
			if (!cmd)
				abort();
			trim_copy(cmd, start, n);
			if (in_quote) {
				free(cmd);
				input_clear_queue();
				return -1;
			}
			if (cmd[0])
				queue_push(cmd);
			else
				free(cmd);
			if (*p == '\0')
				return 0;
			start = p + 1;
		}
	}
}

int input_next_command(char *buf, size_t len)
{
	int fits;

	if (queue_head == queue_len) {
		input_clear_queue();
		return -1;
	}
	fits = snprintf(buf, len, "%s", queue[queue_head]) < (int)len;
	free(queue[queue_head++]);
	return fits ? 0 : -2;
}
