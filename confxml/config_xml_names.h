/* config_xml_names: the element names of the settings in a configuration
 * file. sslconfig's settings are AsyncOS's <ssl_SERVICE_method>,
 * <ssl_SERVICE_ciphers>, ... (derived from the key, so a new sslconfig
 * setting gets its element without a table); every other setting is a
 * generic <setting name="KEY">. */
#ifndef TLSGATE_CONFIG_XML_NAMES_H
#define TLSGATE_CONFIG_XML_NAMES_H

#include <stddef.h>

#include "../core/config.h"

/* "gui.methods" -> "ssl_gui_method", "sslconfig.peer_cert_fqdn" ->
 * "ssl_peer_cert_fqdn"; -1 for a setting that is not sslconfig's. */
int cfgxml_ssl_element(const struct setting *s, char *buf, size_t len);
/* The setting an <ssl> child names, or NULL. */
const struct setting *cfgxml_ssl_setting(const char *element);

#endif
