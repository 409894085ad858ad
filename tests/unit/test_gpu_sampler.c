/* test_gpu_sampler: the GPU thread's cycle run on the test's thread (collect, store, encode,
 * publish) against the fake libnvidia-ml, then read back as the event loop reads it:
 * the board's BOARD_GPU snap, the store's gpu.<n>.<field> series, and the handlers of
 * /api/v1/gpus, /api/v1/system, /health and /metrics through api_dispatch(). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "collect/gpu_sampler.h"
#include "core/log.h"

static char fakes[1024], procfs[1024], sysfs[1024], scenario_path[64], libpath[1200];
static struct config cfg;
static struct board board;
static struct api_ctx ctx;
static struct api_resp resp;
static struct gpu_sampler *G;

static void setup(void)
{
    const char *f = getenv("VIGIL_FAKES");
    const char *x = getenv("VIGIL_FIXTURES");
    snprintf(fakes, sizeof fakes, "%s", f && *f ? f : "build/fakes");
    x = x && *x ? x : "tests/fixtures";
    snprintf(procfs, sizeof procfs, "%s/gpu/procs/proc", x);
    snprintf(sysfs, sizeof sysfs, "%s/gpu/procs/no-sys", x);
    log_set_level(LOG_ERROR);
    config_defaults(&cfg);
    board_init(&board);
    ctx = (struct api_ctx){.cfg = &cfg, .store = store_new(256), .board = &board};
    cr_assert_not_null(ctx.store);
    buf_init(&resp.body, 1 << 20);
    scenario_path[0] = '\0';
}

static void teardown(void)
{
    gpu_sampler_free(G);
    G = NULL;
    board_release(&board);
    store_free(ctx.store);
    buf_release(&resp.body);
    if (scenario_path[0])
        unlink(scenario_path);
}

TestSuite(gpu_sampler, .init = setup, .fini = teardown);

static void start(const char *scenario, const char *library)
{
    if (scenario) {
        snprintf(scenario_path, sizeof scenario_path, "/tmp/vigil-gpus-XXXXXX");
        int fd = mkstemp(scenario_path);
        cr_assert(fd >= 0);
        cr_assert_eq(write(fd, scenario, strlen(scenario)), (ssize_t)strlen(scenario));
        close(fd);
        setenv("FAKE_NVML_SCENARIO", scenario_path, 1);
    }
    snprintf(libpath, sizeof libpath, "%s/%s", fakes, library);
    struct gpu_sampler_opts o = {.env = {.procfs = procfs, .sysfs = sysfs},
                                 .nvml_path = libpath,
                                 .interval_ms = 1000,
                                 .history_ms = 60000};
    G = gpu_sampler_new(&o, ctx.store, &board);
    cr_assert_not_null(G);
}

static void cycle(void)
{
    gpu_sampler_cycle(G);
    board_collect(&board);
}

static json_t *get(const char *path)
{
    struct api_req req = {.method = HTTP_GET, .path = path};
    buf_reset(&resp.body);
    resp.status = 0;
    api_dispatch(&ctx, &req, &resp);
    cr_assert_eq(resp.status, 200, "%s: %d %s", path, resp.status, resp.body.data);
    if (strcmp(path, "/metrics") == 0)
        return NULL;
    json_error_t e;
    json_t *j = json_loads(resp.body.data, 0, &e);
    cr_assert_not_null(j, "%s: bad JSON (%s): %s", path, e.text, resp.body.data);
    return j;
}

#define INT(o, k) json_integer_value(json_object_get(o, k))
#define STR(o, k) json_string_value(json_object_get(o, k))

static const char *TWO_GPUS = "count=2\ndriver=550.54.15\ncuda=12040\n"
                              "gpu0.name=NVIDIA H100 80GB HBM3\ngpu0.util=87\ngpu0.temp=71\n"
                              "gpu0.mem_total=85520809984\ngpu0.mem_used=70000000000\n"
                              "gpu0.power_mw=612500\ngpu0.proc=1000:60000000000\n"
                              "gpu0.proc=1001:2000000000\n"
                              "gpu1.util=3\ngpu1.temp=40\ngpu1.fail=temp:unknown\n"
                              "gpu1.proc=4000:100000\n";

Test(gpu_sampler, before_the_first_cycle_the_gpus_are_starting)
{
    start(NULL, "libnvidia-ml.so.1");
    json_t *j = get("/api/v1/gpus");
    cr_assert(json_is_false(json_object_get(j, "available")));
    cr_assert_str_eq(STR(j, "state"), "starting");
    cr_assert_eq(json_array_size(json_object_get(j, "gpus")), 0);
    json_decref(j);
    j = get("/health");
    json_t *g = json_object_get(json_object_get(j, "collectors"), "gpu");
    cr_assert_str_eq(STR(g, "state"), "starting");
    cr_assert_str_eq(STR(j, "status"), "ok");
    json_decref(j);
    j = get("/api/v1/system");
    cr_assert_eq(json_array_size(json_object_get(j, "gpus")), 0);
    json_decref(j);
}

Test(gpu_sampler, one_snap_serves_every_endpoint)
{
    start(TWO_GPUS, "libnvidia-ml.so.1");
    cycle();
    struct snap *s = board_get(&board, BOARD_GPU);
    cr_assert_not_null(s);
    cr_assert_eq(s->n_chan, 2);
    cr_assert_str_eq(s->chan[0].name, "system/gpu/0");
    cr_assert_str_eq(s->chan[1].name, "system/gpu/1");

    json_t *j = get("/api/v1/gpus");
    cr_assert(json_is_true(json_object_get(j, "available")));
    cr_assert_str_eq(STR(j, "state"), "degraded");
    cr_assert_str_eq(STR(j, "driver_version"), "550.54.15");
    cr_assert_str_eq(STR(j, "cuda_version"), "12.4");
    json_t *gpus = json_object_get(j, "gpus");
    cr_assert_eq(json_array_size(gpus), 2);
    json_t *g0 = json_array_get(gpus, 0), *g1 = json_array_get(gpus, 1);
    cr_assert_eq(INT(g0, "utilization"), 87);
    cr_assert_eq(INT(g1, "utilization"), 3);
    cr_assert(json_is_null(json_object_get(g1, "temperature")));
    json_t *p = json_object_get(g0, "processes");
    cr_assert_eq(json_array_size(p), 2);
    cr_assert_str_eq(STR(json_array_get(p, 1), "model"), "Qwen/Qwen2.5-32B-Instruct-AWQ",
                     "a vLLM worker gets its parent's model");
    cr_assert(json_is_null(json_object_get(json_array_get(json_object_get(g1, "processes"), 0),
                                           "model")));

    /* The channel payload is the element of the arrays, byte for byte. */
    char *one = json_dumps(g0, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *chan = json_loadb(s->chan[0].data.data, s->chan[0].data.len, 0, NULL);
    char *two = json_dumps(chan, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert_str_eq(one, two);
    free(one);
    free(two);
    json_decref(chan);
    json_decref(j);

    j = get("/api/v1/system");
    cr_assert_eq(json_array_size(json_object_get(j, "gpus")), 2);
    cr_assert_eq(INT(json_array_get(json_object_get(j, "gpus"), 0), "gpu_index"), 0);
    json_decref(j);

    j = get("/health");
    cr_assert_str_eq(STR(j, "status"), "degraded", "a GPU call failing degrades health");
    json_t *g = json_object_get(json_object_get(j, "collectors"), "gpu");
    cr_assert_str_eq(STR(g, "state"), "degraded");
    cr_assert(strstr(STR(g, "error"), "temperature"));
    cr_assert_eq(INT(g, "devices"), 2);
    json_decref(j);

    get("/metrics");
    cr_assert(strstr(resp.body.data, "vigil_gpu_utilization_ratio{gpu=\"1\""));
    cr_assert(strstr(resp.body.data, "\nvigil_build_info{"), "the daemon's own families follow");
}

Test(gpu_sampler, series_are_registered_when_a_figure_first_comes)
{
    start(TWO_GPUS, "libnvidia-ml.so.1");
    cycle();
    cycle();
    cr_assert_eq(gpu_sampler_cycles(G), 2);
    int u0 = store_find(ctx.store, "gpu.0.utilization");
    int u1 = store_find(ctx.store, "gpu.1.utilization");
    cr_assert_geq(u0, 0);
    cr_assert_geq(u1, 0);
    struct sample smp;
    cr_assert(store_latest(ctx.store, u0, &smp));
    cr_assert_float_eq(smp.value, 87, 1e-9);
    cr_assert(store_latest(ctx.store, u1, &smp));
    cr_assert_float_eq(smp.value, 3, 1e-9);
    cr_assert_str_eq(store_unit(ctx.store, store_find(ctx.store, "gpu.0.memory_used")), "bytes");
    cr_assert_str_eq(store_unit(ctx.store, store_find(ctx.store, "gpu.0.temperature")),
                     "celsius");
    cr_assert_lt(store_find(ctx.store, "gpu.1.temperature"), 0,
                 "a figure never read has no series");
}

Test(gpu_sampler, no_gpu_is_a_normal_state)
{
    snprintf(fakes, sizeof fakes, "/nonexistent");
    start(NULL, "libnvidia-ml.so.1");
    cycle();
    cycle();
    json_t *j = get("/api/v1/gpus");
    cr_assert(json_is_false(json_object_get(j, "available")));
    cr_assert_str_eq(STR(j, "state"), "unavailable");
    cr_assert(strstr(STR(j, "reason"), "nvml:"), "%s", STR(j, "reason"));
    cr_assert(json_is_null(json_object_get(j, "driver_version")));
    json_decref(j);
    j = get("/health");
    cr_assert_str_eq(STR(j, "status"), "ok");
    json_t *g = json_object_get(json_object_get(j, "collectors"), "gpu");
    cr_assert_str_eq(STR(g, "state"), "unavailable");
    cr_assert(json_is_null(json_object_get(g, "error")));
    json_decref(j);
    get("/metrics");
    cr_assert(strstr(resp.body.data, "\nvigil_gpu_available 0\n"));
    cr_assert_null(strstr(resp.body.data, "vigil_gpu_info"));
    cr_assert_eq(store_count(ctx.store), 0);
    char reason[GPU_REASON_LEN];
    cr_assert_eq(gpu_sampler_state(G, reason, sizeof reason), GPU_STATE_UNAVAILABLE);
}

Test(gpu_sampler, a_library_without_most_functions_still_reports_the_rest)
{
    start("count=1\ngpu0.util=42\ngpu0.mem_total=1000\ngpu0.mem_used=10\ngpu0.temp=50\n",
          "libnvidia-ml-minimal.so");
    cycle();
    json_t *j = get("/api/v1/gpus");
    json_t *g0 = json_array_get(json_object_get(j, "gpus"), 0);
    cr_assert_eq(INT(g0, "utilization"), 42);
    cr_assert_eq(INT(g0, "memory_used"), 10);
    cr_assert(json_is_null(json_object_get(g0, "temperature")), "no function, no figure");
    cr_assert_str_eq(STR(j, "state"), "ok", "a missing function is not a failure");
    json_decref(j);
}
