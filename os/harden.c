/* harden: core dumps off and the descriptor limit raised (see harden.h). */
#include "harden.h"

#include <sys/prctl.h>
#include <sys/resource.h>

int harden_no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };
	int rc = 0;

	if (setrlimit(RLIMIT_CORE, &none) < 0)
		rc = -1;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		rc = -1;
	return rc;
}

unsigned long harden_raise_nofile(void)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0)
		return 1024;
	if (r.rlim_cur < r.rlim_max) {
		r.rlim_cur = r.rlim_max;
		setrlimit(RLIMIT_NOFILE, &r);
		getrlimit(RLIMIT_NOFILE, &r);
	}
	return r.rlim_cur == RLIM_INFINITY ? 1UL << 20 : (unsigned long)r.rlim_cur;
}
