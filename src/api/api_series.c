/* api_series: GET /api/v1/series, every series kept in history with its unit and help,
 * optionally filtered with ?match=PATTERN ('*' for one dotted part). Series that history on
 * disk knows but memory does not (from before a restart) follow, with "in_memory": false. */
#include "api/api.h"
#include "core/jsonw.h"
#include "persist/disk_reader.h"

struct disk_only {
    struct api_ctx *ctx;
    struct jsonw *w;
};

static void disk_only(void *arg, const char *name, const char *unit)
{
    struct disk_only *d = arg;
    if (store_find(d->ctx->store, name) >= 0)
        return;
    jw_obj_begin(d->w);
    jw_kstr(d->w, "name", name);
    jw_kstr(d->w, "unit", unit);
    jw_kstr(d->w, "help", "");
    jw_kbool(d->w, "in_memory", false);
    jw_obj_end(d->w);
}

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
    struct disk_only d = {ctx, &w};
    if (ctx->disk)
        disk_reader_series(ctx->disk, n > 0 ? pattern : "*", disk_only, &d);
    jw_arr_end(&w);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err)
        api_error(resp, 500, "cannot encode the series list: response too large");
    else
        api_json_ok(resp);
}
