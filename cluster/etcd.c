/* etcd: the v3 HTTP/JSON gateway client (see etcd.h). */
#include "etcd.h"

#include "../os/curl_lazy.h"
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	char *grown;

	if (b->len + add > ETCD_MAX_RESPONSE) {
		b->too_big = true;
		return 0;
	}
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

int etcd_init(struct etcd *c, const char *endpoints, struct err *e)
{
	const char *p = endpoints;

	memset(c, 0, sizeof(*c));
	c->connect_ms = 500;
	c->total_ms = 3000;
	while (p && *p) {
		size_t n = strcspn(p, ", ");

		if (n > 0) {
			if (c->count == ETCD_MAX_ENDPOINTS || n >= sizeof(c->endpoints[0]))
				return err_set(e, "Too many or too long etcd endpoints.");
			snprintf(c->endpoints[c->count], sizeof(c->endpoints[0]), "%.*s", (int)n,
				 p);
			if (strncmp(c->endpoints[c->count], "http://", 7) != 0 &&
			    strncmp(c->endpoints[c->count], "https://", 8) != 0)
				return err_set(e,
					       "An etcd endpoint is a URL: http://HOST:PORT or "
					       "https://HOST:PORT (not \"%.64s\").",
					       c->endpoints[c->count]);
			c->count++;
		}
		p += n;
		p += strspn(p, ", ");
	}
	return c->count > 0 ? 0 : err_set(e, "You must enter at least one etcd endpoint.");
}

