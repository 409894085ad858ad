/* api_history: one answer across memory and disk. Two hours of per-minute rollups (and two
 * hourly ones) are written by a real writer from one store, while the API reads another
 * that holds only what came after, as after a restart: the old part comes from rollups on
 * period starts, the rest from memory; a step of an hour reads hourly rollups; agg picks
 * min or max; a series only on disk is found; without disk, memory answers alone; a range
 * that would read too much of the disk is refused. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/log.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"

#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

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

static char dir[64];
static struct config cfg;
static struct board board;
static struct api_ctx ctx;
static struct api_resp resp;
static struct store *old_store;
static int64_t T; /* the first rolled-up minute, three hours ago on an hour edge */
static int64_t restart;

/* Minute m of the old part: six samples of m and m + 0.5 alternately. */
static double value(int64_t t)
{
    return (double)((t - T) / MIN) + 0.5 * (double)((t / (10 * SEC)) % 2);
}

static void setup(void)
{
    log_set_level(LOG_ERROR);
    snprintf(dir, sizeof dir, "/tmp/vigil-api-history-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    int64_t now = clock_real_ms();
    T = (now - 3 * HOUR) - (now - 3 * HOUR) % HOUR;
    restart = T + 2 * HOUR + 30 * SEC;

    old_store = store_new(16);
    int a = store_series(old_store, "x.value", "percent", "", 2000);
    int g = store_series(old_store, "gone.value", "bytes", "", 2000);
    struct persist_opts o = {
        .data_dir = dir,
        .rollup_ms = MIN,
        .coarse_ms = HOUR,
        .history_ms = 3 * HOUR,
        .keep_ms = {7 * DAY, 7 * DAY, 7 * DAY},
        .max_series = 16,
    };
    struct persist *p = persist_new(&o, old_store);
    persist_tick(p, T);
    for (int64_t m = 0; m < 120; m++) {
        for (int64_t k = 0; k < 6; k++) {
            int64_t t = T + m * MIN + k * 10 * SEC;
            store_push(old_store, a, t, value(t));
            store_push(old_store, g, t, 7);
        }
        persist_tick(p, T + (m + 1) * MIN + 2 * SEC);
    }
    cr_assert_eq(persist_rollup_end(p), T + 2 * HOUR);
    cr_assert_eq(persist_coarse_end(p), T + 2 * HOUR);

    config_defaults(&cfg);
    cfg.interval_ms = 10 * SEC;
    cfg.history_ms = 2 * HOUR;
    board_init(&board);
    ctx = (struct api_ctx){.cfg = &cfg, .store = store_new(16), .board = &board, .persist = p};
    ctx.disk = disk_reader_new(p);
    int b = store_series(ctx.store, "x.value", "percent", "", 1000);
    for (int64_t t = restart; t <= now; t += 10 * SEC)
        store_push(ctx.store, b, t, 1000);
    buf_init(&resp.body, 1 << 24);
}

static void teardown(void)
{
    buf_release(&resp.body);
    disk_reader_free(ctx.disk);
    persist_free(ctx.persist);
    store_free(ctx.store);
    store_free(old_store);
    board_release(&board);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(api_history, .init = setup, .fini = teardown);

static json_t *get(struct fake_query *q, int status)
{
    struct api_req req = {
        .method = HTTP_GET, .path = "/api/v1/history", .query = query, .transport = q};
    buf_reset(&resp.body);
    api_dispatch(&ctx, &req, &resp);
    cr_assert_eq(resp.status, status, "%d: %s", resp.status, resp.body.data);
    json_error_t err;
    json_t *doc = json_loadb(resp.body.data, resp.body.len, 0, &err);
    cr_assert_not_null(doc, "%s", err.text);
    return doc;
}

static json_t *points(json_t *doc, size_t series)
{
    return json_object_get(json_array_get(json_object_get(doc, "series"), series), "points");
}

static int64_t ts_at(json_t *pts, size_t i)
{
    return json_integer_value(json_array_get(json_array_get(pts, i), 0));
}

static double val_at(json_t *pts, size_t i)
{
    return json_number_value(json_array_get(json_array_get(pts, i), 1));
}

static char *ms(char *buf, int64_t t)
{
    snprintf(buf, 24, "%lld", (long long)t);
    return buf;
}

Test(api_history, rollups_before_memory_then_memory)
{
    char from[24], to[24];
    struct fake_query q = {
        {"series", "x.value", "from", ms(from, T), "to", ms(to, restart + 5 * MIN), NULL}};
    json_t *doc = get(&q, 200);
    cr_assert_eq(json_integer_value(json_object_get(doc, "rollup_ms")), MIN);
    cr_assert(json_is_false(json_object_get(doc, "reduced")));
    json_t *pts = points(doc, 0);
    /* 120 minutes from disk, then memory every 10 s from the restart */
    cr_assert_eq(json_array_size(pts), 120 + 31, "%zu", json_array_size(pts));
    for (size_t m = 0; m < 120; m++) {
        cr_assert_eq(ts_at(pts, m), T + (int64_t)m * MIN);
        cr_assert_float_eq(val_at(pts, m), (double)m + 0.25, 1e-6);
    }
    cr_assert_eq(ts_at(pts, 120), restart);
    cr_assert_eq(val_at(pts, 120), 1000);
    json_decref(doc);
}

Test(api_history, a_step_of_an_hour_reads_hourly_rollups)
{
    char from[24], to[24];
    struct fake_query q = {{"series", "x.value", "from", ms(from, T), "to",
                            ms(to, T + 2 * HOUR - 1), "step", "1h", NULL}};
    json_t *doc = get(&q, 200);
    json_t *pts = points(doc, 0);
    cr_assert_eq(json_array_size(pts), 2);
    cr_assert_eq(ts_at(pts, 0), T);
    cr_assert_float_eq(val_at(pts, 0), 29.75, 1e-6);
    cr_assert_float_eq(val_at(pts, 1), 89.75, 1e-6);
    json_decref(doc);
}

Test(api_history, a_step_over_both_tiers_weights_by_count)
{
    /* 10-minute buckets: those before the restart average six samples a minute */
    char from[24], to[24];
    struct fake_query q = {{"series", "x.value", "from", ms(from, T + HOUR), "to",
                            ms(to, T + HOUR + 20 * MIN - 1), "step", "10m", NULL}};
    json_t *doc = get(&q, 200);
    json_t *pts = points(doc, 0);
    cr_assert_eq(json_array_size(pts), 2);
    cr_assert_float_eq(val_at(pts, 0), 64.75, 1e-6); /* minutes 60..69 */
    cr_assert_float_eq(val_at(pts, 1), 74.75, 1e-6);
    json_decref(doc);
}

Test(api_history, agg_picks_the_minimum_or_the_maximum)
{
    char from[24], to[24];
    struct fake_query q = {{"series", "x.value", "from", ms(from, T), "to", ms(to, T + HOUR - 1),
                            "step", "1h", "agg", "max", NULL}};
    json_t *doc = get(&q, 200);
    cr_assert_str_eq(json_string_value(json_object_get(doc, "agg")), "max");
    cr_assert_float_eq(val_at(points(doc, 0), 0), 59.5, 1e-9);
    json_decref(doc);
    q.pairs[9] = "min";
    doc = get(&q, 200);
    cr_assert_float_eq(val_at(points(doc, 0), 0), 0, 1e-9);
    json_decref(doc);
    q.pairs[9] = "median";
    json_decref(get(&q, 400));
}

Test(api_history, a_series_known_only_on_disk_is_answered)
{
    char from[24];
    struct fake_query q = {{"series", "gone.value", "from", ms(from, T), NULL}};
    json_t *doc = get(&q, 200);
    json_t *s = json_array_get(json_object_get(doc, "series"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(s, "unit")), "bytes");
    cr_assert_eq(json_array_size(points(doc, 0)), 120);
    cr_assert_eq(val_at(points(doc, 0), 7), 7);
    json_decref(doc);
    /* and through a pattern, beside the one memory has */
    struct fake_query pat = {{"series", "*.value", "from", ms(from, T), NULL}};
    doc = get(&pat, 200);
    cr_assert_eq(json_array_size(json_object_get(doc, "series")), 2);
    json_decref(doc);
}

Test(api_history, without_disk_memory_answers_alone)
{
    struct persist *p = ctx.persist;
    ctx.persist = NULL;
    char from[24];
    struct fake_query q = {{"series", "x.value", "from", ms(from, T), NULL}};
    json_t *doc = get(&q, 200);
    cr_assert(json_is_null(json_object_get(doc, "rollup_ms")));
    cr_assert_eq(ts_at(points(doc, 0), 0), restart);
    json_decref(doc);
    ctx.persist = p;
}

Test(api_history, a_range_that_reads_too_much_of_the_disk_is_refused)
{
    struct fake_query q = {{"series", "x.value", "from", "0", NULL}};
    json_t *doc = get(&q, 413);
    cr_assert(strstr(json_string_value(json_object_get(doc, "error")), "larger step"));
    json_decref(doc);
    /* a long range at a fine step: hourly rollups answer, and the answer says so */
    struct fake_query long_fine = {{"series", "x.value", "from", "-200d", "step", "10m", NULL}};
    doc = get(&long_fine, 200);
    cr_assert(json_is_true(json_object_get(doc, "reduced")));
    json_t *pts = points(doc, 0);
    cr_assert_eq(ts_at(pts, 0), T);
    cr_assert_float_eq(val_at(pts, 0), 29.75, 1e-6);
    cr_assert_eq(ts_at(pts, 1), T + HOUR);
    json_decref(doc);
    /* the same range at a day's step reads hourly rollups: fine */
    struct fake_query day = {{"series", "x.value", "from", "-30d", "step", "1d", NULL}};
    json_decref(get(&day, 200));
}

Test(api_history, the_series_list_names_what_only_disk_knows)
{
    struct fake_query q = {{NULL}};
    struct api_req req = {
        .method = HTTP_GET, .path = "/api/v1/series", .query = query, .transport = &q};
    buf_reset(&resp.body);
    api_dispatch(&ctx, &req, &resp);
    cr_assert_eq(resp.status, 200);
    json_t *doc = json_loadb(resp.body.data, resp.body.len, 0, NULL);
    json_t *list = json_object_get(doc, "series");
    cr_assert_eq(json_array_size(list), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(list, 0), "name")),
                     "x.value");
    cr_assert_null(json_object_get(json_array_get(list, 0), "in_memory"));
    json_t *gone = json_array_get(list, 1);
    cr_assert_str_eq(json_string_value(json_object_get(gone, "name")), "gone.value");
    cr_assert(json_is_false(json_object_get(gone, "in_memory")));
    json_decref(doc);
}
