/* persist: the writer driven tick by tick on a made-up clock (no thread): rollups from the
 * store, the queue, coarse rollups, the partial period at stop, and each fault (a data
 * directory that cannot be made, a corrupt file, a newer schema, a lock held by another
 * connection) reported and recovered from. Each test works in its own temp directory. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agents/agents.h"
#include "alert/state.h"
#include "core/log.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"
#include "persist/schema.h"
#include "store/store.h"

#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define T0   1767261600000LL /* 10:00:00Z */

static char tmp[256];
static char dir[300];

static void setup(void)
{
    log_set_level(LOG_ERROR);
    snprintf(tmp, sizeof tmp, "/tmp/vigil-persist-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(dir, sizeof dir, "%s/data/nested", tmp);
}

static void teardown(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "chmod -R u+rwx '%s' 2>/dev/null; rm -rf '%s'", tmp, tmp);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(persist, .init = setup, .fini = teardown);

static struct persist_opts opts(void)
{
    return (struct persist_opts){
        .data_dir = dir,
        .rollup_ms = MIN,
        .coarse_ms = HOUR,
        .history_ms = HOUR,
        .keep_ms = {7 * DAY, 7 * DAY, 7 * DAY},
        .max_series = 16,
    };
}

static long long count(const char *sql)
{
    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static double real(const char *sql)
{
    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    sqlite3 *db;
    cr_assert_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, "%s", sqlite3_errmsg(db));
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "no row for %s", sql);
    double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* A sample every 10 s in [from, to) of `a` (the value is the minute of the hour) and `b`
 * (always 5). */
static void feed(struct store *s, int a, int b, int64_t from, int64_t to)
{
    for (int64_t t = from; t < to; t += 10 * SEC) {
        store_push(s, a, t, (double)((t - T0) / MIN));
        store_push(s, b, t, 5);
    }
}

Test(persist, creates_the_directory_and_a_wal_database)
{
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    cr_assert_not_null(p);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_STARTING);
    persist_tick(p, T0);
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_OK, "%s", st.error);
    struct stat sb;
    cr_assert_eq(stat(dir, &sb), 0);
    cr_assert_eq(sb.st_mode & 0777, 0700);
    cr_assert_gt(st.db_bytes, 0);
    cr_assert_eq(persist_generation(p), 1);
    persist_free(p);

    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *q;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    cr_assert_eq(schema_version(db), SCHEMA_VERSION);
    sqlite3_close(db);
    store_free(s);
}

Test(persist, rolls_up_each_period_once_it_is_over)
{
    struct store *s = store_new(16);
    int a = store_series(s, "cpu.overall_utilization", "percent", "", 1000);
    int b = store_series(s, "memory.ram_used", "bytes", "", 1000);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0 + 5 * SEC); /* opens; starts rolling up at 10:00 */
    feed(s, a, b, T0, T0 + 3 * MIN);
    persist_tick(p, T0 + MIN + SEC); /* within the grace: not yet */
    cr_assert_eq(count("SELECT count(*) FROM rollups"), 0);
    persist_tick(p, T0 + MIN + 2 * SEC);
    cr_assert_eq(count("SELECT count(*) FROM rollups"), 2);
    cr_assert_eq(persist_rollup_end(p), T0 + MIN);
    persist_tick(p, T0 + 3 * MIN + 2 * SEC); /* two more at once */
    cr_assert_eq(count("SELECT count(*) FROM rollups"), 6);
    cr_assert_eq(persist_rollup_end(p), T0 + 3 * MIN);
    /* minute 2 of series a: six samples of 2 */
    cr_assert_eq(real("SELECT avg FROM rollups r JOIN series s ON s.id = r.series WHERE"
                      " s.name = 'cpu.overall_utilization' AND r.ts = 1767261720"),
                 2);
    cr_assert_eq(count("SELECT n FROM rollups r JOIN series s ON s.id = r.series WHERE"
                       " s.name = 'memory.ram_used' AND r.ts = 1767261720"),
                 6);
    cr_assert_eq(count("SELECT count(*) FROM series WHERE unit = 'bytes'"), 1);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.written[PK_ROLLUP], 6);
    cr_assert_eq(st.last_write_ms, T0 + 3 * MIN + 2 * SEC);
    persist_free(p);
    store_free(s);
}