static char *b64(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static char *unb64(const char *s)
{
	size_t n = strlen(s);
	unsigned char *out = malloc(3 * (n / 4) + 1);
	int len;

	if (!out)
		return NULL;
	len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	/* DecodeBlock counts the padding as zero bytes. */
	while (n > 0 && s[n - 1] == '=') {
		len--;
		n--;
	}
	out[len] = '\0';
	return (char *)out;
}

/* A POST of `body` to `url` with the client's TLS settings and the
 * Authorization header when there is a token; *hdr is the caller's to free
 * after the transfer. NULL if libcurl cannot make a handle. */
static CURL *new_post(const struct etcd *c, const char *url, const char *token, const char *body,
		      long total_ms, curl_write_callback write, void *data, struct curl_slist **hdr)
{
	CURL *h = curl_easy_init();
	char auth[600];

	*hdr = NULL;
	if (!h)
		return NULL;
	*hdr = curl_slist_append(*hdr, "Content-Type: application/json");
	if (token && token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: %s", token);
		*hdr = curl_slist_append(*hdr, auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, data);
	if (c->cacert[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
	if (c->cert[0])
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert);
	if (c->key[0])
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->key);
	return h;
}

/* POSTs `req` to one endpoint; *status is the HTTP status (0: no answer). */
/* *maybe (when given) is set when the request may have reached etcd and no
 * answer came: what it asked for may still happen. */
static int post_one(const struct etcd *c, const char *base, const char *path, const char *token,
		    const char *req, long *status, struct body *b, char *why, size_t whylen,
		    int *maybe)
{
	curl_off_t sent_at = 0;
	struct curl_slist *hdr;
	char url[512];
	CURLcode rc;
	CURL *h;

	*status = 0;
	snprintf(url, sizeof(url), "%s%s", base, path);
	if (!(h = new_post(c, url, token, req, c->total_ms, on_data, b, &hdr)))
		return -1;
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	else
		snprintf(why, whylen, "%s: %s", base,
			 b->too_big ? "response too large" : curl_easy_strerror(rc));
	/* Connected and began sending: etcd may have it (a connect that
	 * failed or timed out sent nothing). */
	if (rc != CURLE_OK && maybe && rc != CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(h, CURLINFO_PRETRANSFER_TIME_T, &sent_at) == CURLE_OK && sent_at > 0)
		*maybe = 1;
	curl_slist_free_all(hdr);
	curl_easy_cleanup(h);
	return rc == CURLE_OK ? 0 : -1;
}

static json_t *post_json(const struct etcd *c, const char *base, const char *path,
			 const char *token, json_t *req, char *why, size_t whylen, int *maybe)
{
	char *text = json_dumps(req, JSON_COMPACT);
	struct body b = { NULL, 0, false };
	long status;
	json_t *resp = NULL;

	if (text && post_one(c, base, path, token, text, &status, &b, why, whylen, maybe) == 0) {
		resp = b.data ? json_loads(b.data, 0, NULL) : NULL;
		if (status != 200 || !resp) {
			json_t *m = resp ? json_object_get(resp, "error") : NULL;

			snprintf(why, whylen, "%s: HTTP %ld%s%s", base, status, m ? ": " : "",
				 m && json_is_string(m) ? json_string_value(m) : "");
			/* etcd gave up waiting on a proposal it may still commit. */
			if (maybe && (strstr(why, "timed out") || strstr(why, "leader") ||
				      strstr(why, "deadline") || strstr(why, "stopped")))
				*maybe = 1;
			json_decref(resp);
			resp = NULL;
		}
	}
	free(text);
	free(b.data);
	return resp;
}

/* Endpoint i's token when the client has a user (token "" otherwise, or
 * when etcd's auth is not enabled). -1: no token from this endpoint. */
static int auth_token(const struct etcd *c, int i, char *token, size_t len, char *why,
		      size_t whylen)
{
	json_t *a, *r, *t;

	token[0] = '\0';
	if (!c->user[0])
		return 0;
	a = json_pack("{s:s,s:s}", "name", c->user, "password", c->password);
	r = post_json(c, c->endpoints[i], "/v3/auth/authenticate", NULL, a, why, whylen, NULL);
	t = r ? json_object_get(r, "token") : NULL;
	json_decref(a);
	if (t && json_is_string(t))
		snprintf(token, len, "%s", json_string_value(t));
	json_decref(r);
	return t || strstr(why, "not enabled") ? 0 : -1;
}

/* One call: each endpoint in turn until one answers. */
static json_t *call_maybe(const struct etcd *c, const char *path, json_t *req, int *maybe,
			  struct err *e)
{
	char why[512] = "no endpoint";

	for (int i = 0; i < c->count; i++) {
		char token[512];
		json_t *resp;

		if (auth_token(c, i, token, sizeof(token), why, sizeof(why)) < 0)
			continue;
		resp = post_json(c, c->endpoints[i], path, token[0] ? token : NULL, req, why,
				 sizeof(why), maybe);
		if (resp) {
			json_decref(req);
			return resp;
		}
	}
	json_decref(req);
	err_set(e, "No etcd endpoint answered (%.400s).", why);
	return NULL;
}

static json_t *call(const struct etcd *c, const char *path, json_t *req, struct err *e)
{
	return call_maybe(c, path, req, NULL, e);
}

/* The watch stream: only whether something came, from a bounded window. */
struct watch_body {
	char buf[4096];
	size_t len;
	bool created, event;
};

static size_t on_watch(char *ptr, size_t size, size_t n, void *arg)
{
	struct watch_body *w = arg;
	size_t add = size * n, take;

	for (size_t off = 0; off < add; off += take) {
		if (w->len + 1 >= sizeof(w->buf)) { /* keep a tail: a word may straddle */
			memmove(w->buf, w->buf + w->len - 64, 64);
			w->len = 64;
		}
		take = add - off;
		if (take > sizeof(w->buf) - 1 - w->len)
			take = sizeof(w->buf) - 1 - w->len;
		memcpy(w->buf + w->len, ptr + off, take);
		w->len += take;
		w->buf[w->len] = '\0';
		w->created |= strstr(w->buf, "\"created\"") != NULL;
		/* An event, or the watch cancelled (compacted): either way, look. */
		if (strstr(w->buf, "\"events\"") || strstr(w->buf, "\"canceled\"") ||
		    strstr(w->buf, "\"compact_revision\"")) {
			w->event = true;
			return 0; /* ends the transfer */
		}
	}
	return add;
}

int etcd_watch_once(const struct etcd *c, const char *key, long from_revision, long wait_ms,
		    struct err *e)
{
	char why[512] = "no endpoint", *k = b64(key), body[600], url[512];

	if (!k)
		return err_set(e, "Out of memory.");
	snprintf(body, sizeof(body),
		 "{\"create_request\":{\"key\":\"%.400s\",\"start_revision\":%ld}}", k,
		 from_revision);
	free(k);
	for (int i = 0; i < c->count; i++) {
		struct watch_body w = { "", 0, false, false };
		struct curl_slist *hdr;
		char token[512];
		CURLcode rc;
		CURL *h;

		snprintf(url, sizeof(url), "%s/v3/watch", c->endpoints[i]);
		if (auth_token(c, i, token, sizeof(token), why, sizeof(why)) < 0 ||
		    !(h = new_post(c, url, token, body, wait_ms, on_watch, &w, &hdr)))
			continue;
		rc = curl_easy_perform(h);
		curl_slist_free_all(hdr);
		curl_easy_cleanup(h);
		if (w.event)
			return 1;
		if (rc == CURLE_OPERATION_TIMEDOUT && w.created)
			return 0; /* the window passed quietly */
		snprintf(why, sizeof(why), "%s: %s", c->endpoints[i],
			 rc == CURLE_OK ? "the watch ended" : curl_easy_strerror(rc));
	}
	return err_set(e, "No etcd endpoint could be watched (%.400s).", why);
}

int etcd_get(const struct etcd *c, const char *key, char **value, long *mod_revision, struct err *e)
{
	char *k = b64(key);
	json_t *resp, *kv;

	*value = NULL;
	*mod_revision = 0;
	if (!k)
		return err_set(e, "Out of memory.");
	resp = call(c, "/v3/kv/range",
		    json_pack("{s:s,s:b}", "key", k, "serializable", c->serializable), e);
	free(k);
	if (!resp)
		return -1;
	kv = json_array_get(json_object_get(resp, "kvs"), 0);
	if (kv) {
		const char *v = json_string_value(json_object_get(kv, "value"));
		const char *mr = json_string_value(json_object_get(kv, "mod_revision"));

		*value = unb64(v ? v : "");
		*mod_revision = mr ? atol(mr) : 0;
	}
	json_decref(resp);
	if (kv && !*value)
		return err_set(e, "etcd sent a value that is not base64.");
	return 0;
}

int etcd_list(const struct etcd *c, const char *prefix, etcd_kv_fn fn, void *arg, struct err *e)
{
	size_t n = strlen(prefix);
	char *end = n ? strdup(prefix) : NULL, *k = b64(prefix), *ke;
	json_t *resp, *kv;
	size_t i;

	if (!end || !k) {
		free(end);
		free(k);
		return err_set(e, "Out of memory.");
	}
	end[n - 1]++; /* the prefix's range end: its last byte plus one */
	ke = b64(end);
	resp = call(c, "/v3/kv/range",
		    json_pack("{s:s,s:s,s:s}", "key", k, "range_end", ke ? ke : "", "sort_order",
			      "ASCEND"),
		    e);
	free(end);
	free(k);
	free(ke);
	if (!resp)
		return -1;
	json_array_foreach(json_object_get(resp, "kvs"), i, kv)
	{
		const char *kk = json_string_value(json_object_get(kv, "key"));
		const char *vv = json_string_value(json_object_get(kv, "value"));
		char *key = kk ? unb64(kk) : NULL, *value = unb64(vv ? vv : "");
		int stop = key && value ? fn(key, value, arg) : 0;

		free(key);
		free(value);
		if (stop)
			break;
	}
	json_decref(resp);
	return 0;
}

int etcd_put(const struct etcd *c, const char *key, const char *value, struct err *e)
{
	const char *keys[1] = { key }, *values[1] = { value };

	return etcd_txn(c, NULL, NULL, keys, values, 1, e) < 0 ? -1 : 0;
}

/* cmp_value, or with cmp_value NULL cmp_mod (0: the key is absent). */
static int txn(const struct etcd *c, const char *cmp_key, const char *cmp_value, long cmp_mod,
	       const char *const *keys, const char *const *values, int n, struct err *e)
{
	json_t *req = json_object(), *ops = json_array(), *resp, *ok;
	int rc, maybe = 0;

	for (int i = 0; i < n; i++) {
		char *k = b64(keys[i]), *v = values[i] ? b64(values[i]) : NULL;

		if (values[i])
			json_array_append_new(ops, json_pack("{s:{s:s,s:s}}", "request_put", "key",
							     k, "value", v ? v : ""));
		else
			json_array_append_new(
				ops, json_pack("{s:{s:s}}", "request_delete_range", "key", k));
		free(k);
		free(v);
	}
	json_object_set_new(req, "success", ops);
	if (cmp_key) {
		char *k = b64(cmp_key), *v = cmp_value ? b64(cmp_value) : NULL, mod[32];
		json_t *cmp;

		snprintf(mod, sizeof(mod), "%ld", cmp_mod);
		/* Absent: its create_revision is 0. */
		if (cmp_value)
			cmp = json_pack("{s:s,s:s,s:s,s:s}", "key", k, "target", "VALUE", "result",
					"EQUAL", "value", v ? v : "");
		else if (cmp_mod > 0)
			cmp = json_pack("{s:s,s:s,s:s,s:s}", "key", k, "target", "MOD", "result",
					"EQUAL", "mod_revision", mod);
		else
			cmp = json_pack("{s:s,s:s,s:s,s:s}", "key", k, "target", "CREATE", "result",
					"EQUAL", "create_revision", "0");
		json_object_set_new(req, "compare", json_pack("[o]", cmp));
		free(k);
		free(v);
	}
	resp = call_maybe(c, "/v3/kv/txn", req, &maybe, e);
	if (!resp)
		return maybe ? ETCD_UNKNOWN : -1;
	ok = json_object_get(resp, "succeeded");
	rc = json_is_true(ok) ? 1 : 0;
	json_decref(resp);
	return rc;
}

int etcd_txn(const struct etcd *c, const char *cmp_key, const char *cmp_value,
	     const char *const *keys, const char *const *values, int n, struct err *e)
{
	int rc = txn(c, cmp_key, cmp_value, 0, keys, values, n, e);

	return rc == ETCD_UNKNOWN ? -1 : rc;
}

int etcd_txn_mod(const struct etcd *c, const char *cmp_key, long cmp_mod, const char *const *keys,
		 const char *const *values, int n, struct err *e)
{
	return txn(c, cmp_key, NULL, cmp_mod, keys, values, n, e);
}
