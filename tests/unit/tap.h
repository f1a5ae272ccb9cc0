/* tap: a tiny TAP producer for the C unit tests; tests/run.sh counts the lines. */
#ifndef TLSGATE_TAP_H
#define TLSGATE_TAP_H

#include <stdio.h>

static int tap_number, tap_failures;

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		tap_number++;                                                              \
		if (cond) {                                                                \
			printf("ok %d - ", tap_number);                                    \
		} else {                                                                   \
			tap_failures++;                                                    \
			printf("not ok %d - %s:%d: ", tap_number, __FILE__, __LINE__);    \
		}                                                                          \
		printf(__VA_ARGS__);                                                       \
		printf("\n");                                                              \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_number);
	return tap_failures ? 1 : 0;
}

#endif