Test(persist, a_period_cut_by_a_restart_holds_both_halves)
{
    struct store *s = store_new(16);
    int a = store_series(s, "a", "", "", 1000);
    int b = store_series(s, "b", "", "", 1000);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    feed(s, a, b, T0, T0 + 30 * SEC); /* 3 samples of 0 */
    persist_flush(p, T0 + 30 * SEC);  /* a clean stop at 10:00:30 */
    cr_assert_eq(count("SELECT n FROM rollups WHERE series = 1"), 3);
    persist_free(p);
    /* the period is written but not done: the next process rolls it up again */
    cr_assert_eq(count("SELECT count(*) FROM meta WHERE key = 'rollup_end'"), 0);
    store_free(s);

    s = store_new(16);
    a = store_series(s, "a", "", "", 1000);
    b = store_series(s, "b", "", "", 1000);
    p = persist_new(&o, s);
    persist_tick(p, T0 + 40 * SEC);
    for (int64_t t = T0 + 40 * SEC; t < T0 + MIN; t += 10 * SEC)
        store_push(s, a, t, 8); /* 2 samples of 8 */
    persist_tick(p, T0 + MIN + 2 * SEC);
    cr_assert_eq(count("SELECT n FROM rollups WHERE series = 1"), 5);
    cr_assert_float_eq(real("SELECT avg FROM rollups WHERE series = 1"), 16.0 / 5, 1e-9);
    cr_assert_eq(real("SELECT max FROM rollups WHERE series = 1"), 8);
    cr_assert_eq(real("SELECT min FROM rollups WHERE series = 1"), 0);
    persist_free(p);
    store_free(s);
}

Test(persist, coarse_rollups_follow_the_hour)
{
    struct store *s = store_new(16);
    int a = store_series(s, "a", "", "", 1000);
    int b = store_series(s, "b", "", "", 1000);
    struct persist_opts o = opts();
    o.history_ms = 3 * HOUR;
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    feed(s, a, b, T0, T0 + 62 * MIN);
    for (int m = 1; m <= 62; m++)
        persist_tick(p, T0 + m * MIN + 2 * SEC);
    cr_assert_eq(persist_coarse_end(p), T0 + HOUR);
    cr_assert_eq(count("SELECT count(*) FROM rollups_coarse"), 2);
    /* series a was the minute of the hour: 0..59, six samples each */
    cr_assert_eq(count("SELECT n FROM rollups_coarse WHERE series = 1"), 360);
    cr_assert_float_eq(real("SELECT avg FROM rollups_coarse WHERE series = 1"), 29.5, 1e-9);
    cr_assert_eq(real("SELECT max FROM rollups_coarse WHERE series = 1"), 59);
    persist_free(p);
    store_free(s);
}

