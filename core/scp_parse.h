/* scp_parse: the legacy scp protocol (rcp's, what `scp -O` speaks): the remote
 * command line, the control lines ("C0644 12 name", "T...", "D...", "E"), and
 * the mapping of a remote path onto the one folder tlsgate serves. Pure
 * functions over bytes (no I/O), so they can be unit-tested and fuzzed. */
#ifndef TLSGATE_SCP_PARSE_H
#define TLSGATE_SCP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define SCP_COMMAND_MAX 4096 /* the remote command line */
#define SCP_LINE_MAX    1024 /* a control line, newline excluded */
#define SCP_NAME_MAX    255
#define SCP_PATH_MAX    1024
#define SCP_PATHS_MAX   16
#define SCP_FOLDER      "configuration" /* the only folder served, in the home */

/* What an SSH command line asks for. */
enum scp_kind {
	SCP_KIND_OTHER, /* a console command line */
	SCP_KIND_SCP,   /* "scp ..." */
	SCP_KIND_SFTP,  /* the SFTP subsystem: "internal-sftp", ".../sftp-server" */
};
enum scp_kind scp_command_kind(const char *line);

enum scp_direction {
	SCP_UPLOAD,   /* "scp -t TARGET": we are the sink */
	SCP_DOWNLOAD, /* "scp -f FILE...": we are the source */
};

struct scp_command {
	enum scp_direction direction;
	bool target_is_dir; /* -d: several files; the target must be the folder */
	bool preserve;      /* -p: "T" lines give the times */
	int npaths;         /* 1 for an upload, 1 to SCP_PATHS_MAX for a download */
	char paths[SCP_PATHS_MAX][SCP_PATH_MAX + 1];
};

/* "scp [-v] [-p] [-d] -t|-f [--] PATH..." (options may be grouped, "-dt").
 * Refuses -r and anything else scp's remote end would not be sent. */
int scp_parse_command(const char *line, struct scp_command *out, struct err *e);

enum scp_line_type {
	SCP_LINE_WARNING = 1, /* "\1message": the peer's error, the copy goes on */
	SCP_LINE_FATAL = 2,   /* "\2message": the peer gives up */
	SCP_LINE_FILE = 'C',
	SCP_LINE_DIR = 'D',
	SCP_LINE_END = 'E',
	SCP_LINE_TIME = 'T',
};

struct scp_line {
	enum scp_line_type type;
	unsigned mode;                   /* C, D: four octal digits */
	unsigned long long size;         /* C */
	char name[SCP_NAME_MAX + 1];     /* C, D: as sent; check it with scp_check_name */
	unsigned long long mtime, atime; /* T */
	char message[SCP_LINE_MAX];      /* 1, 2 */
};

/* One control line of `len` bytes, its newline removed. Strict: exactly the
 * shapes OpenSSH sends, no signs, no blanks but the single separators, no
 * NUL bytes, numbers that fit. */
int scp_parse_line(const char *line, size_t len, struct scp_line *out, struct err *e);

/* A file name the folder may hold: 1 to SCP_NAME_MAX letters, digits, '.',
 * '_' and '-', not starting with '.' or '-' (so never "..", a hidden file or
 * an option), never a '/'. */
int scp_check_name(const char *name, struct err *e);

/* The file a remote path names in the folder, into name; "" for the folder
 * itself. "/configuration/X", "configuration/X" and "X" name X;
 * "/configuration", "configuration", "." and "" (each with or without a
 * trailing '/') the folder. Anything else is refused. */
int scp_map_path(const char *path, char *name, size_t len, struct err *e);

#endif
