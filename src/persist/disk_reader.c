/*
 * disk_reader: a read-only connection and a few prepared queries. A read that fails for
 * any reason other than the deadline closes the connection, so the next one starts
 * afresh (the file may have been replaced or repaired meanwhile).
 */
#include "persist/disk_reader.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agents.h"
#include "alert/engine.h"
#include "alert/state.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "persist/persist.h"
#include "store/store.h"

#define RETRY_NS        1000000000LL
#define BUSY_TIMEOUT_MS 20

enum { RQ_SERIES_ID, RQ_ROLLUPS, RQ_COARSE, RQ_N };

static const char *const rq_sql[RQ_N] = {
    [RQ_SERIES_ID] = "SELECT id FROM series WHERE name = ?1",
    [RQ_ROLLUPS] = "SELECT ts, min, avg, max, n FROM rollups WHERE series = ?1 AND ts >= ?2"
                   " AND ts < ?3 ORDER BY ts",
    [RQ_COARSE] = "SELECT ts, min, avg, max, n FROM rollups_coarse WHERE series = ?1"
                  " AND ts >= ?2 AND ts < ?3 ORDER BY ts",
};

struct disk_reader {
    const struct persist *p;
    sqlite3 *db;
    sqlite3_stmt *rq[RQ_N];
    unsigned generation;
    int64_t retry_at_ns;
    int64_t deadline_ns;
};

struct disk_reader *disk_reader_new(const struct persist *p)
{
    struct disk_reader *r = vigil_calloc(1, sizeof *r);
    if (r)
        r->p = p;
    return r;
}

static void close_db(struct disk_reader *r)
{
    for (int i = 0; i < RQ_N; i++) {
        sqlite3_finalize(r->rq[i]);
        r->rq[i] = NULL;
    }
    if (r->db)
        sqlite3_close_v2(r->db);
    r->db = NULL;
}

void disk_reader_free(struct disk_reader *r)
{
    if (!r)
        return;
    close_db(r);
    free(r);
}

static int on_progress(void *arg)
{
    const struct disk_reader *r = arg;
    return r->deadline_ns && clock_mono_ns() > r->deadline_ns;
}

void disk_reader_deadline(struct disk_reader *r, int64_t deadline_ns)
{
    r->deadline_ns = deadline_ns;
}

bool disk_reader_ok(struct disk_reader *r)
{
    unsigned gen = persist_generation(r->p);
    if (r->db && gen == r->generation)
        return true;
    close_db(r);
    /* nothing to read until the writer has opened (and made) the database once */
    int64_t now = clock_mono_ns();
    if (gen == 0 || now < r->retry_at_ns)
        return false;
    r->retry_at_ns = now + RETRY_NS;
    int rc = sqlite3_open_v2(persist_path(r->p), &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                             NULL);
    for (int i = 0; i < RQ_N && rc == SQLITE_OK; i++)
        rc = sqlite3_prepare_v3(r->db, rq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->rq[i], NULL);
    if (rc != SQLITE_OK) {
        close_db(r);
        return false;
    }
    sqlite3_busy_timeout(r->db, BUSY_TIMEOUT_MS);
    /* checked every 1000 virtual machine steps: tens of microseconds */
    sqlite3_progress_handler(r->db, 1000, on_progress, r);
    r->generation = gen;
    return true;
}

/* The result of a finished read: 0, -VIGIL_E2BIG for the deadline, or -VIGIL_EIO (and the
 * connection closed). */
static int done(struct disk_reader *r, int rc)
{
    if (rc == SQLITE_DONE || rc == SQLITE_OK)
        return 0;
    if (rc == SQLITE_INTERRUPT)
        return -VIGIL_E2BIG;
    close_db(r);
    return -VIGIL_EIO;
}

int disk_reader_series(struct disk_reader *r, const char *pattern,
                       void (*fn)(void *arg, const char *name, const char *unit), void *arg)
{
    if (!disk_reader_ok(r))
        return -VIGIL_EIO;
    bool exact = strchr(pattern, '*') == NULL;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db,
                                exact ? "SELECT name, unit FROM series WHERE name = ?1"
                                      : "SELECT name, unit FROM series ORDER BY id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return done(r, rc);
    if (exact)
        sqlite3_bind_text(st, 1, pattern, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *unit = (const char *)sqlite3_column_text(st, 1);
        if (name && (exact || series_match(pattern, name)))
            fn(arg, name, unit ? unit : "");
    }
    sqlite3_finalize(st);
    return done(r, rc);
}

