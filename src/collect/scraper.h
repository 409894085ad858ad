/*
 * scraper: the thread that polls inference servers and cluster status endpoints. One
 * libcurl multi handle runs every target's transfer at once, each with its own interval,
 * timeout and size cap, so a slow, hung or huge target delays no other and no other
 * collector. When transfers end, the thread reads them (infer.c, cluster.c), appends the
 * figures to the store as inference.<name>.<figure> and cluster.<name>.<figure> (its series
 * are written by this thread only), encodes the documents clients read once and publishes
 * them to the board as a BOARD_INFERENCE and a BOARD_CLUSTER snap. It never touches a client
 * socket, and the event loop never waits for it.
 */
#ifndef VIGIL_SCRAPER_H
#define VIGIL_SCRAPER_H

#include <stdint.h>

#include "collect/target.h"
#include "collect/target_models.h"
#include "config/config.h"
#include "store/board.h"
#include "store/store.h"

/* What each document of a BOARD_INFERENCE snap holds. */
enum inference_doc {
    INFERENCE_DOC_TARGETS, /* JSON array: one object per target, as /api/v1/inference lists
                            * them (channel inference/<name>: the element whose name is it) */
    INFERENCE_DOC_PROM,    /* exposition text of the vigil_inference_* families */
    INFERENCE_DOC_HEALTH,  /* JSON object: target name -> {state, error, last_scrape} */
    INFERENCE_DOC_STATUS,  /* "ok", or "degraded" when a configured target is not up */
};

/* What each document of a BOARD_CLUSTER snap holds. */
enum cluster_doc {
    CLUSTER_DOC_LIST,   /* JSON array: one object per endpoint, as /api/v1/cluster lists them */
    CLUSTER_DOC_PROM,   /* exposition text of the vigil_cluster_* families */
    CLUSTER_DOC_HEALTH, /* JSON object: endpoint name -> {state, error, last_poll} */
    CLUSTER_DOC_STATUS, /* "ok", or "degraded" when a configured endpoint is not up */
};

/* Readers may take either slot's documents by the same index. */
_Static_assert((int)INFERENCE_DOC_TARGETS == (int)CLUSTER_DOC_LIST &&
                   (int)INFERENCE_DOC_PROM == (int)CLUSTER_DOC_PROM &&
                   (int)INFERENCE_DOC_HEALTH == (int)CLUSTER_DOC_HEALTH &&
                   (int)INFERENCE_DOC_STATUS == (int)CLUSTER_DOC_STATUS,
               "the two slots' documents share their indexes");

struct scraper;

/* Returns a new scraper for the enabled targets of cfg (copied) that will write to store
 * and publish to board (both borrowed, and they must outlive it; either may be NULL for a
 * scraper that only reads, as `vigil snapshot` uses it: without a board, targets that are
 * down are logged at debug level only, since that caller shows them), or NULL. It
 * initialises libcurl: create it before starting other threads. */
struct scraper *scraper_new(const struct config *cfg, struct store *store, struct board *board);
/* Tells the scraper where to record which local process serves which model (tm, borrowed,
 * must outlive it): for an inference target reached on a loopback address, the process
 * listening on its port (found under cfg's procfs, at most once a minute while it stays
 * up) with the model its metrics name. Call before scraper_start(). */
void scraper_set_models(struct scraper *s, struct target_models *tm);

/* Starts the thread; every target is polled at once, then at its interval. 0 or a negative
 * error. */
int scraper_start(struct scraper *s);
/* Asks the thread to stop, cancelling transfers in flight, and waits for it. Safe to call
 * when not started. */
void scraper_stop(struct scraper *s);
/* Stops the thread and frees s. NULL is a no-op. */
void scraper_free(struct scraper *s);

/* Polls every target once on the calling thread, waits until each has ended (each bounded
 * by its timeout), then stores and publishes as the thread does. For `vigil snapshot`,
 * tests and benchmarks; not while the thread runs. */
void scraper_cycle(struct scraper *s);

/* Polls ended so far, every target counted; any thread. */
uint64_t scraper_polls(const struct scraper *s);

/* The targets, inference ones first, in the config's order: the latest results, valid
 * until the next poll. For the thread's own caller only (snapshot, tests). */
unsigned scraper_count(const struct scraper *s);
const struct target_result *scraper_result(const struct scraper *s, unsigned i);

#endif
