/* scp_parse: the legacy scp protocol's command line and control lines, and
 * the one-folder path mapping, strictly and without I/O. */
#include "scp_parse.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The first word of `line` into buf; returns its length or -1 if too long. */
static int first_word(const char *line, char *buf, size_t len)
{
	size_t n = 0;

	while (is_blank(*line))
		line++;
	while (line[n] && !is_blank(line[n])) {
		if (n + 1 >= len)
			return -1;
		buf[n] = line[n];
		n++;
	}
	buf[n] = '\0';
	return (int)n;
}

enum scp_kind scp_command_kind(const char *line)
{
	char word[SCP_PATH_MAX];
	const char *base;

	if (first_word(line, word, sizeof(word)) <= 0)
		return SCP_KIND_OTHER;
	base = strrchr(word, '/');
	base = base ? base + 1 : word;
	if (strcmp(word, "internal-sftp") == 0 || strcmp(base, "sftp-server") == 0)
		return SCP_KIND_SFTP;
	return strcmp(word, "scp") == 0 ? SCP_KIND_SCP : SCP_KIND_OTHER;
}

/* One group of option letters ("-dt"). */
static int parse_options(const char *word, struct scp_command *out, int *modes, struct err *e)
{
	for (const char *p = word + 1; *p; p++) {
		switch (*p) {
		case 'v': break; /* the client's verbosity: nothing to do here */
		case 'p': out->preserve = true; break;
		case 'd': out->target_is_dir = true; break;
		case 't': out->direction = SCP_UPLOAD, (*modes)++; break;
		case 'f': out->direction = SCP_DOWNLOAD, (*modes)++; break;
		case 'r': return err_set(e, "folders cannot be copied (-r); copy files one by one");
		default: return err_set(e, "the option -%c is not supported", *p);
		}
	}
	return word[1] ? 0 : err_set(e, "a lone \"-\" is not an option");
}

int scp_parse_command(const char *line, struct scp_command *out, struct err *e)
{
	char copy[SCP_COMMAND_MAX + 1], *save = NULL, *word;
	bool options_done = false;
	int modes = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(line) > SCP_COMMAND_MAX)
		return err_set(e, "the command line is too long");
	snprintf(copy, sizeof(copy), "%s", line);
	word = strtok_r(copy, " \t", &save);
	if (!word || strcmp(word, "scp") != 0)
		return err_set(e, "not an scp command");
	while ((word = strtok_r(NULL, " \t", &save))) {
		if (!options_done && strcmp(word, "--") == 0) {
			options_done = true;
		} else if (!options_done && word[0] == '-') {
			if (parse_options(word, out, &modes, e) < 0)
				return -1;
		} else {
			options_done = true;
			if (out->npaths == SCP_PATHS_MAX)
				return err_set(e, "at most %d files can be copied at once",
					       SCP_PATHS_MAX);
			if (strlen(word) > SCP_PATH_MAX)
				return err_set(e, "a path is too long");
			snprintf(out->paths[out->npaths++], SCP_PATH_MAX + 1, "%s", word);
		}
	}
	if (modes != 1)
		return err_set(e, "exactly one of -t and -f is needed");
	if (out->npaths == 0)
		return err_set(e, "a path is needed");
	if (out->direction == SCP_UPLOAD && out->npaths != 1)
		return err_set(e, "an upload has exactly one target");
	return 0;
}

/* Decimal digits only, no sign, fitting an unsigned long long; *pos moves past them. */
static int parse_number(const char *s, size_t len, size_t *pos, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t start = *pos;

	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
		unsigned d = (unsigned)(s[*pos] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		(*pos)++;
	}
	*out = v;
	return *pos > start ? 0 : -1;
}

static int expect_char(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return -1;
	(*pos)++;
	return 0;
}

/* "C0644 SIZE NAME" and "D0755 0 NAME". */
static int parse_file_line(const char *line, size_t len, struct scp_line *out, struct err *e)
{
	size_t pos = 1;

	out->mode = 0;
	for (; pos < 5; pos++) {
		if (pos >= len || line[pos] < '0' || line[pos] > '7')
			return err_set(e, "the mode must be four octal digits");
		out->mode = out->mode * 8 + (unsigned)(line[pos] - '0');
	}
	if (expect_char(line, len, &pos, ' ') < 0 ||
	    parse_number(line, len, &pos, &out->size) < 0 || expect_char(line, len, &pos, ' ') < 0)
		return err_set(e, "expected \"%c0644 SIZE NAME\"", line[0]);
	if (len - pos == 0 || len - pos > SCP_NAME_MAX)
		return err_set(e, "the file name must be 1 to %d bytes long", SCP_NAME_MAX);
	memcpy(out->name, line + pos, len - pos);
	out->name[len - pos] = '\0';
	return 0;
}

