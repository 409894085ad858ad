/*
 * live: agent telemetry in the running daemon, on the event loop. It owns the struct agents
 * and feeds it from POST /api/v1/ingest bodies and from the lines of tailed log files, and
 * every second it expires what went idle, takes the measured usage of project runs and asks
 * for the next, appends the agents.<figure> series to the store (the loop thread is their
 * one writer), and publishes the `agents` channel and each `perf/<project>` channel. Each
 * new entry of the event ring goes out at once as an "event" notification on `events`.
 *
 * Everything here runs on the loop thread: decoding and applying events is CPU work on
 * bytes already read. The /proc reads behind a run's usage happen on the run_usage thread,
 * and the files are read on the logtail thread; this module only exchanges copies with them.
 */
#ifndef VIGIL_AGENTS_LIVE_H
#define VIGIL_AGENTS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "agents/agents.h"
#include "collect/logtail.h"
#include "collect/run_usage.h"
#include "config/config.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "store/store.h"

struct streams;

struct agents_live_opts {
    const struct config *cfg; /* borrowed for the call: limits, body size, history window */
    struct store *store;      /* borrowed; NULL: no series */
    struct streams *streams;  /* borrowed; NULL: nothing published */
    struct run_usage *usage;  /* borrowed; NULL: runs are not measured */
    struct logtail *tail;     /* borrowed; NULL: no log files */
};

struct agents_live;

/* Returns a new agents_live whose uptime counts from now_ms, or NULL when out of memory. */
struct agents_live *agents_live_new(const struct agents_live_opts *opts, int64_t now_ms);
void agents_live_free(struct agents_live *l);

/* The figures themselves, borrowed. */
struct agents *agents_live_agents(struct agents_live *l);

/* Applies the limits that may change on reload (body size, events per body, depth, string
 * lengths); the table sizes and times need a restart. */
void agents_live_reconfigure(struct agents_live *l, const struct config *cfg);

/* After history on disk gave events back to the ring (agents_restore_event()): they are
 * old news, not announced on the events channel. */
void agents_live_restored(struct agents_live *l);

/*
 * POST /api/v1/ingest: decodes body (borrowed for the call) by content_type, applies what
 * decoded, writes the answer into w (ingest_encode_result's document with "status" added)
 * and returns the HTTP status: 200 when something was accepted or nothing was rejected, 400
 * when every event was rejected or the body is not JSON of an accepted shape, 413 for a
 * body or batch over its limits, 415 for a content type other than JSON or NDJSON, 500 when
 * memory ran out.
 */
int agents_live_ingest(struct agents_live *l, const char *body, size_t len,
                       const char *content_type, int64_t now_ms, struct jsonw *w);

/* Decodes and applies the lines the tail thread queued (after each wake of the loop). */
void agents_live_drain(struct agents_live *l, int64_t now_ms);

/* Once a second. */
void agents_live_tick(struct agents_live *l, int64_t now_ms);

/* For /health: "sessions", "tools" and "logfiles" as members of the open object w. */
void agents_live_encode_health(struct agents_live *l, struct jsonw *w);
/* The vigil_agents_* families for /metrics. 0 or a negative error. */
int agents_live_encode_prom(struct agents_live *l, int64_t now_ms, struct buf *b);

#endif