Test(persist, queued_records_are_written_in_one_batch)
{
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    struct agent_event e = {.seq = 7, .ts_ms = T0 + 1, .level = INGEST_ERROR_LEVEL};
    snprintf(e.source, sizeof e.source, "worker");
    snprintf(e.message, sizeof e.message, "it's \"broken\"");
    snprintf(e.context, sizeof e.context, "{\"k\":1}");
    cr_assert_eq(persist_event(p, &e), 0);
    struct agent_model_call c = {.ts_ms = T0 + 2,
                                 .has_latency = true,
                                 .latency_ms = 12.5,
                                 .input_tokens = 10,
                                 .output_tokens = 20};
    snprintf(c.model, sizeof c.model, "llama");
    cr_assert_eq(persist_model_call(p, &c), 0);
    cr_assert_eq(persist_task(p, T0 + 3, "t1", NULL, INGEST_TASK_TIMEOUT, true, 1500), 0);
    struct alert_instance in;
    alert_instance_init(&in, "gpu_hot", "gpu.0.temperature");
    in.state = ALERT_FIRING;
    in.starts[0] = T0;
    in.n_starts = 1;
    cr_assert_eq(persist_alert_state(p, &in), 0);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.queued, 4);
    persist_tick(p, T0 + SEC);
    persist_stats(p, &st);
    cr_assert_eq(st.queued, 0);
    cr_assert_eq(st.commits, 1);
    cr_assert_eq(count("SELECT count(*) FROM events WHERE seq = 7 AND level = 2 AND"
                       " message = 'it''s \"broken\"'"),
                 1);
    cr_assert_eq(count("SELECT count(*) FROM model_calls WHERE model = 'llama' AND"
                       " latency_ms = 12.5 AND provider = ''"),
                 1);
    cr_assert_eq(count("SELECT count(*) FROM tasks WHERE task_id = 't1' AND project IS NULL"
                       " AND status = 2 AND duration_ms = 1500"),
                 1);
    cr_assert_eq(count("SELECT state FROM alert_state WHERE rule = 'gpu_hot'"), ALERT_FIRING);
    persist_free(p);
    store_free(s);
}

Test(persist, a_full_queue_drops_and_counts)
{
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    o.queue_records = 3;
    struct persist *p = persist_new(&o, s);
    for (int i = 0; i < 5; i++)
        persist_task(p, T0 + i, NULL, NULL, 0, false, 0);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.queued, 3);
    cr_assert_eq(st.dropped, 2);
    persist_tick(p, T0);
    cr_assert_eq(count("SELECT count(*) FROM tasks"), 3);
    cr_assert_eq(count("SELECT min(ts) FROM tasks"), T0); /* the oldest were kept */
    persist_free(p);
    store_free(s);
}

Test(persist, a_directory_that_cannot_be_made_is_reported_and_retried)
{
    /* a file where a directory should be */
    char blocker[320];
    snprintf(blocker, sizeof blocker, "%s/data", tmp);
    FILE *f = fopen(blocker, "w");
    fclose(f);
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_task(p, T0, "kept", NULL, 0, false, 0);
    persist_tick(p, T0);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_ERROR);
    cr_assert(strstr(st.error, "cannot create the data directory: Not a directory"), "%s",
              st.error);
    cr_assert_null(strstr(st.error, tmp), "no path in %s", st.error);
    cr_assert_eq(st.queued, 1);
    /* the blocker goes; the next attempt is a second later, then it works */
    unlink(blocker);
    persist_tick(p, T0 + 500);
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_ERROR);
    persist_tick(p, T0 + SEC);
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_OK, "%s", st.error);
    cr_assert_eq(st.error[0], '\0');
    cr_assert_eq(count("SELECT count(*) FROM tasks WHERE task_id = 'kept'"), 1);
    persist_free(p);
    store_free(s);
}

Test(persist, back_off_doubles_up_to_thirty_seconds)
{
    char blocker[320];
    snprintf(blocker, sizeof blocker, "%s/data", tmp);
    fclose(fopen(blocker, "w"));
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    struct persist_stats st;
    int64_t t = T0, attempts[8];
    for (int i = 0; i < 8; i++) {
        /* find the next attempt: the time at which the failure count goes up */
        persist_stats(p, &st);
        uint64_t before = st.failures;
        while (st.failures == before) {
            persist_tick(p, t);
            persist_stats(p, &st);
            t += 250;
        }
        attempts[i] = t - 250;
    }
    int64_t want[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (int i = 0; i < 7; i++)
        cr_assert_eq(attempts[i + 1] - attempts[i], want[i], "gap %d: %lld", i,
                     (long long)(attempts[i + 1] - attempts[i]));
    persist_free(p);
    store_free(s);
}

Test(persist, a_corrupt_database_is_moved_aside_and_replaced)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && head -c 65536 /dev/urandom > '%s/vigil.db'", dir,
             dir);
    cr_assert_eq(system(cmd), 0);
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_OK, "%s", st.error);
    snprintf(cmd, sizeof cmd, "test -s '%s/vigil.db.corrupt-%lld'", dir, T0 / 1000);
    cr_assert_eq(system(cmd), 0, "the corrupt file was not kept aside");
    cr_assert_eq(count("PRAGMA user_version"), SCHEMA_VERSION);
    persist_free(p);
    store_free(s);
}

