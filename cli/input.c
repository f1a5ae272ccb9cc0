/* input: readline (callback interface, so Ctrl-C can abandon a line cleanly)
 * and a bounded line reader for pipes. The queue of ';'-separated commands is
 * input_queue.c. */
#include "input.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "../core/text.h"

static volatile sig_atomic_t got_sigint, got_sigwinch;
static bool dumb_terminal; /* no terminal description: readline as "dumb" */
static struct session *current;

/* The terminal settings saved while echo is off (input_hide_begin), restored
 * by input_hide_end, at exit, and by a fatal signal's exit. */
static struct termios saved_tty;
static bool tty_hidden;

static int getc_noting_nul(FILE *in);

/* ---- readline ---- */

static char *completion_word(const char *text, int state)
{
	static size_t index, len;
	const char *const *words = current ? current->completions : NULL;

	if (!state) {
		index = 0;
		len = strlen(text);
	}
	while (words && words[index]) {
		const char *w = words[index++];
		if (strncasecmp(w, text, len) == 0)
			return strdup(w);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never fall back to file names */
	if (start != 0)
		return NULL;
	return rl_completion_matches(text, completion_word);
}

static void on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* SIGTERM or SIGHUP (sshd on a dropped connection) during a hidden
 * question: the terminal gets its echo back before the default action ends
 * the process. tcsetattr is async-signal-safe. */
static void on_fatal_signal(int sig)
{
	if (tty_hidden)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* readline's own SIGWINCH handling redraws the prompt ("host> \rhost> "):
 * here a resize only updates the width for the next redisplay. */
static void on_sigwinch(int sig)
{
	(void)sig;
	got_sigwinch = 1;
}

/* Whether a terminfo entry describes TERM (ncurses' search path). */
static bool terminfo_known(const char *term)
{
	const char *dirs[] = { getenv("TERMINFO"), getenv("HOME"), "/etc/terminfo", "/lib/terminfo",
			       "/usr/share/terminfo" };
	char path[4096];

	if (!term || !term[0] || strchr(term, '/') || strstr(term, ".."))
		return false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !dirs[i][0])
			continue;
		snprintf(path, sizeof(path), "%s%s/%c/%s", dirs[i], i == 1 ? "/.terminfo" : "",
			 term[0], term);
		if (access(path, R_OK) == 0)
			return true;
	}
	return false;
}

void input_init(struct session *s)
{
	struct sigaction sa;

	current = s;
	if (!s->interactive)
		return;
	/* Without a terminal description (TERM unset, as sshd leaves it for
	 * many automation clients, unknown, or dumb) readline runs as "dumb".
	 * Whatever the terminal, every prompt is printed here (see
	 * read_readline). */
	const char *term = getenv("TERM");
	dumb_terminal =
		!terminfo_known(term) || strcmp(term, "dumb") == 0 || strcmp(term, "unknown") == 0;
	if (dumb_terminal)
		setenv("TERM", "dumb", 1);
	rl_readline_name = "tlsgate";
	rl_attempted_completion_function = complete;
	rl_catch_signals = 0;  /* we handle SIGINT ourselves, see input_read */
	rl_catch_sigwinch = 0; /* see on_sigwinch */
	rl_getc_function = getc_noting_nul;
	rl_change_environment = 0;
	rl_variable_bind("enable-bracketed-paste", "off"); /* pasted scripts run line by line */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: select() must wake up */
	sa.sa_handler = on_sigwinch;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	atexit(input_hide_end);
}

void input_shutdown(void)
{
	input_hide_end();
	input_clear_queue();
	if (current && current->interactive)
		rl_clear_history();
}

void input_add_history(const char *line)
{
	HIST_ENTRY *last;

	if (!current || !current->interactive || !line[0])
		return;
	last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
	if (!last || strcmp(last->line, line) != 0)
		add_history(line);
}

static char *rl_result;
static int rl_finished, rl_had_nul;

/* A NUL byte read (Ctrl-@, which readline would take as set-mark) marks the
 * answer refused. */
static int getc_noting_nul(FILE *in)
{
	int c = rl_getc(in);

	if (c == 0)
		rl_had_nul = 1;
	return c;
}

static void on_line(char *line)
{
	rl_result = line;
	/* A NUL typed with quoted-insert ends the C string early. */
	if (line && strlen(line) != (size_t)rl_end)
		rl_had_nul = 1;
	rl_finished = 1;
	rl_callback_handler_remove();
}

/* The end of `prompt` on the cursor's screen row once printed: shorter than
 * the screen, so readline never wraps (nor redraws) any part of a question. */
static const char *prompt_on_last_row(const char *prompt)
{
	struct winsize ws;
	int rows, cols = 0;
	size_t width, n = strlen(prompt);
	const char *nl = strrchr(prompt, '\n');

	if (nl)
		return prompt_on_last_row(nl + 1);
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	else
		rl_get_screen_size(&rows, &cols);
	width = cols > 0 ? (size_t)cols : 80;
	return prompt + n - n % width;
}

static enum input_status read_readline(const char *prompt, char *buf, size_t len)
{
	enum input_status status = INPUT_LINE;

