/* cmd_rcptaccess: listenerconfig EDIT → RCPTACCESS, a listener's recipient
 * access table: entries (address, user@, domain, .domain, ALL) with Accept
 * or Reject and an optional custom SMTP response (NEW, EDIT, DELETE),
 * PRINT, IMPORT, EXPORT (core/rat.c's text form), CLEAR. A recipient no
 * entry accepts is refused unless its sender may relay. Each change stages
 * the entry "rat.LISTENER". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "input.h"
#include "listeners.h"
#include "prompt.h"

static int show(struct session *s, void *ctx)
{
	struct listener_view *v = ctx;

	(void)s;
	printf("\nRecipient Access Table of %s: %zu entr%s.\n", v->l.name, v->rat.count,
	       v->rat.count == 1 ? "y" : "ies");
	for (size_t i = 0; i < v->rat.count && i < 20; i++)
		printf("%zu. %s %s\n", i + 1, v->rat.e[i].pattern,
		       v->rat.e[i].action == RAT_ACCEPT ? "ACCEPT" : "REJECT");
	if (v->rat.count > 20)
		printf("(PRINT shows the %zu others.)\n", v->rat.count - 20);
	return 0;
}

static int check_pattern(char *answer, void *arg, struct err *e)
{
	const struct rat *r = arg;

	if (rat_check_pattern(answer, e) < 0)
		return -1;
	if (r && rat_find(r, answer) >= 0)
		return err_set(e, "The table already has an entry for %.60s.", answer);
	return 0;
}

struct response {
	enum rat_action action;
	int code;
	char text[RAT_RESPONSE_MAX + 1];
};

static int check_code(char *answer, void *arg, struct err *e)
{
	struct response *r = arg;
	char *end;
	long c = strtol(answer, &end, 10);
	bool accept = r->action == RAT_ACCEPT;

	if (*end || end == answer || (accept ? c < 200 || c > 299 : c < 400 || c > 599))
		return err_set(e, "The code must be %s.",
			       accept ? "from 200 to 299" : "from 400 to 599");
	r->code = (int)c;
	return 0;
}

static int check_text(char *answer, void *arg, struct err *e)
{
	(void)arg;
	if (strlen(answer) > RAT_RESPONSE_MAX || strchr(answer, '"'))
		return err_set(e, "The text must be at most %d characters, without '\"'.",
			       RAT_RESPONSE_MAX);
	return 0;
}

static int ask_response(struct session *s, struct response *r)
{
	static const char *const items[] = { "Accept", "Reject" };
	char answer[INPUT_LINE_MAX], d[8];
	int chosen;
	bool custom;

	if (ask_pick(s, "Select the action to apply to this address:", items, 2, (int)r->action + 1,
		     &chosen) < 0)
		return -1;
	r->action = chosen == 2 ? RAT_REJECT : RAT_ACCEPT;
	if (ask_yes_no(s, "Would you like to specify a custom SMTP response?", r->code != 0,
		       &custom) < 0)
		return -1;
	if (!custom) {
		r->code = 0;
		r->text[0] = '\0';
		return 0;
	}
	snprintf(d, sizeof(d), "%d", r->code ? r->code : r->action == RAT_ACCEPT ? 250 : 550);
	if (ask_text(s, "Enter the SMTP code to use in the response.", d, answer, sizeof(answer),
		     check_code, r) < 0 ||
	    ask_text(s, "Enter your custom SMTP response. Press Enter on a blank line to finish.",
		     r->text[0] ? r->text : "", answer, sizeof(answer), check_text, NULL) < 0)
		return -1;
	snprintf(r->text, sizeof(r->text), "%.200s", answer);
	return 0;
}

static int stage_entry(struct session *s, struct listener_view *v, size_t pos, const char *pattern,
		       const struct response *r)
{
	struct err e;

	if (rat_insert(&v->rat, pos, pattern, r->action, r->code, r->text[0] ? r->text : NULL, &e) <
	    0)
		return command_error(s, e.msg);
	return listener_stage_rat(s, v);
}

static int op_new(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct response r = { RAT_ACCEPT, 0, "" };
	char pattern[INPUT_LINE_MAX];
	int all = rat_find(&v->rat, "ALL");

	(void)unused;
	if (ask_text(s,
		     "Enter the recipient address for this entry.\nHostnames such as "
		     "\"example.com\" are allowed.\nPartial hostnames such as \".example.com\" "
		     "are allowed.\nUsernames such as \"postmaster@\" are allowed.\nFull email "
		     "addresses such as \"joe@example.com\" are allowed.",
		     NULL, pattern, sizeof(pattern), check_pattern, &v->rat) < 0 ||
	    ask_response(s, &r) < 0)
		return -1;
	/* New entries go before ALL, which stays the last word. */
	return stage_entry(s, v, all >= 0 ? (size_t)all : v->rat.count, pattern, &r);
}

