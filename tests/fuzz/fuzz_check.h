/* fuzz_check: the fuzzers' one assertion. Unlike assert() it is never compiled
 * out; it names the broken invariant, then aborts so libFuzzer keeps the input. */
#ifndef TLSGATE_FUZZ_CHECK_H
#define TLSGATE_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

__attribute__((noreturn)) static inline void check_failed(const char *what, const char *file,
							  int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

#define check(ok) ((ok) ? (void)0 : check_failed(#ok, __FILE__, __LINE__))

#endif
