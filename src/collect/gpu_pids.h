/*
 * gpu_pids: which process holds how much memory on which GPU, as the GPU thread last saw
 * it, for the thread that measures agent runs (run_usage) to add up the GPU memory of a
 * run's processes. Shared by those two threads: a short mutex around a fixed table,
 * replaced whole each GPU cycle and read with a lookup under the lock, never waited on
 * for I/O.
 */
#ifndef VIGIL_GPU_PIDS_H
#define VIGIL_GPU_PIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/gpu.h"

struct gpu_pids;

/* What a set of processes uses on the GPUs. */
struct gpu_pids_usage {
    bool available;       /* the GPU collector found GPUs */
    unsigned gpus;        /* GPUs on which one of the processes holds memory */
    bool has_util;        /* every such GPU gave its utilisation */
    double util_percent;  /* the mean utilisation of those GPUs */
    bool has_memory;      /* every such process's memory was known */
    uint64_t memory_used; /* bytes held by the processes on those GPUs */
    bool has_total;
    uint64_t memory_total; /* bytes installed on those GPUs */
};

/* Returns a new empty table (no GPUs seen yet), or NULL. */
struct gpu_pids *gpu_pids_new(void);
void gpu_pids_free(struct gpu_pids *t);

/* GPU thread: replaces the table with the processes of sample s (borrowed). */
void gpu_pids_set(struct gpu_pids *t, const struct gpu_sample *s);

/* Any thread: what the processes pids[0..n) (sorted ascending) use. */
void gpu_pids_usage(struct gpu_pids *t, const uint32_t *pids, size_t n, struct gpu_pids_usage *out);

#endif
