/*
 * schema: migrations, one SQL text per version. Rollups are WITHOUT ROWID tables keyed by
 * (series, ts): a history read is one range of one index, and a row is about 40 bytes.
 * Event-like tables keep a rowid (insertion order, for "the last 500") and an index on ts
 * for retention. Never edit a migration that has shipped; add the next one.
 */
#include "persist/schema.h"

#include <sqlite3.h>
#include <stdio.h>

#include "core/err.h"

static const char *const migrations[SCHEMA_VERSION] = {
    /* 1: series and their rollups */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
    "CREATE TABLE series(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " unit TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE rollups(series INTEGER NOT NULL, ts INTEGER NOT NULL, min REAL, avg REAL,"
    " max REAL, n INTEGER NOT NULL, PRIMARY KEY(series, ts)) WITHOUT ROWID;"
    "CREATE TABLE rollups_coarse(series INTEGER NOT NULL, ts INTEGER NOT NULL, min REAL,"
    " avg REAL, max REAL, n INTEGER NOT NULL, PRIMARY KEY(series, ts)) WITHOUT ROWID;",

    /* 2: agent telemetry */
    "CREATE TABLE events(id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " level INTEGER NOT NULL, source TEXT NOT NULL, message TEXT NOT NULL,"
    " context TEXT NOT NULL);"
    "CREATE INDEX events_ts ON events(ts);"
    "CREATE TABLE model_calls(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    " provider TEXT NOT NULL, model TEXT NOT NULL, session_id TEXT NOT NULL,"
    " latency_ms REAL, failed INTEGER NOT NULL, input_tokens INTEGER NOT NULL,"
    " output_tokens INTEGER NOT NULL, error TEXT NOT NULL);"
    "CREATE INDEX model_calls_ts ON model_calls(ts);"
    "CREATE TABLE tasks(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, task_id TEXT,"
    " project TEXT, status INTEGER NOT NULL, duration_ms REAL);"
    "CREATE INDEX tasks_ts ON tasks(ts);",

    /* 3: alert instances and their history */
    "CREATE TABLE alert_state(rule TEXT NOT NULL, series TEXT NOT NULL,"
    " state INTEGER NOT NULL, flapping INTEGER NOT NULL, has_value INTEGER NOT NULL,"
    " value REAL, active_since_ms INTEGER NOT NULL, fired_at_ms INTEGER NOT NULL,"
    " resolved_at_ms INTEGER NOT NULL, changed_at_ms INTEGER NOT NULL, starts BLOB,"
    " n_starts INTEGER NOT NULL, notified INTEGER NOT NULL, notified_at BLOB,"
    " PRIMARY KEY(rule, series)) WITHOUT ROWID;"
    "CREATE TABLE alert_events(id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL,"
    " rule TEXT NOT NULL, series TEXT NOT NULL, severity INTEGER NOT NULL,"
    " state INTEGER NOT NULL, value REAL, fired_at_ms INTEGER NOT NULL);"
    "CREATE INDEX alert_events_at ON alert_events(at_ms);",
};

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int schema_version(sqlite3 *db)
{
    int v = 0;
    return pragma_int(db, "PRAGMA user_version", &v) == SQLITE_OK ? v : -VIGIL_EIO;
}

static int fail(sqlite3 *db, int rc, int *sqlite_rc, char *err, size_t errlen, const char *what)
{
    if (sqlite_rc)
        *sqlite_rc = rc;
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, sqlite3_errmsg(db));
    return -VIGIL_EIO;
}

int schema_migrate(sqlite3 *db, int target, int *sqlite_rc, char *err, size_t errlen)
{
    if (sqlite_rc)
        *sqlite_rc = SQLITE_OK;
    if (target < 1 || target > SCHEMA_VERSION)
        return -VIGIL_EINVAL;
    /* BEGIN IMMEDIATE: the version is read and bumped under one write lock */
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(db, rc, sqlite_rc, err, errlen, "cannot start the schema transaction");
    int version = 0, app = 0;
    rc = pragma_int(db, "PRAGMA user_version", &version);
    if (rc == SQLITE_OK)
        rc = pragma_int(db, "PRAGMA application_id", &app);
    if (rc != SQLITE_OK) {
        int r = fail(db, rc, sqlite_rc, err, errlen, "cannot read the schema version");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    if (app != 0 && app != SCHEMA_APP_ID) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (err && errlen)
            snprintf(err, errlen, "not a vigil database (application_id %#x)", (unsigned)app);
        return -VIGIL_EINVAL;
    }
    if (version > target) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        if (err && errlen)
            snprintf(err, errlen,
                     "the database has schema version %d, newer than this vigil knows (%d); "
                     "run a newer vigil or use another data directory",
                     version, target);
        return -VIGIL_ERANGE;
    }
    for (int v = version; v < target && rc == SQLITE_OK; v++)
        rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
    if (rc == SQLITE_OK && version < target) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version=%d; PRAGMA application_id=%d", target,
                 SCHEMA_APP_ID);
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int r = fail(db, rc, sqlite_rc, err, errlen, "cannot migrate the schema");
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return 0;
}
