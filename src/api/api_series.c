/* api_series: GET /api/v1/series, every series kept in history with its unit and help,
 * optionally filtered with ?match=PATTERN ('*' for one dotted part). */
#include "api/api.h"
#include "core/jsonw.h"

void api_series(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    char pattern[STORE_NAME_MAX];
    int n = req->query(req, "match", pattern, sizeof pattern);
    if (n == -2) {
        api_error(resp, 400, "'match' is longer than %d bytes", STORE_NAME_MAX - 1);
        return;
    }
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_key(&w, "series");
    jw_arr_begin(&w);
    size_t count = store_count(ctx->store);
    for (size_t i = 0; i < count; i++) {
        const char *name = store_name(ctx->store, (int)i);
        if (n > 0 && !series_match(pattern, name))
            continue;
        jw_obj_begin(&w);
        jw_kstr(&w, "name", name);
        jw_kstr(&w, "unit", store_unit(ctx->store, (int)i));
        jw_kstr(&w, "help", store_help(ctx->store, (int)i));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode the series list: response too large");
    else
        api_json_ok(resp);
}
