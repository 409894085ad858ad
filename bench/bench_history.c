/*
 * bench_history: history on disk, on a made-up clock driven as fast as the machine goes.
 *   1. bytes on disk per series per day at 1-minute rollups (target: under 100 KiB): 100
 *      series sampled every 10 s for a simulated day, rolled up each minute (and hourly)
 *      by the writer, then the size of vigil.db once closed (WAL checkpointed);
 *   2. the writer's CPU per minute at 500 series sampled every 2 s: its thread's CPU time
 *      over 30 simulated minutes of one tick a second (each minute's rollup transaction,
 *      the empty ticks between, retention and size checks), divided by 30;
 *   3. GET /api/v1/history latency for 24 h of one series at a 1-minute step (target:
 *      under 5 ms), through api_dispatch() as the transport calls it, on the database of
 *      part 1 with the last hour in memory as the daemon has it: median and p99.
 *   usage: bench_history [api_runs]   (default 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"
#include "store/board.h"
#include "store/store.h"

#define T0   1767225600000LL /* 2026-01-01T00:00:00Z */
#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A value that moves like a real figure: a slow wave plus a wobble, never an integer. */
static double value(int s, int64_t t)
{
    double x = (double)(t / SEC) / 600.0 + s;
    return 50 + 30 * (x - (double)(int64_t)x) +
           (double)((t / SEC * 7919 + s * 104729) % 1000) / 997.0;
}

static struct persist *writer(const char *dir, struct store *st)
{
    struct persist_opts o = {
        .data_dir = dir,
        .rollup_ms = MIN,
        .coarse_ms = HOUR,
        .history_ms = HOUR,
        .keep_ms = {7 * DAY, 7 * DAY, 7 * DAY},
        .max_series = 1024,
    };
    struct persist *p = persist_new(&o, st);
    if (!p) {
        fprintf(stderr, "bench_history: cannot make the writer\n");
        exit(1);
    }
    return p;
}

static void register_series(struct store *st, int *ids, int n, size_t slots)
{
    for (int s = 0; s < n; s++) {
        char name[64];
        snprintf(name, sizeof name, "bench.%d.value", s);
        ids[s] = store_series(st, name, "percent", "bench", slots);
    }
}

/* 1: a day of 100 series; leaves the database in dir. */
static void bytes_per_day(const char *dir)
{
    enum { N = 100 };
    struct store *st = store_new(1024);
    int ids[N];
    register_series(st, ids, N, 64);
    struct persist *p = writer(dir, st);
    persist_tick(p, T0);
    for (int64_t m = 0; m < 1440; m++) {
        for (int64_t k = 0; k < 6; k++) {
            int64_t t = T0 + m * MIN + k * 10 * SEC;
            for (int s = 0; s < N; s++)
                store_push(st, ids[s], t, value(s, t));
        }
        persist_tick(p, T0 + (m + 1) * MIN + 2 * SEC);
    }
    struct persist_stats stats;
    persist_stats(p, &stats);
    persist_free(p); /* the last connection: checkpoints the WAL into the file */
    store_free(st);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, PERSIST_DB_NAME);
    struct stat sb;
    stat(path, &sb);
    printf("history on disk: %.1f KiB per series per day at 1-minute rollups, hourly ones "
           "included (%d series for a simulated day: %llu rollups, %llu hourly, vigil.db "
           "%.1f MiB; target < 100 KiB)\n",
           (double)sb.st_size / N / 1024, N, (unsigned long long)stats.written[PK_ROLLUP],
           (unsigned long long)stats.written[PK_COARSE], (double)sb.st_size / (1 << 20));
}

/* 2: 500 series, 30 minutes, one tick a second. */
static void writer_cpu(const char *dir)
{
    enum { N = 500, MINUTES = 30 };
    struct store *st = store_new(1024);
    int ids[N];
    register_series(st, ids, N, 2048);
    struct persist *p = writer(dir, st);
    persist_tick(p, T0);
    int64_t total = 0, rollup_ticks[MINUTES];
    int nr = 0;
    for (int64_t s = 1; s <= MINUTES * 60; s++) {
        int64_t now = T0 + s * SEC;
        if (s % 2 == 0)
            for (int i = 0; i < N; i++)
                store_push(st, ids[i], now, value(i, now));
        int64_t c0 = thread_cpu_ns();
        persist_tick(p, now);
        int64_t c = thread_cpu_ns() - c0;
        total += c;
        if (s % 60 == 2 && nr < MINUTES) /* the tick that writes the minute just over */
            rollup_ticks[nr++] = c;
    }
    struct persist_stats stats;
    persist_stats(p, &stats);
    persist_free(p);
    store_free(st);
    qsort(rollup_ticks, (size_t)nr, sizeof rollup_ticks[0], cmp);
    printf("history writer: %.2f ms of CPU per minute at %d series sampled every 2 s (%d "
           "simulated minutes, %llu rollups); the minute's rollup transaction: median %.2f ms\n",
           (double)total / MINUTES / 1e6, N, MINUTES, (unsigned long long)stats.written[PK_ROLLUP],
           (double)rollup_ticks[nr / 2] / 1e6);
}

