/* db_password: yescrypt password hashes (libxcrypt) and the password login
 * against the committed users list. */
#include "password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"

/* yescrypt's default cost (libxcrypt picks it for count 0). */
#define HASH_PREFIX "$y$"

int password_check_quality(const char *password, struct err *e)
{
	size_t n = strlen(password);

	if (n < PASSWORD_MIN || n > PASSWORD_MAX)
		return err_set(e, "The password must be %d to %d characters long.", PASSWORD_MIN,
			       PASSWORD_MAX);
	for (const unsigned char *p = (const unsigned char *)password; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, "The password must not contain control characters.");
	return 0;
}

int password_hash(const char *password, char *out, size_t len, struct err *e)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *salt = crypt_gensalt_ra(HASH_PREFIX, 0, NULL, 0);
	const char *h = NULL;
	int rc = -1;

	if (cd && salt)
		h = crypt_rn(password, salt, cd, sizeof(*cd));
	if (!h || h[0] == '*' || strlen(h) >= len)
		err_set(e, "Cannot hash the password.");
	else {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	if (cd)
		explicit_bzero(cd, sizeof(*cd));
	free(cd);
	free(salt);
	return rc;
}

bool password_verify(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;
	size_t n = strlen(hash);
	unsigned char diff = 0;
	bool ok;

	if (!cd)
		return false;
	h = crypt_rn(password, hash, cd, sizeof(*cd));
	ok = h && h[0] != '*' && strlen(h) == n;
	for (size_t i = 0; ok && i < n; i++)
		diff |= (unsigned char)(h[i] ^ hash[i]);
	ok = ok && diff == 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int password_login(struct db *db, const char *user, const char *password, enum role *role,
		   struct err *e)
{
	/* A valid hash of nothing anyone types: unknown users cost a verify too. */
	static const char dummy[] = "$y$j9T$7lPRIpGN9voQZVAYl2x4e0$"
				    "c6hKULCVumu.nBUulPO9kDkjGFOJxCFaUfD3xW/b0d7";
	char *value = NULL;
	const char *hash;
	struct err ignored;
	bool ok;

	/* No password longer than userconfig takes can match: not hashed. */
	if (strlen(password) > PASSWORD_MAX)
		return err_set(e, "Invalid username or password.");
	if (db_entry_get(db, NULL, "user", user, &value, &ignored) < 0)
		value = NULL;
	hash = user_value_hash(value);
	ok = password_verify(password, hash ? hash : dummy) && hash;
	if (ok)
		*role = role_from_value(value);
	free(value);
	return ok ? 0 : err_set(e, "Invalid username or password.");
}
