/* config_web: the read-only "SSL Configuration" view of a configuration, as
 * the GUI HTTPS engine serves it: an HTML page and the same data as JSON. */
#ifndef TLSGATE_CONFIG_WEB_H
#define TLSGATE_CONFIG_WEB_H

#include "config.h"
#include "strbuf.h"

/* {"version":N,"hostname":"...","gui":{"methods":["TLSv1.2",...],"ciphers":"...",
 *  "tls13_ciphersuites":[...],"renegotiation":true},"inbound":{...},
 *  "outbound":{...no renegotiation...},"other_client_tlsv10":false,...} */
void config_render_json(const struct config *c, long version, struct strbuf *out);
void config_render_html(const struct config *c, long version, struct strbuf *out);

/* Escaping helpers, exposed for tests. */
void web_json_string(struct strbuf *out, const char *s);
void web_html_text(struct strbuf *out, const char *s);

#endif