/* "T MTIME USEC ATIME USEC" without the blank after T. */
static int parse_time_line(const char *line, size_t len, struct scp_line *out, struct err *e)
{
	unsigned long long musec, ausec;
	size_t pos = 1;

	if (parse_number(line, len, &pos, &out->mtime) < 0 ||
	    expect_char(line, len, &pos, ' ') < 0 || parse_number(line, len, &pos, &musec) < 0 ||
	    expect_char(line, len, &pos, ' ') < 0 ||
	    parse_number(line, len, &pos, &out->atime) < 0 ||
	    expect_char(line, len, &pos, ' ') < 0 || parse_number(line, len, &pos, &ausec) < 0 ||
	    pos != len || musec > 999999 || ausec > 999999 || out->mtime > LLONG_MAX ||
	    out->atime > LLONG_MAX)
		return err_set(e, "expected \"TMTIME 0 ATIME 0\"");
	return 0;
}

int scp_parse_line(const char *line, size_t len, struct scp_line *out, struct err *e)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return err_set(e, "an empty protocol line");
	if (len > SCP_LINE_MAX || memchr(line, '\0', len) || memchr(line, '\n', len))
		return err_set(e, "a malformed protocol line");
	out->type = (enum scp_line_type)(unsigned char)line[0];
	switch (line[0]) {
	case SCP_LINE_WARNING:
	case SCP_LINE_FATAL:
		memcpy(out->message, line + 1, len - 1);
		out->message[len - 1] = '\0';
		return 0;
	case SCP_LINE_FILE:
	case SCP_LINE_DIR: return parse_file_line(line, len, out, e);
	case SCP_LINE_END: return len == 1 ? 0 : err_set(e, "expected \"E\" alone");
	case SCP_LINE_TIME: return parse_time_line(line, len, out, e);
	}
	return err_set(e, "an unexpected protocol line");
}

int scp_check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0 || n > SCP_NAME_MAX)
		return err_set(e, "a file name has 1 to %d characters", SCP_NAME_MAX);
	if (name[0] == '.' || name[0] == '-')
		return err_set(e, "a file name must not start with \".\" or \"-\"");
	for (const char *p = name; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return err_set(e, "a file name may only hold letters, digits, \".\", \"_\" "
					  "and \"-\"");
	}
	return 0;
}

/* `rest` after the folder's name: "" or "/" is the folder, "/X" is X. */
static int map_rest(const char *rest, char *name, size_t len, struct err *e)
{
	if (rest[0] == '\0' || strcmp(rest, "/") == 0) {
		name[0] = '\0';
		return 0;
	}
	if (rest[0] != '/')
		return err_set(e, "only files in /" SCP_FOLDER "/ can be copied");
	rest++;
	if (strchr(rest, '/'))
		return err_set(e, "only files in /" SCP_FOLDER "/ can be copied");
	if (scp_check_name(rest, e) < 0)
		return -1;
	if ((size_t)snprintf(name, len, "%s", rest) >= len)
		return err_set(e, "the file name is too long");
	return 0;
}

int scp_map_path(const char *path, char *name, size_t len, struct err *e)
{
	static const char folder[] = SCP_FOLDER;
	const size_t flen = sizeof(folder) - 1;

	if (len == 0)
		return err_set(e, "no room for the name");
	if (path[0] == '/') {
		if (strncmp(path + 1, folder, flen) != 0)
			return err_set(e, "only files in /" SCP_FOLDER "/ can be copied");
		return map_rest(path + 1 + flen, name, len, e);
	}
	if (strncmp(path, folder, flen) == 0 && (path[flen] == '\0' || path[flen] == '/'))
		return map_rest(path + flen, name, len, e);
	if (path[0] == '\0' || strcmp(path, ".") == 0 || strcmp(path, "./") == 0) {
		name[0] = '\0';
		return 0;
	}
	if (strchr(path, '/'))
		return err_set(e, "only files in /" SCP_FOLDER "/ can be copied");
	if (scp_check_name(path, e) < 0)
		return -1;
	if ((size_t)snprintf(name, len, "%s", path) >= len)
		return err_set(e, "the file name is too long");
	return 0;
}
