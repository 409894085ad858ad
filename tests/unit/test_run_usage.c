/* run_usage: runs measured on a /proc made by the test: a process tree found by parents,
 * CPU from the growth of its ticks over a made-up clock, resident memory, the host's memory,
 * GPU memory from the GPU table, a reused pid and a run that is gone. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/run_usage.h"

static char root[256];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* A process: its stat file with the figures run_usage reads. */
static void proc(int pid, int ppid, unsigned utime, unsigned cutime, unsigned start, unsigned rss)
{
    char dir[320], text[256];
    snprintf(dir, sizeof dir, "%s/%d", root, pid);
    mkdir(dir, 0755);
    snprintf(text, sizeof text, "%d (p %d) S %d %d %d 0 -1 0 0 0 0 0 %u 10 %u 0 20 0 1 0 %u 0 %u\n",
             pid, pid, ppid, pid, pid, utime, cutime, start, rss);
    char rel[64];
    snprintf(rel, sizeof rel, "%d/stat", pid);
    write_file(rel, text);
}

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/vigil-run-usage-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    write_file("meminfo", "MemTotal:       16000000 kB\nMemFree:         8000000 kB\n"
                          "MemAvailable:    9000000 kB\n");
    proc(1, 0, 0, 0, 1, 100);
    proc(100, 1, 100, 0, 50, 1000);
    proc(101, 100, 200, 0, 60, 2000);
    proc(102, 101, 300, 0, 70, 3000);
    proc(103, 100, 0, 5, 80, 10);
    proc(200, 1, 999, 0, 90, 50000); /* not the run's */
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(run_usage, .init = setup, .fini = teardown);

static struct run_usage *make(struct gpu_pids *g)
{
    struct run_usage_opts o = {.procfs = root, .period_ms = 1000, .max_runs = 4, .gpus = g};
    struct run_usage *u = run_usage_new(&o);
    cr_assert_not_null(u);
    return u;
}

static struct run_usage_result measure(struct run_usage *u, int64_t sec)
{
    struct run_usage_result r[4];
    run_usage_cycle(u, sec * 1000000000, 1700000000000 + sec * 1000);
    cr_assert_eq(run_usage_take(u, r, 4), 1);
    struct run_usage_result none[4];
    cr_expect_eq(run_usage_take(u, none, 4), 0, "taken once");
    return r[0];
}

Test(run_usage, a_tree_its_cpu_and_memory)
{
    struct run_usage *u = make(NULL);
    struct project_pid run = {"alpha", 100};
    run_usage_set_runs(u, &run, 1);
    struct run_usage_result r = measure(u, 10);
    long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
    cr_expect_str_eq(r.project, "alpha");
    cr_expect_eq(r.pid, 100);
    cr_expect(r.found);
    cr_expect_eq(r.n_pids, 4, "100 and its children 101 and 103, and 102 below 101");
    cr_expect_not(r.usage.has_cpu, "CPU needs two readings");
    cr_expect(r.usage.has_memory);
    cr_expect_eq(r.usage.mem_used_bytes, (uint64_t)(1000 + 2000 + 3000 + 10) * (uint64_t)page);
    cr_expect_eq(r.usage.mem_total_bytes, 16000000ull * 1024);
    cr_expect_not(r.usage.gpu_available);
    cr_expect_eq(r.ts_ms, 1700000010000);

    /* half a core for two seconds: hz ticks, in a child and in a reaped grandchild */
    proc(102, 101, 300 + (unsigned)hz / 2, 0, 70, 3000);
    proc(103, 100, 0, 5 + (unsigned)hz / 2, 80, 10);
    r = measure(u, 12);
    cr_expect(r.usage.has_cpu);
    cr_expect_float_eq(r.usage.cpu_percent, 50.0, 1e-6);

    /* a child exits unreaped: its ticks vanish, which reads as 0, never below */
    char dir[300];
    snprintf(dir, sizeof dir, "rm -rf '%s/102'", root);
    cr_assert_eq(system(dir), 0);
    r = measure(u, 13);
    cr_expect_eq(r.n_pids, 3);
    cr_expect_float_eq(r.usage.cpu_percent, 0.0, 1e-9);
    run_usage_free(u);
}

Test(run_usage, a_reused_pid_and_a_run_that_is_gone)
{
    struct run_usage *u = make(NULL);
    struct project_pid run = {"alpha", 100};
    run_usage_set_runs(u, &run, 1);
    measure(u, 1);
    proc(100, 1, 100000, 0, 51, 1000); /* another process with the same pid */
    struct run_usage_result r = measure(u, 2);
    cr_expect_not(r.usage.has_cpu, "a new process starts a new reading");
    r = measure(u, 3);
    cr_expect(r.usage.has_cpu);
    struct project_pid gone = {"beta", 4000};
    run_usage_set_runs(u, &gone, 1);
    r = measure(u, 4);
    cr_expect_str_eq(r.project, "beta");
    cr_expect_not(r.found);
    cr_expect_not(r.usage.has_memory);
    /* no runs: nothing is read, nothing is answered */
    run_usage_set_runs(u, NULL, 0);
    run_usage_cycle(u, 5000000000, 0);
    struct run_usage_result none[4];
    cr_expect_eq(run_usage_take(u, none, 4), 0);
    run_usage_free(u);
}

Test(run_usage, gpu_memory_of_the_tree)
{
    struct gpu_pids *g = gpu_pids_new();
    struct gpu_sample *s = calloc(1, sizeof *s);
    s->available = true;
    s->n_devices = 2;
    for (unsigned i = 0; i < 2; i++) {
        s->devices[i].valid = GPU_F_UTILIZATION | GPU_F_MEMORY_TOTAL;
        s->devices[i].utilization = 30 + 40 * i;
        s->devices[i].memory_total = 1ull << 34;
        s->devices[i].n_procs = 1;
    }
    s->devices[0].procs[0] =
        (struct gpu_process){.pid = 102, .memory_valid = true, .memory_used = 1 << 30};
    s->devices[1].procs[0] =
        (struct gpu_process){.pid = 200, .memory_valid = true, .memory_used = 1 << 30};
    gpu_pids_set(g, s);
    struct run_usage *u = make(g);
    struct project_pid run = {"alpha", 100};
    run_usage_set_runs(u, &run, 1);
    struct run_usage_result r = measure(u, 1);
    cr_expect(r.usage.gpu_available);
    cr_expect(r.usage.has_vram);
    cr_expect_eq(r.usage.vram_used_bytes, 1u << 30, "GPU 1's process is not the run's");
    cr_expect_eq(r.usage.vram_total_bytes, 1ull << 34);
    cr_expect(r.usage.has_gpu_percent);
    cr_expect_float_eq(r.usage.gpu_percent, 30.0, 1e-9);
    run_usage_free(u);
    gpu_pids_free(g);
    free(s);
}

Test(run_usage, options_are_checked)
{
    struct run_usage_opts o = {.procfs = root, .period_ms = 0, .max_runs = 4};
    cr_expect_null(run_usage_new(&o));
    o.period_ms = 1000;
    o.max_runs = 0;
    cr_expect_null(run_usage_new(&o));
    cr_expect_null(run_usage_new(NULL));
}
