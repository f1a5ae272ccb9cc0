/* curl_lazy: libcurl, loaded at its first use (dlopen) instead of at every
 * start. Linking it costs every console start ~35 shared libraries (its
 * dependencies: GnuTLS, Kerberos, LDAP, ...) and ~20 M instructions of
 * symbol relocation, about 7 ms — paid by every one-line `commit` — while
 * only cluster commits and MTA-STS fetches use it. Include this instead of
 * <curl/curl.h>: the calls keep libcurl's names. */
#ifndef TLSGATE_CURL_LAZY_H
#define TLSGATE_CURL_LAZY_H

/* curl_easy_setopt is a type-checking macro otherwise; ours is a pointer. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
	CURLcode (*easy_perform)(CURL *curl);
	CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *curl);
	const char *(*easy_strerror)(CURLcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *data);
	void (*slist_free_all)(struct curl_slist *list);
};

/* The loaded library, or NULL when libcurl.so.4 cannot be loaded (then
 * curl_easy_init() returns NULL and callers report their usual error).
 * Thread-safe; loads once. */
const struct curl_api *curl_lazy(void);

CURL *curl_lazy_easy_init(void);
const char *curl_lazy_strerror(CURLcode code);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(flags)   (curl_lazy() ? curl_lazy()->global_init(flags) : CURLE_FAILED_INIT)
#define curl_easy_init()          curl_lazy_easy_init()
#define curl_easy_setopt(h, ...)  curl_lazy()->easy_setopt(h, __VA_ARGS__)
#define curl_easy_perform(h)      curl_lazy()->easy_perform(h)
#define curl_easy_getinfo(h, ...) curl_lazy()->easy_getinfo(h, __VA_ARGS__)
#define curl_easy_cleanup(h)      curl_lazy()->easy_cleanup(h)
#define curl_easy_strerror(c)     curl_lazy_strerror(c)
#define curl_slist_append(l, d)   curl_lazy()->slist_append(l, d)
#define curl_slist_free_all(l)    (curl_lazy() ? curl_lazy()->slist_free_all(l) : (void)0)

#endif
