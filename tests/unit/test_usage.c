/* test_usage: the pure parts of the TLS usage record (issue 17): the
 * in-memory counters (same key adds up, distinct keys stay apart, the
 * bound folds new peers into "(other)" without losing a session, clear),
 * the top-peers ranking and the prediction's sentence and number formats. */
#include <stdio.h>
#include <string.h>

#include "../../core/usage_impact.h"
#include "../../core/usage_table.h"
#include "tap.h"

static void key(struct usage_key *k, const char *peer, const char *version, int outcome)
{
	usage_key_init(k, 3600, 1, USAGE_MODE_PREFERRED, outcome, "Management", peer,
		       "helo.example", version, version[0] ? "TLS_AES_256_GCM_SHA384" : "",
		       "x25519", "");
}

static unsigned long long sum(const struct usage_table *t, const char *peer)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < usage_table_count(t); i++)
		if (!peer || strcmp(usage_table_entry(t, i)->key.peer, peer) == 0)
			n += usage_table_entry(t, i)->sessions;
	return n;
}

static void test_table(void)
{
	struct usage_table *t = usage_table_new(100);
	struct usage_key k;
	char peer[32];
	int folded = 0, dropped = 0;

	key(&k, "192.0.2.1", "TLSv1.3", USAGE_SUCCESS);
	CHECK(usage_table_add(t, &k, 1) == 0 && usage_table_add(t, &k, 2) == 0,
	      "the same key twice is counted as is");
	CHECK(usage_table_count(t) == 1 && usage_table_entry(t, 0)->sessions == 3,
	      "one entry, 3 sessions");
	key(&k, "192.0.2.1", "TLSv1.2", USAGE_SUCCESS);
	usage_table_add(t, &k, 1);
	key(&k, "192.0.2.1", "", USAGE_NO_TLS);
	usage_table_add(t, &k, 1);
	CHECK(usage_table_count(t) == 3, "another version or outcome is another key");
	/* A key longer than its field is truncated, never overflows. */
	char longname[600];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	usage_key_init(&k, 0, 0, 0, 0, longname, longname, longname, longname, longname, longname,
		       longname);
	CHECK(strlen(k.peer) == sizeof(k.peer) - 1 && strlen(k.reason) == sizeof(k.reason) - 1,
	      "long strings are truncated to their fields");
	usage_table_clear(t);
	CHECK(usage_table_count(t) == 0 && sum(t, NULL) == 0, "clear empties the table");

	/* 100 keys at most: 150 peers leave 50 under "(other)", none lost. */
	for (int i = 0; i < 150; i++) {
		snprintf(peer, sizeof(peer), "198.51.100.%d", i);
		key(&k, peer, "TLSv1.3", USAGE_SUCCESS);
		int rc = usage_table_add(t, &k, 2);
		folded += rc == 1;
		dropped += rc < 0;
	}
	CHECK(folded == 50 && dropped == 0, "past the bound new peers fold into (other) (%d, %d)",
	      folded, dropped);
	CHECK(sum(t, NULL) == 300 && sum(t, USAGE_OTHER_PEER) == 100,
	      "every session is still counted (%llu, %llu under (other))", sum(t, NULL),
	      sum(t, USAGE_OTHER_PEER));
	key(&k, "198.51.100.7", "TLSv1.3", USAGE_SUCCESS);
	CHECK(usage_table_add(t, &k, 1) == 0 && sum(t, "198.51.100.7") == 3,
	      "a peer counted before the bound keeps its own entry");
	/* Past the reserve as well: counted as dropped. */
	for (int i = 0; i < 5000 && !dropped; i++) {
		snprintf(peer, sizeof(peer), "v%d", i);
		usage_key_init(&k, 3600 * (i + 2), 1, 0, 0, "", peer, "", "TLSv1.2", "", "", "");
		dropped += usage_table_add(t, &k, 1) < 0;
	}
	CHECK(dropped == 1 && usage_table_dropped(t) == 1,
	      "past the reserve a session is dropped and counted as dropped");
	usage_table_free(t);

	CHECK(strcmp(usage_outcome_name(USAGE_NO_TLS), "none") == 0 &&
		      usage_outcome_parse("failed") == USAGE_FAILED &&
		      usage_outcome_parse("x") == -1 &&
		      usage_mode_parse("required") == USAGE_MODE_REQUIRED,
	      "outcome and mode names round-trip");
	CHECK(strcmp(usage_version_label("TLSv1"), "TLS v1.0") == 0 &&
		      strcmp(usage_version_label("TLSv1.3"), "TLS v1.3") == 0 &&
		      strcmp(usage_version_label(""), "none") == 0,
	      "OpenSSL version names as AsyncOS writes them");
}

