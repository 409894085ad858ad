/* api_agents: the agent telemetry reads. GET /api/v1/agents (the summary), GET
 * /api/v1/events?level=&limit=&since= (the event ring, newest first) and GET
 * /api/v1/requests (the requests in flight). Encoded on each request from the loop's
 * struct agents: the documents are small and depend on the time of asking. */
#include <errno.h>
#include <stdlib.h>

#include "agents/live.h"
#include "api/api.h"
#include "core/clock.h"
#include "core/jsonw.h"

#define EVENTS_LIMIT_MAX 100000

static bool serving(struct api_ctx *ctx, struct api_resp *resp)
{
    if (ctx->agents)
        return true;
    api_error(resp, 503, "agent telemetry is not running");
    return false;
}

static void finish(struct jsonw *w, struct api_resp *resp)
{
    buf_addc(&resp->body, '\n');
    if (w->err)
        api_error(resp, 500, "cannot encode the answer: too large");
    else
        api_json_ok(resp);
}

void api_agents(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    if (!serving(ctx, resp))
        return;
    struct jsonw w;
    jw_init(&w, &resp->body);
    agents_encode_json(agents_live_agents(ctx->agents), clock_real_ms(), &w);
    finish(&w, resp);
}

/* ?level=, ?limit=, ?since=; false with a 400 answer set. since also takes a duration
 * without its minus sign ("15m": the last 15 minutes). */
static bool events_query(const struct api_req *req, int64_t now, struct agents_events_query *q,
                         struct api_resp *resp)
{
    char arg[128];
    q->min_level = INGEST_INFO;
    q->limit = AGENTS_EVENTS_DEFAULT_LIMIT;
    q->has_since = false;
    int n = req->query(req, "level", arg, sizeof arg);
    if (n == -2 || (n >= 0 && ingest_level_parse(arg, &q->min_level) < 0)) {
        api_error(resp, 400, "bad 'level' (use info, warn or error)");
        return false;
    }
    n = req->query(req, "limit", arg, sizeof arg);
    if (n >= 0 || n == -2) {
        char *end;
        errno = 0;
        long long v = n > 0 ? strtoll(arg, &end, 10) : -1;
        if (n <= 0 || errno || *end || v < 1 || v > EVENTS_LIMIT_MAX) {
            api_error(resp, 400, "bad 'limit' (use a whole number from 1 to %d)", EVENTS_LIMIT_MAX);
            return false;
        }
        q->limit = (size_t)v;
    }
    n = req->query(req, "since", arg, sizeof arg);
    if (n >= 0 || n == -2) {
        char rel[136];
        bool ok = n > 0 && api_parse_time(arg, now, &q->since_ms) == 0;
        if (!ok && n > 0 && arg[0] >= '0' && arg[0] <= '9') {
            snprintf(rel, sizeof rel, "-%s", arg);
            ok = api_parse_time(rel, now, &q->since_ms) == 0;
        }
        if (!ok) {
            api_error(resp, 400,
                      "bad 'since' (use unix ms, ISO-8601 or a relative time like -15m)");
            return false;
        }
        q->has_since = true;
    }
    return true;
}

void api_events(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    if (!serving(ctx, resp))
        return;
    int64_t now = clock_real_ms();
    struct agents_events_query q;
    if (!events_query(req, now, &q, resp))
        return;
    struct jsonw w;
    jw_init(&w, &resp->body);
    agents_encode_events(agents_live_agents(ctx->agents), &q, now, &w);
    finish(&w, resp);
}

void api_requests(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    if (!serving(ctx, resp))
        return;
    struct jsonw w;
    jw_init(&w, &resp->body);
    agents_encode_requests(agents_live_agents(ctx->agents), clock_real_ms(), &w);
    finish(&w, resp);
}
