/* hat_text: the host access table's text form, as EXPORT writes it and
 * IMPORT reads it (docs/CLI.md "The host access table file"):
 *
 *     DEFAULT {
 *         tls = "preferred"
 *         max_message_size = 10485760
 *     }
 *     $RELAYED
 *         RELAY {
 *             max_msgs_per_session = 5000
 *         }
 *     RELAYLIST:
 *         127.0.0.1
 *         $RELAYED
 *     ALL
 *         $ACCEPTED
 *
 * One item per line, '#' starts a comment line; policies are defined before
 * the groups that use them; the ALL rule comes last. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hat.h"

#define LINE_MAX_LEN 512

struct reader {
	const char *p;
	unsigned line;
	char buf[LINE_MAX_LEN];
};

/* The next non-blank, non-comment line, trimmed. 0 at the end, -1 too long. */
static int next_line(struct reader *r, struct err *e)
{
	for (;;) {
		const char *eol;
		size_t n;
		char *s;

		if (!*r->p)
			return 0;
		eol = strchr(r->p, '\n');
		n = eol ? (size_t)(eol - r->p) : strlen(r->p);
		r->line++;
		if (n >= sizeof(r->buf))
			return err_set(e, "Line %u is too long.", r->line);
		memcpy(r->buf, r->p, n);
		r->buf[n] = '\0';
		r->p += n + (eol ? 1 : 0);
		for (s = r->buf + n; s > r->buf && isspace((unsigned char)s[-1]); s--)
			s[-1] = '\0';
		for (s = r->buf; isspace((unsigned char)*s); s++) {
		}
		if (!*s || *s == '#')
			continue;
		memmove(r->buf, s, strlen(s) + 1);
		for (s = r->buf; *s; s++)
			if ((unsigned char)*s < ' ' || *s == 0x7f)
				return err_set(e, "Line %u holds a control character.", r->line);
		return 1;
	}
}