Test(persist, a_newer_database_is_reported_and_left_alone)
{
    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    sqlite3 *db;
    sqlite3_open(path, &db);
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d; CREATE TABLE later(x)", SCHEMA_VERSION + 1);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);

    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_ERROR);
    cr_assert(strstr(st.error, "newer than this vigil knows"), "%s", st.error);
    persist_free(p);
    cr_assert_eq(count("PRAGMA user_version"), SCHEMA_VERSION + 1);
    cr_assert_eq(count("SELECT count(*) FROM sqlite_master WHERE name = 'later'"), 1);
    store_free(s);
}

Test(persist, a_lock_held_elsewhere_is_waited_out)
{
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    sqlite3 *other;
    cr_assert_eq(sqlite3_open(path, &other), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    persist_task(p, T0, "a", NULL, 0, false, 0);
    persist_tick(p, T0 + SEC);
    struct persist_stats st;
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_ERROR);
    cr_assert(strstr(st.error, "locked"), "%s", st.error);
    cr_assert_eq(st.queued, 1); /* put back, in order */
    persist_task(p, T0 + 1, "b", NULL, 0, false, 0);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    persist_tick(p, T0 + 2 * SEC);
    persist_stats(p, &st);
    cr_assert_eq(st.state, PERSIST_OK, "%s", st.error);
    cr_assert_eq(count("SELECT count(*) FROM tasks"), 2);
    cr_assert_eq(count("SELECT task_id = 'a' FROM tasks ORDER BY id LIMIT 1"), 1);
    persist_free(p);
    store_free(s);
}

Test(persist, rollups_missed_during_an_outage_are_written_from_memory)
{
    struct store *s = store_new(16);
    int a = store_series(s, "a", "", "", 1000);
    int b = store_series(s, "b", "", "", 1000);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    char path[400];
    snprintf(path, sizeof path, "%s/vigil.db", dir);
    sqlite3 *other;
    sqlite3_open(path, &other);
    sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    feed(s, a, b, T0, T0 + 10 * MIN);
    for (int64_t t = T0 + MIN; t < T0 + 10 * MIN; t += 5 * SEC)
        persist_tick(p, t);
    cr_assert_eq(persist_rollup_end(p), 0);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    for (int64_t t = T0 + 10 * MIN; t < T0 + 11 * MIN; t += 5 * SEC)
        persist_tick(p, t);
    /* every minute memory holds, 10:00 to 10:09 */
    cr_assert_eq(persist_rollup_end(p), T0 + 10 * MIN, "%lld",
                 (long long)(persist_rollup_end(p) - T0));
    cr_assert_eq(count("SELECT count(*) FROM rollups WHERE series = 1"), 10);
    persist_free(p);
    store_free(s);
}

/* --- the reader ---------------------------------------------------------------------- */

static int collect_row(void *arg, const struct disk_row *row)
{
    struct disk_row *rows = arg;
    rows[rows[0].n + 1] = *row;
    rows[0].n++;
    return 0;
}

static void collect_event(void *arg, const struct agent_event *e)
{
    uint64_t *seqs = arg;
    seqs[++seqs[0]] = e->seq;
}

static void collect_name(void *arg, const char *name, const char *unit)
{
    (void)unit;
    int *n = arg;
    (*n)++;
    cr_assert(strncmp(name, "gpu.", 4) == 0);
}

