/* inbound: listeners, their tables and contexts, from one source. */
#include "inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "tls_ctx.h"
#include "trust.h"

struct collect {
	struct listener *l;
	size_t count;
	struct err *e;
	int bad;
};

static int collect_one(const char *name, const char *value, void *arg)
{
	struct collect *c = arg;

	if (c->count >= LISTENERS_MAX) {
		c->bad = err_set(c->e, "There are more than %d listeners.", LISTENERS_MAX);
		return 1;
	}
	if (listener_decode(name, value, &c->l[c->count], c->e) < 0) {
		c->bad = -1;
		return 1;
	}
	c->count++;
	return 0;
}

int inbound_listeners(struct db *db, const struct plan_source *src, struct listener **out,
		      size_t *count, struct err *e)
{
	struct collect c = { calloc(LISTENERS_MAX, sizeof(struct listener)), 0, e, 0 };

	if (!c.l)
		return err_set(e, "Out of memory.");
	if (db_entries_list(db, src->user ? 0 : src->version, src->user, "listener", collect_one,
			    &c, e) < 0 ||
	    c.bad) {
		free(c.l);
		return -1;
	}
	if (c.count == 0)
		listener_default(&c.l[c.count++]);
	*out = c.l;
	*count = c.count;
	return 0;
}

void inbound_default_tables(const struct listener *l, bool stored, struct hat *hat, struct rat *rat)
{
	/* The first listener, made before listeners could be configured,
	 * offered STARTTLS and took mail from the host itself: it keeps both.
	 * Listeners made with NEW start as AsyncOS's do (TLS off). */
	bool first = !stored || !l->address[0];

	if (hat)
		hat_defaults(hat, l->type == LISTENER_PUBLIC,
			     first ? HAT_TLS_PREFERRED : HAT_TLS_NO, first ? "127.0.0.1" : NULL);
	if (rat)
		rat_defaults(rat);
}

static int get_entry(struct db *db, const struct plan_source *src, const char *kind,
		     const char *name, char **value, struct err *e)
{
	return src->user ? db_entry_get(db, src->user, kind, name, value, e)
			 : db_entry_get_version(db, src->version, kind, name, value, e);
}

int inbound_tables(struct db *db, const struct plan_source *src, const struct listener *l,
		   struct hat *hat, struct rat *rat, struct err *e)
{
	char *htext = NULL, *rtext = NULL, *ltext = NULL;
	struct err why;
	int rc = -1;

	hat_init(hat);
	rat_init(rat);
	if (get_entry(db, src, "hat", l->name, &htext, e) < 0 ||
	    get_entry(db, src, "rat", l->name, &rtext, e) < 0 ||
	    get_entry(db, src, "listener", l->name, &ltext, e) < 0)
		goto out;
	if (htext) {
		if (hat_parse(htext, hat, &why) < 0) {
			err_set(e, "Listener %s, host access table: %s", l->name, why.msg);
			goto out;
		}
	} else {
		inbound_default_tables(l, ltext != NULL, hat, NULL);
	}
	if (rtext) {
		if (rat_parse(rtext, rat, &why) < 0) {
			hat_free(hat);
			err_set(e, "Listener %s, recipient access table: %s", l->name, why.msg);
			goto out;
		}
	} else {
		rat_defaults(rat);
	}
	rc = 0;
out:
	free(htext);
	free(rtext);
	free(ltext);
	return rc;
}

int inbound_setup(struct db *db, const struct plan_source *src, struct listener_setup *out,
		  struct err *e)
{
	char *text = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (get_entry(db, src, "smtpsetup", LISTENER_SETUP_ENTRY, &text, e) < 0)
		return -1;
	rc = text ? listener_setup_decode(text, out, e) : 0;
	free(text);
	return rc;
}

static void free_listener(struct inbound_listener *x)
{
	hat_match_free(&x->hm);
	hat_free(&x->hat);
	rat_match_free(&x->rm);
	rat_free(&x->rat);
	SSL_CTX_free(x->ctx);
}

