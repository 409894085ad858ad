/*
 * requests: the agent requests in flight (request_start seen, request_end not yet), with
 * their start time, session and channel, bounded in number. As with sessions, one that
 * never ends expires after the idle time (measured from when vigil heard of its start),
 * and when the table is full a new request evicts the oldest; both are counted. Single
 * owner: not thread-safe.
 */
#ifndef VIGIL_REQUESTS_H
#define VIGIL_REQUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "agents/table.h"
#include "parse/ingest.h"

struct jsonw;

#define REQUEST_KEY_SIZE (INGEST_ID_CEIL + 1)

struct request {
    char id[REQUEST_KEY_SIZE]; /* the table's key: first */
    char session_id[REQUEST_KEY_SIZE];
    char channel[REQUEST_KEY_SIZE];
    int64_t started_ms; /* unix ms, the agent's */
};

struct requests {
    struct table t;
    uint64_t started;
    uint64_t ended; /* request_end of an active request */
    uint64_t expired;
    uint64_t evicted;
};

/* Room for max requests (1..2^24). 0, -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int requests_init(struct requests *r, unsigned max);
void requests_release(struct requests *r);

/* Records request_start. A request already in flight is restarted with the new details.
 * When the table is full the oldest request is evicted first. session_id and channel may
 * be NULL. -VIGIL_E2BIG for an id longer than the record holds. */
int requests_start(struct requests *r, const char *id, const char *session_id, const char *channel,
                   int64_t started_ms, int64_t now_ms);
/* Records request_end: copies the request into *out (when out is not NULL) and forgets it.
 * -VIGIL_ENOENT when it is not in flight. */
int requests_end(struct requests *r, const char *id, struct request *out);
/* Forgets every request in flight for idle_ms or more; returns how many. */
unsigned requests_expire(struct requests *r, int64_t now_ms, int64_t idle_ms);

static inline unsigned requests_count(const struct requests *r)
{
    return table_count(&r->t);
}

/* Writes the requests in flight as a JSON array, in the order vigil heard of them (oldest
 * first): {"id","session_id","channel","started_at","started_at_ms","duration_ms"}, the
 * duration running to now_ms. */
void requests_encode(const struct requests *r, int64_t now_ms, struct jsonw *w);

#endif
