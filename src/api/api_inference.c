/* api_inference: GET /api/v1/inference, one object per inference target with its state and
 * derived figures (see src/encode/target_encode.h for the fields). The scraper thread
 * encoded the list once per poll; a request wraps it with the time it was published. */
#include "api/api.h"
#include "collect/scraper.h"
#include "core/clock.h"
#include "core/jsonw.h"

/* {"KEY":[...],"timestamp":...,"timestamp_ms":...} from a snap's list document; an empty
 * list before the scraper's first publish. api_cluster.c uses it too. */
void api_target_list(struct api_ctx *ctx, enum board_slot slot, const char *key,
                     struct api_resp *resp)
{
    struct snap *s = board_get(ctx->board, slot);
    const struct buf *list = s ? &s->doc[INFERENCE_DOC_TARGETS] : NULL;
    int64_t ts = s ? s->ts_ms : clock_real_ms();
    char iso[32];
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_key(&w, key);
    if (list && list->len)
        jw_raw(&w, list->data, list->len);
    else
        jw_raw(&w, "[]", 2);
    jw_kstr(&w, "timestamp", clock_iso8601(ts, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", ts);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode the %s: response too large", key);
    else
        api_json_ok(resp);
}

void api_inference(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    api_target_list(ctx, BOARD_INFERENCE, "targets", resp);
}
