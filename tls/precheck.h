/* precheck: the check phase of a commit. What each service will really be
 * able to negotiate under a prepared configuration (tls/prepare.h: the very
 * contexts the engines will run), and plain-words warnings about lockouts. */
#ifndef TLSGATE_PRECHECK_H
#define TLSGATE_PRECHECK_H

#include <openssl/ssl.h>

#include "../core/config.h"
#include "../core/strbuf.h"
#include "prepare.h"

/* Usable suites per version for one service; -1 where the version is disabled. */
struct service_prediction {
	int suites[TLS_VERSION_COUNT];
};

/* Reads the prepared contexts: each server's suites are those its own
 * certificate's key can authenticate. */
void precheck_predict(const struct prepared *p, struct service_prediction out[SVC_COUNT]);

/* Appends the prediction table and one "Warning: ..." line per problem of the
 * services in `services` (bit SVC_x; an expired certificate is always
 * reported); returns the number of warnings. */
int precheck_report(const struct prepared *p, unsigned services, struct strbuf *table,
		    struct strbuf *warnings);

/* Bit SVC_x set when service x's TLS settings, its certificate profile's name
 * or that profile's content (fingerprint) differ between base and next. */
unsigned precheck_changed_services(const struct config *base,
				   const unsigned char base_fp[SVC_COUNT][SHA256_DIGEST_LENGTH],
				   const struct prepared *next);

#endif
