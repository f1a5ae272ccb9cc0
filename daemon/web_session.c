/* web_session: sessions and the login throttle. */
#include "web_session.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

void web_sessions_init(struct web_sessions *ws, int timeout)
{
	memset(ws, 0, sizeof(*ws));
	ws->timeout = timeout;
}

int web_random_token(char out[WEB_TOKEN_LEN + 1])
{
	unsigned char raw[WEB_TOKEN_LEN / 2];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

struct web_session *web_session_new(struct web_sessions *ws, const char *user, time_t now)
{
	struct web_session *slot = &ws->s[0];

	for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (!ws->s[i].used) {
			slot = &ws->s[i];
			break;
		}
		if (ws->s[i].last < slot->last)
			slot = &ws->s[i];
	}
	web_session_end(slot);
	if (web_random_token(slot->id) < 0 || web_random_token(slot->csrf) < 0)
		return NULL;
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->last = now;
	slot->used = true;
	return slot;
}

struct web_session *web_session_find(struct web_sessions *ws, const char *id, time_t now,
				     bool *expired)
{
	struct web_session *found = NULL;

	*expired = false;
	if (strlen(id) != WEB_TOKEN_LEN)
		return NULL;
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (ws->s[i].used && CRYPTO_memcmp(ws->s[i].id, id, WEB_TOKEN_LEN) == 0)
			found = &ws->s[i];
	if (!found)
		return NULL;
	if (now - found->last >= ws->timeout) {
		web_session_end(found);
		*expired = true;
		return NULL;
	}
	found->last = now;
	return found;
}

void web_session_end(struct web_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
	s->used = false;
}

bool web_session_csrf_ok(const struct web_session *s, const char *token)
{
	return token && strlen(token) == WEB_TOKEN_LEN &&
	       CRYPTO_memcmp(s->csrf, token, WEB_TOKEN_LEN) == 0;
}

/* The slot of `key`; a new one (the oldest window) if it has none. */
static struct web_throttle_slot *slot_of(struct web_throttle_slot *t, const char *key, time_t now,
					 bool create)
{
	struct web_throttle_slot *oldest = &t[0];

	for (int i = 0; i < WEB_THROTTLE_SLOTS; i++) {
		if (t[i].start && now - t[i].start >= WEB_THROTTLE_WINDOW)
			t[i].start = 0;
		if (t[i].start && strcmp(t[i].key, key) == 0)
			return &t[i];
		if (t[i].start < oldest->start)
			oldest = &t[i];
	}
	if (!create)
		return NULL;
	snprintf(oldest->key, sizeof(oldest->key), "%s", key);
	oldest->start = now;
	oldest->failures = 0;
	return oldest;
}

bool web_login_allowed(struct web_sessions *ws, const char *address, const char *user, time_t now)
{
	struct web_throttle_slot *a = slot_of(ws->by_address, address, now, false);
	struct web_throttle_slot *u = slot_of(ws->by_user, user, now, false);

	return !(a && a->failures >= WEB_FAILURES_ADDRESS) &&
	       !(u && u->failures >= WEB_FAILURES_USER);
}

void web_login_failed(struct web_sessions *ws, const char *address, const char *user, time_t now)
{
	slot_of(ws->by_address, address, now, true)->failures++;
	slot_of(ws->by_user, user, now, true)->failures++;
}
