/* smtp_parse: RFC 5321 command lines, envelope paths with their parameters,
 * and DATA lines (dot-unstuffing), as pure functions over bytes (no I/O), so
 * they can be unit-tested and fuzzed on their own. Lines exclude the CRLF. */
#ifndef TLSGATE_SMTP_PARSE_H
#define TLSGATE_SMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SMTP_COMMAND_LINE_MAX 512  /* RFC 5321 4.5.3.1.4, CRLF included */
#define SMTP_TEXT_LINE_MAX    1000 /* RFC 5321 4.5.3.1.6, CRLF included */
#define SMTP_PATH_MAX         256  /* RFC 5321 4.5.3.1.3, brackets included */
#define SMTP_LOCAL_PART_MAX   64
#define SMTP_DOMAIN_MAX       255

enum smtp_verb {
	SMTP_VERB_UNKNOWN,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
};

struct smtp_command {
	enum smtp_verb verb;
	const char *arg; /* what follows the verb and its spaces; not NUL-terminated */
	size_t arg_len;  /* 0 when the command has no argument */
};

/* Splits a command line into verb (case-insensitive) and argument. Lines with
 * NUL, other control characters or 8-bit bytes are refused ("500 ..."). */
int smtp_parse_command(const char *line, size_t len, struct smtp_command *out, struct err *e);

enum smtp_body { SMTP_BODY_7BIT, SMTP_BODY_8BITMIME };

struct smtp_mail_params {
	bool has_size;
	unsigned long long size; /* SIZE=, RFC 1870 */
	enum smtp_body body;     /* BODY=, RFC 6152 */
};

/* The argument of MAIL ("FROM:<a@b.example> SIZE=123"). `path` receives the
 * mailbox without brackets ("" for the null path <>). Errors are whole SMTP
 * replies ("501 5.1.7 Bad sender address syntax"). */
int smtp_parse_mail(const char *arg, size_t len, char path[SMTP_PATH_MAX + 1],
		    struct smtp_mail_params *params, struct err *e);
/* The argument of RCPT ("TO:<c@d.example>"); <postmaster> is accepted. */
int smtp_parse_rcpt(const char *arg, size_t len, char path[SMTP_PATH_MAX + 1], struct err *e);
/* The argument of HELO/EHLO: one word of printable ASCII (domain or literal). */
int smtp_parse_helo(const char *arg, size_t len, char name[SMTP_DOMAIN_MAX + 1], struct err *e);

/* A line of message data: returns true for the terminating ".", else sets
 * `content` to the line without its stuffed leading dot (RFC 5321 4.5.2). */
bool smtp_data_line(const char *line, size_t len, const char **content, size_t *content_len);

#endif
