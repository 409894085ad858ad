/*
 * gpu_sampler: the GPU thread. Every interval, on the monotonic clock, it reads every GPU
 * (gpu_collector_collect, whose driver calls can take milliseconds), appends each figure
 * to the store as gpu.<n>.<field> (its series are written by this thread only), encodes
 * the documents clients read once, and publishes them to the board as one BOARD_GPU snap,
 * which wakes the event loop. It is a thread of its own so that a slow or hung GPU driver
 * never delays the host metrics, and the loop never waits for it.
 */
#ifndef VIGIL_GPU_SAMPLER_H
#define VIGIL_GPU_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "collect/collector.h"
#include "collect/gpu.h"
#include "collect/gpu_pids.h"
#include "store/board.h"
#include "store/store.h"

/* The channels of a BOARD_GPU snap are one per GPU, in the sample's order: "system/gpu/<n>"
 * with <n> the GPU's index, each a JSON object (gpu_encode_device). Its documents: */
enum gpu_doc {
    GPU_DOC_SYSTEM, /* JSON array: the `gpus` of /api/v1/system, the channels joined */
    GPU_DOC_GPUS,   /* JSON object: the whole /api/v1/gpus document */
    GPU_DOC_PROM,   /* exposition text of the GPU families */
    GPU_DOC_STATE,  /* JSON object: the collector's state for /health (gpu_encode_state) */
};

struct gpu_sampler_opts {
    struct collector_env env;
    const char *nvml_path; /* borrowed for gpu_sampler_new only; NULL: the default names */
    int64_t interval_ms;
    int64_t history_ms;
    struct target_models *models; /* borrowed; NULL: models from command lines only */
    struct gpu_pids *pids;        /* borrowed; NULL: none. Each cycle's GPU processes are
                                   * copied there for the agent runs' GPU memory */
};

struct gpu_sampler;

/* Returns a new GPU sampler that will write to store and publish to board (both borrowed,
 * and they must outlive it), or NULL when out of memory. Loads nothing yet: the first
 * cycle opens the GPU libraries, on the thread that runs it. */
struct gpu_sampler *gpu_sampler_new(const struct gpu_sampler_opts *opts, struct store *store,
                                    struct board *board);
/* Starts the thread; its first cycle runs at once, unless a cycle already ran, in which
 * case the next is due one interval later. 0 or a negative error. */
int gpu_sampler_start(struct gpu_sampler *g);
/* Asks the thread to stop and waits for it (a driver call in progress is let finish).
 * Safe to call when not started. */
void gpu_sampler_stop(struct gpu_sampler *g);
/* Stops the thread, closes the GPU libraries and frees g. NULL is a no-op. */
void gpu_sampler_free(struct gpu_sampler *g);

/* One full cycle on the calling thread (collect, store, encode, publish); the thread calls
 * this, and tests and benchmarks may call it directly instead of starting the thread. */
void gpu_sampler_cycle(struct gpu_sampler *g);
/* Cycles run so far; any thread. */
uint64_t gpu_sampler_cycles(const struct gpu_sampler *g);
/* The collector's state after the last cycle and its reason; any thread. */
enum gpu_state gpu_sampler_state(struct gpu_sampler *g, char *reason, size_t n);

#endif
