/*
 * target: what the latest poll of one scrape target gave, an inference server's
 * Prometheus endpoint or a cluster's JSON status endpoint. Plain data owned by the scraper
 * (src/collect/scraper.c), read by the encoders (src/encode/target_encode.c) and by
 * `vigil snapshot`.
 *
 * States: "starting" until the first poll ends; "up" when the target answered and its
 * answer was read; "down" when it could not be reached (refused, unreachable, timed out);
 * "error" when it answered with something unusable (an HTTP error status, a body over the
 * size cap, text that is not an exposition or not JSON).
 */
#ifndef VIGIL_TARGET_H
#define VIGIL_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "collect/cluster.h"
#include "collect/infer.h"
#include "config/target_config.h"
#include "core/buf.h"

enum target_state { TARGET_STARTING, TARGET_UP, TARGET_DOWN, TARGET_ERROR };

struct target_result {
    char name[TARGET_CONF_NAME_MAX];
    char url[TARGET_CONF_URL_MAX]; /* as shown: without user:password@ */
    bool builtin;                  /* the default target: down is not worth a warning */
    bool cluster;                  /* a [cluster] endpoint, else an [inference] target */
    enum target_state state;
    char error[256];           /* why it is down or in error; for an inference target that is
                                * up, the first line its exposition had wrong; else "" */
    int64_t last_ms;           /* when the latest poll ended, unix ms; 0 before */
    double duration_ms;        /* how long it took */
    const struct infer *infer; /* inference targets: the figures */
    const struct cluster_status *status; /* clusters: the summary (valid when up) */
    const struct buf *document;          /* clusters: the document re-encoded, or empty */
};

/* "starting", "up", "down", "error". */
const char *target_state_name(enum target_state s);

#endif
