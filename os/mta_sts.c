/* mta_sts: TXT lookup, HTTPS fetch (libcurl) and the max_age cache. */
#include "mta_sts.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include "curl_lazy.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"

struct cached_policy {
	char domain[256];
	char id[MTA_STS_ID_MAX + 1];
	struct mta_sts_policy policy;
	time_t expires;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static struct cached_policy cache[MTA_STS_CACHE_MAX];

unsigned mta_sts_port(void)
{
	const char *s = getenv("TLSGATE_MTA_STS_PORT");
	long p = s ? strtol(s, NULL, 10) : 0;

	return p > 0 && p < 65536 ? (unsigned)p : 443;
}

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* The TXT strings of `_mta-sts.DOMAIN`: 1 with an STSv1 id, 0 none, -1 failed. */
static int txt_id(const char *domain, char id[MTA_STS_ID_MAX + 1], char *why, size_t wlen)
{
	struct dns_answer *a = malloc(sizeof(*a));
	char name[300];
	struct err e;
	ns_msg msg;
	int found = 0, records = 0;

	if (!a)
		abort();
	snprintf(name, sizeof(name), "_mta-sts.%.255s", domain);
	if (dns_query(name, ns_t_txt, a, &e) < 0) {
		snprintf(why, wlen, "the TXT lookup of %.280s failed: %.150s", name, e.msg);
		free(a);
		return -1;
	}
	if (a->status == DNS_ANSWER && ns_initparse(a->msg, a->len, &msg) == 0)
		for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
			ns_rr rr;
			char txt[1024];
			size_t n = 0;
			if (ns_parserr(&msg, ns_s_an, i, &rr) < 0 || ns_rr_type(rr) != ns_t_txt)
				continue;
			/* character-strings, joined (RFC 7489-style) */
			for (const unsigned char *p = ns_rr_rdata(rr), *end = p + ns_rr_rdlen(rr);
			     p < end && n < sizeof(txt) - 1;) {
				size_t l = *p++;
				if (l > (size_t)(end - p) || n + l >= sizeof(txt))
					break;
				memcpy(txt + n, p, l);
				n += l;
				p += l;
			}
			if (n >= 5 && memcmp(txt, "v=STS", 5) == 0) {
				records++;
				found = mta_sts_txt_parse(txt, n, id, &e) == 0;
			}
		}
	free(a);
	if (records > 1) { /* RFC 8461 3.1: more than one: no policy */
		snprintf(why, wlen, "%.280s holds %d STSv1 records", name, records);
		return 0;
	}
	return found;
}

struct body {
	char *data;
	size_t len;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;

	if (b->len + add > MTA_STS_POLICY_MAX) {
		b->too_big = true;
		return 0;
	}
	memcpy(b->data + b->len, p, add);
	b->len += add;
	return add;
}

