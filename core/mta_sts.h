/* mta_sts: MTA-STS (RFC 8461) as plain data — the `_mta-sts` TXT record
 * ("v=STSv1; id=...;"), the policy file (version, mode, mx patterns,
 * max_age), and whether an MX host name matches the policy. Pure and
 * fuzzed; fetching is os/mta_sts.c's. */
#ifndef TLSGATE_MTA_STS_H
#define TLSGATE_MTA_STS_H

#include <stdbool.h>
#include <stddef.h>

#include "dest.h"
#include "err.h"

#define MTA_STS_ID_MAX      32
#define MTA_STS_MX_MAX      16
#define MTA_STS_POLICY_MAX  65536    /* bytes of a policy file (RFC 8461 3.3: 64 KB) */
#define MTA_STS_MAX_AGE_MAX 31557600 /* one year (RFC 8461 3.2) */

enum mta_sts_mode { MTA_STS_NONE, MTA_STS_TESTING, MTA_STS_ENFORCE };

struct mta_sts_policy {
	enum mta_sts_mode mode;
	long max_age;
	char mx[MTA_STS_MX_MAX][256]; /* "mail.example.com" or "*.example.net" */
	size_t mx_count;
};

const char *mta_sts_mode_name(enum mta_sts_mode m); /* "enforce" */

/* The TXT record's text (its strings joined). 0 with the id; -1 when it is
 * not an STSv1 record (then the domain has no policy). */
int mta_sts_txt_parse(const char *txt, size_t len, char id[MTA_STS_ID_MAX + 1], struct err *e);
/* The policy file. -1 with why (the policy is then not used). */
int mta_sts_policy_parse(const char *text, size_t len, struct mta_sts_policy *out, struct err *e);
/* RFC 8461 4.1: the host equals a pattern, or a "*." pattern's suffix with
 * exactly one more label; case-insensitive, a trailing dot ignored. */
bool mta_sts_mx_match(const struct mta_sts_policy *p, const char *host);

/* What an MTA-STS policy says about one MX host, once DANE has declined
 * (RFC 8461 2: DANE first). `policy` NULL: none in force. */
enum mta_sts_action {
	MTA_STS_ACT_NONE,    /* no policy, mode none, or testing and the host matches */
	MTA_STS_ACT_ENFORCE, /* TLS with a verified certificate naming the host */
	MTA_STS_ACT_SKIP,    /* enforce, and the host is not in the mx list */
	MTA_STS_ACT_REPORT,  /* testing, the host is not in the mx list: logged only */
};
struct mta_sts_decision {
	enum mta_sts_action action;
	enum tls_level level;
	char why[400];
};
void mta_sts_decide(const struct mta_sts_policy *policy, const char *host, enum tls_level level,
		    struct mta_sts_decision *out);

#endif
