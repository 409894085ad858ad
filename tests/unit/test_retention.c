/* retention: what each kind keeps at a given time (an injected clock), and that deletes
 * come in bounded steps that together remove exactly what is due. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>

#include "persist/retention.h"
#include "persist/schema.h"

#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define NOW  1767261600000LL

static sqlite3 *db_new(void)
{
    sqlite3 *db;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(schema_migrate(db, SCHEMA_VERSION, NULL, NULL, 0), 0);
    return db;
}

static long long count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, &err), SQLITE_OK, "%s", err ? err : "");
}

/* Rollups of `series` series, one per minute over `days` days before NOW. */
static void fill_rollups(sqlite3 *db, int series, int days)
{
    exec(db, "BEGIN");
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "INSERT INTO rollups VALUES(?1, ?2, 0, 1, 2, 3)", -1, &st, NULL);
    for (int s = 1; s <= series; s++) {
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO series(id, name) VALUES(%d, 's.%d')", s, s);
        exec(db, sql);
        for (int64_t t = NOW - days * DAY; t < NOW; t += MIN) {
            sqlite3_bind_int(st, 1, s);
            sqlite3_bind_int64(st, 2, t / 1000);
            cr_assert_eq(sqlite3_step(st), SQLITE_DONE);
            sqlite3_reset(st);
        }
    }
    sqlite3_finalize(st);
    exec(db, "COMMIT");
}

static struct retention week(void)
{
    return (struct retention){.keep_ms = {7 * DAY, 7 * DAY, 7 * DAY}};
}

Test(retention, cutoffs_per_kind)
{
    struct retention r = {.keep_ms = {7 * DAY, 2 * DAY, 25 * HOUR}};
    cr_assert_eq(retention_cutoff(&r, RETAIN_ROLLUPS, NOW), NOW - 7 * DAY);
    cr_assert_eq(retention_cutoff(&r, RETAIN_EVENTS, NOW), NOW - 2 * DAY);
    cr_assert_eq(retention_cutoff(&r, RETAIN_TASKS, NOW), NOW - 25 * HOUR);
}

Test(retention, nothing_due_deletes_nothing)
{
    sqlite3 *db = db_new();
    fill_rollups(db, 3, 1);
    struct retention r = week();
    int src;
    cr_assert_eq(retention_step(&r, db, NOW, 1000, &src), 0);
    cr_assert_eq(count(db, "SELECT count(*) FROM rollups"), 3 * 1440);
    sqlite3_close(db);
}

Test(retention, rollups_go_in_bounded_steps_until_exactly_the_week_is_left)
{
    sqlite3 *db = db_new();
    fill_rollups(db, 5, 9); /* two days too many: 5 * 2880 rows due */
    struct retention r = week();
    long long before = count(db, "SELECT count(*) FROM rollups");
    int src, steps = 0, n, total = 0;
    while ((n = retention_step(&r, db, NOW, 500, &src)) > 0) {
        cr_assert_leq(n, 500);
        total += n;
        steps++;
        cr_assert_lt(steps, 100);
    }
    cr_assert_eq(n, 0);
    cr_assert_eq(total, 5 * 2 * 1440);
    cr_assert_eq(count(db, "SELECT count(*) FROM rollups"), before - total);
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM rollups WHERE ts < %lld",
             (NOW - 7 * DAY) / 1000);
    cr_assert_eq(count(db, sql), 0);
    /* every series keeps exactly its week */
    cr_assert_eq(count(db, "SELECT count(*) FROM rollups WHERE series = 3"), 7 * 1440);
    sqlite3_close(db);
}

Test(retention, the_clock_moving_on_expires_one_period_at_a_time)
{
    sqlite3 *db = db_new();
    fill_rollups(db, 2, 7);
    struct retention r = week();
    int src;
    cr_assert_eq(retention_step(&r, db, NOW, 1000, &src), 0);
    /* a minute later, the oldest minute of each series is due */
    cr_assert_eq(retention_step(&r, db, NOW + MIN, 1000, &src), 2);
    cr_assert_eq(retention_step(&r, db, NOW + MIN, 1000, &src), 0);
    cr_assert_eq(retention_step(&r, db, NOW + 10 * MIN, 1000, &src), 18);
    sqlite3_close(db);
}

Test(retention, events_tasks_and_alerts_keep_their_own_time)
{
    sqlite3 *db = db_new();
    struct retention r = {.keep_ms = {7 * DAY, 2 * DAY, 25 * HOUR}};
    char sql[512];
    for (int h = 0; h < 72; h++) { /* one of each per hour over three days */
        long long t = NOW - h * HOUR - 1;
        snprintf(sql, sizeof sql,
                 "INSERT INTO events(seq, ts, level, source, message, context) VALUES(%d, %lld,"
                 " 0, '', 'm', '');"
                 "INSERT INTO model_calls(ts, provider, model, session_id, failed, input_tokens,"
                 " output_tokens, error) VALUES(%lld, '', '', '', 0, 1, 1, '');"
                 "INSERT INTO tasks(ts, status) VALUES(%lld, 0);"
                 "INSERT INTO alert_events(at_ms, rule, series, severity, state, fired_at_ms)"
                 " VALUES(%lld, 'r', 's', 1, 2, 0);",
                 h, t, t, t, t);
        exec(db, sql);
    }
    /* a resolved alert and a firing one, both quiet for three days */
    snprintf(sql, sizeof sql,
             "INSERT INTO alert_state(rule, series, state, flapping, has_value,"
             " active_since_ms, fired_at_ms, resolved_at_ms, changed_at_ms, n_starts, notified)"
             " VALUES('r', 'old', 3, 0, 0, 0, 0, 0, %lld, 0, 0),"
             " ('r', 'firing', 2, 0, 0, 0, 0, 0, %lld, 0, 0)",
             NOW - 3 * DAY, NOW - 3 * DAY);
    exec(db, sql);
    int src, n;
    while ((n = retention_step(&r, db, NOW, 7, &src)) > 0)
        cr_assert_leq(n, 7);
    cr_assert_eq(n, 0);
    cr_assert_eq(count(db, "SELECT count(*) FROM events"), 48);
    cr_assert_eq(count(db, "SELECT count(*) FROM model_calls"), 48);
    cr_assert_eq(count(db, "SELECT count(*) FROM alert_events"), 48);
    cr_assert_eq(count(db, "SELECT count(*) FROM tasks"), 25);
    cr_assert_eq(count(db, "SELECT count(*) FROM alert_state"), 1);
    cr_assert_eq(count(db, "SELECT count(*) FROM alert_state WHERE series = 'firing'"), 1);
    sqlite3_close(db);
}

Test(retention, a_failure_rolls_back_and_says_why)
{
    sqlite3 *db = db_new();
    fill_rollups(db, 1, 8);
    exec(db, "DROP TABLE tasks");
    struct retention r = week();
    int src = 0;
    cr_assert_lt(retention_step(&r, db, NOW, 1000, &src), 0);
    cr_assert_neq(src, SQLITE_OK);
    cr_assert(sqlite3_get_autocommit(db));
    cr_assert_eq(count(db, "SELECT count(*) FROM rollups"), 8 * 1440);
    sqlite3_close(db);
}