static int fetch(const char *domain, struct mta_sts_result *out)
{
	char host[300], resolve[400], errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { malloc(MTA_STS_POLICY_MAX), 0, false };
	struct dns_answer *a = malloc(sizeof(*a));
	struct curl_slist *res = NULL;
	const char *ca = getenv("SSL_CERT_FILE");
	long status = 0;
	CURL *c;
	CURLcode rc;
	struct err e;
	ns_msg msg;
	char addr[64] = "";

	if (!b.data || !a)
		abort();
	snprintf(host, sizeof(host), "mta-sts.%.255s", domain);
	snprintf(out->url, sizeof(out->url), "https://%.270s:%u/.well-known/mta-sts.txt", host,
		 mta_sts_port());
	/* The policy host's address from the same resolver as everything else. */
	if (dns_query(host, ns_t_a, a, &e) == 0 && a->status == DNS_ANSWER &&
	    ns_initparse(a->msg, a->len, &msg) == 0)
		for (int i = 0; i < ns_msg_count(msg, ns_s_an) && !addr[0]; i++) {
			ns_rr rr;
			if (ns_parserr(&msg, ns_s_an, i, &rr) == 0 && ns_rr_type(rr) == ns_t_a &&
			    ns_rr_rdlen(rr) == 4)
				inet_ntop(AF_INET, ns_rr_rdata(rr), addr, sizeof(addr));
		}
	free(a);
	if (!addr[0]) {
		snprintf(out->why, sizeof(out->why), "%.280s has no address", host);
		free(b.data);
		return -1;
	}
	snprintf(resolve, sizeof(resolve), "%s:%u:%s", host, mta_sts_port(), addr);
	res = curl_slist_append(NULL, resolve);
	pthread_once(&curl_once, curl_init);
	c = curl_easy_init();
	if (!c || !res) {
		snprintf(out->why, sizeof(out->why), "libcurl could not start");
		curl_slist_free_all(res);
		free(b.data);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, out->url);
	curl_easy_setopt(c, CURLOPT_RESOLVE, res);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L); /* RFC 8461 3.3: no redirects */
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)MTA_STS_FETCH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca && *ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tlsgate MTA-STS");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(res);
	if (rc != CURLE_OK || status != 200) {
		snprintf(out->why, sizeof(out->why), "fetching %.330s failed: %.300s", out->url,
			 b.too_big        ? "the policy is larger than 64 KB"
			 : rc != CURLE_OK ? (errbuf[0] ? errbuf : curl_easy_strerror(rc))
					  : "the server did not answer 200");
		free(b.data);
		return -1;
	}
	if (mta_sts_policy_parse(b.data, b.len, &out->policy, &e) < 0) {
		snprintf(out->why, sizeof(out->why), "the policy at %.330s is not valid: %.150s",
			 out->url, e.msg);
		free(b.data);
		return -1;
	}
	free(b.data);
	return 0;
}

static struct cached_policy *cache_find(const char *domain)
{
	for (int i = 0; i < MTA_STS_CACHE_MAX; i++)
		if (cache[i].domain[0] && strcmp(cache[i].domain, domain) == 0)
			return &cache[i];
	return NULL;
}

static void cache_store(const char *domain, const struct mta_sts_result *r)
{
	struct cached_policy *slot = cache_find(domain);
	time_t now = time(NULL);

	for (int i = 0; !slot && i < MTA_STS_CACHE_MAX; i++)
		if (!cache[i].domain[0] || cache[i].expires <= now)
			slot = &cache[i];
	for (int i = 0; !slot && i < MTA_STS_CACHE_MAX; i++)
		if (!slot || cache[i].expires < slot->expires)
			slot = &cache[i]; /* full: the one closest to expiry goes */
	snprintf(slot->domain, sizeof(slot->domain), "%s", domain);
	snprintf(slot->id, sizeof(slot->id), "%s", r->id);
	slot->policy = r->policy;
	slot->expires = now + r->policy.max_age;
}

void mta_sts_lookup(const char *domain, struct mta_sts_result *out)
{
	struct cached_policy *c;
	char id[MTA_STS_ID_MAX + 1];
	int txt;

	memset(out, 0, sizeof(*out));
	txt = txt_id(domain, id, out->why, sizeof(out->why));
	pthread_mutex_lock(&lock);
	c = cache_find(domain);
	if (c && c->expires > time(NULL) && (txt != 1 || strcmp(c->id, id) == 0)) {
		/* RFC 8461 5.1: an unexpired policy stays in force, also when the
		 * TXT record is gone or cannot be looked up. */
		out->state = MTA_STS_FOUND;
		out->policy = c->policy;
		snprintf(out->id, sizeof(out->id), "%s", c->id);
		out->cached = true;
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	if (txt != 1) {
		out->state = txt < 0 ? MTA_STS_FAILED : MTA_STS_ABSENT;
		return;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	if (fetch(domain, out) < 0) {
		out->state = MTA_STS_FAILED;
		return;
	}
	out->state = MTA_STS_FOUND;
	pthread_mutex_lock(&lock);
	cache_store(domain, out);
	pthread_mutex_unlock(&lock);
}