int disk_reader_rollups(struct disk_reader *r, const char *series, bool coarse, int64_t from_ms,
                        int64_t to_ms, int (*fn)(void *arg, const struct disk_row *row), void *arg)
{
    if (!disk_reader_ok(r))
        return -VIGIL_EIO;
    sqlite3_stmt *id = r->rq[RQ_SERIES_ID];
    sqlite3_bind_text(id, 1, series, -1, SQLITE_STATIC);
    int rc = sqlite3_step(id);
    int64_t sid = rc == SQLITE_ROW ? sqlite3_column_int64(id, 0) : 0;
    sqlite3_reset(id);
    if (rc != SQLITE_ROW)
        return done(r, rc);
    sqlite3_stmt *st = r->rq[coarse ? RQ_COARSE : RQ_ROLLUPS];
    sqlite3_bind_int64(st, 1, sid);
    /* periods are stamped in seconds; a range edge inside a second rounds up */
    sqlite3_bind_int64(st, 2, from_ms / 1000 + (from_ms % 1000 > 0));
    sqlite3_bind_int64(st, 3, to_ms / 1000 + (to_ms % 1000 > 0));
    int stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct disk_row row = {
            .ts_ms = sqlite3_column_int64(st, 0) * 1000,
            .min = sqlite3_column_double(st, 1),
            .avg = sqlite3_column_double(st, 2),
            .max = sqlite3_column_double(st, 3),
            .n = sqlite3_column_int64(st, 4),
        };
        stop = fn(arg, &row);
    }
    sqlite3_reset(st);
    return stop ? 0 : done(r, rc);
}

/* --- restore -------------------------------------------------------------------------- */

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

/* Runs sql (bound with ?1 = a1 when has_a1) and calls row() for each row. */
static int each_row(struct disk_reader *r, const char *sql, bool has_a1, int64_t a1,
                    void (*row)(sqlite3_stmt *st, void *ctx), void *ctx)
{
    if (!disk_reader_ok(r))
        return -VIGIL_EIO;
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(r->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return done(r, rc);
    if (has_a1)
        sqlite3_bind_int64(st, 1, a1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(st, ctx);
    sqlite3_finalize(st);
    return done(r, rc);
}

/* Each restore read has its own typed callback pair. */
struct event_cb {
    void (*fn)(void *arg, const struct agent_event *e);
    void *arg;
};
struct call_cb {
    void (*fn)(void *arg, const struct agent_model_call *c);
    void *arg;
};
struct task_cb {
    void (*fn)(void *arg, int64_t minute_ms, int status, uint64_t n, double sum, uint64_t durs);
    void *arg;
};
struct error_cb {
    void (*fn)(void *arg, int64_t minute_ms, uint64_t n);
    void *arg;
};
struct astate_cb {
    void (*fn)(void *arg, const struct alert_instance *in);
    void *arg;
};
struct aevent_cb {
    void (*fn)(void *arg, const struct alert_event *ev);
    void *arg;
};

static void event_row(sqlite3_stmt *st, void *ctx)
{
    const struct event_cb *cb = ctx;
    struct agent_event e;
    memset(&e, 0, sizeof e);
    e.seq = (uint64_t)sqlite3_column_int64(st, 0);
    e.ts_ms = sqlite3_column_int64(st, 1);
    int level = sqlite3_column_int(st, 2);
    e.level = level >= INGEST_INFO && level <= INGEST_ERROR_LEVEL ? (enum ingest_level)level
                                                                  : INGEST_INFO;
    copy_col(e.source, sizeof e.source, st, 3);
    copy_col(e.message, sizeof e.message, st, 4);
    copy_col(e.context, sizeof e.context, st, 5);
    cb->fn(cb->arg, &e);
}

int disk_reader_events(struct disk_reader *r, size_t limit,
                       void (*fn)(void *arg, const struct agent_event *e), void *arg)
{
    struct event_cb cb = {fn, arg};
    return each_row(r,
                    "SELECT seq, ts, level, source, message, context FROM (SELECT * FROM events"
                    " ORDER BY id DESC LIMIT ?1) ORDER BY id",
                    true, (int64_t)limit, event_row, &cb);
}

static void call_row(sqlite3_stmt *st, void *ctx)
{
    const struct call_cb *cb = ctx;
    struct agent_model_call c;
    memset(&c, 0, sizeof c);
    c.ts_ms = sqlite3_column_int64(st, 0);
    copy_col(c.provider, sizeof c.provider, st, 1);
    copy_col(c.model, sizeof c.model, st, 2);
    copy_col(c.session_id, sizeof c.session_id, st, 3);
    c.has_latency = sqlite3_column_type(st, 4) != SQLITE_NULL;
    c.latency_ms = sqlite3_column_double(st, 4);
    c.failed = sqlite3_column_int(st, 5) != 0;
    c.input_tokens = (uint64_t)sqlite3_column_int64(st, 6);
    c.output_tokens = (uint64_t)sqlite3_column_int64(st, 7);
    copy_col(c.error, sizeof c.error, st, 8);
    cb->fn(cb->arg, &c);
}

int disk_reader_model_calls(struct disk_reader *r, size_t limit,
                            void (*fn)(void *arg, const struct agent_model_call *c), void *arg)
{
    struct call_cb cb = {fn, arg};
    return each_row(r,
                    "SELECT ts, provider, model, session_id, latency_ms, failed, input_tokens,"
                    " output_tokens, error FROM (SELECT * FROM model_calls ORDER BY id DESC"
                    " LIMIT ?1) ORDER BY id",
                    true, (int64_t)limit, call_row, &cb);
}

static void task_row(sqlite3_stmt *st, void *ctx)
{
    const struct task_cb *cb = ctx;
    cb->fn(cb->arg, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1),
           (uint64_t)sqlite3_column_int64(st, 2), sqlite3_column_double(st, 3),
           (uint64_t)sqlite3_column_int64(st, 4));
}

int disk_reader_task_minutes(struct disk_reader *r, int64_t since_ms,
                             void (*fn)(void *arg, int64_t minute_ms, int status, uint64_t n,
                                        double duration_sum, uint64_t durations),
                             void *arg)
{
    struct task_cb cb = {fn, arg};
    return each_row(r,
                    "SELECT ts / 60000 * 60000 AS m, status, count(*), total(duration_ms),"
                    " count(duration_ms) FROM tasks WHERE ts >= ?1 GROUP BY m, status ORDER BY m",
                    true, since_ms, task_row, &cb);
}

static void error_row(sqlite3_stmt *st, void *ctx)
{
    const struct error_cb *cb = ctx;
    cb->fn(cb->arg, sqlite3_column_int64(st, 0), (uint64_t)sqlite3_column_int64(st, 1));
}

int disk_reader_error_minutes(struct disk_reader *r, int64_t since_ms,
                              void (*fn)(void *arg, int64_t minute_ms, uint64_t n), void *arg)
{
    struct error_cb cb = {fn, arg};
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT ts / 60000 * 60000 AS m, count(*) FROM events WHERE ts >= ?1 AND level = %d"
             " GROUP BY m ORDER BY m",
             (int)INGEST_ERROR_LEVEL);
    return each_row(r, sql, true, since_ms, error_row, &cb);
}

