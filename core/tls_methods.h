/* tls_methods: sets of enabled TLS versions (v1.0 to v1.3), the contiguity
 * rule, and their AsyncOS spellings (overview tokens and menu numbers). */
#ifndef TLSGATE_TLS_METHODS_H
#define TLSGATE_TLS_METHODS_H

#include <stddef.h>

#include "err.h"

enum tls_version { TLS_V1_0, TLS_V1_1, TLS_V1_2, TLS_V1_3, TLS_VERSION_COUNT };

/* Bit v is set when version v is enabled. */
typedef unsigned tls_method_set;

#define TLS_METHODS_ALL ((1u << TLS_VERSION_COUNT) - 1)

/* "TLS v1.2" */
const char *tls_version_label(enum tls_version v);
/* "tlsv1_2" */
const char *tls_version_token(enum tls_version v);

/* Enabled versions form one unbroken, non-empty run. */
int methods_is_contiguous(tls_method_set set);
int methods_lowest(tls_method_set set);  /* -1 when empty */
int methods_highest(tls_method_set set); /* -1 when empty */

/* "tlsv1_1tlsv1_2": ascending, no separator. */
void methods_render_tokens(tls_method_set set, char *buf, size_t len);
/* Inverse of methods_render_tokens; refuses unknown or repeated tokens. */
int methods_parse_tokens(const char *text, tls_method_set *set, struct err *e);

/* The method menu lists TLS v1.3 as 1 down to TLS v1.0 as 4. */
int methods_menu_number(enum tls_version v);
tls_method_set methods_from_menu_items(unsigned item_mask);
/* The menu default: "2" or "2-4". */
void methods_render_menu_default(tls_method_set set, char *buf, size_t len);

/* Parse an answer to the method menu ("2", "1-3", "1,2,3") into a set,
 * enforcing the range and the contiguity rule. */
int methods_parse_menu_answer(const char *answer, tls_method_set *set, struct err *e);

#endif
