/*
 * api_history: GET /api/v1/history?series=A[,B]&from=&to=&step=&agg=
 *   series  names or patterns ('*' for one dotted part), comma-separated, required; a
 *           series known only on disk (from before a restart) counts too
 *   from/to unix ms, ISO-8601, "now", or relative to now ("-15m", "now-1h");
 *           default: the last 15 minutes
 *   step    a duration ("10s") or ms; each step-aligned bucket becomes one point; default:
 *           every point at its tier's resolution
 *   agg     avg (default), min or max: what a bucket, and a rollup, stands for
 * Answers {"from","to","step_ms","agg","rollup_ms","reduced","series":[{"name","unit",
 * "points":[[ms,v],..]}]}. Any range is answered: memory (every sample) where it covers the
 * range, rollups on disk before that, chosen by persist/plan.c; rollup_ms is null when disk
 * was not read; reduced is true when the range was too long to read at the rollup interval
 * and hourly rollups answered instead. Points from a rollup are stamped with its period's
 * start.
 *
 * Limits, so one request cannot hold the loop: at most HISTORY_MAX_SERIES series and
 * HISTORY_MAX_POINTS points per answer, at most HISTORY_MAX_DISK_ROWS rollups read (more
 * would be: hourly rollups instead, then 413), and disk reads stop at HISTORY_DISK_BUDGET_MS.
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
#include "persist/disk_reader.h"
#include "persist/persist.h"
#include "persist/plan.h"
#include "persist/rollup.h"

#define HISTORY_MAX_SERIES     512
#define HISTORY_MAX_POINTS     2000000
#define HISTORY_MAX_DISK_ROWS  200000
#define HISTORY_DISK_BUDGET_MS 250
#define HISTORY_DEFAULT_MS     ((int64_t)15 * 60 * 1000)

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

enum agg { AGG_AVG, AGG_MIN, AGG_MAX };

struct hseries {
    int id; /* in the store; -1: on disk only */
    char name[STORE_NAME_MAX];
    char unit[64];
};

struct query {
    int64_t from, to, step;
    enum agg agg;
    struct hseries s[HISTORY_MAX_SERIES];
    size_t n;
};

static bool query_has(const struct query *q, const char *name)
{
    for (size_t j = 0; j < q->n; j++)
        if (strcmp(q->s[j].name, name) == 0)
            return true;
    return false;
}

static bool query_add(struct query *q, int id, const char *name, const char *unit)
{
    if (q->n >= HISTORY_MAX_SERIES)
        return false;
    struct hseries *h = &q->s[q->n++];
    h->id = id;
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->unit, sizeof h->unit, "%s", unit ? unit : "");
    return true;
}

struct disk_names {
    struct api_ctx *ctx;
    struct query *q;
    bool any, full;
};

/* A series on disk: new unless memory has it (then the store part added it already). */
static void add_disk_name(void *arg, const char *name, const char *unit)
{
    struct disk_names *d = arg;
    d->any = true;
    if (store_find(d->ctx->store, name) >= 0 || query_has(d->q, name))
        return;
    if (!query_add(d->q, -1, name, unit))
        d->full = true;
}

/* Adds every series matching one comma-separated part; false with an error set. */
static bool add_pattern(struct api_ctx *ctx, struct query *q, const char *pat,
                        struct api_resp *resp)
{
    size_t count = store_count(ctx->store);
    bool any = false, full = false;
    for (size_t i = 0; i < count && !full; i++) {
        const char *name = store_name(ctx->store, (int)i);
        if (!series_match(pat, name))
            continue;
        any = true;
        if (!query_has(q, name))
            full = !query_add(q, (int)i, name, store_unit(ctx->store, (int)i));
    }
    struct disk_names d = {ctx, q, false, false};
    if (!full && ctx->disk)
        disk_reader_series(ctx->disk, pat, add_disk_name, &d);
    if (full || d.full) {
        api_error(resp, 400, "more than %d series match; narrow the pattern",
                  HISTORY_MAX_SERIES);
        return false;
    }
    if (!any && !d.any) {
        api_error(resp, 404, "no series matches '%s' (GET /api/v1/series lists them)", pat);
        return false;
    }
    return true;
}

static bool parse_agg(const char *s, enum agg *out)
{
    static const char *const names[] = {"avg", "min", "max"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum agg)i;
            return true;
        }
    return false;
}

