/* prompt: the AsyncOS dialog vocabulary. Every question the console asks goes
 * through these calls, which own the "[default]> " spelling, the re-ask on an
 * invalid answer (terminal) and the abort (batch). No dialog prints a prompt
 * by hand.
 *
 * All return 0 on an answer, -1 when the command must stop (s->abort says why). */
#ifndef TLSGATE_PROMPT_H
#define TLSGATE_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "session.h"

/* Checks an answer; may rewrite it in place (e.g. normalise). */
typedef int (*answer_check_fn)(char *answer, void *arg, struct err *e);

/* Free text: prints `question` (may be NULL or hold several lines), then
 * "[def]> ". Enter takes `def`; `def` NULL means an answer is required. */
int ask_text(struct session *s, const char *question, const char *def, char *out, size_t len,
	     answer_check_fn check, void *arg);

/* A question on its own line answered after a bare "> ", as AsyncOS asks a
 * few things (certconfig IMPORT: the profile name, the passphrase). */
int ask_bare(struct session *s, const char *question, char *out, size_t len, answer_check_fn check,
	     void *arg);
/* The same, the answer never shown (no terminal echo, no batch echo). An
 * empty answer is passed to `check`. */
int ask_secret(struct session *s, const char *question, char *out, size_t len,
	       answer_check_fn check, void *arg);
/* Pasted lines up to one holding only ".", joined with newlines into `out`
 * (`cap` bytes, the limit; more is refused). Lines are not echoed in batch
 * mode, and not shown at all with `secret` (a private key). `check` sees
 * the whole text. */
int ask_pem(struct session *s, const char *question, bool secret, char *out, size_t cap,
	    answer_check_fn check, void *arg);

/* "QUESTION [C]> " on one line: one of `letters` (any case), Enter `def`. */
int ask_letter(struct session *s, const char *question, const char *letters, char def, char *out);

/* "QUESTION [Y]> " on one line. */
int ask_yes_no(struct session *s, const char *question, bool def, bool *out);

/* A numbered pick-list: "1. text" lines under `question`; answers one number.
 * `def` is 1-based (0: no default). */
int ask_pick(struct session *s, const char *question, const char *const *items, size_t n, int def,
	     int *chosen);

/* The answer to an operation menu (cli/menu.c prints it): "[]> ", with
 * `words` for Tab completion, trimmed into `out` ("" for Enter). 0 answered,
 * 1 ask again (already said), -1 stop (s->abort says why). */
int ask_operation(struct session *s, const char *const *words, char *out, size_t len);

/* After an invalid answer: prints `msg`; 1 to ask again on a terminal, -1
 * (s->abort = ABORT_ERROR) in batch mode. */
int say_invalid(struct session *s, const char *msg);

/* Prints a one-line error the way every prompt does. */
void say_error(const char *msg);
/* Prints text made of stored values (several lines allowed): every control
 * character but the newlines, and any byte that is not UTF-8, as \xNN, so
 * old data can never move the cursor or retitle the terminal. */
void say_text(const char *text);

#endif
