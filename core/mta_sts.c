/* mta_sts: the TXT record, the policy file and MX matching (RFC 8461). */
#include "mta_sts.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *mta_sts_mode_name(enum mta_sts_mode m)
{
	return m == MTA_STS_ENFORCE ? "enforce" : m == MTA_STS_TESTING ? "testing" : "none";
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

int mta_sts_txt_parse(const char *txt, size_t len, char id[MTA_STS_ID_MAX + 1], struct err *e)
{
	const char *p = txt, *end = txt + len;
	bool first = true, have_id = false;

	id[0] = '\0';
	while (p < end) {
		const char *field = skip_ws(p, end), *semi, *fend, *eq;
		size_t klen, vlen;

		if (field >= end)
			break;
		semi = memchr(field, ';', (size_t)(end - field));
		fend = semi ? semi : end;

		p = semi ? semi + 1 : end;
		while (fend > field && (fend[-1] == ' ' || fend[-1] == '\t'))
			fend--;
		if (fend == field)
			continue;
		eq = memchr(field, '=', (size_t)(fend - field));
		if (!eq)
			return err_set(e, "an MTA-STS TXT field without '='");
		klen = (size_t)(eq - field);
		vlen = (size_t)(fend - eq - 1);
		if (first) {
			if (klen != 1 || field[0] != 'v' || vlen != 5 || memcmp(eq + 1, "STSv1", 5))
				return err_set(e, "not an STSv1 record");
			first = false;
		} else if (klen == 2 && memcmp(field, "id", 2) == 0) {
			if (vlen < 1 || vlen > MTA_STS_ID_MAX)
				return err_set(e, "an MTA-STS id is 1 to 32 letters or digits");
			for (size_t i = 0; i < vlen; i++)
				if (!isalnum((unsigned char)eq[1 + i]))
					return err_set(
						e, "an MTA-STS id is 1 to 32 letters or digits");
			memcpy(id, eq + 1, vlen);
			id[vlen] = '\0';
			have_id = true;
		}
	}
	if (first)
		return err_set(e, "not an STSv1 record");
	if (!have_id)
		return err_set(e, "an STSv1 record without id");
	return 0;
}

static int parse_long(const char *v, size_t n, long max, long *out)
{
	long r = 0;

	if (n == 0 || n > 10)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return -1;
		r = r * 10 + (v[i] - '0');
	}
	if (r > max)
		return -1;
	*out = r;
	return 0;
}

static bool valid_pattern(const char *v, size_t n)
{
	size_t i = 0;

	if (n >= 2 && v[0] == '*' && v[1] == '.')
		i = 2;
	if (i == n || n > 253)
		return false;
	for (; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '.' && v[i] != '_')
			return false;
	return true;
}

