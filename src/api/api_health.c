/* api_health: GET /health, the one endpoint that never asks for a token (container and
 * load-balancer health checks). It says whether vigil is serving and which collectors
 * work, and nothing about the host beyond that. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "collect/sampler.h"
#include "core/clock.h"
#include "core/jsonw.h"

void api_health(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    struct snap *host = board_get(ctx->board, BOARD_HOST);
    int64_t now = clock_real_ms();
    char iso[32];
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    /* "degraded" when a collector failed: the daemon serves, but something is missing. */
    bool degraded = false;
    if (host) {
        const struct buf *c = &host->doc[HOST_DOC_COLLECTORS];
        degraded = c->data && strstr(c->data, "\"state\":\"failed\"") != NULL;
    }
    jw_kstr(&w, "status", degraded ? "degraded" : "ok");
    jw_kstr(&w, "version", VIGIL_VERSION);
    jw_kstr(&w, "commit", VIGIL_COMMIT);
    jw_kdouble(&w, "uptime", (double)(clock_mono_ns() - ctx->start_mono_ns) / 1e9);
    jw_kstr(&w, "started_at", clock_iso8601(ctx->start_ms, iso, sizeof iso));
    jw_kstr(&w, "timestamp", clock_iso8601(now, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", now);
    jw_kuint(&w, "connections", ctx->stats.connections);
    jw_kuint(&w, "requests", ctx->stats.requests);
    jw_key(&w, "collectors");
    if (host && host->doc[HOST_DOC_COLLECTORS].len)
        jw_raw(&w, host->doc[HOST_DOC_COLLECTORS].data, host->doc[HOST_DOC_COLLECTORS].len);
    else
        jw_raw(&w, "{}", 2);
    jw_key(&w, "history");
    jw_obj_begin(&w);
    jw_kuint(&w, "series", store_count(ctx->store));
    jw_kuint(&w, "bytes", store_bytes(ctx->store));
    jw_kint(&w, "window_s", ctx->cfg->history_ms / 1000);
    jw_kint(&w, "interval_ms", ctx->cfg->interval_ms);
    jw_obj_end(&w);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode health: response too large");
    else
        api_json_ok(resp);
}