Test(persist, the_reader_sees_what_the_writer_wrote)
{
    struct store *s = store_new(16);
    int a = store_series(s, "gpu.0.utilization", "percent", "", 1000);
    int b = store_series(s, "gpu.1.utilization", "percent", "", 1000);
    store_series(s, "cpu.overall_utilization", "percent", "", 1000);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    struct disk_reader *r = disk_reader_new(p);
    cr_assert(!disk_reader_ok(r)); /* nothing opened yet */
    persist_tick(p, T0);
    feed(s, a, b, T0, T0 + 5 * MIN);
    for (int i = 0; i < 30; i++) {
        struct agent_event e = {.seq = (uint64_t)i + 1, .ts_ms = T0 + i};
        snprintf(e.message, sizeof e.message, "event %d", i);
        persist_event(p, &e);
    }
    persist_tick(p, T0 + 5 * MIN + 2 * SEC);
    cr_assert(disk_reader_ok(r));
    struct disk_row rows[16] = {0};
    cr_assert_eq(disk_reader_rollups(r, "gpu.0.utilization", false, T0 + MIN, T0 + 4 * MIN,
                                     collect_row, rows),
                 0);
    cr_assert_eq(rows[0].n, 3);
    cr_assert_eq(rows[1].ts_ms, T0 + MIN);
    cr_assert_eq(rows[1].avg, 1);
    cr_assert_eq(rows[3].ts_ms, T0 + 3 * MIN);
    cr_assert_eq(rows[3].n, 6);
    /* an unknown series has no rows */
    memset(rows, 0, sizeof rows);
    cr_assert_eq(disk_reader_rollups(r, "nope", false, T0, T0 + HOUR, collect_row, rows), 0);
    cr_assert_eq(rows[0].n, 0);
    int n = 0;
    cr_assert_eq(disk_reader_series(r, "gpu.*.utilization", collect_name, &n), 0);
    cr_assert_eq(n, 2);
    uint64_t seqs[32] = {0};
    cr_assert_eq(disk_reader_events(r, 10, collect_event, seqs), 0);
    cr_assert_eq(seqs[0], 10);
    cr_assert_eq(seqs[1], 21); /* the newest ten, oldest first */
    cr_assert_eq(seqs[10], 30);
    disk_reader_free(r);
    persist_free(p);
    store_free(s);
}

static void collect_instance(void *arg, const struct alert_instance *in)
{
    *(struct alert_instance *)arg = *in;
}

Test(persist, an_alert_instance_comes_back_as_it_was)
{
    struct store *s = store_new(16);
    struct persist_opts o = opts();
    struct persist *p = persist_new(&o, s);
    persist_tick(p, T0);
    struct alert_instance in;
    alert_instance_init(&in, "gpu_hot", "gpu.3.temperature");
    in.state = ALERT_FIRING;
    in.flapping = true;
    in.has_value = true;
    in.value = 91.5;
    in.active_since_ms = T0 - 5 * MIN;
    in.fired_at_ms = T0 - 4 * MIN;
    in.changed_at_ms = T0 - 4 * MIN;
    for (int i = 0; i < ALERT_FLAP_MAX; i++)
        in.starts[i] = T0 - i * MIN;
    in.n_starts = 11;
    in.notified = ALERT_MSG_FLAPPING;
    in.notified_at_ms[0] = T0 - 4 * MIN;
    in.notified_at_ms[ALERT_MAX_NOTIFIERS - 1] = T0 - 3 * MIN;
    persist_alert_state(p, &in);
    in.value = 92; /* a later save of the same instance replaces it */
    persist_alert_state(p, &in);
    persist_tick(p, T0 + SEC);
    struct disk_reader *r = disk_reader_new(p);
    struct alert_instance back;
    memset(&back, 0, sizeof back);
    cr_assert_eq(disk_reader_alert_states(r, collect_instance, &back), 0);
    cr_assert_eq(memcmp(&back, &in, sizeof in), 0);
    disk_reader_free(r);
    persist_free(p);
    store_free(s);
}
