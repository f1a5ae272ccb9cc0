/* usage_predict: the check phase's prediction from recorded traffic (issue
 * 17). For each service whose TLS versions or cipher list a commit changes,
 * one query of the TLS usage rollups (db/usage.h) over the last
 * USAGE_PREDICT_DAYS days says which sessions the new contexts could not
 * have negotiated: "Warning: Inbound SMTP: turning off TLS v1.1 would have
 * refused 214 of 51,002 sessions (0.4 %) from 7 senders in the last 7 days
 * (top: relay.example.org 120, ...)". */
#ifndef TLSGATE_USAGE_PREDICT_H
#define TLSGATE_USAGE_PREDICT_H

#include <time.h>

#include "../core/strbuf.h"
#include "prepare.h"

#define USAGE_PREDICT_DAYS 7

/* Appends the lines for the services in `services` (bit SVC_x) that `next`
 * changes from `base`; returns the number of warnings ("Warning: ..." lines:
 * sessions would have been refused). Lines saying nobody would have been
 * refused start "Note: " and are not warnings. Nothing when the rollups
 * hold no session of the service (or cannot be read). */
int usage_predict(struct db *db, const struct config *base, const struct prepared *next,
		  unsigned services, time_t now, struct strbuf *out);

#endif
