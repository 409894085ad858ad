/* The log-file tail thread and the run-usage thread on real threads. A writer appends
 * numbered lines to a file it rotates (rename, and a new file) and truncates, while the tail
 * thread follows it with a small buffer (so it fills up and waits) and this thread, as the
 * event loop does, takes the lines each time it is woken and checks that every line arrives
 * once, in order, with its own line number in its file. Meanwhile a reader asks for the
 * counters as /health does, and the run-usage thread measures this process (its runs set
 * and its results taken from this thread) while another thread rewrites the GPU table. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/gpu_pids.h"
#include "collect/logtail.h"
#include "collect/run_usage.h"
#include "core/clock.h"
#include "race.h"

#define LINES    20000
#define ROTATE   3000 /* a new file every this many lines */
#define TRUNCATE 7777 /* the file emptied once, after this line */

static char dir[64], path[128];
static struct logtail *tail;
static _Atomic unsigned delivered; /* lines the consumer has checked */
static _Atomic bool done;

static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static unsigned wakes;

static void woke(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wake_lock);
    wakes++;
    pthread_cond_signal(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

/* Waits until the consumer has checked n lines. */
static void wait_delivered(unsigned n)
{
    int64_t deadline = clock_mono_ns() + 30 * 1000000000LL;
    while (atomic_load(&delivered) < n) {
        RACE_CHECK(clock_mono_ns() < deadline);
        usleep(1000);
    }
}

static void *writer(void *arg)
{
    (void)arg;
    FILE *f = fopen(path, "a");
    RACE_CHECK(f);
    unsigned line = 1;
    for (unsigned k = 1; k <= LINES; k++) {
        fprintf(f, "{\"k\":%u,\"line\":%u,\"pad\":\"%.*s\"}\n", k, line, (int)(k % 50),
                "..................................................");
        line++;
        if (k % 64 == 0)
            fflush(f);
        if (k % ROTATE == 0) {
            /* rename, write one more line to the old file, then start the new one. A file
             * rotated away before the tail thread opened it is out of reach (as with any
             * follower), so this one's first line must have arrived first. */
            fflush(f);
            wait_delivered(k - ROTATE + 2);
            char old[160];
            snprintf(old, sizeof old, "%s.%u", path, k);
            RACE_CHECK(rename(path, old) == 0);
            fprintf(f, "{\"k\":%u,\"line\":%u,\"pad\":\"\"}\n", ++k, line);
            fclose(f);
            f = fopen(path, "a");
            RACE_CHECK(f);
            line = 1;
        } else if (k == TRUNCATE) {
            /* a truncation is only seen when the file shrinks below what was read, so the
             * lines before it are taken first, and the next ones written once it was seen */
            fflush(f);
            wait_delivered(k);
            struct logtail_stats st;
            logtail_stats(tail, 0, &st);
            uint64_t before = st.truncations;
            RACE_CHECK(ftruncate(fileno(f), 0) == 0);
            int64_t deadline = clock_mono_ns() + 30 * 1000000000LL;
            do {
                RACE_CHECK(clock_mono_ns() < deadline);
                usleep(1000);
                logtail_stats(tail, 0, &st);
            } while (st.truncations == before);
            line = 1;
        }
    }
    fclose(f);
    return NULL;
}

static void *health_reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&done)) {
        struct logtail_stats st;
        logtail_stats(tail, 0, &st);
        RACE_CHECK(st.lines <= LINES + 10);
        usleep(200);
    }
    return NULL;
}

static void *gpu_writer(void *arg)
{
    struct gpu_pids *g = arg;
    struct gpu_sample *s = calloc(1, sizeof *s);
    RACE_CHECK(s);
    s->available = true;
    s->n_devices = 1;
    s->devices[0].valid = GPU_F_MEMORY_TOTAL | GPU_F_UTILIZATION;
    s->devices[0].memory_total = 1 << 30;
    s->devices[0].n_procs = 1;
    for (unsigned i = 0; !atomic_load(&done); i++) {
        s->devices[0].procs[0] =
            (struct gpu_process){.pid = (uint32_t)getpid(), .memory_valid = true, .memory_used = i};
        gpu_pids_set(g, s);
        usleep(100);
    }
    free(s);
    return NULL;
}

