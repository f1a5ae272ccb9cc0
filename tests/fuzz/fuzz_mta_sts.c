/* fuzz_mta_sts: the MTA-STS TXT record and policy file parsers
 * (core/mta_sts.c) on the same input. Invariants: an accepted TXT record's id
 * is 1 to 32 letters and digits; an accepted policy has a known mode,
 * max_age within a year, at most MTA_STS_MX_MAX NUL-terminated patterns (at
 * least one unless mode none), each matching the host it names (minus a
 * "*." prefix, plus one label); the decision for any host is consistent with
 * the match. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../core/mta_sts.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[MTA_STS_ID_MAX + 1];
	struct mta_sts_policy p;
	struct mta_sts_decision d;
	struct err e;

	if (mta_sts_txt_parse((const char *)data, size, id, &e) == 0) {
		size_t n = strlen(id);
		check(n >= 1 && n <= MTA_STS_ID_MAX);
		for (size_t i = 0; i < n; i++)
			check(isalnum((unsigned char)id[i]));
	}
	if (mta_sts_policy_parse((const char *)data, size, &p, &e) < 0)
		return 0;
	check(p.mode <= MTA_STS_ENFORCE && p.max_age >= 0 && p.max_age <= MTA_STS_MAX_AGE_MAX);
	check(p.mx_count <= MTA_STS_MX_MAX && (p.mode == MTA_STS_NONE || p.mx_count > 0));
	for (size_t i = 0; i < p.mx_count; i++) {
		char host[300];
		check(memchr(p.mx[i], '\0', sizeof(p.mx[i])) != NULL);
		if (strncmp(p.mx[i], "*.", 2) == 0)
			snprintf(host, sizeof(host), "x%s", p.mx[i] + 1);
		else
			snprintf(host, sizeof(host), "%s", p.mx[i]);
		check(mta_sts_mx_match(&p, host));
		mta_sts_decide(&p, host, TLS_LEVEL_NO, &d);
		check(p.mode != MTA_STS_ENFORCE || d.action == MTA_STS_ACT_ENFORCE);
	}
	mta_sts_decide(&p, "no-such-host.invalid", TLS_LEVEL_NO, &d);
	check(d.action != MTA_STS_ACT_SKIP || p.mode == MTA_STS_ENFORCE);
	return 0;
}
