/* api_metrics: GET /metrics, Prometheus text exposition 0.0.4. The collectors' families
 * come pre-encoded in their snaps; the daemon's own families are added per request, since
 * they change between samples (connections) and cost little. */
#include "agents/live.h"
#include "alert/evaluator.h"
#include "api/api.h"
#include "collect/gpu_sampler.h"
#include "collect/sampler.h"
#include "collect/scraper.h"
#include "core/clock.h"
#include "encode/prom.h"
#include "persist/persist_encode.h"
#include "stream/streams.h"

static int self_families(struct api_ctx *ctx, struct buf *b)
{
    const char *build[] = {"version", VIGIL_VERSION, "commit", VIGIL_COMMIT, NULL};
    int rc = prom_family(b, "vigil_build_info", "gauge", "vigil's version; always 1.");
    if (!rc)
        rc = prom_sample(b, "vigil_build_info", build, 1);
    if (!rc)
        rc = prom_family(b, "vigil_start_time_seconds", "gauge",
                         "When vigil started, in seconds since the epoch.");
    if (!rc)
        rc = prom_sample(b, "vigil_start_time_seconds", NULL, (double)ctx->start_ms / 1000);
    if (!rc)
        rc = prom_family(b, "vigil_http_connections", "gauge", "Open client connections.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_http_connections", NULL, ctx->stats.connections);
    if (!rc)
        rc = prom_family(b, "vigil_http_requests_total", "counter", "HTTP requests served.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_http_requests_total", NULL, ctx->stats.requests);
    if (!rc)
        rc = prom_family(b, "vigil_http_connections_refused_total", "counter",
                         "Connections refused because the connection limit was reached.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_http_connections_refused_total", NULL,
                             ctx->stats.connections_refused);
    if (!rc)
        rc = prom_family(b, "vigil_history_series", "gauge", "Series kept in memory.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_series", NULL, store_count(ctx->store));
    if (!rc)
        rc = prom_family(b, "vigil_history_memory_bytes", "gauge",
                         "Bytes allocated for in-memory history.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_history_memory_bytes", NULL, store_bytes(ctx->store));
    return rc;
}

void api_metrics(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    struct snap *host = board_get(ctx->board, BOARD_HOST);
    int rc = 0;
    if (host)
        rc = buf_add(&resp->body, host->doc[HOST_DOC_PROM].data ? host->doc[HOST_DOC_PROM].data
                                                                : "",
                     host->doc[HOST_DOC_PROM].len);
    struct snap *gpu = board_get(ctx->board, BOARD_GPU);
    if (!rc && gpu && gpu->doc[GPU_DOC_PROM].len)
        rc = buf_add(&resp->body, gpu->doc[GPU_DOC_PROM].data, gpu->doc[GPU_DOC_PROM].len);
    static const enum board_slot target_slots[2] = {BOARD_INFERENCE, BOARD_CLUSTER};
    for (int i = 0; i < 2; i++) {
        /* INFERENCE_DOC_PROM and CLUSTER_DOC_PROM are the same index */
        struct snap *t = board_get(ctx->board, target_slots[i]);
        if (!rc && t && t->doc[INFERENCE_DOC_PROM].len)
            rc = buf_add(&resp->body, t->doc[INFERENCE_DOC_PROM].data,
                         t->doc[INFERENCE_DOC_PROM].len);
    }
    struct snap *alerts = board_get(ctx->board, BOARD_ALERTS);
    if (!rc && alerts && alerts->doc[ALERT_DOC_PROM].len)
        rc = buf_add(&resp->body, alerts->doc[ALERT_DOC_PROM].data,
                     alerts->doc[ALERT_DOC_PROM].len);
    if (!rc)
        rc = self_families(ctx, &resp->body);
    if (!rc)
        rc = persist_encode_prom(ctx->persist, &resp->body);
    if (!rc && ctx->agents)
        rc = agents_live_encode_prom(ctx->agents, clock_real_ms(), &resp->body);
    if (!rc && ctx->hub)
        rc = api_nodes_prom(ctx, &resp->body);
    if (!rc && ctx->streams)
        rc = streams_encode_prom(ctx->streams, &resp->body);
    if (rc) {
        api_error(resp, 500, "cannot encode metrics: response too large");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