	got_sigint = 0;
	rl_finished = 0;
	rl_had_nul = 0;
	rl_result = NULL;
	/* The question is printed here, as plain text the terminal wraps
	 * (AsyncOS's line breaks are in the text), up to the part that will be
	 * on the cursor's row: only that part, shorter than the screen, is
	 * readline's prompt. Given a prompt wider than the screen, readline
	 * wraps it itself, with " \r" or "\b" inside the question. */
	const char *last_row = prompt_on_last_row(prompt);
	fwrite(prompt, 1, (size_t)(last_row - prompt), stdout);
	fflush(stdout);
	prompt = last_row;
	if (got_sigwinch) {
		got_sigwinch = 0;
		rl_reset_screen_size();
	}
	rl_callback_handler_install(prompt, on_line);
	while (!rl_finished) {
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fileno(rl_instream ? rl_instream : stdin), &fds);
		int n = select(fileno(rl_instream ? rl_instream : stdin) + 1, &fds, NULL, NULL,
			       NULL);
		if (got_sigint) {
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_cleanup_after_signal();
			rl_callback_handler_remove();
			fputs("\n", stdout);
			fflush(stdout);
			return INPUT_INTERRUPT;
		}
		if (got_sigwinch) {
			got_sigwinch = 0;
			rl_reset_screen_size();
		}
		if (n < 0 && errno != EINTR) {
			rl_callback_handler_remove();
			return INPUT_EOF;
		}
		if (n > 0)
			rl_callback_read_char();
	}
	if (!rl_result) { /* Ctrl-D: what follows starts on its own line */
		fputs("\n", stdout);
		fflush(stdout);
		return INPUT_EOF;
	}
	if (rl_had_nul)
		status = INPUT_NUL;
	else if (strlen(rl_result) >= len || strlen(rl_result) >= INPUT_LINE_MAX)
		status = INPUT_TOO_LONG;
	else
		snprintf(buf, len, "%s", rl_result);
	free(rl_result);
	return status;
}

/* ---- plain reader ---- */

static enum input_status read_plain_echo(struct session *s, const char *prompt, char *buf,
					 size_t len, bool echo)
{
	size_t n = 0;
	int c, too_long = 0, nul = 0;

	fputs(prompt, stdout);
	fflush(stdout);
	while ((c = getchar()) != EOF && c != '\n') {
		if (c == '\0')
			nul = 1;
		else if (n + 1 < len && n + 1 < INPUT_LINE_MAX)
			buf[n++] = (char)c;
		else
			too_long = 1;
	}
	if (c == EOF && n == 0 && !nul) {
		if (s->echo_answers)
			fputs("\n", stdout);
		return INPUT_EOF;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (s->echo_answers && echo) {
		char shown[INPUT_LINE_MAX * 4];
		printf("%s\n", too_long ? "(line too long)"
			       : nul    ? "(a NUL byte)"
					: text_escape_buf(buf, shown, sizeof(shown)));
	} else if (s->echo_answers && prompt[0]) {
		fputs("\n", stdout); /* as a terminal with echo off leaves it */
	}
	if (nul) {
		memset(buf, 0, n);
		return INPUT_NUL;
	}
	return too_long ? INPUT_TOO_LONG : INPUT_LINE;
}

static enum input_status read_plain(struct session *s, const char *prompt, char *buf, size_t len)
{
	return read_plain_echo(s, prompt, buf, len, true);
}

/* ---- echo off ---- */

/* TCSANOW, never TCSAFLUSH: what was typed or pasted ahead (a whole key and
 * its "." in one write) must stay to be read. ECHONL shows the newline of a
 * typed passphrase; a pasted block shows nothing at all. */
void input_hide_begin(struct session *s, bool show_newline)
{
	struct termios quiet;

	if (!s->interactive || tty_hidden || tcgetattr(STDIN_FILENO, &saved_tty) != 0)
		return;
	quiet = saved_tty;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (show_newline)
		quiet.c_lflag |= ECHONL;
	else
		quiet.c_lflag &= ~(tcflag_t)ECHONL;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &quiet) == 0)
		tty_hidden = true;
}

void input_hide_end(void)
{
	if (!tty_hidden)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_hidden = false;
}

/* A terminal line with echo off (input_hide_begin), read byte by byte so
 * Ctrl-C (SIGINT without SA_RESTART, see input_init) ends it at once, and so
 * nothing after the newline is taken from the terminal. */
static enum input_status read_no_echo(const char *prompt, char *buf, size_t len)
{
	enum input_status status = INPUT_LINE;
	size_t n = 0;
	bool nul = false;
	char c;

	fputs(prompt, stdout);
	fflush(stdout);
	got_sigint = 0;
	for (;;) {
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (got_sigint) {
			status = INPUT_INTERRUPT;
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			status = n || nul ? INPUT_LINE : INPUT_EOF;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			nul = true;
		else if (n + 1 < len && n + 1 < INPUT_LINE_MAX)
			buf[n++] = c;
		else
			status = INPUT_TOO_LONG;
	}
	if (status == INPUT_INTERRUPT || status == INPUT_EOF) /* Ctrl-C, Ctrl-D */
		fputs("\n", stdout);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (nul && status == INPUT_LINE) {
		memset(buf, 0, n);
		status = INPUT_NUL;
	}
	return status;
}

enum input_status input_read_hidden(struct session *s, const char *prompt, char *buf, size_t len)
{
	fflush(stdout);
	if (s->interactive) {
		bool was_hidden = tty_hidden;
		enum input_status st;
		if (!was_hidden)
			input_hide_begin(s, true);
		st = read_no_echo(prompt, buf, len);
		if (!was_hidden)
			input_hide_end();
		return st;
	}
	return read_plain_echo(s, prompt, buf, len, false);
}

enum input_status input_read_unechoed(struct session *s, const char *prompt, char *buf, size_t len)
{
	fflush(stdout);
	if (s->interactive)
		return read_readline(prompt, buf, len);
	return read_plain_echo(s, prompt, buf, len, false);
}

enum input_status input_read(struct session *s, const char *prompt, char *buf, size_t len)
{
	fflush(stdout);
	if (s->interactive)
		return read_readline(prompt, buf, len);
	return read_plain(s, prompt, buf, len);
}
