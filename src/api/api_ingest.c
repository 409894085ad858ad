/* api_ingest: POST /api/v1/ingest. The transport has read the body (up to max_body_bytes,
 * 413 beyond); decoding, applying and the answer are src/agents/live.c's, on this thread. */
#include "agents/live.h"
#include "api/api.h"
#include "core/clock.h"
#include "core/jsonw.h"

void api_ingest(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    if (!ctx->agents) {
        api_error(resp, 503, "agent telemetry is not running");
        return;
    }
    struct jsonw w;
    jw_init(&w, &resp->body);
    int status = agents_live_ingest(ctx->agents, req->body, req->body_len, req->content_type,
                                    clock_real_ms(), &w);
    buf_addc(&resp->body, '\n');
    if (w.err) {
        api_error(resp, 500, "cannot encode the answer: too large");
        return;
    }
    resp->status = status;
    resp->content_type = "application/json";
}
