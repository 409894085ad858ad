/*
 * sessions: the agent sessions vigil knows to be active, bounded in number. A session
 * starts with session_start and ends with session_end; one that is never ended expires once
 * vigil has heard nothing of it for the idle time, and when the table is full a new session
 * evicts the one idle longest. Both are counted, so nothing leaves silently.
 *
 * Two clocks per session: started_ms is the agent's time of session_start (its "ts"), for
 * ages; the table's seen time is vigil's own now_ms of the last event that named the
 * session, for idleness, so an agent's clock skew cannot expire a live session. Single
 * owner: not thread-safe.
 */
#ifndef VIGIL_SESSIONS_H
#define VIGIL_SESSIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "agents/table.h"
#include "parse/ingest.h"

#define SESSION_KEY_SIZE (INGEST_ID_CEIL + 1)

struct session {
    char id[SESSION_KEY_SIZE]; /* the table's key: first */
    char agent[SESSION_KEY_SIZE];
    char project[SESSION_KEY_SIZE];
    int64_t started_ms; /* unix ms, the agent's */
};

struct sessions {
    struct table t;
    uint64_t started; /* session_start of a session not already active */
    uint64_t ended;   /* session_end of an active session */
    uint64_t expired;
    uint64_t evicted;
};

/* Room for max sessions (1..2^24). 0, -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int sessions_init(struct sessions *s, unsigned max);
void sessions_release(struct sessions *s);

/*
 * Records session_start. A session already active is refreshed: agent and project are
 * replaced when given, its start time is kept (a retried start does not make it younger).
 * When the table is full, the session idle longest is evicted first. agent and project
 * may be NULL; strings longer than the record's fields are cut at a character boundary,
 * but an id that long is refused with -VIGIL_E2BIG.
 */
int sessions_start(struct sessions *s, const char *id, const char *agent, const char *project,
                   int64_t started_ms, int64_t now_ms);
/* Records session_end: 0, or -VIGIL_ENOENT when the session is not active. */
int sessions_end(struct sessions *s, const char *id);
/* Notes activity on a session (any event naming it). False when it is not active. */
bool sessions_touch(struct sessions *s, const char *id, int64_t now_ms);
/* Ends every session idle for idle_ms or more; returns how many. */
unsigned sessions_expire(struct sessions *s, int64_t now_ms, int64_t idle_ms);

/* The active session with that id, borrowed, or NULL. */
const struct session *sessions_find(const struct sessions *s, const char *id);
/* The earliest started_ms among active sessions; false when there are none. O(n). */
bool sessions_oldest_start(const struct sessions *s, int64_t *started_ms);

static inline unsigned sessions_count(const struct sessions *s)
{
    return table_count(&s->t);
}

#endif
