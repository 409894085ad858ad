/*
 * disk_reader: reading vigil.db from a thread that is not the writer (the event loop, at
 * start-up and for /api/v1/history). Its own read-only connection, opened on first use,
 * reopened when the writer has opened a new database (a corrupt one moved aside), and
 * given up on quietly when the file cannot be read: callers then answer from memory.
 *
 * Every read is an index range (rollups by series and time, events by rowid or time), and a
 * deadline set before a request bounds it: a read still running then is interrupted and
 * fails with -VIGIL_E2BIG, so the loop is never held long by disk.
 * Owned by one thread; not thread-safe.
 */
#ifndef VIGIL_PERSIST_DISK_READER_H
#define VIGIL_PERSIST_DISK_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct persist;
struct agent_event;
struct agent_model_call;
struct alert_instance;
struct alert_event;

struct disk_reader;

/* Returns a reader of p's database (p borrowed: it must outlive the reader), or NULL. */
struct disk_reader *disk_reader_new(const struct persist *p);
void disk_reader_free(struct disk_reader *r);

/* True when the database can be read now; opens or reopens it as needed (a failed open is
 * tried again at most once a second). */
bool disk_reader_ok(struct disk_reader *r);
/* Reads started after this call stop at the monotonic time deadline_ns (0: no deadline). */
void disk_reader_deadline(struct disk_reader *r, int64_t deadline_ns);

/* Calls fn for each series on disk whose name matches pattern (see series_match()). 0 or a
 * negative code. */
int disk_reader_series(struct disk_reader *r, const char *pattern,
                       void (*fn)(void *arg, const char *name, const char *unit), void *arg);

struct disk_row {
    int64_t ts_ms; /* the period's start */
    double min, avg, max;
    int64_t n;
};

/* Rollups (coarse ones when coarse) of series whose period starts in [from_ms, to_ms),
 * oldest first, to fn; fn returns 0 to go on. 0, -VIGIL_E2BIG past the deadline, or
 * another negative code. A series not on disk has no rows. */
int disk_reader_rollups(struct disk_reader *r, const char *series, bool coarse, int64_t from_ms,
                        int64_t to_ms, int (*fn)(void *arg, const struct disk_row *row), void *arg);

/* --- what start-up gives back to the agents and the alerts ----------------------------- */

/* The newest `limit` events (model calls), oldest first. 0 or a negative code. */
int disk_reader_events(struct disk_reader *r, size_t limit,
                       void (*fn)(void *arg, const struct agent_event *e), void *arg);
int disk_reader_model_calls(struct disk_reader *r, size_t limit,
                            void (*fn)(void *arg, const struct agent_model_call *c), void *arg);
/* Task outcomes since since_ms, summed per minute and status. */
int disk_reader_task_minutes(struct disk_reader *r, int64_t since_ms,
                             void (*fn)(void *arg, int64_t minute_ms, int status, uint64_t n,
                                        double duration_sum, uint64_t durations),
                             void *arg);
/* Error-level events since since_ms, counted per minute. */
int disk_reader_error_minutes(struct disk_reader *r, int64_t since_ms,
                              void (*fn)(void *arg, int64_t minute_ms, uint64_t n), void *arg);
/* Every alert instance saved. */
int disk_reader_alert_states(struct disk_reader *r,
                             void (*fn)(void *arg, const struct alert_instance *in), void *arg);
/* The newest `limit` alert starts and ends, oldest first. */
int disk_reader_alert_events(struct disk_reader *r, size_t limit,
                             void (*fn)(void *arg, const struct alert_event *ev), void *arg);

#endif
