/* audit: appends to logs/cli_logs in the AsyncOS log line format. */
#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/entries.h"
#include "../core/text.h"
#include "../db/db.h"
#include "home_files.h"

void audit_date(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm);
}

static void append_raw(const char *home, const char *line)
{
	char dir[4096], path[4200];
	struct err e;
	int fd;

	/* Whoever comes first, console user or daemon, makes logs/ so that both
	 * can append (home_files.h). */
	if (home_dir(home, "logs", dir, sizeof(dir), &e) < 0) {
		fprintf(stderr, "Warning: cannot write the audit log: %s\n", e.msg);
		return;
	}
	snprintf(path, sizeof(path), "%s/cli_logs", dir);
	fd = home_open_append(home, path);
	/* One write() per line: concurrent sessions never interleave inside a line. */
	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		fprintf(stderr, "Warning: cannot write the audit log %s: %s\n", path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* Writes one record: every value in it escaped (core/text.h), so a comment,
 * a name or old stored data can neither add a line nor carry a terminal
 * escape sequence to whoever reads the log. */
static void append_line(const char *home, const char *record)
{
	struct strbuf escaped;

	strbuf_init(&escaped);
	text_escape(&escaped, record);
	strbuf_add(&escaped, "\n", 1);
	append_raw(home, escaped.data);
	strbuf_free(&escaped);
}

/* A 10,000-domain import is one audit line, not 10,000 names. */
#define AUDIT_ENTRIES_NAMED 10

struct entry_summary {
	struct strbuf *out;
	int count;
};

static int add_entry_change(const char *key, char how, void *arg)
{
	struct entry_summary *sum = arg;
	const char *name;
	const struct entry_kind *k = entry_kind_of_key(key, &name);

	if (!k)
		return 0;
	if (sum->count++ < AUDIT_ENTRIES_NAMED)
		strbuf_printf(sum->out, "%s%s \"%s\" %s", sum->out->len ? "; " : "", k->label, name,
			      how == 'a'   ? "added"
			      : how == 'r' ? "removed"
					   : "changed");
	return 0;
}

static void end_summary(struct entry_summary *sum)
{
	if (sum->count > AUDIT_ENTRIES_NAMED)
		strbuf_printf(sum->out, "; and %d more entries", sum->count - AUDIT_ENTRIES_NAMED);
}

static int add_staged_entry(const char *key, const char *old, const char *value, void *arg)
{
	return add_entry_change(key, !old ? 'a' : !value ? 'r' : 'c', arg);
}

void audit_entries_staged(struct db *db, const char *user, struct strbuf *out)
{
	struct entry_summary sum = { out, 0 };
	struct err e;

	db_staged_entries(db, user, add_staged_entry, &sum, &e);
	end_summary(&sum);
}

void audit_entries_between(struct db *db, long old_version, long new_version, struct strbuf *out)
{
	struct entry_summary sum = { out, 0 };
	struct err e;

	db_entry_changes(db, old_version, new_version, add_entry_change, &sum, &e);
	end_summary(&sum);
}

void audit_commit(const char *home, const char *user, const char *what, long version,
		  const char *comment, const struct config *before, const struct config *after,
		  const char *entries)
{
	audit_commit_at(home, user, what, version, NULL, comment, before, after, entries);
}

void audit_commit_at(const char *home, const char *user, const char *what, long version,
		     const char *level, const char *comment, const struct config *before,
		     const struct config *after, const char *entries)
{
	struct strbuf line, changes;
	char date[64];

	strbuf_init(&line);
	strbuf_init(&changes);
	config_render_changes(before, after, CHANGES_ONE_LINE, &changes);
	if (entries && entries[0])
		strbuf_printf(&changes, "%s%s", changes.len ? "; " : "", entries);
	audit_date(time(NULL), date, sizeof(date));
	strbuf_printf(&line, "%s Info: %s: user %s version %ld%s%s comment \"%s\" changes: %s",
		      date, what, user, version, level ? " level=" : "", level ? level : "",
		      comment, changes.len ? changes.data : "none");
	append_line(home, line.data);
	strbuf_free(&line);
	strbuf_free(&changes);
}

void audit_event(const char *home, const char *level, const char *fmt, ...)
{
	char date[64], text[1024], line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	audit_date(time(NULL), date, sizeof(date));
	snprintf(line, sizeof(line), "%s %s: %s", date, level, text); /* escaped by append_line */
	append_line(home, line);
}
