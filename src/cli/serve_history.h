/*
 * serve_history: `vigil serve`'s side of history on disk: starting the writer, the loop's
 * reader, giving back at start-up what the last run saved, and stopping. Kept apart from
 * cli_serve.c so the daemon's main function stays a list of parts.
 */
#ifndef VIGIL_SERVE_HISTORY_H
#define VIGIL_SERVE_HISTORY_H

#include "config/config.h"

struct agents_live;
struct alert_evaluator;
struct api_ctx;
struct store;

struct serve_history {
    struct persist *p;     /* NULL: persist = false, or out of memory */
    struct disk_reader *r; /* the loop's */
};

/* Starts the writer (when cfg->persist) and waits a few seconds at most for its first open,
 * so what follows can read; sets ctx->persist and ctx->disk. A database that cannot be
 * opened is not an error here: the writer keeps trying and /health says why. -VIGIL_ENOMEM
 * or a thread that cannot start is. */
int serve_history_start(struct serve_history *h, const struct config *cfg, struct store *store,
                        struct api_ctx *ctx);
/* Gives back what the last run saved to the agents (either may be NULL) and the alert
 * evaluator, before either is used; logs what came back. Wires the agents' sink. */
void serve_history_restore(struct serve_history *h, struct agents_live *live,
                           struct alert_evaluator *ev);
/* After every producer has stopped and before the store goes: writes what is queued and the
 * current period's rollups, then closes. */
void serve_history_stop(struct serve_history *h, struct api_ctx *ctx);

#endif
