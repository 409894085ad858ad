/*
 * sampler: the host-metrics thread. Every interval, on the monotonic clock, it runs each
 * host collector, appends every figure to the store (its series are written by this
 * thread only), encodes the documents clients read once, and publishes them to the board
 * as one BOARD_HOST snap, which wakes the event loop. It never touches a socket, and the
 * loop never waits for it.
 *
 * host_collectors is the set of collectors with their states, shared by the sampler and by
 * `vigil snapshot`, which runs it directly.
 */
#ifndef VIGIL_SAMPLER_H
#define VIGIL_SAMPLER_H

#include <stdint.h>
#include <stdio.h>

#include "collect/collector.h"
#include "collect/host.h"
#include "core/jsonw.h"
#include "store/board.h"
#include "store/store.h"

/* The channels of a BOARD_HOST snap, in this order: each is one part of /api/v1/system
 * and the payload of the stream channel of the same name. */
enum host_chan {
    HOST_CHAN_CPU,     /* "system/cpu": JSON object */
    HOST_CHAN_MEMORY,  /* "system/memory" */
    HOST_CHAN_DISK,    /* "system/disk" */
    HOST_CHAN_NETWORK, /* "system/network" */
    HOST_CHAN_LOAD,    /* "system/load" */
    HOST_NCHAN
};

/* What each document of a BOARD_HOST snap holds. */
enum host_doc {
    HOST_DOC_PROM,       /* exposition text of the host families */
    HOST_DOC_COLLECTORS, /* JSON object: collector name -> {state, error, last_ok} */
};

struct host_collectors;

/* Creates every host collector under env's roots. NULL when out of memory. */
struct host_collectors *host_collectors_new(const struct collector_env *env);
void host_collectors_free(struct host_collectors *hc);
/* Runs every collector once into out, at the current time, recording each one's state. */
void host_collectors_run(struct host_collectors *hc, struct host_sample *out);
/* Writes {"cpu":{"state":"ok","error":null,"last_ok":"..."},...}. */
void host_collectors_encode(const struct host_collectors *hc, struct jsonw *w);
/* Appends vigil_collector_up for each collector. */
int host_collectors_prom(const struct host_collectors *hc, struct buf *b);
/* The number of collectors, and the name/error of collector i (error NULL when ok). */
unsigned host_collectors_count(const struct host_collectors *hc);
const char *host_collectors_name(const struct host_collectors *hc, unsigned i);
const char *host_collectors_error(const struct host_collectors *hc, unsigned i);

struct sampler_opts {
    struct collector_env env;
    int64_t interval_ms;
    int64_t history_ms;
};

struct sampler;

/* Returns a new sampler that will write to store and publish to board (both borrowed,
 * and they must outlive it), or NULL. */
struct sampler *sampler_new(const struct sampler_opts *opts, struct store *store,
                            struct board *board);
/* Starts the thread. 0 or a negative error. */
int sampler_start(struct sampler *s);
/* Asks the thread to stop and waits for it. Safe to call when not started. */
void sampler_stop(struct sampler *s);
void sampler_free(struct sampler *s);

/* One full cycle on the calling thread (collect, store, encode, publish); the thread calls
 * this, and tests and benchmarks may call it directly instead of starting the thread. */
void sampler_cycle(struct sampler *s);
/* Cycles run so far. */
uint64_t sampler_cycles(const struct sampler *s);

#endif
