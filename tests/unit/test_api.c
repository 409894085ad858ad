/* api: routing, errors, and the history and series handlers on a real store, driven
 * through api_dispatch() as the transport drives it. */
#include <criterion/criterion.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/jsonw.h"

struct fake_query {
    const char *pairs[16]; /* name, value, ... NULL */
};

static int query(const struct api_req *req, const char *name, char *out, size_t outlen)
{
    const struct fake_query *q = req->transport;
    for (int i = 0; q && q->pairs[i]; i += 2) {
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

static struct config cfg;
static struct board board;
static struct api_ctx ctx;
static struct api_resp resp;

static void setup(void)
{
    config_defaults(&cfg);
    cfg.interval_ms = 1000;
    cfg.history_ms = 60000;
    board_init(&board);
    ctx = (struct api_ctx){.cfg = &cfg, .store = store_new(16), .board = &board};
    buf_init(&resp.body, 1 << 20);
    int64_t now = clock_real_ms();
    int a = store_series(ctx.store, "cpu.0.utilization", "percent", "core 0", 61);
    int b = store_series(ctx.store, "cpu.1.utilization", "percent", "core 1", 61);
    store_series(ctx.store, "cpu.overall_utilization", "percent", "all", 61);
    for (int i = 0; i < 10; i++) {
        store_push(ctx.store, a, now - (10 - i) * 1000, i);
        store_push(ctx.store, b, now - (10 - i) * 1000, 100 - i);
    }
}

static void teardown(void)
{
    buf_release(&resp.body);
    store_free(ctx.store);
    board_release(&board);
}

static void get(const char *path, struct fake_query *q)
{
    struct api_req req = {.method = HTTP_GET, .path = path, .query = query, .transport = q};
    buf_reset(&resp.body);
    resp.status = 0;
    resp.allow = NULL;
    api_dispatch(&ctx, &req, &resp);
}

TestSuite(api, .init = setup, .fini = teardown);

Test(api, unknown_path_and_wrong_method)
{
    get("/api/v1/nope", NULL);
    cr_assert_eq(resp.status, 404);
    cr_assert(strstr(resp.body.data, "\"status\":404"));
    struct api_req req = {.method = HTTP_POST, .path = "/api/v1/system", .query = query};
    api_dispatch(&ctx, &req, &resp);
    cr_assert_eq(resp.status, 405);
    cr_assert_str_eq(resp.allow, "GET, HEAD");
    cr_assert(api_path_is_public("/health"));
    cr_assert_not(api_path_is_public("/metrics"));
}

Test(api, history_of_a_wildcard)
{
    struct fake_query q = {{"series", "cpu.*.utilization", "from", "-1m", NULL}};
    get("/api/v1/history", &q);
    cr_assert_eq(resp.status, 200, "%s", resp.body.data);
    cr_assert(strstr(resp.body.data, "\"name\":\"cpu.0.utilization\""));
    cr_assert(strstr(resp.body.data, "\"name\":\"cpu.1.utilization\""));
    cr_assert_null(strstr(resp.body.data, "overall"));
    cr_assert(strstr(resp.body.data, ",9]]}"), "%s", resp.body.data); /* newest of cpu.0 */
}

Test(api, history_step_averages_buckets)
{
    struct fake_query q = {{"series", "cpu.0.utilization", "step", "1h", "from", "-1h", NULL}};
    get("/api/v1/history", &q);
    cr_assert_eq(resp.status, 200, "%s", resp.body.data);
    /* ten samples 0..9 in at most two hour buckets: the means are within 0..9 and the
     * bucket times are whole hours */
    cr_assert(strstr(resp.body.data, "\"step_ms\":3600000"));
    const char *p = strstr(resp.body.data, "\"points\":[[");
    cr_assert_not_null(p);
    long long t = strtoll(p + 11, NULL, 10);
    cr_assert_eq(t % 3600000, 0);
}

Test(api, history_errors)
{
    struct fake_query none = {{NULL}};
    get("/api/v1/history", &none);
    cr_assert_eq(resp.status, 400);
    struct fake_query bad = {{"series", "cpu.0.utilization", "to", "tomorrow", NULL}};
    get("/api/v1/history", &bad);
    cr_assert_eq(resp.status, 400);
    cr_assert(strstr(resp.body.data, "bad 'to'"));
    struct fake_query missing = {{"series", "gpu.0.temperature", NULL}};
    get("/api/v1/history", &missing);
    cr_assert_eq(resp.status, 404);
    struct fake_query iso = {{"series", "cpu.0.utilization", "from", "2020-01-01T00:00:00Z", "to",
                              "2020-01-02T00:00:00Z", NULL}};
    get("/api/v1/history", &iso);
    cr_assert_eq(resp.status, 200);
    cr_assert(strstr(resp.body.data, "\"points\":[]"));
}

Test(api, series_list_with_match)
{
    struct fake_query q = {{"match", "cpu.*.utilization", NULL}};
    get("/api/v1/series", &q);
    cr_assert_eq(resp.status, 200);
    cr_assert(strstr(resp.body.data, "\"unit\":\"percent\""));
    cr_assert_null(strstr(resp.body.data, "overall"));
}

Test(api, system_and_metrics_before_any_sample)
{
    get("/api/v1/system", NULL);
    cr_assert_eq(resp.status, 200);
    cr_assert(strstr(resp.body.data, "\"cpu\":null"));
    get("/metrics", NULL);
    cr_assert_eq(resp.status, 200);
    cr_assert(strstr(resp.body.data, "# TYPE vigil_build_info gauge"));
}
