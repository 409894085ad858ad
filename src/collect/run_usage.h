/*
 * run_usage: the thread that measures agent runs. Projects report the pid of their run
 * (`run` events); every period this thread reads, under the procfs root it is given, the
 * stat file of every process once, finds each run's process and its descendants by their
 * parents, and computes the CPU they used since the last period (as top shows it: 100 is
 * one core), their resident memory, the host's memory, and, from the GPU thread's table,
 * the GPU memory they hold. /proc is I/O the event loop must not do, so the loop only
 * hands in the runs to measure and takes the results, both copies under a short mutex.
 */
#ifndef VIGIL_RUN_USAGE_H
#define VIGIL_RUN_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "agents/projects.h"
#include "collect/gpu_pids.h"

#define RUN_USAGE_MAX_TREE 4096 /* processes counted per run; more are left out */

struct run_usage_opts {
    const char *procfs;    /* copied */
    int64_t period_ms;     /* time between two measurements; 1000 */
    unsigned max_runs;     /* runs measured at once (the project limit) */
    struct gpu_pids *gpus; /* borrowed; NULL: no GPU figures */
};

/* What one measurement found for a project's run. */
struct run_usage_result {
    char project[PROJECT_KEY_SIZE];
    int64_t pid;
    int64_t ts_ms;   /* unix ms of the measurement */
    bool found;      /* the pid existed; when false, usage says nothing */
    unsigned n_pids; /* the run's process and its descendants */
    struct project_usage usage;
};

struct run_usage;

/* Returns a new, stopped measurer, or NULL when out of memory or opts are out of range. */
struct run_usage *run_usage_new(const struct run_usage_opts *opts);
/* Starts the thread. 0 or a negative error. */
int run_usage_start(struct run_usage *u);
/* Stops and joins the thread (if started) and frees u. NULL is a no-op. */
void run_usage_free(struct run_usage *u);

/* Loop thread: the runs to measure from now on (copied; at most max_runs are kept). */
void run_usage_set_runs(struct run_usage *u, const struct project_pid *runs, size_t n);
/* Loop thread: copies the newest result of each run measured since the last call into out
 * (room for max) and returns how many. */
size_t run_usage_take(struct run_usage *u, struct run_usage_result *out, size_t max);

/* One measurement on the calling thread at monotonic time mono_ns and real time now_ms;
 * the thread calls this, tests may call it instead of starting the thread. */
void run_usage_cycle(struct run_usage *u, int64_t mono_ns, int64_t now_ms);

#endif