static int ask_entry(struct session *s, struct listener_view *v, const char *question)
{
	char answer[INPUT_LINE_MAX];
	long k;
	char *end;

	if (v->rat.count == 0)
		return command_error(s, "The table is empty.");
	for (;;) {
		if (ask_text(s, question, NULL, answer, sizeof(answer), NULL, NULL) < 0)
			return -1;
		k = strtol(answer, &end, 10);
		if (!*end && k >= 1 && (size_t)k <= v->rat.count)
			return (int)k - 1;
		if ((k = rat_find(&v->rat, answer)) >= 0)
			return (int)k;
		if (say_invalid(s, "There is no such entry.") < 0)
			return -1;
	}
}

static int op_edit(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	char pattern[RAT_PATTERN_MAX + 1];
	struct response r;
	int i;

	(void)unused;
	if ((i = ask_entry(s, v, "Enter the number or address of the entry to edit.")) < 0)
		return -1;
	r.action = v->rat.e[i].action;
	r.code = v->rat.e[i].code;
	snprintf(r.text, sizeof(r.text), "%s", v->rat.e[i].text ? v->rat.e[i].text : "");
	if (ask_response(s, &r) < 0)
		return -1;
	snprintf(pattern, sizeof(pattern), "%s", v->rat.e[i].pattern);
	rat_delete(&v->rat, (size_t)i);
	return stage_entry(s, v, (size_t)i, pattern, &r);
}

static int op_delete(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	int i;

	(void)unused;
	if ((i = ask_entry(s, v, "Enter the number or address of the entry to delete.")) < 0)
		return -1;
	rat_delete(&v->rat, (size_t)i);
	return listener_stage_rat(s, v);
}

static int op_print(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct strbuf text;

	(void)s;
	(void)unused;
	strbuf_init(&text);
	rat_format(&v->rat, &text);
	say_text(text.data ? text.data : "");
	strbuf_free(&text);
	return 0;
}

static int op_import(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct rat r;
	struct err e;
	char *text;
	int rc;

	(void)unused;
	if (listener_import_text(s, &text) < 0)
		return -1;
	rc = rat_parse(text, &r, &e);
	free(text);
	if (rc < 0)
		return command_error(s, e.msg);
	rat_free(&v->rat);
	v->rat = r;
	printf("Imported %zu entries.\n", r.count);
	return listener_stage_rat(s, v);
}

static int op_export(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;
	struct strbuf text;
	int rc;

	(void)unused;
	strbuf_init(&text);
	rat_format(&v->rat, &text);
	rc = listener_export_text(s, &text);
	strbuf_free(&text);
	return rc;
}

static int op_clear(struct session *s, void *ctx, int unused)
{
	struct listener_view *v = ctx;

	(void)unused;
	rat_free(&v->rat);
	rat_defaults(&v->rat);
	printf("The recipient access table now refuses every recipient (ALL REJECT).\n");
	return listener_stage_rat(s, v);
}

static const struct menu_row rows[] = {
	{ "NEW", "Create a new entry.", ACCESS_OPERATOR, op_new, 0, NULL, NULL },
	{ "EDIT", "Modify an entry.", ACCESS_OPERATOR, op_edit, 0, NULL, NULL },
	{ "DELETE", "Remove an entry.", ACCESS_OPERATOR, op_delete, 0, NULL, NULL },
	{ "PRINT", "Display the table.", ACCESS_GUEST, op_print, 0, NULL, NULL },
	{ "IMPORT", "Import a table from a file.", ACCESS_OPERATOR, op_import, 0, NULL, NULL },
	{ "EXPORT", "Export the table to a file.", ACCESS_OPERATOR, op_export, 0, NULL, NULL },
	{ "CLEAR", "Clear all entries.", ACCESS_OPERATOR, op_clear, 0, NULL, NULL },
};
const struct menu rcptaccess_menu = {
	"listenerconfig EDIT RCPTACCESS", MENU_ROWS(rows), show, NULL, false, false
};
MENU_REGISTER(rcptaccess_menu)

int rcptaccess_run(struct session *s, void *ctx, int unused)
{
	(void)unused;
	return menu_run(s, &rcptaccess_menu, ctx);
}
