/*
 * bench_cycle: the CPU cost of one host collection cycle as the daemon runs it (every
 * collector on the real /proc, the samples into the store, the documents encoded and
 * published). Prints the median and 90th percentile of CPU time per cycle in microseconds.
 * Run under callgrind by bench/run.sh to count instructions.
 *   usage: bench_cycle [cycles]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "collect/sampler.h"

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2000;
    if (cycles < 1)
        cycles = 1;
    struct store *store = store_new(4096);
    struct board board;
    board_init(&board);
    struct sampler_opts o = {
        .env = {.procfs = "/proc", .sysfs = "/sys"}, .interval_ms = 1000, .history_ms = 3600000};
    struct sampler *s = sampler_new(&o, store, &board);
    if (!store || !s) {
        fprintf(stderr, "bench_cycle: out of memory\n");
        return 1;
    }
    sampler_cycle(s); /* the first cycle registers series; it is not what runs every second */
    int64_t *t = calloc((size_t)cycles, sizeof *t);
    if (!t)
        return 1;
    for (int i = 0; i < cycles; i++) {
        int64_t a = cpu_ns();
        sampler_cycle(s);
        t[i] = cpu_ns() - a;
        board_collect(&board); /* what the loop does with each publish */
    }
    qsort(t, (size_t)cycles, sizeof *t, cmp);
    printf("collection cycle: median %.1f us, p90 %.1f us CPU (%d cycles, %zu series)\n",
           (double)t[cycles / 2] / 1000, (double)t[cycles * 9 / 10] / 1000, cycles,
           store_count(store));
    free(t);
    sampler_free(s);
    board_release(&board);
    store_free(store);
    return 0;
}
