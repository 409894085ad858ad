/* api_health: GET /health, the one endpoint that never asks for a token (container and
 * load-balancer health checks). It says whether vigil is serving and which collectors
 * work (the host's and the GPU's), and nothing about the host beyond that. */
#include <stdio.h>
#include <string.h>

#include "agents/live.h"
#include "alert/evaluator.h"
#include "api/api.h"
#include "collect/gpu_sampler.h"
#include "collect/sampler.h"
#include "collect/scraper.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "persist/persist_encode.h"
#include "stream/streams.h"

/* The host collectors' object with "gpu" added as one more member. Both parts come
 * encoded from their threads, so the host object is copied without its closing brace and
 * the GPU's member appended, rather than parsed. */
static void collectors(struct jsonw *w, const struct buf *host, const struct buf *gpu)
{
    bool has_host = host && host->data && host->len >= 2 && host->data[host->len - 1] == '}';
    if (has_host)
        jw_raw(w, host->data, host->len - 1);
    else
        jw_raw(w, "{", 1);
    if (w->err)
        return;
    bool first = !has_host || host->len == 2; /* "{}" has no member yet */
    int rc = buf_adds(w->b, first ? "\"gpu\":" : ",\"gpu\":");
    if (!rc && gpu && gpu->len)
        rc = buf_add(w->b, gpu->data, gpu->len);
    else if (!rc)
        rc = buf_adds(w->b, "{\"state\":\"starting\",\"error\":null,\"reason\":null,"
                            "\"last_ok\":null,\"available\":false,\"devices\":0,"
                            "\"backends\":null}");
    if (!rc)
        rc = buf_addc(w->b, '}');
    if (rc)
        w->err = rc;
}

void api_health(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    struct snap *host = board_get(ctx->board, BOARD_HOST);
    int64_t now = clock_real_ms();
    char iso[32];
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    /* "degraded" when a collector failed: the daemon serves, but something is missing. No
     * GPU is a normal state ("unavailable"); a GPU that fails a call is not. */
    bool degraded = false;
    if (host) {
        const struct buf *c = &host->doc[HOST_DOC_COLLECTORS];
        degraded = c->data && strstr(c->data, "\"state\":\"failed\"") != NULL;
    }
    struct snap *gpu = board_get(ctx->board, BOARD_GPU);
    const struct buf *gpu_state = gpu ? &gpu->doc[GPU_DOC_STATE] : NULL;
    if (gpu_state && gpu_state->data && strstr(gpu_state->data, "\"state\":\"degraded\""))
        degraded = true;
    /* a configured inference target or cluster that is down or in error degrades too */
    struct snap *targets[2] = {board_get(ctx->board, BOARD_INFERENCE),
                               board_get(ctx->board, BOARD_CLUSTER)};
    for (int i = 0; i < 2; i++) {
        const struct buf *st = targets[i] ? &targets[i]->doc[INFERENCE_DOC_STATUS] : NULL;
        if (st && st->data && strcmp(st->data, "degraded") == 0)
            degraded = true;
    }
    if (persist_degraded(ctx->persist)) /* history is not being kept */
        degraded = true;
    jw_kstr(&w, "status", degraded ? "degraded" : "ok");
    jw_kstr(&w, "version", VIGIL_VERSION);
    jw_kstr(&w, "commit", VIGIL_COMMIT);
    /* Whether the other endpoints want a bearer token (the dashboard asks for one first). */
    jw_kbool(&w, "token_required", ctx->cfg->token[0] != '\0');
    jw_kdouble(&w, "uptime", (double)(clock_mono_ns() - ctx->start_mono_ns) / 1e9);
    jw_kstr(&w, "started_at", clock_iso8601(ctx->start_ms, iso, sizeof iso));
    jw_kstr(&w, "timestamp", clock_iso8601(now, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", now);
    jw_kuint(&w, "connections", ctx->stats.connections);
    jw_kuint(&w, "requests", ctx->stats.requests);
    if (ctx->agents) /* "sessions", "tools", "logfiles" */
        agents_live_encode_health(ctx->agents, &w);
    jw_key(&w, "collectors");
    collectors(&w, host ? &host->doc[HOST_DOC_COLLECTORS] : NULL, gpu_state);
    if (ctx->streams) {
        jw_key(&w, "channels");
        streams_encode_channels(ctx->streams, &w);
        jw_key(&w, "streams");
        streams_encode_health(ctx->streams, &w);
    }
    static const char *const target_keys[2] = {"inference", "cluster"};
    for (int i = 0; i < 2; i++) {
        const struct buf *th = targets[i] ? &targets[i]->doc[INFERENCE_DOC_HEALTH] : NULL;
        jw_key(&w, target_keys[i]);
        if (th && th->len)
            jw_raw(&w, th->data, th->len);
        else
            jw_raw(&w, "{}", 2);
    }
    struct snap *alerts = board_get(ctx->board, BOARD_ALERTS);
    const struct buf *ah = alerts ? &alerts->doc[ALERT_DOC_HEALTH] : NULL;
    jw_key(&w, "alerts");
    if (ah && ah->len)
        jw_raw(&w, ah->data, ah->len);
    else
        jw_null(&w);
    jw_key(&w, "history");
    jw_obj_begin(&w);
    jw_kuint(&w, "series", store_count(ctx->store));
    jw_kuint(&w, "bytes", store_bytes(ctx->store));
    jw_kint(&w, "window_s", ctx->cfg->history_ms / 1000);
    jw_kint(&w, "interval_ms", ctx->cfg->interval_ms);
    persist_encode_health(ctx->persist, &w); /* on disk: state, error, sizes, last write */
    jw_obj_end(&w);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode health: response too large");
    else
        api_json_ok(resp);
}
