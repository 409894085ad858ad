/*
 * api_history: GET /api/v1/history?series=A[,B]&from=&to=&step=
 *   series  names or patterns ('*' for one dotted part), comma-separated, required
 *   from/to unix ms, ISO-8601, "now", or relative to now ("-15m", "now-1h");
 *           default: the last 15 minutes
 *   step    a duration ("10s") or ms; each step-aligned bucket becomes its mean; default:
 *           every sample
 * Answers {"from":..,"to":..,"step_ms":..,"series":[{"name","unit","points":[[ms,v],..]}]}.
 * Limits: at most HISTORY_MAX_SERIES series and HISTORY_MAX_POINTS points per answer, so
 * one request cannot make the loop encode without bound.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"

#define HISTORY_MAX_SERIES 512
#define HISTORY_MAX_POINTS 2000000
#define HISTORY_DEFAULT_MS (15 * 60 * (int64_t)1000)

int api_parse_time(const char *s, int64_t now, int64_t *out)
{
    if (strcmp(s, "now") == 0) {
        *out = now;
        return 0;
    }
    const char *rel = NULL;
    if (strncmp(s, "now-", 4) == 0)
        rel = s + 4;
    else if (s[0] == '-')
        rel = s + 1;
    if (rel) {
        int64_t d;
        if (config_parse_duration_ms(rel, &d))
            return -VIGIL_EINVAL;
        *out = now - d;
        return 0;
    }
    if (s[0] >= '0' && s[0] <= '9' && !strchr(s, '-') && !strchr(s, ':')) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v < 0)
            return -VIGIL_EINVAL;
        *out = v;
        return 0;
    }
    return clock_parse_iso8601(s, out);
}

static int parse_step(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!errno && *end == '\0' && end != s) {
        *out = v;
        return v > 0 ? 0 : -VIGIL_EINVAL;
    }
    return config_parse_duration_ms(s, out);
}

struct query {
    int64_t from, to, step;
    int ids[HISTORY_MAX_SERIES];
    size_t n_ids;
};

/* Adds every series matching one comma-separated part; false with an error set. */
static bool add_pattern(struct api_ctx *ctx, struct query *q, const char *pat,
                        struct api_resp *resp)
{
    size_t count = store_count(ctx->store);
    bool any = false;
    for (size_t i = 0; i < count; i++) {
        if (!series_match(pat, store_name(ctx->store, (int)i)))
            continue;
        any = true;
        bool dup = false;
        for (size_t j = 0; j < q->n_ids && !dup; j++)
            dup = q->ids[j] == (int)i;
        if (dup)
            continue;
        if (q->n_ids >= HISTORY_MAX_SERIES) {
            api_error(resp, 400, "more than %d series match; narrow the pattern",
                      HISTORY_MAX_SERIES);
            return false;
        }
        q->ids[q->n_ids++] = (int)i;
    }
    if (!any) {
        api_error(resp, 404, "no series matches '%s' (GET /api/v1/series lists them)", pat);
        return false;
    }
    return true;
}

static bool parse_query(struct api_ctx *ctx, const struct api_req *req, struct query *q,
                        struct api_resp *resp)
{
    char arg[4096];
    int64_t now = clock_real_ms();
    q->to = now;
    q->from = now - HISTORY_DEFAULT_MS;
    q->step = 0;
    q->n_ids = 0;
    static const char *const time_args[] = {"to", "from"};
    int64_t *const time_out[] = {&q->to, &q->from};
    for (int i = 0; i < 2; i++) {
        int n = req->query(req, time_args[i], arg, sizeof arg);
        if (n == -1)
            continue;
        if (n < 0 || api_parse_time(arg, now, time_out[i])) {
            api_error(resp, 400,
                      "bad '%s' (use unix ms, ISO-8601, 'now' or a relative time like -15m)",
                      time_args[i]);
            return false;
        }
    }
    if (q->from > q->to) {
        api_error(resp, 400, "'from' is after 'to'");
        return false;
    }
    int n = req->query(req, "step", arg, sizeof arg);
    if (n != -1 && (n < 0 || parse_step(arg, &q->step))) {
        api_error(resp, 400, "bad 'step' (use a duration like 10s, or milliseconds)");
        return false;
    }
    n = req->query(req, "series", arg, sizeof arg);
    if (n == -2) {
        api_error(resp, 400, "'series' is longer than %zu bytes", sizeof arg - 1);
        return false;
    }
    if (n <= 0) {
        api_error(resp, 400, "'series' is required, e.g. ?series=cpu.overall_utilization");
        return false;
    }
    char *save = arg;
    while (save) {
        char *part = save;
        char *comma = strchr(save, ',');
        if (comma)
            *comma = '\0';
        save = comma ? comma + 1 : NULL;
        if (!*part)
            continue;
        if (!add_pattern(ctx, q, part, resp))
            return false;
    }
    return true;
}

/* Writes the points of one series, averaging into step buckets when step > 0. */
static void write_points(struct jsonw *w, const struct sample *pts, size_t n, int64_t step)
{
    jw_arr_begin(w);
    size_t i = 0;
    while (i < n) {
        if (step <= 0) {
            jw_arr_begin(w);
            jw_int(w, pts[i].ts_ms);
            jw_double(w, pts[i].value);
            jw_arr_end(w);
            i++;
            continue;
        }
        int64_t bucket = pts[i].ts_ms - pts[i].ts_ms % step;
        double sum = 0;
        size_t k = 0;
        while (i < n && pts[i].ts_ms - pts[i].ts_ms % step == bucket) {
            sum += pts[i].value;
            k++;
            i++;
        }
        jw_arr_begin(w);
        jw_int(w, bucket);
        jw_double(w, sum / (double)k);
        jw_arr_end(w);
    }
    jw_arr_end(w);
}

void api_history(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    struct query *q = vigil_malloc(sizeof *q);
    if (!q) {
        api_error(resp, 503, "out of memory");
        return;
    }
    if (!parse_query(ctx, req, q, resp)) {
        free(q);
        return;
    }
    /* One ring holds at most history/interval + 1 samples; a buffer of that size serves
     * every series in turn. */
    size_t cap = (size_t)(ctx->cfg->history_ms / (ctx->cfg->interval_ms > 0
                                                       ? ctx->cfg->interval_ms
                                                       : 1000)) + 2;
    struct sample *pts = vigil_malloc(cap * sizeof *pts);
    if (!pts) {
        free(q);
        api_error(resp, 503, "out of memory");
        return;
    }
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_kint(&w, "from", q->from);
    jw_kint(&w, "to", q->to);
    if (q->step > 0)
        jw_kint(&w, "step_ms", q->step);
    else
        jw_knull(&w, "step_ms");
    jw_key(&w, "series");
    jw_arr_begin(&w);
    size_t total = 0;
    for (size_t i = 0; i < q->n_ids && !w.err; i++) {
        size_t n = store_read(ctx->store, q->ids[i], q->from, q->to, pts, cap);
        total += n;
        if (total > HISTORY_MAX_POINTS) {
            w.err = -VIGIL_E2BIG;
            break;
        }
        jw_obj_begin(&w);
        jw_kstr(&w, "name", store_name(ctx->store, q->ids[i]));
        jw_kstr(&w, "unit", store_unit(ctx->store, q->ids[i]));
        jw_key(&w, "points");
        write_points(&w, pts, n, q->step);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    free(pts);
    free(q);
    if (w.err)
        api_error(resp, 413, "the answer is too large; ask for fewer series, a shorter range "
                             "or a larger step");
    else
        api_json_ok(resp);
}
