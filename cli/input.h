/* input: where the console's lines come from. One abstraction for the three
 * modes: readline on a terminal, a plain line reader on a pipe, and a queue of
 * commands (from -c or from "cmd1; cmd2" on one line). */
#ifndef TLSGATE_INPUT_H
#define TLSGATE_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

#define INPUT_LINE_MAX 4096 /* longer lines are refused, not truncated */

/* INPUT_NUL: the line held a NUL byte (it would cut the answer short): the
 * answer is refused, never used. */
enum input_status { INPUT_LINE, INPUT_EOF, INPUT_INTERRUPT, INPUT_TOO_LONG, INPUT_NUL };

void input_init(struct session *s);
void input_shutdown(void);

/* Prints `prompt` (the last line of a question, e.g. "[]> ") and reads one
 * answer into buf. */
enum input_status input_read(struct session *s, const char *prompt, char *buf, size_t len);

/* The same without showing the answer: no echo on a terminal (termios), and
 * no echo of the answer in batch mode — passphrases and pasted keys. */
enum input_status input_read_hidden(struct session *s, const char *prompt, char *buf, size_t len);
/* Echo off on a terminal from now until input_hide_end (also run at exit):
 * for a whole pasted private key, so no line of it is echoed between two
 * reads, and set before the question is printed, so a client that sends as
 * soon as it sees the question is never echoed either. `show_newline`: the
 * terminal still echoes Enter (a typed passphrase). No-op in batch mode. */
void input_hide_begin(struct session *s, bool show_newline);
void input_hide_end(void);

/* Shown as typed on a terminal, but not echoed in batch mode (pasted PEM
 * lines: a transcript would otherwise repeat the whole certificate). */
enum input_status input_read_unechoed(struct session *s, const char *prompt, char *buf, size_t len);

/* Top-level commands: "a; b" is split into a queue that is run before the
 * next line is read. Returns 0, or -1 on an unterminated quote. */
int input_queue_commands(const char *line);
/* Next queued command into buf; 0 if one was there, -1 if the queue is empty,
 * -2 if it did not fit in buf (it is dropped: report the line as too long). */
int input_next_command(char *buf, size_t len);
void input_clear_queue(void);

void input_add_history(const char *line);

#endif
