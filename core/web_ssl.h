/* web_ssl: System Administration > SSL Configuration in the WebUI: the view,
 * the Edit Settings form with the spec's field names (ssl_gui_method_tlsv1_2,
 * ssl_gui_ciphers, gui_tls_renegotiation, tls_client_method, ...) and the
 * reading of a submitted form into a configuration, through config_set (the
 * console's validators: the contiguity rule, the cipher string syntax). */
#ifndef TLSGATE_WEB_SSL_H
#define TLSGATE_WEB_SSL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "err.h"
#include "strbuf.h"
#include "web_form.h"

/* The settings table and, for those who may edit, the Edit Settings button. */
void web_ssl_view(const struct config *c, bool can_edit, struct strbuf *out);
/* The form, filled from `c`, or from `sent` (a refused submission shown
 * again: the boxes and ciphers as the admin left them, escaped; NULL: none);
 * `bad_field` (or NULL) is marked class="error" with `field_error`. */
void web_ssl_form(const struct config *c, const char *csrf, const struct web_form *sent,
		  const char *bad_field, const char *field_error, struct strbuf *out);
/* Applies a submitted form to `c`. -1: e says why, `field` names the form
 * field at fault ("ssl_inbound_method", "ssl_gui_ciphers"); `c` may then be
 * partly changed (the caller works on a copy). */
int web_ssl_apply(const struct web_form *f, struct config *c, char *field, size_t field_len,
		  struct err *e);

#endif
