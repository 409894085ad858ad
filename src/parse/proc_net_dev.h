/*
 * proc_net_dev: the interfaces of /proc/net/dev, read one at a time. Pure: bytes in,
 * values out, no allocation. The kernel always opens the file with two header lines
 * ("Inter-|   Receive ..." and " face |bytes ..."); they are skipped by position.
 */
#ifndef VIGIL_PROC_NET_DEV_H
#define VIGIL_PROC_NET_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/host.h"
#include "parse/proc_lex.h"

struct proc_net_dev_iface {
    char name[HOST_NAME_LEN];
    uint64_t rx_bytes, rx_packets; /* received: download */
    uint64_t tx_bytes, tx_packets; /* transmitted: upload */
};

struct proc_net_dev_iter {
    struct proc_lex lx; /* borrows the caller's bytes */
    unsigned n_bad;     /* lines skipped as malformed */
};

/* Starts reading data (len bytes, no NUL needed; borrowed until the last call to next)
 * and skips the two header lines. */
void proc_net_dev_begin(struct proc_net_dev_iter *it, const char *data, size_t len);
/* Fills *iface with the next well-formed line, "name: " then the 8 receive and 8 transmit
 * counters. Returns true, or false when no line is left. */
bool proc_net_dev_next(struct proc_net_dev_iter *it, struct proc_net_dev_iface *iface);

#endif
