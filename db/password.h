/* password: console and WebUI passwords, stored as yescrypt hashes made by
 * libxcrypt (crypt_gensalt_ra + crypt_rn). A password never leaves this
 * module in any other form, and no hash is ever printed or logged. */
#ifndef TLSGATE_PASSWORD_H
#define TLSGATE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"
#include "../core/role.h"
#include "db.h"

#define PASSWORD_MIN      8
#define PASSWORD_MAX      128
#define PASSWORD_HASH_MAX 160

/* 8 to 128 characters, no control characters. */
int password_check_quality(const char *password, struct err *e);
/* A new yescrypt hash of `password` with a fresh random salt. */
int password_hash(const char *password, char *out, size_t len, struct err *e);
/* Does `password` match `hash`? Compared in constant time. */
bool password_verify(const char *password, const char *hash);

/* The committed user `user` with this password: *role is their role. A user
 * who is not listed or has no password is refused like a wrong password (and
 * costs the same time), so the answer does not tell which names exist. */
int password_login(struct db *db, const char *user, const char *password, enum role *role,
		   struct err *e);

#endif
