/* fuzz_command_line: each NUL-separated chunk of the input is one console line,
 * queued with input_queue_commands and drained as the shell does; every command
 * is split by shell_split_words. Both are checked against models written here. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/input.h"
#include "../../cli/shell.h"
#include "fuzz_check.h"

#define INPUT_MAX 8192
/* input_queue.c queues every command of a line; an input of INPUT_MAX bytes holds
 * at most this many. */
#define QUEUE_MAX (INPUT_MAX / 2 + 1)
#define WORDS_MAX 16 /* shell.c: words of one command */

struct command_list {
	char *cmd[QUEUE_MAX];
	int count;
};

static int blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* ';' outside double quotes ends a command; inside quotes a backslash takes
 * the next character literally. Commands are trimmed, empty ones dropped.
 * Returns -1 when the line ends inside quotes. */
static int model_commands(const char *line, struct command_list *out)
{
	size_t n = strlen(line), start = 0;
	int quoted = 0;

	out->count = 0;
	for (size_t i = 0; i <= n; i++) {
		if (quoted && line[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (line[i] == '"') {
			quoted = !quoted;
			continue;
		}
		if (line[i] != '\0' && (line[i] != ';' || quoted))
			continue;
		if (line[i] == '\0' && quoted) {
			while (out->count > 0)
				free(out->cmd[--out->count]);
			return -1;
		}
		size_t a = start, b = i;
		while (a < b && blank(line[a]))
			a++;
		while (b > a && blank(line[b - 1]))
			b--;
		if (b > a && out->count < QUEUE_MAX) {
			out->cmd[out->count] = strndup(line + a, b - a);
			check(out->cmd[out->count] != NULL);
			out->count++;
		}
		start = i + 1;
	}
	return 0;
}

/* Words are separated by blanks outside quotes; quotes group and vanish;
 * inside quotes \" and \\ stand for " and \. Writes the words back to back,
 * each NUL-terminated (at most strlen(cmd) + 1 bytes). Returns the word
 * count, without any maximum, or -1 on an open quote. */
static int model_words(const char *cmd, char *words)
{
	int quoted = 0, in_word = 0, count = 0;
	char *out = words;

	for (const char *p = cmd; *p; p++) {
		if (!quoted && blank(*p)) {
			if (in_word)
				*out++ = '\0';
			in_word = 0;
			continue;
		}
		if (!in_word)
			count++;
		in_word = 1;
		if (*p == '"')
			quoted = !quoted;
		else if (quoted && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
			*out++ = *++p;
		else
			*out++ = *p;
	}
	if (quoted)
		return -1;
	if (in_word)
		*out = '\0';
	return count;
}

/* `whole`: the command reached the shell untruncated, so its quotes are
 * balanced (the queue refuses the line otherwise) and only a 17th word can
 * make the split fail. */
static void check_words(const char *cmd, int whole)
{
	size_t len = strlen(cmd), max_words = len / 2 + 2;
	char *line = malloc(len + 1), *expected = malloc(len + 1);
	char **all = malloc(max_words * sizeof(char *));
	char *argv[WORDS_MAX];
	const char *w;
	int argc, want;

	check(line && expected && all);
	want = model_words(cmd, expected);
	if (whole)
		check(want >= 0);

	memcpy(line, cmd, len + 1);
	check(shell_split_words(line, all, (int)max_words) == want);

	memcpy(line, cmd, len + 1);
	argc = shell_split_words(line, argv, WORDS_MAX);
	if (want < 0 || want > WORDS_MAX) {
		check(argc == -1);
		goto out;
	}
	check(argc == want);
	w = expected;
	for (int i = 0; i < argc; i++) {
		check(argv[i] >= line && argv[i] + strlen(argv[i]) <= line + len);
		check(i == 0 || argv[i] > argv[i - 1] + strlen(argv[i - 1]));
		check(strcmp(argv[i], w) == 0);
		/* Blanks and ';' reach a word only from inside quotes. */
		if (strpbrk(argv[i], " \t;"))
			check(strchr(cmd, '"') != NULL);
		w += strlen(w) + 1;
	}
out:
	free(line);
	free(expected);
	free(all);
}

/* One console line, as shell_run handles it: queue, then drain into a
 * buffer of INPUT_LINE_MAX, where a longer command (only -c can make one) is
 * reported as too long (-2), never cut short. */
static void check_line(const char *line)
{
	struct command_list want;
	char buf[INPUT_LINE_MAX];
	int model = model_commands(line, &want);
	int rc = input_queue_commands(line);

	if (model < 0) {
		check(rc == -1);
		check(input_next_command(buf, sizeof(buf)) == -1);
		return;
	}
	check(rc == 0);
	for (int i = 0; i < want.count; i++) {
		size_t n = strlen(want.cmd[i]);
		int got = input_next_command(buf, sizeof(buf));
		if (n >= sizeof(buf)) {
			check(got == -2);
			free(want.cmd[i]);
			continue;
		}
		check(got == 0);
		check(buf[0] != '\0' && !blank(buf[0]));
		check(strcmp(buf, want.cmd[i]) == 0);
		check(!blank(buf[n - 1]));
		check_words(buf, 1);
		free(want.cmd[i]);
	}
	check(input_next_command(buf, sizeof(buf)) == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = size < INPUT_MAX ? size : INPUT_MAX;
	char *input = malloc(len + 1);

	check(input != NULL);
	memcpy(input, data, len);
	input[len] = '\0';
	for (size_t at = 0; at <= len; at += strlen(input + at) + 1)
		check_line(input + at);
	free(input);
	return 0;
}
