/* cert_rules: what the NEW dialog accepts for a certificate's subject and
 * subject alternative names, as pure checks (messages open with the
 * spec's client openings). */
#ifndef TLSGATE_CERT_RULES_H
#define TLSGATE_CERT_RULES_H

#include <stddef.h>

#include "err.h"

/* A subject field of at most `max` bytes, without control characters;
 * `required` refuses an empty one. */
int cert_check_subject_field(const char *value, size_t max, int required, struct err *e);
/* Empty, or two ASCII letters (upper-cased in place). */
int cert_check_country(char *value, struct err *e);
/* A DNS name (letters, digits, '-', dot-separated labels of 1-63, at most
 * 253, optionally starting with "*.") or an IPv4/IPv6 address. */
int cert_check_san(const char *value, struct err *e);
/* Days of validity: a whole number from 1 to 36500. */
int cert_check_days(const char *value, int *days, struct err *e);

#endif
