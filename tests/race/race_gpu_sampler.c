/* The GPU thread and the host sampler thread together, as the daemon runs them, both writing
 * the store and publishing to the board while this thread reads them as the event loop
 * does; then a clean stop. AMD cards from the fixture tree, and the fake NVML as well when
 * $VIGIL_FAKES names its folder. Run from the repository root. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/gpu_sampler.h"
#include "collect/sampler.h"
#include "core/log.h"
#include "race.h"

static void woke(void *arg)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    char lib[1024] = "/nonexistent/libnvidia-ml.so.1", scen[] = "/tmp/vigil-race-gpus-XXXXXX";
    const char *fakes = getenv("VIGIL_FAKES");
    bool nvml = false;
    if (fakes && *fakes) {
        snprintf(lib, sizeof lib, "%s/libnvidia-ml.so.1", fakes);
        int fd = mkstemp(scen);
        RACE_CHECK(fd >= 0);
        const char *text = "count=2\ngpu0.util=50\ngpu0.temp=60\ngpu1.fail=temp:unknown\n"
                           "gpu1.proc=8000:5\n";
        RACE_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        setenv("FAKE_NVML_SCENARIO", scen, 1);
        nvml = access(lib, R_OK) == 0;
    }
    _Atomic int wakes = 0;
    struct store *store = store_new(1024);
    struct board board;
    board_init(&board);
    board_set_wake(&board, woke, (void *)&wakes);
    struct sampler_opts so = {
        .env = {.procfs = "/proc", .sysfs = "/sys"}, .interval_ms = 10, .history_ms = 1000};
    struct gpu_sampler_opts go = {
        .env = {.procfs = "tests/fixtures/gpu/amd/proc", .sysfs = "tests/fixtures/gpu/amd/sys"},
        .nvml_path = lib,
        .interval_ms = 10,
        .history_ms = 1000};
    struct sampler *s = sampler_new(&so, store, &board);
    struct gpu_sampler *g = gpu_sampler_new(&go, store, &board);
    RACE_CHECK(s && g);
    gpu_sampler_cycle(g); /* a cycle before the thread starts, as a caller may run one */
    RACE_CHECK(sampler_start(s) == 0);
    RACE_CHECK(gpu_sampler_start(g) == 0);
    struct sample out[128];
    uint64_t last = 0;
    unsigned want = nvml ? 4 : 2;
    while (gpu_sampler_cycles(g) < 40 || sampler_cycles(s) < 20) {
        board_collect(&board);
        struct snap *snap = board_get(&board, BOARD_GPU);
        if (snap) {
            snap_ref(snap); /* as a response holding it does */
            RACE_CHECK(snap->seq >= last);
            last = snap->seq;
            RACE_CHECK(snap->n_chan == want);
            RACE_CHECK(snap->doc[GPU_DOC_GPUS].len > 0 && snap->doc[GPU_DOC_PROM].len > 0);
            snap_unref(snap);
        }
        char reason[GPU_REASON_LEN];
        enum gpu_state st = gpu_sampler_state(g, reason, sizeof reason);
        RACE_CHECK(st == GPU_STATE_OK || st == GPU_STATE_DEGRADED);
        int id = store_find(store, "gpu.0.utilization");
        if (id >= 0)
            store_read(store, id, 0, INT64_MAX, out, 128);
        store_count(store);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    gpu_sampler_stop(g);
    sampler_stop(s);
    RACE_CHECK(store_find(store, "gpu.0.utilization") >= 0);
    RACE_CHECK(store_find(store, "cpu.overall_utilization") >= 0);
    gpu_sampler_free(g);
    sampler_free(s);
    RACE_CHECK(atomic_load(&wakes) >= 60);
    board_release(&board);
    store_free(store);
    if (nvml)
        unlink(scen);
    printf("race_gpu_sampler: ok (%u GPUs%s)\n", want, nvml ? ", with NVML" : "");
    return 0;
}
