/* prompt: AsyncOS-style questions, defaults, validation and re-asking. */
#include "prompt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/text.h"
#include "input.h"

#define NUL_REFUSED "That value is not valid. The answer holds a NUL byte."
#define CONTROL_REFUSED                                                                    \
	"That value is not valid. Control characters (and bytes that are not UTF-8 text) " \
	"are not allowed."

void say_error(const char *msg)
{
	printf("%s\n", msg);
}

void say_text(const char *text)
{
	struct strbuf line;

	strbuf_init(&line);
	while (*text) {
		size_t n = strcspn(text, "\n");
		char *copy = strndup(text, n);
		if (!copy)
			abort();
		strbuf_reset(&line);
		text_escape(&line, copy);
		free(copy);
		fputs(line.data, stdout);
		if (text[n] == '\n')
			fputc('\n', stdout);
		text += n + (text[n] == '\n');
	}
	strbuf_free(&line);
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* Prints everything of `question` but the last line; returns the last line,
 * which becomes part of readline's prompt. */
static const char *print_leading_lines(const char *question)
{
	const char *nl = question ? strrchr(question, '\n') : NULL;

	if (!question)
		return "";
	if (!nl)
		return question;
	fwrite(question, 1, (size_t)(nl - question + 1), stdout);
	return nl + 1;
}

/* An answer refused before any check sees it: asked again on a terminal,
 * the batch stopped. */
static int refuse_read(struct session *s, char *buf, const char *msg)
{
	buf[0] = '\0';
	say_error(msg);
	s->abort = ABORT_ERROR;
	return s->interactive ? 1 : -1;
}

/* One round: read an answer; 0 answered, 1 ask again, -1 abort. Every
 * answer is clean text (core/text.h): no control character reaches a
 * comment, a name or a log line. */
static int read_answer(struct session *s, const char *prompt, char *buf, size_t len)
{
	switch (input_read(s, prompt, buf, len)) {
	case INPUT_LINE:
		trim(buf);
		if (!text_is_clean(buf))
			return refuse_read(s, buf, CONTROL_REFUSED);
		return 0;
	case INPUT_NUL: return refuse_read(s, buf, NUL_REFUSED);
	case INPUT_TOO_LONG: {
		/* The limit is this question's buffer, which may be shorter than a line. */
		char msg[80];
		snprintf(msg, sizeof(msg), "The value must be shorter than %zu characters.",
			 len < INPUT_LINE_MAX ? len : (size_t)INPUT_LINE_MAX);
		buf[0] = '\0';
		say_error(msg);
		s->abort = ABORT_ERROR;
		return s->interactive ? 1 : -1;
	}
	case INPUT_INTERRUPT: s->abort = ABORT_INTERRUPT; return -1;
	case INPUT_EOF: s->abort = ABORT_EOF; return -1;
	}
	return -1;
}

/* After an invalid answer: ask again on a terminal, stop a batch. */
static int reject(struct session *s, const char *msg)
{
	say_error(msg);
	if (s->interactive)
		return 1;
	s->abort = ABORT_ERROR;
	return -1;
}

int ask_text(struct session *s, const char *question, const char *def, char *out, size_t len,
	     answer_check_fn check, void *arg)
{
	char prompt[INPUT_LINE_MAX + 64];

	snprintf(prompt, sizeof(prompt), "[%s]> ", def ? def : "");
	for (;;) {
		struct err e;
		int rc;

		if (question)
			printf("%s\n", question);
		rc = read_answer(s, prompt, out, len);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (out[0] == '\0') {
			if (!def) {
				if ((rc = reject(s, "You must enter a value.")) < 0)
					return -1;
				continue;
			}
			snprintf(out, len, "%s", def);
		}
		if (check && check(out, arg, &e) < 0) {
			if (reject(s, e.msg) < 0)
				return -1;
			continue;
		}
		return 0;
	}
}

/* read_answer with the hidden or unechoed reader. */
static int read_quiet(struct session *s, const char *prompt, char *buf, size_t len, bool hidden)
{
	enum input_status st = hidden ? input_read_hidden(s, prompt, buf, len)
				      : input_read_unechoed(s, prompt, buf, len);

	switch (st) {
	case INPUT_LINE: return 0;
	case INPUT_NUL: return refuse_read(s, buf, NUL_REFUSED);
	case INPUT_TOO_LONG:
		say_error("The value must be shorter than 4096 characters per line.");
		s->abort = ABORT_ERROR;
		return s->interactive ? 1 : -1;
	case INPUT_INTERRUPT: s->abort = ABORT_INTERRUPT; return -1;
	case INPUT_EOF: s->abort = ABORT_EOF; return -1;
	}
	return -1;
}

static int ask_bare_mode(struct session *s, const char *question, char *out, size_t len,
			 answer_check_fn check, void *arg, bool secret)
{
	for (;;) {
		struct err e;
		int rc;

		if (secret) /* before the question: a client answers as soon as it sees it */
			input_hide_begin(s, true);
		printf("%s\n", question);
		rc = secret ? read_quiet(s, "> ", out, len, true) : read_answer(s, "> ", out, len);
		input_hide_end();
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (!secret)
			trim(out);
		if (check && check(out, arg, &e) < 0) {
			if (reject(s, e.msg) < 0)
				return -1;
			continue;
		}
		return 0;
	}
}

int ask_bare(struct session *s, const char *question, char *out, size_t len, answer_check_fn check,
	     void *arg)
{
	return ask_bare_mode(s, question, out, len, check, arg, false);
}

int ask_secret(struct session *s, const char *question, char *out, size_t len,
	       answer_check_fn check, void *arg)
{
	return ask_bare_mode(s, question, out, len, check, arg, true);
}

/* One paste into out; 0 done, 1 too long (already said), -1 abort. */
static int read_paste(struct session *s, bool secret, char *out, size_t cap)
{
	char line[INPUT_LINE_MAX];
	size_t used = 0;
	bool too_long = false, said = false;

	out[0] = '\0';
	for (;;) {
		int rc = read_quiet(s, "", line, sizeof(line), secret);
		size_t n;

		if (rc < 0)
			return -1;
		if (rc > 0) { /* a line over 4095 bytes or with a NUL: said; paste refused */
			said = true;
			continue;
		}
		trim(line); /* terminals and mail clients indent or pad pasted lines */
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (strcmp(line, ".") == 0)
			break;
		if (used + n + 2 > cap) {
			too_long = true;
			continue;
		}
		memcpy(out + used, line, n);
		out[used + n] = '\n';
		used += n + 1;
		out[used] = '\0';
	}
	memset(line, 0, sizeof(line)); /* may hold a key line */
	if (said && !too_long)
		return 1;
	if (!too_long)
		return 0;
	char msg[128];
	snprintf(msg, sizeof(msg), "The value must be at most %zu bytes of PEM text.", cap - 1);
	say_error(msg);
	return 1;
}

int ask_pem(struct session *s, const char *question, bool secret, char *out, size_t cap,
	    answer_check_fn check, void *arg)
{
	for (;;) {
		struct err e;
		int rc;

		/* A key's echo is off for the whole block, from before its
		 * question to its ".": a paste in one write is never echoed. */
		if (secret)
			input_hide_begin(s, false);
		printf("%s\n", question);
		rc = read_paste(s, secret, out, cap);
		input_hide_end();
		if (rc < 0)
			return -1;
		if (rc > 0) {
			if (s->interactive)
				continue;
			s->abort = ABORT_ERROR;
			return -1;
		}
		if (check && check(out, arg, &e) < 0) {
			if (reject(s, e.msg) < 0)
				return -1;
			continue;
		}
		return 0;
	}
}

int ask_letter(struct session *s, const char *question, const char *letters, char def, char *out)
{
	char prompt[1024], answer[INPUT_LINE_MAX], msg[128];

	for (;;) {
		const char *last = print_leading_lines(question);
		int rc;

		snprintf(prompt, sizeof(prompt), "%s [%c]> ", last, def);
		rc = read_answer(s, prompt, answer, sizeof(answer));
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (answer[0] == '\0') {
			*out = def;
			return 0;
		}
		if (answer[1] == '\0' && strchr(letters, toupper((unsigned char)answer[0]))) {
			*out = (char)toupper((unsigned char)answer[0]);
			return 0;
		}
		snprintf(msg, sizeof(msg), "You must enter one of %s.", letters);
		if (reject(s, msg) < 0)
			return -1;
	}
}

int ask_yes_no(struct session *s, const char *question, bool def, bool *out)
{
	char prompt[1024], answer[INPUT_LINE_MAX];

	for (;;) {
		const char *last = print_leading_lines(question);
		int rc;

		snprintf(prompt, sizeof(prompt), "%s [%s]> ", last, def ? "Y" : "N");
		rc = read_answer(s, prompt, answer, sizeof(answer));
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (answer[0] == '\0') {
			*out = def;
			return 0;
		}
		if (strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(answer, "n") == 0 || strcasecmp(answer, "no") == 0) {
			*out = false;
			return 0;
		}
		if (reject(s, "You must enter Y or N.") < 0)
			return -1;
	}
}

int ask_pick(struct session *s, const char *question, const char *const *items, size_t n, int def,
	     int *chosen)
{
	char answer[INPUT_LINE_MAX], prompt[64];

	for (;;) {
		int rc;
		long v;
		char *end;

		if (question)
			printf("%s\n", question);
		for (size_t i = 0; i < n; i++)
			printf("%zu. %s\n", i + 1, items[i]);
		if (def > 0)
			snprintf(prompt, sizeof(prompt), "[%d]> ", def);
		else
			snprintf(prompt, sizeof(prompt), "[]> ");
		rc = read_answer(s, prompt, answer, sizeof(answer));
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (answer[0] == '\0' && def > 0) {
			*chosen = def;
			return 0;
		}
		v = strtol(answer, &end, 10);
		if (answer[0] && *end == '\0' && v >= 1 && (size_t)v <= n) {
			*chosen = (int)v;
			return 0;
		}
		char msg[128];
		snprintf(msg, sizeof(msg), "That value is not valid. Enter a number from 1 to %zu.",
			 n);
		if (reject(s, msg) < 0)
			return -1;
	}
}

int ask_operation(struct session *s, const char *const *words, char *out, size_t len)
{
	const char *const *saved = s->completions;
	int rc;

	s->completions = words;
	rc = read_answer(s, "[]> ", out, len);
	s->completions = saved;
	return rc;
}

int say_invalid(struct session *s, const char *msg)
{
	return reject(s, msg);
}