static SSL_CTX *build_ctx(struct db *db, const struct plan_source *src, const struct config *c,
			  struct inbound_listener *x, X509_STORE **store, struct err *e)
{
	struct tls_identity ident;
	struct err why;
	int found;
	SSL_CTX *ctx;

	if (certs_load_as(db, src->user, src->version, x->certificate, &ident, &found, &why) < 0) {
		err_set(e, "Listener %s: %s", x->l.name, why.msg);
		return NULL;
	}
	if (!found) {
		err_set(e, "Listener %s: the certificate profile \"%s\" does not exist.", x->l.name,
			x->certificate);
		return NULL;
	}
	ctx = ctx_build(SVC_INBOUND, &c->svc[SVC_INBOUND], ident.cert, ident.chain, ident.key,
			&why);
	certs_identity_free(&ident);
	if (!ctx) {
		err_set(e, "Listener %s: %s", x->l.name, why.msg);
		return NULL;
	}
	/* Every listener trusts the CAs, verifying or not: a session admitted
	 * under a Verify policy may hand its handshake to a later context
	 * (daemon.c, on_listener_hello). The system bundle is read lazily. */
	if (!*store && trust_store_build(db, src->user, src->version, c, store, e) < 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	X509_STORE_up_ref(*store);
	SSL_CTX_set_cert_store(ctx, *store);
	return ctx;
}

static bool any_verify(const struct hat *h)
{
	struct hat_params p;

	for (size_t i = 0; i < h->npolicies; i++) {
		hat_effective(h, (int)i, &p);
		if (hat_tls_verify(p.tls))
			return true;
	}
	return false;
}

static int build_one(struct db *db, const struct plan_source *src, const struct config *c,
		     struct inbound_listener *x, X509_STORE **store, struct err *e)
{
	snprintf(x->certificate, sizeof(x->certificate), "%s",
		 x->l.certificate[0] ? x->l.certificate : c->svc[SVC_INBOUND].certificate);
	if (inbound_tables(db, src, &x->l, &x->hat, &x->rat, e) < 0)
		return -1;
	if (hat_compile(&x->hat, &x->hm, e) < 0 || rat_compile(&x->rat, &x->rm, e) < 0)
		return -1;
	x->verify = any_verify(&x->hat);
	x->names = addr_match_wants_names(&x->hm.m);
	return (x->ctx = build_ctx(db, src, c, x, store, e)) ? 0 : -1;
}

int inbound_build(struct db *db, const struct plan_source *src, const struct config *c,
		  struct inbound **out, struct err *e)
{
	struct inbound *in = calloc(1, sizeof(*in));
	struct listener *ls = NULL;
	X509_STORE *store = NULL;
	size_t n = 0;

	if (!in)
		return err_set(e, "Out of memory.");
	in->refs = 1;
	if (inbound_setup(db, src, &in->setup, e) < 0 || inbound_listeners(db, src, &ls, &n, e) < 0)
		goto fail;
	in->l = calloc(n, sizeof(*in->l));
	if (!in->l) {
		err_set(e, "Out of memory.");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(ls[i].address, ls[j].address) == 0) {
				err_set(e, "Listeners %s and %s both listen on %s.", ls[j].name,
					ls[i].name,
					ls[i].address[0] ? ls[i].address : "the --smtp address");
				goto fail;
			}
		in->l[i].l = ls[i];
		in->count = i + 1;
		if (build_one(db, src, c, &in->l[i], &store, e) < 0)
			goto fail;
	}
	free(ls);
	X509_STORE_free(store);
	*out = in;
	return 0;
fail:
	free(ls);
	X509_STORE_free(store);
	inbound_unref(in);
	return -1;
}

struct inbound *inbound_ref(struct inbound *in)
{
	if (in)
		__atomic_add_fetch(&in->refs, 1, __ATOMIC_RELAXED);
	return in;
}

void inbound_unref(struct inbound *in)
{
	if (!in || __atomic_sub_fetch(&in->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < in->count; i++)
		free_listener(&in->l[i]);
	free(in->l);
	free(in);
}