struct fake_query {
    const char *pairs[16];
};

static int query(const struct api_req *req, const char *name, char *out, size_t outlen)
{
    const struct fake_query *q = req->transport;
    for (int i = 0; q->pairs[i]; i += 2) {
        if (strcmp(q->pairs[i], name) != 0)
            continue;
        size_t n = strlen(q->pairs[i + 1]);
        if (n + 1 > outlen)
            return -2;
        memcpy(out, q->pairs[i + 1], n + 1);
        return (int)n;
    }
    return -1;
}

/* 3: the database of part 1, reopened at the end of its day. */
static void api_latency(const char *dir, int runs)
{
    int64_t end = T0 + DAY;
    struct store *st = store_new(1024);
    int id = store_series(st, "bench.0.value", "percent", "bench", 1801);
    for (int64_t t = end - HOUR; t < end; t += 2 * SEC)
        store_push(st, id, t, value(0, t));
    struct persist *p = writer(dir, st);
    persist_tick(p, end + SEC);
    struct disk_reader *r = disk_reader_new(p);
    struct config cfg;
    config_defaults(&cfg);
    struct board board;
    board_init(&board);
    struct api_ctx ctx = {.cfg = &cfg, .store = st, .board = &board, .persist = p, .disk = r};
    struct api_resp resp = {0};
    buf_init(&resp.body, 64u << 20);
    char from[32], to[32];
    snprintf(from, sizeof from, "%lld", (long long)(end - DAY));
    snprintf(to, sizeof to, "%lld", (long long)end);
    struct fake_query q = {
        {"series", "bench.0.value", "from", from, "to", to, "step", "60s", NULL}};
    struct api_req req = {
        .method = HTTP_GET, .path = "/api/v1/history", .query = query, .transport = &q};
    int64_t *ns = calloc((size_t)runs, sizeof *ns);
    size_t points = 0;
    for (int i = -20; i < runs; i++) {
        buf_reset(&resp.body);
        int64_t t0 = clock_mono_ns();
        api_dispatch(&ctx, &req, &resp);
        int64_t d = clock_mono_ns() - t0;
        if (resp.status != 200) {
            fprintf(stderr, "bench_history: %d %s\n", resp.status, resp.body.data);
            exit(1);
        }
        if (i >= 0)
            ns[i] = d;
        points = 0;
        for (const char *c = resp.body.data; (c = strstr(c, "],[")); c++)
            points++;
    }
    qsort(ns, (size_t)runs, sizeof *ns, cmp);
    printf("GET /api/v1/history, 24 h of one series at a 1-minute step (%zu points, %zu bytes, "
           "rollups from disk and the last minutes from memory): median %.2f ms, p99 %.2f ms "
           "over %d requests (target < 5 ms)\n",
           points + 1, resp.body.len, (double)ns[runs / 2] / 1e6, (double)ns[runs * 99 / 100] / 1e6,
           runs);
    free(ns);
    buf_release(&resp.body);
    board_release(&board);
    disk_reader_free(r);
    persist_free(p);
    store_free(st);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 500;
    if (runs < 1)
        runs = 1;
    log_set_level(LOG_WARN);
    char day[] = "/tmp/vigil-bench-history-XXXXXX", cpu[] = "/tmp/vigil-bench-writer-XXXXXX";
    if (!mkdtemp(day) || !mkdtemp(cpu)) {
        perror("bench_history: mkdtemp");
        return 1;
    }
    bytes_per_day(day);
    writer_cpu(cpu);
    api_latency(day, runs);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s' '%s'", day, cpu);
    return system(rm) == 0 ? 0 : 1;
}
