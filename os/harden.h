/* harden: process-wide protections set once at start: no core dumps from a
 * process that holds private keys, and as many descriptors as allowed. */
#ifndef TLSGATE_HARDEN_H
#define TLSGATE_HARDEN_H

/* RLIMIT_CORE 0 and PR_SET_DUMPABLE 0: a crash leaves no core file (keys in
 * memory), and other processes of the same user cannot ptrace this one or
 * read its /proc/PID/mem. 0, or -1 if either failed. */
int harden_no_core_dumps(void);
/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
 * in force afterwards (the descriptor budget). */
unsigned long harden_raise_nofile(void);

#endif