int mta_sts_policy_parse(const char *text, size_t len, struct mta_sts_policy *out, struct err *e)
{
	const char *p = text, *end = text + len;
	bool version = false, mode = false, max_age = false;

	memset(out, 0, sizeof(*out));
	if (len > MTA_STS_POLICY_MAX)
		return err_set(e, "the policy is larger than 64 KB");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *lend = nl ? nl : end, *colon, *v;
		size_t klen, vlen;

		if (lend > p && lend[-1] == '\r')
			lend--;
		colon = memchr(p, ':', (size_t)(lend - p));
		if (lend == p) {
			p = nl ? nl + 1 : end;
			continue;
		}
		if (!colon)
			return err_set(e, "a policy line without ':'");
		klen = (size_t)(colon - p);
		v = skip_ws(colon + 1, lend);
		vlen = (size_t)(lend - v);
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (klen == 7 && memcmp(p, "version", 7) == 0) {
			if (vlen != 5 || memcmp(v, "STSv1", 5) != 0)
				return err_set(e, "the policy version is not STSv1");
			version = true;
		} else if (klen == 4 && memcmp(p, "mode", 4) == 0) {
			if (vlen == 7 && memcmp(v, "enforce", 7) == 0)
				out->mode = MTA_STS_ENFORCE;
			else if (vlen == 7 && memcmp(v, "testing", 7) == 0)
				out->mode = MTA_STS_TESTING;
			else if (vlen == 4 && memcmp(v, "none", 4) == 0)
				out->mode = MTA_STS_NONE;
			else
				return err_set(e,
					       "the policy mode is not enforce, testing or none");
			mode = true;
		} else if (klen == 7 && memcmp(p, "max_age", 7) == 0) {
			if (parse_long(v, vlen, MTA_STS_MAX_AGE_MAX, &out->max_age) < 0)
				return err_set(e,
					       "max_age is not a number of seconds up to 31557600");
			max_age = true;
		} else if (klen == 2 && memcmp(p, "mx", 2) == 0) {
			if (!valid_pattern(v, vlen))
				return err_set(e, "an mx pattern is not a host name");
			if (out->mx_count == MTA_STS_MX_MAX)
				return err_set(e, "more than %d mx patterns", MTA_STS_MX_MAX);
			snprintf(out->mx[out->mx_count++], sizeof(out->mx[0]), "%.*s", (int)vlen,
				 v);
		} /* other keys are ignored (RFC 8461 3.2: extensions) */
		p = nl ? nl + 1 : end;
	}
	if (!version || !mode || !max_age)
		return err_set(e, "the policy lacks %s",
			       !version ? "version"
			       : !mode  ? "mode"
					: "max_age");
	if (out->mode != MTA_STS_NONE && out->mx_count == 0)
		return err_set(e, "the policy names no mx");
	return 0;
}

bool mta_sts_mx_match(const struct mta_sts_policy *p, const char *host)
{
	size_t hlen = strlen(host);

	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	for (size_t i = 0; i < p->mx_count; i++) {
		const char *pat = p->mx[i];
		size_t plen = strlen(pat);

		if (plen > 0 && pat[plen - 1] == '.') /* "mx.example.net." is that host too */
			plen--;
		if (plen >= 2 && pat[0] == '*' && pat[1] == '.') {
			const char *dot = memchr(host, '.', hlen);
			/* exactly one label before the suffix */
			if (dot && dot > host && (size_t)(host + hlen - dot) == plen - 1 &&
			    strncasecmp(dot, pat + 1, plen - 1) == 0)
				return true;
		} else if (plen == hlen && strncasecmp(pat, host, hlen) == 0) {
			return true;
		}
	}
	return false;
}

void mta_sts_decide(const struct mta_sts_policy *policy, const char *host, enum tls_level level,
		    struct mta_sts_decision *out)
{
	memset(out, 0, sizeof(*out));
	out->action = MTA_STS_ACT_NONE;
	out->level = level;
	if (!policy || policy->mode == MTA_STS_NONE) {
		snprintf(out->why, sizeof(out->why), "no MTA-STS policy in force");
		return;
	}
	if (!mta_sts_mx_match(policy, host)) {
		out->action =
			policy->mode == MTA_STS_ENFORCE ? MTA_STS_ACT_SKIP : MTA_STS_ACT_REPORT;
		snprintf(out->why, sizeof(out->why),
			 "%.253s is not in the MTA-STS policy's mx list (mode %s)%s", host,
			 mta_sts_mode_name(policy->mode),
			 policy->mode == MTA_STS_ENFORCE ? "; it is not used"
							 : "; delivered under the TLS setting");
		return;
	}
	if (policy->mode == MTA_STS_TESTING) {
		snprintf(out->why, sizeof(out->why),
			 "MTA-STS policy in mode testing: the TLS setting (%s) is used",
			 tls_level_label(level));
		return;
	}
	out->action = MTA_STS_ACT_ENFORCE;
	out->level = TLS_LEVEL_REQUIRED_VERIFY;
	snprintf(out->why, sizeof(out->why),
		 "MTA-STS policy in mode enforce: TLS with a verified certificate is required");
}