static void test_impact(void)
{
	struct usage_impact im;
	struct strbuf out;
	char buf[32];

	usage_format_count(51002, buf, sizeof(buf));
	CHECK(strcmp(buf, "51,002") == 0, "51,002 (%s)", buf);
	usage_format_count(1234567, buf, sizeof(buf));
	CHECK(strcmp(buf, "1,234,567") == 0, "1,234,567 (%s)", buf);
	usage_format_count(999, buf, sizeof(buf));
	CHECK(strcmp(buf, "999") == 0, "999 (%s)", buf);
	usage_format_share(214, 51002, buf, sizeof(buf));
	CHECK(strcmp(buf, "0.4 %") == 0, "214 of 51,002 is 0.4 %% (%s)", buf);
	usage_format_share(1, 51002, buf, sizeof(buf));
	CHECK(strcmp(buf, "< 0.1 %") == 0, "1 of 51,002 is < 0.1 %% (%s)", buf);
	usage_format_share(2, 3, buf, sizeof(buf));
	CHECK(strcmp(buf, "66.7 %") == 0, "2 of 3 is 66.7 %% (%s)", buf);

	usage_impact_init(&im);
	im.total = 51002;
	usage_impact_add_peer(&im, "b.example", 30);
	usage_impact_add_peer(&im, "none.example", 0);
	usage_impact_add_peer(&im, "relay.example.org", 120);
	usage_impact_add_peer(&im, "a.example", 30);
	usage_impact_add_peer(&im, "c.example", 4);
	usage_impact_add_peer(&im, "d.example", 30);
	CHECK(im.refused == 214 && im.peers == 5, "refused and peers add up (%llu, %llu)",
	      im.refused, im.peers);
	CHECK(im.ntop == 3 && strcmp(im.top[0].name, "relay.example.org") == 0 &&
		      strcmp(im.top[1].name, "a.example") == 0 &&
		      strcmp(im.top[2].name, "b.example") == 0,
	      "top 3 by sessions, ties by name");
	strbuf_init(&out);
	usage_impact_sentence(&im, "Inbound SMTP", "turning off TLS v1.1", "senders", 7, &out);
	CHECK(strcmp(out.data,
		     "Inbound SMTP: turning off TLS v1.1 would have refused 214 of 51,002 "
		     "sessions (0.4 %) from 5 senders in the last 7 days (top: "
		     "relay.example.org 120, a.example 30, b.example 30, ...).\n") == 0,
	      "the sentence (%.60s...)", out.data);
	strbuf_reset(&out);
	usage_impact_init(&im);
	im.total = 10;
	usage_impact_add_peer(&im, "127.0.0.1", 2);
	usage_impact_sentence(&im, "GUI HTTPS", "turning off TLS v1.0", "clients", 7, &out);
	CHECK(strcmp(out.data, "GUI HTTPS: turning off TLS v1.0 would have refused 2 of 10 "
			       "sessions (20.0 %) from 1 client in the last 7 days (top: "
			       "127.0.0.1 2).\n") == 0,
	      "one peer, singular (%.60s...)", out.data);
	strbuf_reset(&out);
	usage_impact_init(&im);
	im.total = 5;
	usage_impact_sentence(&im, "GUI HTTPS", "turning off TLS v1.0", "clients", 7, &out);
	CHECK(strcmp(out.data, "GUI HTTPS: turning off TLS v1.0 would have refused none of the 5 "
			       "sessions in the last 7 days.\n") == 0,
	      "nobody refused (%.60s...)", out.data);
	strbuf_free(&out);
}

int main(void)
{
	test_table();
	test_impact();
	return tap_done();
}