/* The loop's side: take what was queued when woken, check every line. */
static void consume(struct run_usage *u)
{
    unsigned next = 1;
    unsigned measured = 0;
    struct project_pid run = {"self", getpid()};
    int64_t deadline = clock_mono_ns() + 120 * 1000000000LL;
    while (next <= LINES) {
        RACE_CHECK(clock_mono_ns() < deadline);
        pthread_mutex_lock(&wake_lock);
        if (!wakes) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 20000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&wake_cond, &wake_lock, &ts);
        }
        wakes = 0;
        pthread_mutex_unlock(&wake_lock);
        struct logtail_chunk c;
        while (logtail_take(tail, &c)) {
            struct logtail_rec r;
            while (logtail_next(&c, &r)) {
                unsigned k, line;
                RACE_CHECK(!r.too_long);
                RACE_CHECK(sscanf(r.text, "{\"k\":%u,\"line\":%u", &k, &line) == 2);
                if (k != next)
                    fprintf(stderr, "got line %u, expected %u\n", k, next);
                RACE_CHECK(k == next);
                RACE_CHECK(r.line == line);
                next++;
                atomic_store(&delivered, next - 1);
            }
        }
        run_usage_set_runs(u, &run, 1);
        struct run_usage_result res[2];
        size_t n = run_usage_take(u, res, 2);
        for (size_t i = 0; i < n; i++) {
            RACE_CHECK(strcmp(res[i].project, "self") == 0);
            RACE_CHECK(res[i].found && res[i].usage.has_memory);
            measured++;
        }
    }
    /* and the run-usage thread answered at least once */
    while (!measured) {
        RACE_CHECK(clock_mono_ns() < deadline);
        usleep(10000);
        struct run_usage_result res[2];
        measured += (unsigned)run_usage_take(u, res, 2);
    }
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/vigil-race-logtail-XXXXXX");
    RACE_CHECK(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/agent.ndjson", dir);
    FILE *f = fopen(path, "w"); /* there at start, empty: followed from its end, line 1 */
    RACE_CHECK(f);
    fclose(f);
    struct logtail_file_opts fo = {"agent", path, 1024};
    struct logtail_opts o = {&fo, 1, 5, 4096, woke, NULL};
    tail = logtail_new(&o);
    RACE_CHECK(tail);
    struct gpu_pids *g = gpu_pids_new();
    struct run_usage_opts uo = {.procfs = "/proc", .period_ms = 50, .max_runs = 4, .gpus = g};
    struct run_usage *u = run_usage_new(&uo);
    RACE_CHECK(g && u);
    RACE_CHECK(logtail_start(tail) == 0);
    RACE_CHECK(run_usage_start(u) == 0);
    /* the tail thread's first look at the file comes before the first line */
    int64_t deadline = clock_mono_ns() + 30 * 1000000000LL;
    for (struct logtail_stats st = {0}; st.state != LOGTAIL_OK; logtail_stats(tail, 0, &st))
        RACE_CHECK(clock_mono_ns() < deadline);
    pthread_t w, h, gw;
    RACE_CHECK(pthread_create(&w, NULL, writer, NULL) == 0);
    RACE_CHECK(pthread_create(&h, NULL, health_reader, NULL) == 0);
    RACE_CHECK(pthread_create(&gw, NULL, gpu_writer, g) == 0);
    consume(u);
    pthread_join(w, NULL);
    atomic_store(&done, true);
    pthread_join(h, NULL);
    pthread_join(gw, NULL);
    struct logtail_stats st;
    logtail_stats(tail, 0, &st);
    RACE_CHECK(st.lines == LINES);
    RACE_CHECK(st.rotations == LINES / ROTATE);
    RACE_CHECK(st.truncations == 1);
    logtail_free(tail);
    run_usage_free(u);
    gpu_pids_free(g);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    RACE_CHECK(system(cmd) == 0);
    printf("race_logtail: %u lines through %u rotations and a truncation, each once\n", LINES,
           LINES / ROTATE);
    return 0;
}