static int parse_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*v) || strlen(v) > 12)
		return -1;
	n = strtol(v, &end, 10);
	if (*end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int parse_param(struct reader *r, struct hat_params *p, struct err *e)
{
	char *eq = strchr(r->buf, '='), *key = r->buf, *v, *end;
	long n;

	if (!eq)
		return err_set(e, "Line %u: expected \"name = value\" or \"}\".", r->line);
	*eq = '\0';
	for (end = eq; end > key && isspace((unsigned char)end[-1]); end--)
		end[-1] = '\0';
	for (v = eq + 1; isspace((unsigned char)*v); v++) {
	}
	if (strcmp(key, "tls") == 0) {
		size_t len = strlen(v);
		if (len < 2 || v[0] != '"' || v[len - 1] != '"')
			return err_set(e, "Line %u: the TLS value is quoted, such as \"off\".",
				       r->line);
		v[len - 1] = '\0';
		v++;
		if (strcmp(v, "on") == 0)
			v = "preferred";
		for (int t = 0; t < HAT_TLS_COUNT; t++)
			if (strcmp(v, hat_tls_keyword((enum hat_tls)t)) == 0) {
				p->tls = (enum hat_tls)t;
				p->set |= HAT_P_TLS;
				return 0;
			}
		return err_set(e,
			       "Line %u: tls is one of \"off\", \"preferred\", \"required\", "
			       "\"preferred_verify\", \"required_verify\".",
			       r->line);
	}
	if (parse_long(v, 1, HAT_SIZE_MAX, &n) < 0)
		return err_set(e, "Line %u: \"%.40s\" is not a valid number for %.40s.", r->line, v,
			       key);
	if (strcmp(key, "max_message_size") == 0) {
		p->max_message_size = n;
		p->set |= HAT_P_SIZE;
	} else if (strcmp(key, "max_concurrency") == 0) {
		p->max_concurrency = (int)(n > HAT_CONCURRENCY_MAX ? 0 : n);
		p->set |= HAT_P_CONCURRENCY;
	} else if (strcmp(key, "max_msgs_per_session") == 0) {
		p->max_msgs_per_session = (int)(n > HAT_MESSAGES_MAX ? 0 : n);
		p->set |= HAT_P_MESSAGES;
	} else if (strcmp(key, "max_rcpts_per_msg") == 0) {
		p->max_rcpts_per_msg = (int)(n > HAT_RECIPIENTS_MAX ? 0 : n);
		p->set |= HAT_P_RECIPIENTS;
	} else {
		return err_set(e, "Line %u: unknown parameter \"%.40s\".", r->line, key);
	}
	return 0;
}

/* The lines of a "{ ... }" block after its opening line; `inline_close`
 * when the opening line ended "{}". */
static int parse_block(struct reader *r, struct hat_params *p, bool inline_close, struct err *e)
{
	struct err why;
	int rc;

	memset(p, 0, sizeof(*p));
	if (inline_close)
		return 0;
	while ((rc = next_line(r, e)) > 0) {
		if (strcmp(r->buf, "}") == 0) {
			if (hat_check_params(p, &why) < 0)
				return err_set(e, "Line %u: %s", r->line, why.msg);
			return 0;
		}
		if (parse_param(r, p, e) < 0)
			return -1;
	}
	return rc < 0 ? -1 : err_set(e, "The file ends inside a \"{\" block.");
}

/* "WORD {" or "WORD {}": the word, and whether the block closed at once. */
static int block_opening(char *line, char **word, bool *closed)
{
	size_t n = strlen(line);

	*closed = n >= 2 && strcmp(line + n - 2, "{}") == 0;
	if (*closed)
		line[n - 2] = '\0';
	else if (n >= 1 && line[n - 1] == '{')
		line[n - 1] = '\0';
	else
		return -1;
	for (n = strlen(line); n > 0 && isspace((unsigned char)line[n - 1]); n--)
		line[n - 1] = '\0';
	*word = line;
	return 0;
}

static int parse_policy(struct reader *r, struct hat *h, struct err *e)
{
	char name[HAT_NAME_MAX + 1], *word;
	bool closed;
	int idx = -1, rc;

	snprintf(name, sizeof(name), "%.59s", r->buf);
	if (strlen(r->buf) > HAT_NAME_MAX || hat_check_policy_name(r->buf, e) < 0)
		return err_set(e, "Line %u: \"%.60s\" is not a valid policy name.", r->line,
			       r->buf);
	if ((rc = next_line(r, e)) <= 0)
		return rc < 0 ? -1 : err_set(e, "The file ends after the policy %s.", name);
	if (block_opening(r->buf, &word, &closed) < 0)
		return err_set(e,
			       "Line %u: expected \"ACCEPT {\", \"REJECT {\", \"TCPREFUSE {\" "
			       "or \"RELAY {\".",
			       r->line);
	for (int b = 0; b < HAT_BEHAVIOR_COUNT; b++)
		if (strcmp(word, hat_behavior_keyword((enum hat_behavior)b)) == 0)
			idx = b;
	if (idx < 0)
		return err_set(e, "Line %u: unknown behaviour \"%.20s\".", r->line, word);
	if ((rc = hat_policy_new(h, name, (enum hat_behavior)idx, e)) < 0)
		return err_set(e, "Line %u: %s", r->line, e->msg);
	return parse_block(r, &h->policies[rc].params, closed, e);
}

/* A group's lines up to its "$POLICY" line. */
static int parse_group(struct reader *r, struct hat *h, bool all, struct err *e)
{
	char name[HAT_NAME_MAX + 2];
	int g = -1, rc;

	if (!all) {
		size_t n = strlen(r->buf);
		if (n > HAT_NAME_MAX + 1)
			return err_set(e, "Line %u: the sender group name is too long.", r->line);
		snprintf(name, sizeof(name), "%.*s", (int)(n - 1), r->buf);
		if ((g = hat_group_new(h, name, -1, e)) < 0)
			return err_set(e, "Line %u: %s", r->line, e->msg);
	} else if (h->all_policy >= 0) {
		return err_set(e, "Line %u: the ALL rule is given twice.", r->line);
	}
	while ((rc = next_line(r, e)) > 0) {
		if (r->buf[0] == '$') {
			int p = hat_policy_find(h, r->buf);
			if (p < 0)
				return err_set(e, "Line %u: the policy %.60s is not defined above.",
					       r->line, r->buf);
			if (all)
				h->all_policy = p;
			else
				h->groups[g].policy = p;
			return 0;
		}
		if (all)
			return err_set(e, "Line %u: ALL is followed by its policy only.", r->line);
		if (hat_group_add(h, (size_t)g, r->buf, e) < 0)
			return err_set(e, "Line %u: %s", r->line, e->msg);
	}
	return rc < 0 ? -1
		      : err_set(e, "The file ends before the policy of %s.", all ? "ALL" : name);
}

int hat_parse(const char *text, struct hat *h, struct err *e)
{
	struct reader r = { text, 0, "" };
	bool have_defaults = false;
	int rc;

	hat_init(h);
	if (strlen(text) > HAT_TEXT_MAX) {
		err_set(e, "The host access table is larger than %u bytes.", HAT_TEXT_MAX);
		return -1;
	}
	while ((rc = next_line(&r, e)) > 0) {
		size_t n = strlen(r.buf);
		char *word;
		bool closed;
		if (h->all_policy >= 0) {
			rc = err_set(e, "Line %u: nothing may follow the ALL rule.", r.line);
			break;
		}
		if (strncmp(r.buf, "DEFAULT", 7) == 0 &&
		    block_opening(r.buf, &word, &closed) == 0 && strcmp(word, "DEFAULT") == 0) {
			if ((rc = parse_block(&r, &h->defaults, closed, e)) < 0)
				break;
			if (h->defaults.set != HAT_P_ALL) {
				rc = err_set(e,
					     "Line %u: DEFAULT must set tls, max_message_size, "
					     "max_concurrency, max_msgs_per_session and "
					     "max_rcpts_per_msg.",
					     r.line);
				break;
			}
			have_defaults = true;
		} else if (r.buf[0] == '$') {
			if ((rc = parse_policy(&r, h, e)) < 0)
				break;
		} else if (strcasecmp(r.buf, "ALL") == 0) {
			if ((rc = parse_group(&r, h, true, e)) < 0)
				break;
		} else if (n > 1 && r.buf[n - 1] == ':') {
			if ((rc = parse_group(&r, h, false, e)) < 0)
				break;
		} else {
			rc = err_set(e,
				     "Line %u: expected DEFAULT, a $POLICY, a \"GROUP:\" line or "
				     "ALL.",
				     r.line);
			break;
		}
	}
	if (rc == 0 && !have_defaults)
		rc = err_set(e, "The table has no DEFAULT block.");
	if (rc == 0 && h->all_policy < 0)
		rc = err_set(e, "The table has no ALL rule (it ends every table).");
	if (rc < 0) {
		hat_free(h);
		return -1;
	}
	return 0;
}

static void format_params(const struct hat_params *p, const char *indent, struct strbuf *out)
{
	if (p->set & HAT_P_TLS)
		strbuf_printf(out, "%s    tls = \"%s\"\n", indent, hat_tls_keyword(p->tls));
	if (p->set & HAT_P_SIZE)
		strbuf_printf(out, "%s    max_message_size = %ld\n", indent, p->max_message_size);
	if (p->set & HAT_P_CONCURRENCY)
		strbuf_printf(out, "%s    max_concurrency = %d\n", indent, p->max_concurrency);
	if (p->set & HAT_P_MESSAGES)
		strbuf_printf(out, "%s    max_msgs_per_session = %d\n", indent,
			      p->max_msgs_per_session);
	if (p->set & HAT_P_RECIPIENTS)
		strbuf_printf(out, "%s    max_rcpts_per_msg = %d\n", indent, p->max_rcpts_per_msg);
}

void hat_format(const struct hat *h, struct strbuf *out)
{
	strbuf_puts(out, "DEFAULT {\n");
	format_params(&h->defaults, "", out);
	strbuf_puts(out, "}\n");
	for (size_t i = 0; i < h->npolicies; i++) {
		const struct hat_policy *p = &h->policies[i];
		strbuf_printf(out, "%s\n    %s {%s\n", p->name, hat_behavior_keyword(p->behavior),
			      p->params.set ? "" : "}");
		if (p->params.set) {
			format_params(&p->params, "    ", out);
			strbuf_puts(out, "    }\n");
		}
	}
	for (size_t g = 0; g < h->ngroups; g++) {
		const struct hat_group *x = &h->groups[g];
		strbuf_printf(out, "%s:\n", x->name);
		for (size_t i = 0; i < x->count; i++)
			strbuf_printf(out, "    %s\n", x->patterns[i]);
		strbuf_printf(out, "    %s\n",
			      x->policy >= 0 ? h->policies[x->policy].name : "$BLOCKED");
	}
	strbuf_printf(out, "ALL\n    %s\n",
		      h->all_policy >= 0 ? h->policies[h->all_policy].name : "$BLOCKED");
}
