/*
 * persist_encode: the writer's state as /health and /metrics show it, from a copy of its
 * stats (persist_stats()), so encoding never touches the writer.
 */
#ifndef VIGIL_PERSIST_ENCODE_H
#define VIGIL_PERSIST_ENCODE_H

#include <stdbool.h>

struct buf;
struct jsonw;
struct persist;

/* Members of /health's open "history" object: "state" (ok, starting, error, or off when p
 * is NULL), "error", "since", "db_bytes", "wal_bytes", "last_write", "last_write_ms",
 * "rollup_interval_ms", "rollups_until_ms", "queued", "dropped". */
void persist_encode_health(struct persist *p, struct jsonw *w);
/* True when p is in error (the daemon is degraded: history is not being kept). */
bool persist_degraded(struct persist *p);
/* The vigil_history_* families of the disk (none when p is NULL). 0 or a negative code. */
int persist_encode_prom(struct persist *p, struct buf *b);

#endif
