/* curl_lazy: libcurl through dlopen, on first use (see curl_lazy.h). */
#include "curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

static struct curl_api api;
static const struct curl_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void *sym(void *lib, const char *name, int *missing)
{
	void *p = dlsym(lib, name);

	if (!p)
		*missing = 1;
	return p;
}

static void load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	int missing = 0;

	if (!lib)
		return;
	/* POSIX: a function pointer is converted through *(void **)&. */
	*(void **)&api.global_init = sym(lib, "curl_global_init", &missing);
	*(void **)&api.easy_init = sym(lib, "curl_easy_init", &missing);
	*(void **)&api.easy_setopt = sym(lib, "curl_easy_setopt", &missing);
	*(void **)&api.easy_perform = sym(lib, "curl_easy_perform", &missing);
	*(void **)&api.easy_getinfo = sym(lib, "curl_easy_getinfo", &missing);
	*(void **)&api.easy_cleanup = sym(lib, "curl_easy_cleanup", &missing);
	*(void **)&api.easy_strerror = sym(lib, "curl_easy_strerror", &missing);
	*(void **)&api.slist_append = sym(lib, "curl_slist_append", &missing);
	*(void **)&api.slist_free_all = sym(lib, "curl_slist_free_all", &missing);
	if (missing) {
		dlclose(lib);
		return;
	}
	/* Before any thread uses it (curl_global_init is not thread-safe). */
	api.global_init(CURL_GLOBAL_DEFAULT);
	loaded = &api;
}

const struct curl_api *curl_lazy(void)
{
	pthread_once(&once, load);
	return loaded;
}

CURL *curl_lazy_easy_init(void)
{
	return curl_lazy() ? loaded->easy_init() : NULL;
}

const char *curl_lazy_strerror(CURLcode code)
{
	return curl_lazy() ? loaded->easy_strerror(code)
			   : "libcurl (libcurl.so.4) cannot be loaded";
}
