/* serve_history: the daemon's wiring of src/persist (see serve_history.h). */
#include "cli/serve_history.h"

#include "agents/live.h"
#include "alert/evaluator.h"
#include "api/api.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"
#include "persist/restore.h"

#define OPEN_WAIT_MS   10000
#define ALERTS_RECENT  100
#define COARSE_PERIODS 60 /* a coarse rollup spans 60 rollup periods: an hour by default */

int serve_history_start(struct serve_history *h, const struct config *cfg, struct store *store,
                        struct api_ctx *ctx)
{
    h->p = NULL;
    h->r = NULL;
    if (!cfg->persist) {
        log_info("history", "persist = false: history is kept in memory only");
        return 0;
    }
    struct persist_opts o = {
        .data_dir = cfg->data_dir,
        .rollup_ms = cfg->rollup_ms,
        .coarse_ms = cfg->rollup_ms * COARSE_PERIODS,
        .history_ms = cfg->history_ms,
        .keep_ms = {cfg->retention_ms, cfg->events_retention_ms, cfg->tasks_retention_ms},
        .max_series = cfg->max_series,
    };
    h->p = persist_new(&o, store);
    h->r = h->p ? disk_reader_new(h->p) : NULL;
    if (!h->r) {
        persist_free(h->p);
        h->p = NULL;
        return -VIGIL_ENOMEM;
    }
    int rc = persist_start(h->p);
    if (rc) {
        disk_reader_free(h->r);
        persist_free(h->p);
        h->p = NULL;
        h->r = NULL;
        return rc;
    }
    if (!persist_wait_open(h->p, OPEN_WAIT_MS))
        log_warn("history", "starting without what was saved on disk; see /health");
    ctx->persist = h->p;
    ctx->disk = h->r;
    return 0;
}

void serve_history_restore(struct serve_history *h, struct agents_live *live,
                           struct alert_evaluator *ev)
{
    if (!h->p)
        return;
    struct restore_counts c = {0};
    int rc = 0;
    if (disk_reader_ok(h->r)) {
        if (live)
            rc = persist_restore_agents(h->r, agents_live_agents(live), clock_real_ms(), &c);
        if (!rc && ev)
            rc = persist_restore_alerts(h->r, ev, ALERTS_RECENT, &c);
        if (rc)
            log_warn("history", "cannot read everything back from disk: %s", vigil_strerror(rc));
        log_info("history",
                 "from disk: %zu events, %zu model calls, %zu task outcomes of the last 24 h, "
                 "%zu alert states, %zu alert changes",
                 c.events, c.model_calls, c.tasks, c.alerts, c.alert_events);
    }
    if (live) {
        agents_live_restored(live);
        struct agents_sink sink;
        persist_agents_sink(h->p, &sink);
        agents_set_sink(agents_live_agents(live), &sink);
    }
}

void serve_history_stop(struct serve_history *h, struct api_ctx *ctx)
{
    ctx->persist = NULL;
    ctx->disk = NULL;
    disk_reader_free(h->r);
    persist_free(h->p);
    h->r = NULL;
    h->p = NULL;
}
