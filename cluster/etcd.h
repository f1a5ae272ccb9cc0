/* etcd: a small client of etcd's v3 HTTP/JSON gateway (etcd 3.4: /v3/kv/range,
 * /v3/kv/txn, /v3/auth/authenticate; keys and values base64), over libcurl,
 * with jansson for JSON. Every call is bounded: a connect timeout, a total
 * timeout and a response size limit; the endpoints are tried in order, so a
 * dead member costs one connect timeout and the next one answers.
 *
 * TLS: endpoints may be https://; `cacert` verifies etcd's certificate
 * (the system store when empty), `cert`/`key` present a client certificate.
 * Auth: with `user`, each call first authenticates (/v3/auth/authenticate)
 * and sends the token; an etcd without auth enabled is used as is. */
#ifndef TLSGATE_ETCD_H
#define TLSGATE_ETCD_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/err.h"

#define ETCD_MAX_ENDPOINTS 8
#define ETCD_MAX_RESPONSE  (4L << 20)

struct etcd {
	char endpoints[ETCD_MAX_ENDPOINTS][256];
	int count;
	char cacert[1024], cert[1024], key[1024];
	char user[128], password[128];
	long connect_ms, total_ms;
	bool serializable; /* reads answered by the member asked, without quorum */
};

/* Fills `c` from a comma-separated endpoint list; -1 if it has none or a
 * bad one (only http:// and https:// URLs). */
int etcd_init(struct etcd *c, const char *endpoints, struct err *e);

/* The value of `key` (malloc'd, NUL-terminated) or NULL when absent; its
 * mod_revision in *mod_revision (0 when absent). -1 when no endpoint
 * answered. */
int etcd_get(const struct etcd *c, const char *key, char **value, long *mod_revision,
	     struct err *e);

/* One put, unconditional. */
int etcd_put(const struct etcd *c, const char *key, const char *value, struct err *e);

/* Every key with `prefix`: fn(key, value) per key, sorted. */
typedef int (*etcd_kv_fn)(const char *key, const char *value, void *arg);
int etcd_list(const struct etcd *c, const char *prefix, etcd_kv_fn fn, void *arg, struct err *e);

/* A transaction: if `cmp_key`'s value equals `cmp_value` (or, with
 * cmp_value NULL, the key does not exist), put every keys[i] = values[i]
 * (values[i] NULL deletes). 1 when it was applied, 0 when the compare
 * failed (nothing written), -1 on error (nothing known to be written). */
int etcd_txn(const struct etcd *c, const char *cmp_key, const char *cmp_value,
	     const char *const *keys, const char *const *values, int n, struct err *e);

/* The same, if `cmp_key`'s mod_revision is `cmp_mod` (any later put of the
 * key, even of the same value, fails the compare: a retry or a stray old
 * request can then be fenced off). It returns ETCD_UNKNOWN when no endpoint
 * answered and at least one may have received the request: the transaction
 * may still be applied later (etcd_txn reports that as -1). */
#define ETCD_UNKNOWN (-2)
int etcd_txn_mod(const struct etcd *c, const char *cmp_key, long cmp_mod, const char *const *keys,
		 const char *const *values, int n, struct err *e);

/* Waits at most `wait_ms` for a change of `key` at or after revision
 * `from_revision` (a streaming /v3/watch, ended at its first event): 1 a
 * change (or the watch was cancelled: look again), 0 none in the window, -1
 * no endpoint could be watched. */
int etcd_watch_once(const struct etcd *c, const char *key, long from_revision, long wait_ms,
		    struct err *e);

#endif
