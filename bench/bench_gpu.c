/*
 * bench_gpu: the daemon's own CPU per GPU collection cycle, against the fake NVML library
 * with 8 GPUs and 2 processes on each (vLLM workers of the gpu/procs fixture, so the model
 * lookup runs through its cache as it does in steady state). The target is 50 us per cycle,
 * the library's time apart. Process CPU time (user + sys) is read around batches of cycles
 * and the median batch is reported per cycle; the fake's work (table lookups) is included
 * in that figure, and measured alone as well, to show it is negligible. The GPU thread's
 * whole cycle (collect, append to the store, encode the channels, documents and /metrics
 * text, publish) is measured the same way.
 *   usage: bench_gpu [batches]   (default 200 batches of 50 cycles)
 * Needs build/fakes/libnvidia-ml.so.1 (or $VIGIL_FAKES/...): `make build/fakes/libnvidia-ml.so`.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/gpu.h"
#include "collect/gpu_sampler.h"
#include "collect/nvml_abi.h"
#include "core/log.h"
#include "store/board.h"
#include "store/store.h"

#define GPUS  8
#define BATCH 50

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int write_scenario(char *path)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f)
        return -1;
    fprintf(f, "count=%d\ndriver=550.54.15\ncuda=12040\n", GPUS);
    for (int i = 0; i < GPUS; i++) {
        fprintf(f,
                "gpu%d.name=NVIDIA H100 80GB HBM3\ngpu%d.util=%d\ngpu%d.memutil=%d\n"
                "gpu%d.mem_total=85520809984\ngpu%d.mem_used=%d000000000\ngpu%d.temp=%d\n"
                "gpu%d.power_mw=%d000\ngpu%d.limit_mw=700000\ngpu%d.clock_gfx=1980\n"
                "gpu%d.clock_mem=2619\ngpu%d.fan=0\ngpu%d.throttle=0x4\n"
                "gpu%d.proc=%d:40000000000\ngpu%d.proc=4000:1000000\n",
                i, i, 50 + i, i, 20 + i, i, i, 60 + i, i, 60 + i, i, 400 + i, i, i, i, i, i, i,
                1001 + (i % 2), i);
    }
    return fclose(f);
}

/* What the backend asks the library for in one cycle, called directly: the library's share. */
static double library_us_per_cycle(const char *lib, int cycles)
{
    void *h = dlopen(lib, RTLD_LAZY | RTLD_LOCAL);
    if (!h)
        return -1;
    nvmlDeviceGetHandleByIndex_v2_f *handle =
        (nvmlDeviceGetHandleByIndex_v2_f *)dlsym(h, "nvmlDeviceGetHandleByIndex_v2");
    nvmlDeviceGetUtilizationRates_f *util =
        (nvmlDeviceGetUtilizationRates_f *)dlsym(h, "nvmlDeviceGetUtilizationRates");
    nvmlDeviceGetMemoryInfo_v2_f *mem =
        (nvmlDeviceGetMemoryInfo_v2_f *)dlsym(h, "nvmlDeviceGetMemoryInfo_v2");
    nvmlDeviceGetTemperature_f *temp =
        (nvmlDeviceGetTemperature_f *)dlsym(h, "nvmlDeviceGetTemperature");
    nvmlDeviceGetPowerUsage_f *power =
        (nvmlDeviceGetPowerUsage_f *)dlsym(h, "nvmlDeviceGetPowerUsage");
    nvmlDeviceGetEnforcedPowerLimit_f *limit =
        (nvmlDeviceGetEnforcedPowerLimit_f *)dlsym(h, "nvmlDeviceGetEnforcedPowerLimit");
    nvmlDeviceGetClockInfo_f *clock =
        (nvmlDeviceGetClockInfo_f *)dlsym(h, "nvmlDeviceGetClockInfo");
    nvmlDeviceGetFanSpeed_f *fan = (nvmlDeviceGetFanSpeed_f *)dlsym(h, "nvmlDeviceGetFanSpeed");
    nvmlDeviceGetCurrentClocksEventReasons_f *reasons =
        (nvmlDeviceGetCurrentClocksEventReasons_f *)dlsym(h,
                                                          "nvmlDeviceGetCurrentClocksEventReasons");
    nvmlDeviceGetRunningProcesses_f *procs =
        (nvmlDeviceGetRunningProcesses_f *)dlsym(h, "nvmlDeviceGetComputeRunningProcesses_v3");
    nvmlDeviceGetRunningProcesses_f *gprocs =
        (nvmlDeviceGetRunningProcesses_f *)dlsym(h, "nvmlDeviceGetGraphicsRunningProcesses_v3");
    if (!handle || !util || !mem || !temp || !power || !limit || !clock || !fan || !reasons ||
        !procs || !gprocs) {
        dlclose(h);
        return -1;
    }
    static nvmlProcessInfo_v3_t buf[256];
    int64_t a = cpu_ns();
    for (int c = 0; c < cycles; c++) {
        for (unsigned i = 0; i < GPUS; i++) {
            nvmlDevice_t d;
            handle(i, &d);
            nvmlUtilization_t u;
            util(d, &u);
            nvmlMemory_v2_t m = {.version = nvmlMemory_v2};
            mem(d, &m);
            unsigned v;
            temp(d, NVML_TEMPERATURE_GPU, &v);
            power(d, &v);
            limit(d, &v);
            clock(d, NVML_CLOCK_GRAPHICS, &v);
            clock(d, NVML_CLOCK_MEM, &v);
            fan(d, &v);
            unsigned long long r;
            reasons(d, &r);
            unsigned n = 256;
            procs(d, &n, buf);
            n = 256;
            gprocs(d, &n, buf);
        }
    }
    double us = (double)(cpu_ns() - a) / 1000.0 / cycles;
    dlclose(h);
    return us;
}

