/*
 * listen_owner: which process on this host listens on a TCP port, read under a /proc root:
 * the inodes of the sockets listening on the port (/proc/net/tcp and tcp6), then the
 * process with a descriptor on one of them (/proc/<pid>/fd/N -> "socket:[INODE]"). Sees
 * the network namespace of the reader and the processes it may inspect (its own user's, or
 * all for root). Costs a walk over every process's descriptors, so a caller asks rarely and
 * passes its last answer as a hint, which costs one process's.
 */
#ifndef VIGIL_LISTEN_OWNER_H
#define VIGIL_LISTEN_OWNER_H

#include <stdint.h>

/* The pid listening on port under procfs (borrowed), or 0 when none can be seen. Where
 * several share the socket (pre-forked workers), the lowest pid, normally their parent.
 * hint: a pid to try first, or 0. */
uint32_t listen_owner_find(const char *procfs, uint16_t port, uint32_t hint);

#endif
