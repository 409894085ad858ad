/*
 * persist: history on disk, in SQLite (WAL) at <data_dir>/vigil.db. One writer thread opens
 * the database and is the only one that writes it: every rollup interval it reads each
 * series' ring (lock-free, like any reader) and writes one rollup per series in one
 * transaction; about once a second it writes what producers queued (agent events, model
 * calls, task outcomes, alert states) in one transaction; between those it deletes what is
 * past its retention in small steps. Readers open their own connections (disk_reader.h).
 *
 * Faults never stop the daemon: when the directory cannot be made, the file cannot be
 * opened or written (read-only, disk full, locked by another process, corrupt), the writer
 * closes the database, says why in its stats and the log (once per change), and tries again
 * 1 s, 2 s, 4s ... (at most 30 s) later; records keep queueing up to the queue's bound, and
 * rollups missed meanwhile are written from the rings when it recovers, as far back as they
 * reach. A corrupt database is moved aside (vigil.db.corrupt-<unix time>) and a new one
 * started. A database newer than this binary is left alone and reported.
 *
 * Crash safety: WAL with synchronous=NORMAL keeps the database consistent through kill -9
 * (and power loss, minus the last commits); a kill -9 loses what was queued but not yet
 * written (at most about a second of ingest) and the current period's rollup.
 */
#ifndef VIGIL_PERSIST_H
#define VIGIL_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "persist/retention.h"

struct store;
struct agent_event;
struct agent_model_call;
struct alert_instance;
struct alert_event;

#define PERSIST_DB_NAME "vigil.db"
#define PERSIST_ERR_MAX 256

enum persist_state {
    PERSIST_STARTING, /* the first open has not been tried yet */
    PERSIST_OK,
    PERSIST_ERROR, /* not writing; retrying with back-off */
};

/* What was written, by kind (the /metrics label). */
enum persist_kind {
    PK_ROLLUP,
    PK_COARSE,
    PK_EVENT,
    PK_MODEL_CALL,
    PK_TASK,
    PK_ALERT_STATE,
    PK_ALERT_EVENT,
    PK_NKINDS
};

struct persist_opts {
    const char *data_dir; /* copied; created with mode 0700 when missing */
    int64_t rollup_ms;    /* the rollup interval: whole seconds */
    int64_t coarse_ms;    /* coarse rollups: a multiple of rollup_ms; 0: none */
    int64_t history_ms;   /* what the rings hold: how far back missed rollups are redone */
    int64_t keep_ms[RETAIN_NKINDS];
    size_t max_series;    /* the store's */
    size_t queue_records; /* 0: 65536 */
    size_t queue_bytes;   /* 0: 64 MiB */
    int64_t flush_ms;     /* queued records are written this often; 0: 1000 */
};

struct persist_stats {
    enum persist_state state;
    char error[PERSIST_ERR_MAX]; /* "" when none; names no path (it is shown in /health) */
    int64_t since_ms;            /* when state or error last changed */
    int64_t last_write_ms;       /* the last commit, 0 never */
    int64_t db_bytes, wal_bytes; /* the files' sizes, 0 when absent */
    uint64_t commits, failures;
    uint64_t written[PK_NKINDS];
    uint64_t dropped; /* records the full queue refused */
    size_t queued;
    int64_t rollup_end_ms; /* rollups on disk cover the periods before this; 0 none */
    int64_t coarse_end_ms;
};

struct persist;

/* Returns a new, stopped writer over store (borrowed: it must outlive the writer), or NULL
 * when out of memory or the options are unusable. Nothing is opened yet. */
struct persist *persist_new(const struct persist_opts *o, const struct store *store);
/* Starts the writer thread; its first act is opening the database. */
int persist_start(struct persist *p);
/* Waits up to timeout_ms for the first open to succeed or fail; true when the database
 * is open. Start-up only: it blocks. */
bool persist_wait_open(struct persist *p, int64_t timeout_ms);
/* Stops the thread (writing what is queued and the current period's partial rollups first),
 * closes the database and frees everything. Safe on NULL. */
void persist_free(struct persist *p);

/* Producers, any thread: copies go on the queue; never blocks beyond a short lock.
 * -VIGIL_EFULL when the queue is full (the record is dropped and counted). */
int persist_event(struct persist *p, const struct agent_event *e);
int persist_model_call(struct persist *p, const struct agent_model_call *c);
/* status: enum ingest_task_status; has_duration false leaves the duration NULL. */
int persist_task(struct persist *p, int64_t ts_ms, const char *task_id, const char *project,
                 int status, bool has_duration, double duration_ms);
int persist_alert_state(struct persist *p, const struct alert_instance *in);
int persist_alert_event(struct persist *p, const struct alert_event *ev);

/* Any thread. */
void persist_stats(struct persist *p, struct persist_stats *out);
/* The database's path (borrowed), for readers. */
const char *persist_path(const struct persist *p);
/* Bumped each time the writer (re)opens the database: a reader with another generation
 * reopens (the file may have been replaced). */
unsigned persist_generation(const struct persist *p);
int64_t persist_rollup_end(const struct persist *p);
int64_t persist_coarse_end(const struct persist *p);
int64_t persist_rollup_ms(const struct persist *p);
int64_t persist_coarse_ms(const struct persist *p);

/* One iteration of the writer at now_ms (unix ms) on the calling thread, for tests and
 * benchmarks that do not start the thread: open when due, write the queue, the rollups
 * due, a retention step. */
void persist_tick(struct persist *p, int64_t now_ms);
/* What the thread does when it stops, at now_ms, without closing: the queue and the
 * partial rollups of the current period. */
void persist_flush(struct persist *p, int64_t now_ms);

const char *persist_state_name(enum persist_state s);
const char *persist_kind_name(enum persist_kind k);

#endif