int main(int argc, char **argv)
{
    int batches = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 200;
    if (batches < 1)
        batches = 1;
    const char *fakes = getenv("VIGIL_FAKES");
    const char *fixtures = getenv("VIGIL_FIXTURES");
    char lib[1024], procfs[1024], scen[] = "/tmp/vigil-bench-gpu-XXXXXX";
    snprintf(lib, sizeof lib, "%s/libnvidia-ml.so.1", fakes && *fakes ? fakes : "build/fakes");
    snprintf(procfs, sizeof procfs, "%s/gpu/procs/proc",
             fixtures && *fixtures ? fixtures : "tests/fixtures");
    if (access(lib, R_OK) != 0) {
        printf("gpu collection cycle: skipped, %s not built (make build/fakes/libnvidia-ml.so)\n",
               lib);
        return 0;
    }
    if (write_scenario(scen) != 0 || setenv("FAKE_NVML_SCENARIO", scen, 1) != 0) {
        fprintf(stderr, "bench_gpu: cannot write a scenario in /tmp\n");
        return 1;
    }
    log_set_level(LOG_WARN); /* the GPU greeting would land in the middle of the report */
    struct collector_env env = {.procfs = procfs, .sysfs = "/nonexistent/sys"};
    struct gpu_collector *c = gpu_collector_new(&env, lib);
    struct gpu_sample *s = malloc(sizeof *s);
    int64_t *t = calloc((size_t)batches, sizeof *t);
    if (!c || !s || !t) {
        fprintf(stderr, "bench_gpu: out of memory\n");
        return 1;
    }
    gpu_collector_collect(c, s); /* the first cycle opens the library and reads the names */
    if (!s->available || s->n_devices != GPUS || s->devices[0].n_procs != 2) {
        fprintf(stderr, "bench_gpu: the fake did not give %d GPUs (%s)\n", GPUS, s->reason);
        return 1;
    }
    for (int b = 0; b < batches; b++) {
        int64_t a = cpu_ns();
        for (int i = 0; i < BATCH; i++)
            gpu_collector_collect(c, s);
        t[b] = cpu_ns() - a;
    }
    qsort(t, (size_t)batches, sizeof *t, cmp);
    double lib_us = library_us_per_cycle(lib, batches * BATCH / 10);
    printf("gpu collection cycle: median %.1f us, p90 %.1f us CPU per cycle, %d GPUs with 2 "
           "processes each (%d cycles; includes the fake NVML's own work, %.1f us of it "
           "measured alone; target < 50 us without the library)\n",
           (double)t[batches / 2] / 1000 / BATCH, (double)t[batches * 9 / 10] / 1000 / BATCH, GPUS,
           batches * BATCH, lib_us);
    free(s);
    gpu_collector_free(c);

    /* The whole cycle of the GPU thread, as the daemon runs it (1 h of history at 2 s). */
    struct store *store = store_new(4096);
    struct board board;
    board_init(&board);
    struct gpu_sampler_opts o = {
        .env = env, .nvml_path = lib, .interval_ms = 2000, .history_ms = 3600LL * 1000};
    struct gpu_sampler *g = store ? gpu_sampler_new(&o, store, &board) : NULL;
    if (!g) {
        fprintf(stderr, "bench_gpu: out of memory\n");
        return 1;
    }
    gpu_sampler_cycle(g); /* opens the library, registers the series */
    for (int b = 0; b < batches; b++) {
        int64_t a = cpu_ns();
        for (int i = 0; i < BATCH; i++)
            gpu_sampler_cycle(g);
        t[b] = cpu_ns() - a;
    }
    qsort(t, (size_t)batches, sizeof *t, cmp);
    board_collect(&board);
    struct snap *snap = board_get(&board, BOARD_GPU);
    printf("gpu thread cycle (collect, store, encode, publish): median %.1f us, p90 %.1f us CPU "
           "per cycle, %d GPUs, %zu series, %zu bytes of /api/v1/gpus and %zu of /metrics text "
           "per cycle\n",
           (double)t[batches / 2] / 1000 / BATCH, (double)t[batches * 9 / 10] / 1000 / BATCH, GPUS,
           store_count(store), snap ? snap->doc[GPU_DOC_GPUS].len : 0,
           snap ? snap->doc[GPU_DOC_PROM].len : 0);
    gpu_sampler_free(g);
    board_release(&board);
    store_free(store);
    free(t);
    unlink(scen);
    return 0;
}
