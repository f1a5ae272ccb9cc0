/* certconfig_profiles: the certificate profiles of a user's view and the
 * questions about them, shared by the certconfig files and the assignment
 * commands (certconfig.h). Profiles are entries "cert.NAME". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/pem_blob.h"
#include "../tls/inbound.h"
#include "certconfig.h"
#include "commands.h"
#include "prompt.h"

static int add_name(const char *name, const char *value, void *arg)
{
	struct profile_list *l = arg;
	void *grown = realloc(l->names, (size_t)(l->count + 1) * sizeof(*l->names));

	(void)value;
	if (!grown)
		abort();
	l->names = grown;
	snprintf(l->names[l->count++], sizeof(l->names[0]), "%s", name);
	return 0;
}

int profiles_load(struct session *s, struct profile_list *l)
{
	struct err e;

	l->names = NULL;
	l->count = 0;
	if (db_entries_list(s->db, 0, s->user, "cert", add_name, l, &e) < 0)
		return command_error(s, e.msg);
	return 0;
}

void profiles_free(struct profile_list *l)
{
	free(l->names);
	l->names = NULL;
	l->count = 0;
}

int profiles_find(const struct profile_list *l, const char *name)
{
	for (int i = 0; i < l->count; i++)
		if (strcmp(l->names[i], name) == 0)
			return i;
	return -1;
}

int ask_profile(struct session *s, const char *question, const struct profile_list *l,
		const char *def, char *out)
{
	const char **items = calloc((size_t)l->count + 1, sizeof(*items));
	int chosen, rc;

	if (!items)
		abort();
	for (int i = 0; i < l->count; i++)
		items[i] = l->names[i];
	rc = ask_pick(s, question, items, (size_t)l->count, def ? profiles_find(l, def) + 1 : 0,
		      &chosen);
	free(items);
	if (rc == 0)
		snprintf(out, CONFIG_PROFILE_MAX + 1, "%s", l->names[chosen - 1]);
	return rc;
}

static int check_profile_name(char *answer, void *arg, struct err *e)
{
	(void)arg;
	return config_check_profile_name(answer, e);
}

int ask_new_profile_name(struct session *s, char *name, bool *go)
{
	struct profile_list l;
	char question[256];
	int exists;

	*go = true;
	if (ask_bare(s, "Enter a name for this certificate profile:", name, CONFIG_PROFILE_MAX + 1,
		     check_profile_name, NULL) < 0 ||
	    profiles_load(s, &l) < 0)
		return -1;
	exists = profiles_find(&l, name) >= 0;
	profiles_free(&l);
	if (!exists)
		return 0;
	snprintf(question, sizeof(question),
		 "Certificate profile \"%s\" already exists. Do you want to\noverwrite with this "
		 "new one?", /* two lines, as AsyncOS (spec 4) */
		 name);
	return ask_yes_no(s, question, false, go);
}

int profile_read(struct session *s, const char *name, struct cert_profile *p)
{
	char *blob = NULL, msg[600];
	struct err e;
	int rc;

	memset(p, 0, sizeof(*p));
	if (db_entry_get(s->db, s->user, "cert", name, &blob, &e) < 0)
		return command_error(s, e.msg);
	if (!blob) {
		snprintf(msg, sizeof(msg), "There is no certificate profile \"%s\".", name);
		return command_error(s, msg);
	}
	rc = cert_profile_parse(blob, p, &e);
	cert_blob_free(blob);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "Certificate profile \"%s\" cannot be read: %s", name,
			 e.msg);
		return command_error(s, msg);
	}
	return 0;
}

int profile_stage(struct session *s, const char *name, const struct cert_profile *p,
		  const char *what)
{
	struct cert_info info;
	char *blob = NULL, days[32];
	struct err e;
	int rc;

	if (cert_profile_to_blob(p, &blob, &e) < 0)
		return command_error(s, e.msg);
	rc = db_entry_stage(s->db, s->user, "cert", name, blob, &e);
	cert_blob_free(blob);
	if (rc < 0)
		return command_error(s, e.msg);
	cert_info_of(p->cert, &info);
	pem_render_days(info.seconds_left, days, sizeof(days));
	printf("Certificate profile \"%s\" %s: \"%s\", issued by \"%s\", %s, %s remaining.\n", name,
	       what, info.common_name, info.issuer_cn, info.key_type, days);
	return 0;
}

void profile_users(struct session *s, const struct config *c, const char *name, char *buf,
		   size_t len)
{
	static const char *const where[SVC_COUNT] = { "interfaceconfig", "listenerconfig",
						      "destconfig" };
	struct plan_source src = { s->user, 0 };
	struct listener *ls;
	size_t used = 0, n;
	struct err e;

	buf[0] = '\0';
	for (int id = 0; id < SVC_COUNT && used < len; id++)
		if (strcmp(c->svc[id].certificate, name) == 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s (%s)",
						 used ? ", " : "", service_names(id)->title,
						 where[id]);
	/* A listener with a certificate of its own (listenerconfig EDIT). A
	 * table that cannot be read counts as a user: better refuse than
	 * leave a listener without its certificate. */
	if (inbound_listeners(s->db, &src, &ls, &n, &e) < 0) {
		if (used < len)
			snprintf(buf + used, len - used, "%sthe listeners (%s)", used ? ", " : "",
				 e.msg);
		return;
	}
	for (size_t i = 0; i < n && used < len; i++)
		if (strcmp(ls[i].certificate, name) == 0)
			used += (size_t)snprintf(
				buf + used, len - used,
				"%slistener %s (listenerconfig EDIT %s CERTIFICATE)",
				used ? ", " : "", ls[i].name, ls[i].name);
	free(ls);
}

int check_pasted_certificate(char *answer, void *arg, struct err *e)
{
	X509 **out = arg;
	struct err why;

	X509_free(*out);
	*out = NULL;
	if (cert_parse_certificate(answer, out, &why) < 0)
		return err_set(e, "That value is not valid. Invalid certificate (%s), discarding.",
			       why.msg);
	return 0;
}
