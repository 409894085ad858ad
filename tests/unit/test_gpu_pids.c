/* gpu_pids: a run's GPU memory from the GPU thread's table: processes on several GPUs,
 * unknown figures, other pid namespaces and no GPU at all. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "collect/gpu_pids.h"

static struct gpu_sample *sample(void)
{
    struct gpu_sample *s = calloc(1, sizeof *s);
    cr_assert_not_null(s);
    s->available = true;
    s->n_devices = 3;
    for (unsigned i = 0; i < 3; i++) {
        struct gpu_device *d = &s->devices[i];
        d->index = i;
        d->valid = GPU_F_UTILIZATION | GPU_F_MEMORY_TOTAL | GPU_F_PROCESSES;
        d->utilization = 10 * (i + 1);
        d->memory_total = 1000ull << 20;
    }
    s->devices[0].n_procs = 2;
    s->devices[0].procs[0] =
        (struct gpu_process){.pid = 100, .memory_valid = true, .memory_used = 300};
    s->devices[0].procs[1] = (struct gpu_process){.pid = 0, .memory_valid = true, .memory_used = 7};
    s->devices[1].n_procs = 1;
    s->devices[1].procs[0] =
        (struct gpu_process){.pid = 101, .memory_valid = true, .memory_used = 200};
    s->devices[2].n_procs = 1;
    s->devices[2].procs[0] = (struct gpu_process){.pid = 500, .memory_valid = false};
    return s;
}

Test(gpu_pids, a_tree_on_two_gpus)
{
    struct gpu_pids *t = gpu_pids_new();
    struct gpu_sample *s = sample();
    gpu_pids_set(t, s);
    static const uint32_t run[] = {100, 101, 102};
    struct gpu_pids_usage u;
    gpu_pids_usage(t, run, 3, &u);
    cr_expect(u.available);
    cr_expect_eq(u.gpus, 2);
    cr_expect(u.has_util);
    cr_expect_float_eq(u.util_percent, 15.0, 1e-9, "the mean of GPUs 0 and 1");
    cr_expect(u.has_memory);
    cr_expect_eq(u.memory_used, 500);
    cr_expect(u.has_total);
    cr_expect_eq(u.memory_total, 2000ull << 20);
    free(s);
    gpu_pids_free(t);
}

Test(gpu_pids, unknown_figures_and_absent_processes)
{
    struct gpu_pids *t = gpu_pids_new();
    struct gpu_pids_usage u;
    static const uint32_t run[] = {500};
    gpu_pids_usage(t, run, 1, &u);
    cr_expect_not(u.available, "nothing seen yet");
    cr_expect_eq(u.gpus, 0);
    struct gpu_sample *s = sample();
    s->devices[2].valid &= ~(uint32_t)GPU_F_UTILIZATION;
    gpu_pids_set(t, s);
    gpu_pids_usage(t, run, 1, &u);
    cr_expect_eq(u.gpus, 1);
    cr_expect_not(u.has_util);
    cr_expect_not(u.has_memory, "the process's memory is not known");
    static const uint32_t other[] = {0, 7};
    gpu_pids_usage(t, other, 2, &u);
    cr_expect_eq(u.gpus, 0, "pid 0 (another namespace) belongs to no run");
    cr_expect_not(u.has_memory);
    s->available = false;
    s->n_devices = 0;
    gpu_pids_set(t, s);
    gpu_pids_usage(t, run, 1, &u);
    cr_expect_not(u.available);
    free(s);
    gpu_pids_free(t);
}