static void blob_copy(void *dst, size_t n, sqlite3_stmt *st, int col)
{
    const void *b = sqlite3_column_blob(st, col);
    int len = sqlite3_column_bytes(st, col);
    if (b && (size_t)len == n)
        memcpy(dst, b, n);
}

static void alert_state_row(sqlite3_stmt *st, void *ctx)
{
    const struct astate_cb *cb = ctx;
    struct alert_instance in;
    char rule[ALERT_NAME_MAX], series[STORE_NAME_MAX];
    copy_col(rule, sizeof rule, st, 0);
    copy_col(series, sizeof series, st, 1);
    alert_instance_init(&in, rule, series);
    int state = sqlite3_column_int(st, 2);
    if (state < ALERT_INACTIVE || state > ALERT_RESOLVED)
        return;
    in.state = (enum alert_state)state;
    in.flapping = sqlite3_column_int(st, 3) != 0;
    in.has_value = sqlite3_column_int(st, 4) != 0;
    in.value = sqlite3_column_double(st, 5);
    in.active_since_ms = sqlite3_column_int64(st, 6);
    in.fired_at_ms = sqlite3_column_int64(st, 7);
    in.resolved_at_ms = sqlite3_column_int64(st, 8);
    in.changed_at_ms = sqlite3_column_int64(st, 9);
    blob_copy(in.starts, sizeof in.starts, st, 10);
    in.n_starts = (unsigned)sqlite3_column_int(st, 11);
    int notified = sqlite3_column_int(st, 12);
    in.notified = notified >= ALERT_MSG_NONE && notified <= ALERT_MSG_FLAPPING
                      ? (enum alert_msg)notified
                      : ALERT_MSG_NONE;
    blob_copy(in.notified_at_ms, sizeof in.notified_at_ms, st, 13);
    cb->fn(cb->arg, &in);
}

int disk_reader_alert_states(struct disk_reader *r,
                             void (*fn)(void *arg, const struct alert_instance *in), void *arg)
{
    struct astate_cb cb = {fn, arg};
    return each_row(r,
                    "SELECT rule, series, state, flapping, has_value, value, active_since_ms,"
                    " fired_at_ms, resolved_at_ms, changed_at_ms, starts, n_starts, notified,"
                    " notified_at FROM alert_state",
                    false, 0, alert_state_row, &cb);
}

static void alert_event_row(sqlite3_stmt *st, void *ctx)
{
    const struct aevent_cb *cb = ctx;
    struct alert_event ev;
    memset(&ev, 0, sizeof ev);
    ev.at_ms = sqlite3_column_int64(st, 0);
    copy_col(ev.rule, sizeof ev.rule, st, 1);
    copy_col(ev.series, sizeof ev.series, st, 2);
    ev.severity = (enum alert_severity)sqlite3_column_int(st, 3);
    ev.state = (enum alert_state)sqlite3_column_int(st, 4);
    ev.has_value = sqlite3_column_type(st, 5) != SQLITE_NULL;
    ev.value = sqlite3_column_double(st, 5);
    ev.fired_at_ms = sqlite3_column_int64(st, 6);
    cb->fn(cb->arg, &ev);
}

int disk_reader_alert_events(struct disk_reader *r, size_t limit,
                             void (*fn)(void *arg, const struct alert_event *ev), void *arg)
{
    struct aevent_cb cb = {fn, arg};
    return each_row(r,
                    "SELECT at_ms, rule, series, severity, state, value, fired_at_ms FROM"
                    " (SELECT * FROM alert_events ORDER BY id DESC LIMIT ?1) ORDER BY id",
                    true, (int64_t)limit, alert_event_row, &cb);
}
