/*
 * schema: the tables of vigil.db and the migrations that build them. The version is SQLite's
 * user_version; each migration takes the database from one version to the next and runs in
 * the same transaction as the version bump, so a database is always at one version. A
 * database whose version is newer than this binary knows is refused, never touched: an old
 * vigil must not guess at a newer layout.
 *
 *   meta(key, value)                 rollup progress and the like
 *   series(id, name, unit)           names, once; rollups refer to the id
 *   rollups(series, ts, min, avg, max, n)         ts: the period start, unix seconds
 *   rollups_coarse(series, ts, min, avg, max, n)  the same over the coarse width
 *   events(id, seq, ts, level, source, message, context)   agent event ring entries
 *   model_calls(id, ts, provider, model, session_id, latency_ms, failed, input_tokens,
 *               output_tokens, error)
 *   tasks(id, ts, task_id, project, status, duration_ms)
 *   alert_state(rule, series, ...)   one row per alert instance, as it last was
 *   alert_events(id, at_ms, rule, series, severity, state, value, fired_at_ms)
 * Times are unix ms except rollup periods (seconds, to keep rows small).
 */
#ifndef VIGIL_PERSIST_SCHEMA_H
#define VIGIL_PERSIST_SCHEMA_H

#include <stddef.h>

struct sqlite3;

#define SCHEMA_VERSION 3
/* PRAGMA application_id of a vigil database: "vgl1". A database with another non-zero id is
 * some other program's and is refused. */
#define SCHEMA_APP_ID 0x76676c31

/*
 * Brings db to `target` (1..SCHEMA_VERSION; SCHEMA_VERSION in the daemon, lower in tests of
 * the migrations themselves). 0 when done or already there. -VIGIL_ERANGE when the database
 * is newer than target, -VIGIL_EINVAL when it is not a vigil database; -VIGIL_EIO when SQLite
 * fails (*sqlite_rc gets its code when not NULL). err (may be NULL) says what went wrong.
 */
int schema_migrate(struct sqlite3 *db, int target, int *sqlite_rc, char *err, size_t errlen);

/* The database's version (user_version), or a negative code. */
int schema_version(struct sqlite3 *db);

#endif
