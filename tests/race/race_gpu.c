/* The GPU collector on its own thread, as the daemon drives it, while this thread reads its
 * state as /health does. AMD cards from the fixture tree; the fake NVML too when
 * $VIGIL_FAKES names its folder. Run from the repository root. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/gpu.h"
#include "core/log.h"
#include "race.h"

#define CYCLES 200

static _Atomic int done;

static void *collect(void *arg)
{
    struct gpu_collector *c = arg;
    struct gpu_sample *s = malloc(sizeof *s);
    RACE_CHECK(s);
    for (int i = 0; i < CYCLES; i++) {
        RACE_CHECK(gpu_collector_collect(c, s) == 0);
        RACE_CHECK(s->available);
        RACE_CHECK(s->n_devices >= 2);
    }
    free(s);
    atomic_store(&done, 1);
    return NULL;
}

int main(void)
{
    log_set_level(LOG_WARN);
    char lib[1024] = "/nonexistent/libnvidia-ml.so.1", scen[] = "/tmp/vigil-race-gpu-XXXXXX";
    const char *fakes = getenv("VIGIL_FAKES");
    bool nvml = false;
    if (fakes && *fakes) {
        snprintf(lib, sizeof lib, "%s/libnvidia-ml.so.1", fakes);
        int fd = mkstemp(scen);
        RACE_CHECK(fd >= 0);
        const char *text = "count=2\ngpu0.util=50\ngpu1.fail=temp:unknown\ngpu1.proc=8000:5\n";
        RACE_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        setenv("FAKE_NVML_SCENARIO", scen, 1);
        nvml = access(lib, R_OK) == 0;
    }
    struct collector_env env = {.procfs = "tests/fixtures/gpu/amd/proc",
                                .sysfs = "tests/fixtures/gpu/amd/sys"};
    struct gpu_collector *c = gpu_collector_new(&env, lib);
    RACE_CHECK(c);
    pthread_t t;
    RACE_CHECK(pthread_create(&t, NULL, collect, c) == 0);
    int reads = 0;
    while (!atomic_load(&done)) {
        char reason[GPU_REASON_LEN];
        enum gpu_state st = gpu_collector_state(c, reason, sizeof reason);
        RACE_CHECK(st == GPU_STATE_STARTING || st == GPU_STATE_OK || st == GPU_STATE_DEGRADED);
        reads++;
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    RACE_CHECK(pthread_join(t, NULL) == 0);
    char reason[GPU_REASON_LEN];
    enum gpu_state st = gpu_collector_state(c, reason, sizeof reason);
    RACE_CHECK(st == (nvml ? GPU_STATE_DEGRADED : GPU_STATE_OK));
    gpu_collector_free(c);
    if (nvml)
        unlink(scen);
    printf("race_gpu: ok (%d state reads%s)\n", reads, nvml ? ", with NVML" : "");
    return 0;
}
