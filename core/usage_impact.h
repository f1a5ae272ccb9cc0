/* usage_impact: what recorded traffic says about a change, in numbers and in
 * one sentence ("Inbound SMTP: turning off TLS v1.1 would have refused 214 of
 * 51,002 sessions (0.4 %) from 7 senders in the last 7 days (top:
 * relay.example.org 120, ...)"). Pure: the caller feeds it one peer at a
 * time (sessions of that peer the change would refuse). */
#ifndef TLSGATE_USAGE_IMPACT_H
#define TLSGATE_USAGE_IMPACT_H

#include <stddef.h>

#include "strbuf.h"

#define USAGE_IMPACT_TOP 3

struct usage_impact {
	unsigned long long total;   /* every session of the service in the period */
	unsigned long long refused; /* sessions the change would refuse */
	unsigned long long peers;   /* distinct peers among them */
	struct {
		char name[192];
		unsigned long long sessions;
	} top[USAGE_IMPACT_TOP]; /* the largest, largest first; ties by name */
	size_t ntop;
};

void usage_impact_init(struct usage_impact *im);
/* `sessions` of peer `name` would be refused (0: ignored). Each peer once. */
void usage_impact_add_peer(struct usage_impact *im, const char *name, unsigned long long sessions);

/* "51,002" */
void usage_format_count(unsigned long long n, char *buf, size_t len);
/* "0.4 %" (one decimal; "< 0.1 %" for a non-zero share below it) */
void usage_format_share(unsigned long long part, unsigned long long whole, char *buf, size_t len);

/* Appends "TITLE: WHAT would have refused N of M sessions (P) from K NOUN in
 * the last DAYS days (top: a 12, b 3, ...)" and a newline. `what` is
 * "turning off TLS v1.1"; `noun` "senders". Nothing refused: "TITLE: WHAT
 * would have refused none of the M sessions in the last DAYS days". */
void usage_impact_sentence(const struct usage_impact *im, const char *title, const char *what,
			   const char *noun, int days, struct strbuf *out);

#endif
