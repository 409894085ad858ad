/*
 * proc_net_tcp: the listening sockets in /proc/net/tcp and /proc/net/tcp6. Pure: bytes in,
 * socket inodes out, no I/O. Used to find which process serves an inference target on this
 * host: the inode of the socket listening on the target's port, then the process holding a
 * descriptor to it (listen_owner.c).
 *
 * Each line after the header is "sl: LOCAL REMOTE ST TX:RX TR:WHEN RETR UID TIMEOUT INODE
 * ...", addresses as hex ADDRESS:PORT (8 hex digits for IPv4, 32 for IPv6) and the state in
 * hex, 0A for LISTEN. A line that does not read so is skipped.
 */
#ifndef VIGIL_PROC_NET_TCP_H
#define VIGIL_PROC_NET_TCP_H

#include <stddef.h>
#include <stdint.h>

/* Writes into inodes (room for max) the inode of every socket listening on port in len
 * bytes of a tcp or tcp6 table (borrowed), and returns how many there were (which may be
 * more than max; only max are written). Sockets whose inode is 0 (not yet owned) are left
 * out. */
unsigned proc_net_tcp_listeners(const char *text, size_t len, uint16_t port, uint64_t *inodes,
                                unsigned max);

#endif
