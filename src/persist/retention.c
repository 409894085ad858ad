/*
 * retention: bounded deletes. Each table's statement picks its victims with a LIMIT through
 * an index (ts for event-like tables, the primary key for rollups), so the cost of a step
 * follows the rows it removes, not the size of the table.
 */
#include "persist/retention.h"

#include <sqlite3.h>
#include <stddef.h>

#include "core/err.h"

/* Series whose rollups one step looks at; the cursor moves on by this much. */
#define SERIES_PER_STEP 128

int64_t retention_cutoff(const struct retention *r, enum retain_kind k, int64_t now_ms)
{
    return now_ms - r->keep_ms[k];
}

/* Runs sql with ?1 = a cutoff and ?2 = a limit (and ?3 = a series id when given); returns
 * the rows deleted or a negative code. */
static int run(sqlite3 *db, const char *sql, int64_t cutoff, int limit, int64_t series,
               int *sqlite_rc)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, cutoff);
        sqlite3_bind_int(st, 2, limit);
        if (series >= 0)
            sqlite3_bind_int64(st, 3, series);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        *sqlite_rc = rc;
        return -VIGIL_EIO;
    }
    return sqlite3_changes(db);
}

static const struct {
    enum retain_kind kind;
    const char *sql;
} tables[] = {
    {RETAIN_EVENTS, "DELETE FROM events WHERE id IN "
                    "(SELECT id FROM events WHERE ts < ?1 ORDER BY ts LIMIT ?2)"},
    {RETAIN_EVENTS, "DELETE FROM model_calls WHERE id IN "
                    "(SELECT id FROM model_calls WHERE ts < ?1 ORDER BY ts LIMIT ?2)"},
    {RETAIN_EVENTS, "DELETE FROM alert_events WHERE id IN "
                    "(SELECT id FROM alert_events WHERE at_ms < ?1 ORDER BY at_ms LIMIT ?2)"},
    /* an instance that is quiet (inactive or resolved) for the whole retention is
     * forgotten; a pending or firing one is kept whatever its age */
    {RETAIN_EVENTS, "DELETE FROM alert_state WHERE (rule, series) IN "
                    "(SELECT rule, series FROM alert_state WHERE changed_at_ms < ?1 "
                    "AND state IN (0, 3) LIMIT ?2)"},
    {RETAIN_TASKS, "DELETE FROM tasks WHERE id IN "
                   "(SELECT id FROM tasks WHERE ts < ?1 ORDER BY ts LIMIT ?2)"},
};

static const char *const rollup_sql[] = {
    "DELETE FROM rollups WHERE (series, ts) IN "
    "(SELECT series, ts FROM rollups WHERE series = ?3 AND ts < ?1 ORDER BY ts LIMIT ?2)",
    "DELETE FROM rollups_coarse WHERE (series, ts) IN "
    "(SELECT series, ts FROM rollups_coarse WHERE series = ?3 AND ts < ?1 ORDER BY ts "
    "LIMIT ?2)",
};

/* Rollups of the next SERIES_PER_STEP series from the cursor on. */
static int rollups_step(struct retention *r, sqlite3 *db, int64_t cutoff_s, int budget,
                        int *sqlite_rc)
{
    sqlite3_stmt *ids;
    int rc = sqlite3_prepare_v2(db, "SELECT id FROM series WHERE id >= ?1 ORDER BY id LIMIT ?2", -1,
                                &ids, NULL);
    if (rc != SQLITE_OK) {
        *sqlite_rc = rc;
        return -VIGIL_EIO;
    }
    sqlite3_bind_int64(ids, 1, r->series_cursor);
    sqlite3_bind_int(ids, 2, SERIES_PER_STEP);
    int deleted = 0, seen = 0;
    int64_t last = r->series_cursor - 1;
    while (deleted < budget && (rc = sqlite3_step(ids)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(ids, 0);
        seen++;
        int n = 0;
        for (int t = 0; t < 2 && deleted + n < budget && n >= 0; t++) {
            int k = run(db, rollup_sql[t], cutoff_s, budget - deleted - n, id, sqlite_rc);
            n = k < 0 ? k : n + k;
        }
        if (n < 0) {
            sqlite3_finalize(ids);
            return n;
        }
        deleted += n;
        /* a series with more due than the budget is looked at again next step */
        if (deleted < budget)
            last = id;
    }
    sqlite3_finalize(ids);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        *sqlite_rc = rc;
        return -VIGIL_EIO;
    }
    /* fewer series than asked for: the end of the table, start again next time */
    r->series_cursor = seen < SERIES_PER_STEP && deleted < budget ? 0 : last + 1;
    return deleted;
}

int retention_step(struct retention *r, sqlite3 *db, int64_t now_ms, int budget, int *sqlite_rc)
{
    *sqlite_rc = SQLITE_OK;
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *sqlite_rc = rc;
        return -VIGIL_EIO;
    }
    int deleted = 0;
    for (size_t i = 0; i < sizeof tables / sizeof tables[0] && deleted < budget; i++) {
        int n = run(db, tables[i].sql, retention_cutoff(r, tables[i].kind, now_ms),
                    budget - deleted, -1, sqlite_rc);
        if (n < 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return n;
        }
        deleted += n;
    }
    if (deleted < budget) {
        /* rollup periods are stamped in seconds: a period that starts before the cutoff
         * goes */
        int64_t cutoff = retention_cutoff(r, RETAIN_ROLLUPS, now_ms);
        int n = rollups_step(r, db, cutoff / 1000, budget - deleted, sqlite_rc);
        if (n < 0) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return n;
        }
        deleted += n;
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *sqlite_rc = rc;
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -VIGIL_EIO;
    }
    return deleted;
}
