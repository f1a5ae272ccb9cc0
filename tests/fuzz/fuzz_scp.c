/* fuzz_scp: the scp parsers on one input: the remote command line, a control
 * line (bytes, not NUL-terminated) and the path mapping, whose result must never
 * name anything but a plain file in the one folder served (no "..", no '/'). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/scp_parse.h"
#include "fuzz_check.h"

#define TEXT_MAX 8192

static void check_message(const struct err *e)
{
	check(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
	check(e->msg[0] != '\0');
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int model_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SCP_NAME_MAX || name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i]))
			return 0;
	return 1;
}

/* The file a path names ("" for the folder), or NULL when it names nothing
 * the folder may serve. Points into `path`. */
static const char *model_map(const char *path)
{
	static const char *const folder_forms[] = {
		"",
		".",
		"./",
		"configuration",
		"configuration/",
		"/configuration",
		"/configuration/",
	};
	static const char *const prefixes[] = { "/configuration/", "configuration/", "" };

	for (size_t i = 0; i < sizeof(folder_forms) / sizeof(folder_forms[0]); i++)
		if (strcmp(path, folder_forms[i]) == 0)
			return "";
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 && model_name_ok(path + n))
			return path + n;
	}
	return NULL;
}

static void check_map(const char *path, size_t len)
{
	char *name = malloc(len ? len : 1);
	const char *want = model_map(path);
	struct err e;
	int rc;

	check(name != NULL);
	memset(&e, 0x55, sizeof(e));
	rc = scp_map_path(path, name, len, &e);
	if (rc < 0) {
		check_message(&e);
		check(!want || len == 0 || strlen(want) >= len);
	} else {
		check(rc == 0 && want != NULL);
		check(memchr(name, '\0', len) != NULL);
		check(strcmp(name, want) == 0);
		check(name[0] == '\0' || (model_name_ok(name) && !strchr(name, '/')));
	}
	free(name);
}

static void check_command(const char *line)
{
	struct scp_command *c = malloc(sizeof(*c));
	struct err e;

	check(c != NULL);
	(void)scp_command_kind(line);
	memset(&e, 0x55, sizeof(e));
	if (scp_parse_command(line, c, &e) < 0) {
		check_message(&e);
		free(c);
		return;
	}
	check(strlen(line) <= SCP_COMMAND_MAX);
	check(c->npaths >= 1 && c->npaths <= SCP_PATHS_MAX);
	check(c->direction == SCP_UPLOAD || c->direction == SCP_DOWNLOAD);
	check(c->direction == SCP_DOWNLOAD || c->npaths == 1);
	for (int i = 0; i < c->npaths; i++) {
		check(memchr(c->paths[i], '\0', SCP_PATH_MAX + 1) != NULL);
		check(c->paths[i][0] != '\0' && !strpbrk(c->paths[i], " \t"));
		check(strstr(line, c->paths[i]) != NULL);
	}
	free(c);
}

/* An accepted line re-rendered in OpenSSH's spelling parses to the same values. */
static void check_rendered(const struct scp_line *l)
{
	char buf[SCP_LINE_MAX + 64];
	struct scp_line again;
	struct err e;
	int n;

	if (l->type == SCP_LINE_FILE || l->type == SCP_LINE_DIR)
		n = snprintf(buf, sizeof(buf), "%c%04o %llu %s", l->type, l->mode, l->size,
			     l->name);
	else if (l->type == SCP_LINE_TIME)
		n = snprintf(buf, sizeof(buf), "T%llu 0 %llu 0", l->mtime, l->atime);
	else
		return;
	check(n > 0 && (size_t)n < sizeof(buf));
	check(scp_parse_line(buf, (size_t)n, &again, &e) == 0);
	check(again.type == l->type && again.mode == l->mode && again.size == l->size);
	check(strcmp(again.name, l->name) == 0);
	check(again.mtime == l->mtime && again.atime == l->atime);
}

static void check_line(const uint8_t *data, size_t len)
{
	/* Exactly sized and not NUL-terminated: the parser takes (bytes, length). */
	char *line = malloc(len ? len : 1);
	struct scp_line *l = malloc(sizeof(*l));
	struct err e;

	check(line && l);
	memcpy(line, data, len);
	memset(&e, 0x55, sizeof(e));
	if (scp_parse_line(line, len, l, &e) < 0) {
		check_message(&e);
		goto out;
	}
	check(len >= 1 && len <= SCP_LINE_MAX);
	check(!memchr(line, '\0', len) && !memchr(line, '\n', len));
	check((unsigned char)line[0] == (unsigned)l->type);
	switch (l->type) {
	case SCP_LINE_WARNING:
	case SCP_LINE_FATAL:
		check(strlen(l->message) == len - 1 && memcmp(l->message, line + 1, len - 1) == 0);
		break;
	case SCP_LINE_FILE:
	case SCP_LINE_DIR:
		check(l->mode <= 07777);
		check(strlen(l->name) >= 1 && strlen(l->name) <= SCP_NAME_MAX);
		check(memcmp(line + len - strlen(l->name), l->name, strlen(l->name)) == 0);
		break;
	case SCP_LINE_END: check(len == 1); break;
	case SCP_LINE_TIME: check(l->mtime <= (unsigned long long)INT64_MAX); break;
	}
	check_rendered(l);
out:
	free(line);
	free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, name_len;
	struct err e;
	char *text;
	int rc;

	if (size == 0)
		return 0;
	/* The first byte sizes the name buffer of scp_map_path: 0 to 255 bytes. */
	name_len = data[0];
	data++;
	size--;
	len = size < TEXT_MAX ? size : TEXT_MAX;
	text = malloc(len + 1);
	check(text != NULL);
	memcpy(text, data, len);
	text[len] = '\0';

	check_command(text);
	check_line(data, len);
	check_map(text, name_len);
	check_map(text, SCP_NAME_MAX + 1);
	rc = scp_check_name(text, &e);
	check(rc == (model_name_ok(text) ? 0 : -1));
	free(text);
	return 0;
}
