/* api_system: GET /api/v1/system, the seed's SystemMetricsResponse. The parts were encoded
 * once by the sampler and the GPU thread; a request only joins them, so serving costs a few
 * memcpy calls. */
#include "api/api.h"
#include "collect/gpu_sampler.h"
#include "collect/sampler.h"
#include "core/clock.h"
#include "core/jsonw.h"

static void part(struct jsonw *w, const char *key, const struct snap *s, unsigned chan)
{
    const struct buf *b = snap_channel_data(s, chan);
    jw_key(w, key);
    if (b && b->len)
        jw_raw(w, b->data, b->len);
    else
        jw_null(w);
}

void api_system(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    struct snap *host = board_get(ctx->board, BOARD_HOST);
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    struct snap *gpu = board_get(ctx->board, BOARD_GPU);
    const struct buf *gpus = gpu ? &gpu->doc[GPU_DOC_SYSTEM] : NULL;
    jw_key(&w, "gpus");
    if (gpus && gpus->len)
        jw_raw(&w, gpus->data, gpus->len);
    else
        jw_raw(&w, "[]", 2);
    part(&w, "cpu", host, HOST_CHAN_CPU);
    part(&w, "memory", host, HOST_CHAN_MEMORY);
    part(&w, "disk", host, HOST_CHAN_DISK);
    part(&w, "network", host, HOST_CHAN_NETWORK);
    part(&w, "load", host, HOST_CHAN_LOAD);
    int64_t ts = host ? host->ts_ms : clock_real_ms();
    char iso[32];
    jw_kstr(&w, "timestamp", clock_iso8601(ts, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", ts);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode system metrics: response too large");
    else
        api_json_ok(resp);
}
