/* api_alerts: GET /api/v1/alerts, the alerts that are pending or firing, the recent
 * changes, the rules and the notifiers' counters. The evaluator encoded the document once
 * per cycle; a request copies it. Before its first cycle the lists are empty. */
#include "alert/evaluator.h"
#include "api/api.h"
#include "core/clock.h"
#include "core/jsonw.h"

static void not_yet(struct jsonw *w)
{
    int64_t now = clock_real_ms();
    char iso[32];
    jw_obj_begin(w);
    jw_key(w, "active");
    jw_raw(w, "[]", 2);
    jw_key(w, "recent");
    jw_raw(w, "[]", 2);
    jw_key(w, "counts");
    jw_obj_begin(w);
    jw_kuint(w, "firing", 0);
    jw_kuint(w, "pending", 0);
    jw_kuint(w, "instances", 0);
    jw_kuint(w, "instances_dropped", 0);
    jw_obj_end(w);
    jw_key(w, "rules");
    jw_raw(w, "[]", 2);
    jw_key(w, "notifiers");
    jw_raw(w, "[]", 2);
    jw_kstr(w, "timestamp", clock_iso8601(now, iso, sizeof iso));
    jw_kint(w, "timestamp_ms", now);
    jw_obj_end(w);
}

void api_alerts(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    api_serve_doc(ctx, BOARD_ALERTS, ALERT_DOC_API, not_yet, "alerts", resp);
}