static bool parse_query(struct api_ctx *ctx, const struct api_req *req, struct query *q,
                        struct api_resp *resp)
{
    char arg[4096];
    int64_t now = clock_real_ms();
    q->to = now;
    q->from = now - HISTORY_DEFAULT_MS;
    q->step = 0;
    q->agg = AGG_AVG;
    q->n = 0;
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
    n = req->query(req, "agg", arg, sizeof arg);
    if (n != -1 && (n < 0 || !parse_agg(arg, &q->agg))) {
        api_error(resp, 400, "bad 'agg' (use avg, min or max)");
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

/* --- points ------------------------------------------------------------------------- */

/* Writes points as they come, oldest first, from any tier: a sample is a rollup of one.
 * With a step, each aligned bucket becomes one point: the mean weighted by counts, or the
 * least minimum, or the greatest maximum. */
struct emit {
    struct jsonw *w;
    int64_t step;
    enum agg agg;
    bool open;
    int64_t bucket;
    double sum, weight, min, max;
    size_t points;
};

static void point(struct emit *e, int64_t ts, double v)
{
    jw_arr_begin(e->w);
    jw_int(e->w, ts);
    jw_double(e->w, v);
    jw_arr_end(e->w);
    e->points++;
}

static double pick(enum agg agg, double avg, double min, double max)
{
    return agg == AGG_MIN ? min : agg == AGG_MAX ? max : avg;
}

static void emit_flush(struct emit *e)
{
    if (e->open)
        point(e, e->bucket, pick(e->agg, e->sum / e->weight, e->min, e->max));
    e->open = false;
}

static void emit(struct emit *e, int64_t ts, double avg, double min, double max, double n)
{
    if (e->step <= 0) {
        point(e, ts, pick(e->agg, avg, min, max));
        return;
    }
    int64_t b = rollup_floor(ts, e->step);
    if (e->open && b != e->bucket)
        emit_flush(e);
    if (!e->open) {
        e->open = true;
        e->bucket = b;
        e->sum = e->weight = 0;
        e->min = min;
        e->max = max;
    }
    e->sum += avg * n;
    e->weight += n;
    if (min < e->min)
        e->min = min;
    if (max > e->max)
        e->max = max;
}

static int emit_row(void *arg, const struct disk_row *row)
{
    struct emit *e = arg;
    if (row->n > 0)
        emit(e, row->ts_ms, row->avg, row->min, row->max, (double)row->n);
    return e->points > HISTORY_MAX_POINTS;
}

/* --- planning ----------------------------------------------------------------------- */

/* What disk holds, for the planner; false when it cannot be read now. */
static bool disk_input(struct api_ctx *ctx, struct plan_input *in)
{
    if (!ctx->persist || !ctx->disk || !disk_reader_ok(ctx->disk))
        return false;
    in->disk = true;
    in->rollup_ms = persist_rollup_ms(ctx->persist);
    in->rollup_end_ms = persist_rollup_end(ctx->persist);
    in->coarse_ms = persist_coarse_ms(ctx->persist);
    in->coarse_end_ms = persist_coarse_end(ctx->persist);
    return true;
}

static void plan_series(const struct query *q, const struct plan_input *disk,
                        const struct sample *ring, size_t n, struct plan *p)
{
    struct plan_input in = *disk;
    in.from_ms = q->from;
    in.to_ms = q->to;
    in.step_ms = q->step;
    in.ring_has = n > 0;
    in.ring_oldest_ms = n ? ring[0].ts_ms : 0;
    plan_range(&in, p);
}

struct answer {
    struct sample *ring; /* one series' samples, reused */
    size_t cap;
    struct plan_input disk;
    bool disk_ok;
    int err; /* 0, or an HTTP status */
};

/* Writes one series' points; sets a->err when a limit is reached. */
static void series_points(struct api_ctx *ctx, const struct query *q, const struct hseries *h,
                          struct answer *a, struct emit *e)
{
    size_t n = h->id >= 0 ? store_read(ctx->store, h->id, q->from, q->to, a->ring, a->cap) : 0;
    struct plan p;
    plan_series(q, &a->disk, a->ring, n, &p);
    for (unsigned i = 0; i < p.n && !a->err; i++) {
        const struct plan_seg *s = &p.seg[i];
        if (s->tier == PLAN_RING) {
            for (size_t k = 0; k < n && e->points <= HISTORY_MAX_POINTS; k++)
                if (a->ring[k].ts_ms >= s->from_ms)
                    emit(e, a->ring[k].ts_ms, a->ring[k].value, a->ring[k].value,
                         a->ring[k].value, 1);
            continue;
        }
        int rc = disk_reader_rollups(ctx->disk, h->name, s->tier == PLAN_COARSE, s->from_ms,
                                     s->to_ms, emit_row, e);
        if (rc == -VIGIL_E2BIG)
            a->err = 503;
    }
    emit_flush(e);
    if (e->points > HISTORY_MAX_POINTS)
        a->err = 413;
}

/* Checks the disk rows every series' plan reads against the bound; 0 or 413. */
static int check_budget(struct api_ctx *ctx, const struct query *q, struct answer *a)
{
    if (!a->disk_ok)
        return 0;
    int64_t rows = 0;
    for (size_t i = 0; i < q->n && rows <= HISTORY_MAX_DISK_ROWS; i++) {
        /* the ring's oldest sample in range decides the plan; one sample is enough */
        struct sample first;
        size_t n = q->s[i].id >= 0
                       ? store_read(ctx->store, q->s[i].id, q->from, q->to, a->ring, a->cap)
                       : 0;
        if (n)
            first = a->ring[0];
        struct plan p;
        plan_series(q, &a->disk, &first, n ? 1 : 0, &p);
        for (unsigned k = 0; k < p.n; k++) {
            const struct plan_seg *s = &p.seg[k];
            int64_t width = s->tier == PLAN_COARSE ? a->disk.coarse_ms : a->disk.rollup_ms;
            if (s->tier != PLAN_RING && width > 0)
                rows += (s->to_ms - s->from_ms) / width + 1;
        }
    }
    return rows > HISTORY_MAX_DISK_ROWS ? 413 : 0;
}

static void write_answer(struct api_ctx *ctx, const struct query *q, struct answer *a,
                         struct jsonw *w)
{
    static const char *const agg_names[] = {"avg", "min", "max"};
    jw_obj_begin(w);
    jw_kint(w, "from", q->from);
    jw_kint(w, "to", q->to);
    if (q->step > 0)
        jw_kint(w, "step_ms", q->step);
    else
        jw_knull(w, "step_ms");
    jw_kstr(w, "agg", agg_names[q->agg]);
    if (a->disk_ok)
        jw_kint(w, "rollup_ms", a->disk.rollup_ms);
    else
        jw_knull(w, "rollup_ms");
    jw_kbool(w, "reduced", a->disk.coarse_only);
    jw_key(w, "series");
    jw_arr_begin(w);
    struct emit e = {.w = w, .step = q->step, .agg = q->agg};
    for (size_t i = 0; i < q->n && !w->err && !a->err; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "name", q->s[i].name);
        jw_kstr(w, "unit", q->s[i].unit);
        jw_key(w, "points");
        jw_arr_begin(w);
        series_points(ctx, q, &q->s[i], a, &e);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
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
    struct answer a = {0};
    a.cap = (size_t)(ctx->cfg->history_ms /
                     (ctx->cfg->interval_ms > 0 ? ctx->cfg->interval_ms : 1000)) + 2;
    a.ring = vigil_malloc(a.cap * sizeof *a.ring);
    if (!a.ring) {
        free(q);
        api_error(resp, 503, "out of memory");
        return;
    }
    a.disk_ok = disk_input(ctx, &a.disk);
    a.err = check_budget(ctx, q, &a);
    if (a.err == 413 && a.disk_ok && a.disk.coarse_ms > 0) {
        /* too long to read at the rollup interval: hourly rollups, fewer points */
        a.disk.coarse_only = true;
        a.err = check_budget(ctx, q, &a);
    }
    struct jsonw w;
    jw_init(&w, &resp->body);
    if (!a.err) {
        if (a.disk_ok)
            disk_reader_deadline(ctx->disk, clock_mono_ns() + HISTORY_DISK_BUDGET_MS * 1000000LL);
        write_answer(ctx, q, &a, &w);
        if (a.disk_ok)
            disk_reader_deadline(ctx->disk, 0);
        buf_addc(&resp->body, '\n');
    }
    free(a.ring);
    free(q);
    if (a.err == 503)
        api_error(resp, 503, "reading history from disk took too long; ask for fewer series, "
                             "a shorter range or a larger step");
    else if (a.err || w.err)
        api_error(resp, 413, "the answer is too large; ask for fewer series, a shorter range "
                             "or a larger step (a step of 1h or more reads hourly rollups)");
    else
        api_json_ok(resp);
}
