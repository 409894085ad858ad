/*
 * The history writer on its real thread (1 s rollups) against the rest of the daemon: a
 * collector registering series and pushing samples, the loop queueing agent events and task
 * outcomes, the alert evaluator queueing alert states, a reader on its own connection
 * reading rollups and series names, and /health reading the stats. Then the daemon's stop
 * order (producers, then the writer): every record the queue took is on disk, none twice.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agents/agents.h"
#include "alert/state.h"
#include "core/clock.h"
#include "core/log.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"
#include "race.h"
#include "store/store.h"

#define RUN_MS 3500

struct shared {
    struct store *store;
    struct persist *p;
    atomic_bool stop;
    atomic_ulong events, tasks; /* accepted by the queue */
};

static void *collector(void *arg)
{
    struct shared *s = arg;
    int ids[40];
    int n = 0;
    for (int64_t k = 0; !atomic_load(&s->stop); k++) {
        if (n < 40 && k % 10 == 0) {
            char name[32];
            snprintf(name, sizeof name, "race.%d.value", n);
            ids[n] = store_series(s->store, name, "unit", "help", 4096);
            RACE_CHECK(ids[n] >= 0);
            n++;
        }
        int64_t now = clock_real_ms();
        for (int i = 0; i < n; i++)
            store_push(s->store, ids[i], now, (double)(k % 100));
        usleep(5000);
    }
    return NULL;
}

static void *loop(void *arg)
{
    struct shared *s = arg;
    for (uint64_t seq = 1; !atomic_load(&s->stop); seq++) {
        struct agent_event e = {.seq = seq, .ts_ms = clock_real_ms(), .level = INGEST_INFO};
        snprintf(e.message, sizeof e.message, "event %llu", (unsigned long long)seq);
        if (persist_event(s->p, &e) == 0)
            atomic_fetch_add(&s->events, 1);
        if (persist_task(s->p, e.ts_ms, "t", "p", 0, true, 5) == 0)
            atomic_fetch_add(&s->tasks, 1);
        usleep(500);
    }
    return NULL;
}

static void *evaluator(void *arg)
{
    struct shared *s = arg;
    for (int k = 0; !atomic_load(&s->stop); k++) {
        struct alert_instance in;
        char series[32];
        snprintf(series, sizeof series, "race.%d.value", k % 8);
        alert_instance_init(&in, "race_rule", series);
        in.state = k % 2 ? ALERT_FIRING : ALERT_RESOLVED;
        in.changed_at_ms = clock_real_ms();
        persist_alert_state(s->p, &in);
        usleep(3000);
    }
    return NULL;
}

static int count_row(void *arg, const struct disk_row *row)
{
    RACE_CHECK(row->n > 0 && row->min <= row->avg + 1e-9 && row->avg <= row->max + 1e-9);
    (*(int *)arg)++;
    return 0;
}

static void count_name(void *arg, const char *name, const char *unit)
{
    RACE_CHECK(strncmp(name, "race.", 5) == 0 && strcmp(unit, "unit") == 0);
    (*(int *)arg)++;
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    struct disk_reader *r = disk_reader_new(s->p);
    RACE_CHECK(r);
    int rows = 0, names = 0;
    while (!atomic_load(&s->stop)) {
        struct persist_stats st;
        persist_stats(s->p, &st);
        RACE_CHECK(st.state != PERSIST_ERROR);
        if (disk_reader_ok(r)) {
            int64_t now = clock_real_ms();
            RACE_CHECK(disk_reader_rollups(r, "race.0.value", false, now - 60000, now, count_row,
                                           &rows) == 0);
            RACE_CHECK(disk_reader_series(r, "race.*.value", count_name, &names) == 0);
        }
        usleep(20000);
    }
    RACE_CHECK(rows > 0);
    RACE_CHECK(names > 0);
    disk_reader_free(r);
    return NULL;
}

static long long scalar(const char *path, const char *sql)
{
    sqlite3 *db;
    RACE_CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    sqlite3_stmt *st;
    RACE_CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    RACE_CHECK(sqlite3_step(st) == SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

int main(void)
{
    log_set_level(LOG_WARN);
    char dir[] = "/tmp/vigil-race-persist-XXXXXX";
    RACE_CHECK(mkdtemp(dir));
    struct shared s = {.store = store_new(64)};
    struct persist_opts o = {
        .data_dir = dir,
        .rollup_ms = 1000,
        .coarse_ms = 2000,
        .history_ms = 3600 * 1000,
        .keep_ms = {86400000, 86400000, 86400000},
        .max_series = 64,
        .flush_ms = 200,
    };
    s.p = persist_new(&o, s.store);
    RACE_CHECK(s.p);
    RACE_CHECK(persist_start(s.p) == 0);
    RACE_CHECK(persist_wait_open(s.p, 10000));
    pthread_t t[4];
    void *(*fn[4])(void *) = {collector, loop, evaluator, reader};
    for (int i = 0; i < 4; i++)
        RACE_CHECK(pthread_create(&t[i], NULL, fn[i], &s) == 0);
    struct timespec run = {RUN_MS / 1000, (RUN_MS % 1000) * 1000000L};
    nanosleep(&run, NULL);
    char path[256];
    snprintf(path, sizeof path, "%s", persist_path(s.p));
    struct persist_stats st;
    persist_stats(s.p, &st);
    RACE_CHECK(st.written[PK_ROLLUP] > 0);
    atomic_store(&s.stop, true);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    persist_stats(s.p, &st);
    persist_free(s.p);
    long long events = scalar(path, "SELECT count(*) FROM events");
    long long distinct = scalar(path, "SELECT count(DISTINCT seq) FROM events");
    long long tasks = scalar(path, "SELECT count(*) FROM tasks");
    RACE_CHECK(events == (long long)atomic_load(&s.events));
    RACE_CHECK(distinct == events);
    RACE_CHECK(tasks == (long long)atomic_load(&s.tasks));
    RACE_CHECK(scalar(path, "SELECT count(*) FROM alert_state") == 8);
    RACE_CHECK(scalar(path, "SELECT count(*) FROM rollups") > 0);
    RACE_CHECK(scalar(path, "SELECT count(*) FROM rollups_coarse") > 0);
    char integrity[400];
    snprintf(integrity, sizeof integrity, "test \"$(sqlite3 '%s' 'PRAGMA integrity_check')\" = ok",
             path);
    RACE_CHECK(system(integrity) == 0);
    store_free(s.store);
    char rm[400];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    RACE_CHECK(system(rm) == 0);
    printf("race_persist: %lld events, %lld tasks, %llu rollups, %llu commits\n", events, tasks,
           (unsigned long long)st.written[PK_ROLLUP], (unsigned long long)st.commits);
    return 0;
}
