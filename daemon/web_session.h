/* web_session: the WebUI's sessions and login throttle, in bounded memory.
 * A session is a random 256-bit id (RAND_bytes) carried in a cookie, with
 * its own random CSRF token; it ends after `timeout` seconds without a
 * request. Failed logins are counted per address and per user name; past
 * the limit, logins from there (or as that user) wait for the window. */
#ifndef TLSGATE_WEB_SESSION_H
#define TLSGATE_WEB_SESSION_H

#include <stdbool.h>
#include <time.h>

#define WEB_SESSIONS_MAX     64 /* the least recently used goes first */
#define WEB_TOKEN_LEN        64 /* hex characters */
#define WEB_USER_MAX         64
#define WEB_THROTTLE_SLOTS   256 /* addresses and names remembered, each */
#define WEB_FAILURES_ADDRESS 5   /* failed logins per address per window */
#define WEB_FAILURES_USER    10  /* failed logins per user name per window */
#define WEB_THROTTLE_WINDOW  300 /* seconds */

struct web_session {
	bool used;
	char id[WEB_TOKEN_LEN + 1];
	char csrf[WEB_TOKEN_LEN + 1];
	char user[WEB_USER_MAX + 1];
	time_t last;
};

struct web_throttle_slot {
	char key[WEB_USER_MAX + 1];
	time_t start; /* of the window; 0: free */
	int failures;
};

struct web_sessions {
	struct web_session s[WEB_SESSIONS_MAX];
	int timeout;
	struct web_throttle_slot by_address[WEB_THROTTLE_SLOTS];
	struct web_throttle_slot by_user[WEB_THROTTLE_SLOTS];
};

void web_sessions_init(struct web_sessions *ws, int timeout);
/* A new session for `user` (NULL when the random source fails). */
struct web_session *web_session_new(struct web_sessions *ws, const char *user, time_t now);
/* The live session with this id, its clock restarted; NULL if none. An
 * expired one is ended and *expired set. */
struct web_session *web_session_find(struct web_sessions *ws, const char *id, time_t now,
				     bool *expired);
void web_session_end(struct web_session *s);
/* Does `token` match the session's CSRF token (constant time)? */
bool web_session_csrf_ok(const struct web_session *s, const char *token);
/* A random token, for the login form's own CSRF cookie. */
int web_random_token(char out[WEB_TOKEN_LEN + 1]);

/* May `address` try to log in as `user` now? */
bool web_login_allowed(struct web_sessions *ws, const char *address, const char *user, time_t now);
void web_login_failed(struct web_sessions *ws, const char *address, const char *user, time_t now);

#endif
