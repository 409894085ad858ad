/* api_info: GET /api/v1/info, what a client needs to know about this daemon before it asks
 * for data: the host's name (the dashboard's title), the version, the collection interval,
 * how far back history reaches, and the endpoints served. */
#include "api/api.h"
#include "core/clock.h"
#include "core/jsonw.h"

void api_info(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    int64_t now = clock_real_ms();
    char iso[32];
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_kstr(&w, "host", ctx->hostname);
    jw_kstr(&w, "version", VIGIL_VERSION);
    jw_kstr(&w, "commit", VIGIL_COMMIT);
    jw_kint(&w, "interval_ms", ctx->cfg->interval_ms);
    /* The in-memory window, or the rollups' retention when history is kept on disk. */
    int64_t reach = ctx->cfg->history_ms;
    if (ctx->persist && ctx->cfg->retention_ms > reach)
        reach = ctx->cfg->retention_ms;
    jw_kint(&w, "history_s", reach / 1000);
    jw_key(&w, "endpoints");
    api_encode_routes(&w);
    jw_kstr(&w, "timestamp", clock_iso8601(now, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", now);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode the information document");
    else
        api_json_ok(resp);
}
