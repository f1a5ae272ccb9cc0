/* usage_predict: recorded sessions against the prepared contexts. */
#include "usage_predict.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/usage_impact.h"
#include "../db/usage.h"
#include "tls_ctx.h"

#define VERDICTS_MAX 128 /* distinct (version, cipher) pairs remembered */

/* One query's walk: rows come ordered by peer; each peer's refused
 * sessions are added to the impacts when the next peer starts. */
struct walk {
	const struct prepared *next;
	enum tls_service_id id;
	unsigned long long total;
	char peer[192];
	unsigned long long peer_version[TLS_VERSION_COUNT], peer_cipher;
	struct usage_impact version[TLS_VERSION_COUNT], cipher;
	struct {
		char version[16], cipher[64];
		bool usable;
	} verdicts[VERDICTS_MAX];
	int nverdicts;
};

static int version_of(const char *name)
{
	static const char *const names[TLS_VERSION_COUNT] = { "TLSv1", "TLSv1.1", "TLSv1.2",
							      "TLSv1.3" };

	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		if (strcmp(names[v], name) == 0)
			return v;
	return -1;
}

/* Could the new context have negotiated this suite at this version? */
static bool usable(struct walk *w, int v, const char *version, const char *cipher)
{
	SSL_CTX *ctx = w->next->ctx[w->id];
	bool ok;

	for (int i = 0; i < w->nverdicts; i++)
		if (strcmp(w->verdicts[i].version, version) == 0 &&
		    strcmp(w->verdicts[i].cipher, cipher) == 0)
			return w->verdicts[i].usable;
	ok = tls_suite_usable(ctx, v, SSL_CTX_get0_privatekey(ctx), w->id != SVC_OUTBOUND, cipher);
	if (w->nverdicts < VERDICTS_MAX) {
		snprintf(w->verdicts[w->nverdicts].version, sizeof(w->verdicts[0].version), "%s",
			 version);
		snprintf(w->verdicts[w->nverdicts].cipher, sizeof(w->verdicts[0].cipher), "%s",
			 cipher);
		w->verdicts[w->nverdicts++].usable = ok;
	}
	return ok;
}

static void end_peer(struct walk *w)
{
	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		usage_impact_add_peer(&w->version[v], w->peer, w->peer_version[v]);
	usage_impact_add_peer(&w->cipher, w->peer, w->peer_cipher);
	memset(w->peer_version, 0, sizeof(w->peer_version));
	w->peer_cipher = 0;
}

static int on_row(const struct usage_row *r, void *arg)
{
	struct walk *w = arg;
	int v;

	if (strcmp(r->peer, w->peer) != 0) {
		end_peer(w);
		snprintf(w->peer, sizeof(w->peer), "%s", r->peer);
	}
	w->total += r->sessions;
	if (r->outcome != USAGE_SUCCESS || (v = version_of(r->version)) < 0)
		return 0;
	if (!(w->next->config.svc[w->id].methods & (1u << v)))
		w->peer_version[v] += r->sessions;
	else if (!usable(w, v, r->version, r->cipher))
		w->peer_cipher += r->sessions;
	return 0;
}

static int sentence(const struct usage_impact *im, enum tls_service_id id, const char *what,
		    struct strbuf *out)
{
	static const char *const nouns[SVC_COUNT] = {
		[SVC_GUI] = "clients", [SVC_INBOUND] = "senders", [SVC_OUTBOUND] = "destinations"
	};

	strbuf_puts(out, im->refused ? "Warning: " : "Note: ");
	usage_impact_sentence(im, service_names(id)->title, what, nouns[id], USAGE_PREDICT_DAYS,
			      out);
	return im->refused ? 1 : 0;
}

static int predict_service(struct db *db, const struct tls_service *before,
			   const struct prepared *next, enum tls_service_id id, long long since,
			   struct strbuf *out)
{
	static struct walk w; /* large; the console is one thread */
	const struct tls_service *after = &next->config.svc[id];
	tls_method_set off = before->methods & ~after->methods;
	struct err e;
	int warnings = 0;
	char what[64];

	memset(&w, 0, sizeof(w));
	w.next = next;
	w.id = id;
	for (int v = 0; v < TLS_VERSION_COUNT; v++)
		usage_impact_init(&w.version[v]);
	usage_impact_init(&w.cipher);
	if (db_usage_query(db, USAGE_Q_IMPACT, id, since, on_row, &w, &e) < 0)
		return 0;
	end_peer(&w);
	if (w.total == 0)
		return 0;
	for (int v = TLS_VERSION_COUNT - 1; v >= 0; v--) {
		if (!(off & (1u << v)))
			continue;
		w.version[v].total = w.total;
		snprintf(what, sizeof(what), "turning off %s", tls_version_label(v));
		warnings += sentence(&w.version[v], id, what, out);
	}
	/* Suites the new contexts cannot negotiate at a version they keep (a
	 * cipher list, a certificate's key type): said when the list changes,
	 * or when any session would be refused. */
	if (w.cipher.refused || strcmp(before->ciphers, after->ciphers) != 0) {
		w.cipher.total = w.total;
		warnings += sentence(&w.cipher, id, "the new cipher suites", out);
	}
	return warnings;
}

int usage_predict(struct db *db, const struct config *base, const struct prepared *next,
		  unsigned services, time_t now, struct strbuf *out)
{
	long long since = ((long long)now - USAGE_PREDICT_DAYS * 86400LL) / 3600 * 3600;
	int warnings = 0;

	for (int id = 0; id < SVC_COUNT; id++) {
		if (services & (1u << id))
			warnings += predict_service(db, &base->svc[id], next, id, since, out);
	}
	return warnings;
}
