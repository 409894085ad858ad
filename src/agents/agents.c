/*
 * agents: ties the agent structures together. agents_apply() routes each event to the
 * structures it feeds; the encoders read them back as the API's documents. Errors are
 * counted in one place, events_push(), so the error counters and the error entries of the
 * event ring always agree.
 */
#include "agents/agents.h"

#include <stdlib.h>
#include <string.h>

#include "agents/requests.h"
#include "agents/ring.h"
#include "agents/sessions.h"
#include "agents/text.h"
#include "agents/tools.h"
#include "agents/window.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"

/* Window layouts: bucket width, buckets kept, and what each sum holds. */
enum { TASK_DONE, TASK_OK, TASK_FAILED, TASK_TIMEOUT, TASK_DUR_SUM, TASK_DURS, TASK_NVALS };
enum { FAIL_TOTAL, FAIL_FAILED, FAIL_NVALS };
#define MINUTE_MS     60000
#define TASK_BUCKETS  1440 /* 24 h of minutes */
#define ERROR_BUCKETS 60   /* 1 h of minutes */
#define TOKEN_WIDTH   1000 /* tokens/s: one-second buckets over a minute */
#define TOKEN_BUCKETS 60
#define FAIL_WIDTH    5000 /* error rate: five-second buckets over five minutes */
#define FAIL_BUCKETS  60

struct agents {
    struct agents_config cfg;
    int64_t start_ms;
    struct sessions sessions;
    struct requests requests;
    struct tools tools;
    struct projects projects;
    struct ring calls;  /* struct agent_model_call */
    struct ring events; /* struct agent_event */
    struct window tasks;
    struct window errors_win;
    struct window tokens;
    struct window failures; /* model calls and request_ends, and how many failed */
    struct buf scratch;     /* for the context of errors vigil writes itself */
    uint64_t messages_processed;
    uint64_t errors;
    uint64_t model_calls;
    uint64_t applied[INGEST_NKINDS];
    bool has_queue;
    uint64_t queue_depth;
    struct agents_sink sink; /* all NULL: none */
};

void agents_config_defaults(struct agents_config *c)
{
    c->max_sessions = 4096;
    c->max_requests = 4096;
    c->max_tools = 256;
    c->max_projects = 64;
    c->idle_ms = (int64_t)30 * 60 * 1000;
    c->stale_ms = (int64_t)10 * 1000;
    c->model_calls = 200;
    c->events = 500;
    c->summary_calls = 200;
}

struct agents *agents_new(const struct agents_config *cfg, int64_t now_ms)
{
    struct agents *a = vigil_calloc(1, sizeof *a);
    if (!a)
        return NULL;
    if (cfg)
        a->cfg = *cfg;
    else
        agents_config_defaults(&a->cfg);
    a->start_ms = now_ms;
    buf_init(&a->scratch, INGEST_CONTEXT_CEIL);
    /* Reserved now so that applying events never allocates. */
    if (buf_reserve(&a->scratch, INGEST_CONTEXT_CEIL)) {
        agents_free(a);
        return NULL;
    }
    const struct agents_config *c = &a->cfg;
    if (c->idle_ms <= 0 || c->stale_ms < 0 || sessions_init(&a->sessions, c->max_sessions) ||
        requests_init(&a->requests, c->max_requests) || tools_init(&a->tools, c->max_tools) ||
        projects_init(&a->projects, c->max_projects) ||
        ring_init(&a->calls, c->model_calls, sizeof(struct agent_model_call)) ||
        ring_init(&a->events, c->events, sizeof(struct agent_event)) ||
        window_init(&a->tasks, MINUTE_MS, TASK_BUCKETS, TASK_NVALS) ||
        window_init(&a->errors_win, MINUTE_MS, ERROR_BUCKETS, 1) ||
        window_init(&a->tokens, TOKEN_WIDTH, TOKEN_BUCKETS, 1) ||
        window_init(&a->failures, FAIL_WIDTH, FAIL_BUCKETS, FAIL_NVALS)) {
        agents_free(a);
        return NULL;
    }
    return a;
}

void agents_free(struct agents *a)
{
    if (!a)
        return;
    /* Each release copes with a structure whose init failed or never ran (zeroed). */
    sessions_release(&a->sessions);
    requests_release(&a->requests);
    tools_release(&a->tools);
    projects_release(&a->projects);
    ring_release(&a->calls);
    ring_release(&a->events);
    window_release(&a->tasks);
    window_release(&a->errors_win);
    window_release(&a->tokens);
    window_release(&a->failures);
    buf_release(&a->scratch);
    free(a);
}

/* --- the event ring and the error counters ------------------------------------------- */

static struct agent_event *events_push(struct agents *a, enum ingest_level level, int64_t ts,
                                       const char *source)
{
    struct agent_event *e = ring_push(&a->events);
    e->seq = a->events.pushed;
    e->ts_ms = ts;
    e->level = level;
    text_copy(e->source, sizeof e->source, source);
    if (level == INGEST_ERROR_LEVEL) {
        a->errors++;
        window_add(&a->errors_win, ts, 0, 1);
    }
    return e;
}

/* Context of an error vigil reports on an agent's behalf: a small JSON object, or nothing
 * if it will not fit (it only repeats ids the message does not carry). */
struct ctx_field {
    const char *key;
    const char *str; /* a string field when not NULL... */
    double num;      /* ...else a number, */
    bool has_num;    /* when this is true */
};

static void set_context(struct agents *a, struct agent_event *e, const struct ctx_field *f,
                        size_t n)
{
    struct jsonw w;
    buf_reset(&a->scratch);
    jw_init(&w, &a->scratch);
    jw_obj_begin(&w);
    for (size_t i = 0; i < n; i++) {
        if (f[i].str && f[i].str[0])
            jw_kstr(&w, f[i].key, f[i].str);
        else if (!f[i].str && f[i].has_num)
            jw_kdouble(&w, f[i].key, f[i].num);
    }
    jw_obj_end(&w);
    if (!w.err && a->scratch.len < sizeof e->context)
        memcpy(e->context, a->scratch.data, a->scratch.len + 1);
}

/* --- one function per event kind ------------------------------------------------------ */

static void touch_session(struct agents *a, const char *id, int64_t now_ms)
{
    if (id && id[0])
        sessions_touch(&a->sessions, id, now_ms);
}

static int apply_request_end(struct agents *a, const struct ingest_request_end *re, int64_t ts,
                             int64_t now_ms)
{
    struct request rq;
    bool known = requests_end(&a->requests, re->request_id, &rq) == 0;
    if (known)
        touch_session(a, rq.session_id, now_ms);
    a->messages_processed++;
    bool failed = re->status != INGEST_OK;
    window_add(&a->failures, ts, FAIL_TOTAL, 1);
    if (!failed)
        return 0;
    window_add(&a->failures, ts, FAIL_FAILED, 1);
    struct agent_event *e = events_push(a, INGEST_ERROR_LEVEL, ts, "request");
    bool timeout = re->status == INGEST_TIMEOUT;
    if (re->error && re->error[0])
        text_printf(e->message, sizeof e->message, "request '%s' %s: %s", re->request_id,
                    timeout ? "timed out" : "failed", re->error);
    else
        text_printf(e->message, sizeof e->message, "request '%s' %s", re->request_id,
                    timeout ? "timed out" : "failed");
    struct ctx_field f[] = {
        {"request_id", re->request_id, 0, false},
        {"session_id", known ? rq.session_id : NULL, 0, false},
        {"channel", known ? rq.channel : NULL, 0, false},
        {"duration_ms", NULL, known ? (double)(ts - rq.started_ms) : 0, known},
    };
    set_context(a, e, f, sizeof f / sizeof f[0]);
    return 0;
}

static int apply_model_call(struct agents *a, const struct ingest_model_call *mc, int64_t ts,
                            int64_t now_ms)
{
    bool failed = mc->error && mc->error[0];
    struct agent_model_call *c = ring_push(&a->calls);
    c->ts_ms = ts;
    text_copy(c->provider, sizeof c->provider, mc->provider);
    text_copy(c->model, sizeof c->model, mc->model);
    text_copy(c->session_id, sizeof c->session_id, mc->session_id);
    text_copy(c->error, sizeof c->error, mc->error);
    c->latency_ms = mc->latency_ms;
    c->has_latency = mc->has_latency;
    c->failed = failed;
    c->input_tokens = mc->input_tokens;
    c->output_tokens = mc->output_tokens;
    a->model_calls++;
    touch_session(a, mc->session_id, now_ms);
    window_add(&a->tokens, ts, 0, (double)mc->output_tokens);
    window_add(&a->failures, ts, FAIL_TOTAL, 1);
    if (!failed)
        return 0;
    window_add(&a->failures, ts, FAIL_FAILED, 1);
    struct agent_event *e = events_push(a, INGEST_ERROR_LEVEL, ts, "model_call");
    bool prov = mc->provider && mc->provider[0], model = mc->model && mc->model[0];
    if (prov && model)
        text_printf(e->message, sizeof e->message, "model call to %s/%s failed: %s", mc->provider,
                    mc->model, mc->error);
    else if (prov || model)
        text_printf(e->message, sizeof e->message, "model call to %s failed: %s",
                    prov ? mc->provider : mc->model, mc->error);
    else
        text_printf(e->message, sizeof e->message, "model call failed: %s", mc->error);
    struct ctx_field f[] = {
        {"provider", mc->provider, 0, false},
        {"model", mc->model, 0, false},
        {"session_id", mc->session_id, 0, false},
        {"latency_ms", NULL, mc->latency_ms, mc->has_latency},
    };
    set_context(a, e, f, sizeof f / sizeof f[0]);
    return 0;
}

static const unsigned task_sum[] = {
    [INGEST_TASK_SUCCESS] = TASK_OK,
    [INGEST_TASK_FAILURE] = TASK_FAILED,
    [INGEST_TASK_TIMEOUT] = TASK_TIMEOUT,
};

static int apply_task_end(struct agents *a, const struct ingest_task_end *te, int64_t ts)
{
    if ((unsigned)te->status >= sizeof task_sum / sizeof task_sum[0])
        return -VIGIL_EINVAL;
    window_add(&a->tasks, ts, TASK_DONE, 1);
    window_add(&a->tasks, ts, task_sum[te->status], 1);
    if (te->has_duration) {
        window_add(&a->tasks, ts, TASK_DUR_SUM, te->duration_ms);
        window_add(&a->tasks, ts, TASK_DURS, 1);
    }
    return 0;
}

static int apply_tool_call(struct agents *a, const struct ingest_tool_call *tc, int64_t ts,
                           int64_t now_ms)
{
    bool failed = tc->status != INGEST_OK;
    /* A full tool table loses the per-tool line only; the error below still counts. */
    tools_record(&a->tools, tc->tool, failed, tc->has_duration ? tc->duration_ms : -1, now_ms);
    touch_session(a, tc->session_id, now_ms);
    if (!failed)
        return 0;
    struct agent_event *e = events_push(a, INGEST_ERROR_LEVEL, ts, "tool_call");
    bool timeout = tc->status == INGEST_TIMEOUT;
    if (tc->error && tc->error[0])
        text_printf(e->message, sizeof e->message, "tool '%s' %s: %s", tc->tool,
                    timeout ? "timed out" : "failed", tc->error);
    else
        text_printf(e->message, sizeof e->message, "tool '%s' %s", tc->tool,
                    timeout ? "timed out" : "failed");
    struct ctx_field f[] = {
        {"tool", tc->tool, 0, false},
        {"session_id", tc->session_id, 0, false},
        {"duration_ms", NULL, tc->duration_ms, tc->has_duration},
    };
    set_context(a, e, f, sizeof f / sizeof f[0]);
    return 0;
}

static int apply_log(struct agents *a, const struct ingest_log *lg, int64_t ts)
{
    struct agent_event *e = events_push(a, lg->level, ts, lg->source);
    text_copy(e->message, sizeof e->message, lg->message);
    /* The decoder bounds context to INGEST_CONTEXT_CEIL; a longer one cut in the middle
     * would be broken JSON, so it is dropped instead. */
    if (lg->context && strlen(lg->context) < sizeof e->context)
        text_copy(e->context, sizeof e->context, lg->context);
    return 0;
}

/* The records an event left in the rings (at most one of each) and a task's outcome, to the
 * sink: what is kept is what is persisted. */
static void tell_sink(struct agents *a, const struct ingest_event *ev, int64_t ts,
                      uint64_t events_before, uint64_t calls_before)
{
    const struct agents_sink *s = &a->sink;
    if (s->event && a->events.pushed != events_before)
        s->event(s->arg, ring_at(&a->events, 0));
    if (s->model_call && a->calls.pushed != calls_before)
        s->model_call(s->arg, ring_at(&a->calls, 0));
    if (s->task && ev->kind == INGEST_TASK_END)
        s->task(s->arg, ts, &ev->task_end);
}

int agents_apply(struct agents *a, const struct ingest_event *ev, int64_t now_ms)
{
    int64_t ts = ev->ts_ms < now_ms ? ev->ts_ms : now_ms;
    uint64_t events_before = a->events.pushed, calls_before = a->calls.pushed;
    int rc = 0;
    switch (ev->kind) {
    case INGEST_SESSION_START: {
        const struct ingest_session_start *s = &ev->session_start;
        rc = sessions_start(&a->sessions, s->session_id, s->agent, s->project, ts, now_ms);
        break;
    }
    case INGEST_SESSION_END:
        sessions_end(&a->sessions, ev->session_end.session_id);
        break;
    case INGEST_REQUEST_START: {
        const struct ingest_request_start *r = &ev->request_start;
        rc = requests_start(&a->requests, r->request_id, r->session_id, r->channel, ts, now_ms);
        touch_session(a, r->session_id, now_ms);
        break;
    }
    case INGEST_REQUEST_END:
        rc = apply_request_end(a, &ev->request_end, ts, now_ms);
        break;
    case INGEST_MODEL_CALL:
        rc = apply_model_call(a, &ev->model_call, ts, now_ms);
        break;
    case INGEST_TASK_END:
        rc = apply_task_end(a, &ev->task_end, ts);
        break;
    case INGEST_TOOL_CALL:
        rc = apply_tool_call(a, &ev->tool_call, ts, now_ms);
        break;
    case INGEST_EVENT:
        rc = apply_log(a, &ev->log, ts);
        break;
    case INGEST_QUEUE:
        a->has_queue = true;
        a->queue_depth = ev->queue.depth;
        break;
    case INGEST_RUN:
        rc = projects_report(&a->projects, &ev->run, ts, now_ms);
        break;
    default:
        return -VIGIL_EINVAL;
    }
    if (rc == 0)
        a->applied[ev->kind]++;
    tell_sink(a, ev, ts, events_before, calls_before);
    return rc;
}

size_t agents_apply_batch(struct agents *a, const struct ingest_batch *b, int64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < b->nevents; i++)
        n += agents_apply(a, &b->events[i], now_ms) == 0;
    return n;
}

void agents_expire(struct agents *a, int64_t now_ms)
{
    sessions_expire(&a->sessions, now_ms, a->cfg.idle_ms);
    requests_expire(&a->requests, now_ms, a->cfg.idle_ms);
}

/* --- derived figures ------------------------------------------------------------------ */

static void model_call_figures(const struct agents *a, struct agents_figures *f)
{
    double lat = 0;
    size_t lats = 0, failed = 0, n = ring_len(&a->calls);
    for (size_t i = 0; i < n; i++) {
        const struct agent_model_call *c = ring_at(&a->calls, i);
        if (c->has_latency) {
            lat += c->latency_ms;
            lats++;
        }
        failed += c->failed;
    }
    f->model_calls_total = a->model_calls;
    f->has_avg_latency = lats > 0;
    f->avg_latency_ms = lats ? lat / (double)lats : 0;
    f->has_model_error_rate = n > 0;
    f->model_error_rate = n ? (double)failed / (double)n : 0;
}

static void task_figures(const struct agents *a, int64_t now_ms, struct agents_figures *f)
{
    double day[TASK_NVALS];
    window_sums(&a->tasks, now_ms, TASK_BUCKETS, day);
    f->tasks_completed_1h = (uint64_t)window_sum(&a->tasks, now_ms, 60, TASK_DONE);
    f->tasks_completed_24h = (uint64_t)day[TASK_DONE];
    f->has_success_rate = day[TASK_DONE] > 0;
    f->success_rate = day[TASK_DONE] > 0 ? day[TASK_OK] / day[TASK_DONE] : 0;
    f->has_avg_completion = day[TASK_DURS] > 0;
    f->avg_completion_ms = day[TASK_DURS] > 0 ? day[TASK_DUR_SUM] / day[TASK_DURS] : 0;
    f->tasks_timeouts_24h = (uint64_t)day[TASK_TIMEOUT];
}

void agents_figures(struct agents *a, int64_t now_ms, struct agents_figures *f)
{
    memset(f, 0, sizeof *f);
    agents_expire(a, now_ms);
    int64_t up = now_ms - a->start_ms;
    f->uptime_s = up > 0 ? (double)up / 1000.0 : 0;
    f->active_sessions = sessions_count(&a->sessions);
    int64_t oldest;
    if (sessions_oldest_start(&a->sessions, &oldest)) {
        f->has_oldest_session = true;
        f->oldest_session_age_s = now_ms > oldest ? (double)(now_ms - oldest) / 1000.0 : 0;
    }
    f->has_queue_depth = a->has_queue;
    f->queue_depth = a->queue_depth;
    f->messages_processed = a->messages_processed;
    f->errors = a->errors;
    f->errors_1h = (uint64_t)window_sum(&a->errors_win, now_ms, ERROR_BUCKETS, 0);
    f->active_requests = requests_count(&a->requests);

    /* Over the last minute, or over the uptime while that is shorter, so the first minute
     * after start does not read low. */
    double span_s = f->uptime_s < 60 ? f->uptime_s : 60;
    if (span_s < 1)
        span_s = 1;
    f->tokens_per_sec = window_sum(&a->tokens, now_ms, TOKEN_BUCKETS, 0) / span_s;

    double fail[FAIL_NVALS];
    window_sums(&a->failures, now_ms, FAIL_BUCKETS, fail);
    f->has_error_rate = fail[FAIL_TOTAL] > 0;
    f->error_rate = fail[FAIL_TOTAL] > 0 ? fail[FAIL_FAILED] / fail[FAIL_TOTAL] : 0;

    model_call_figures(a, f);
    task_figures(a, now_ms, f);
    f->tools = tools_count(&a->tools);
    f->sessions_expired = a->sessions.expired;
    f->sessions_evicted = a->sessions.evicted;
    f->requests_expired = a->requests.expired;
    f->requests_evicted = a->requests.evicted;
    f->projects_evicted = a->projects.evicted;
    f->tool_calls_untracked = a->tools.untracked;
}

/* --- documents ------------------------------------------------------------------------ */

static void kdouble_or_null(struct jsonw *w, const char *key, bool known, double v)
{
    if (known)
        jw_kdouble(w, key, v);
    else
        jw_knull(w, key);
}

static void kstr_or_null(struct jsonw *w, const char *key, const char *s)
{
    if (s[0])
        jw_kstr(w, key, s);
    else
        jw_knull(w, key);
}

static void stamp(struct jsonw *w, const char *key, const char *key_ms, int64_t t)
{
    char iso[32];
    jw_kstr(w, key, clock_iso8601(t, iso, sizeof iso));
    jw_kint(w, key_ms, t);
}

static void encode_call(const struct agent_model_call *c, struct jsonw *w)
{
    jw_obj_begin(w);
    stamp(w, "timestamp", "timestamp_ms", c->ts_ms);
    kstr_or_null(w, "provider", c->provider);
    kstr_or_null(w, "model", c->model);
    kstr_or_null(w, "session_id", c->session_id);
    kdouble_or_null(w, "latency_ms", c->has_latency, c->latency_ms);
    jw_kuint(w, "input_tokens", c->input_tokens);
    jw_kuint(w, "output_tokens", c->output_tokens);
    bool rate = c->has_latency && c->latency_ms > 0;
    kdouble_or_null(w, "tokens_per_sec", rate,
                    rate ? (double)c->output_tokens * 1000.0 / c->latency_ms : 0);
    kstr_or_null(w, "error", c->error);
    jw_obj_end(w);
}

static void encode_model_calls(const struct agents *a, const struct agents_figures *f,
                               struct jsonw *w)
{
    jw_key(w, "model_calls");
    jw_obj_begin(w);
    jw_kuint(w, "total", f->model_calls_total);
    kdouble_or_null(w, "avg_latency_ms", f->has_avg_latency, f->avg_latency_ms);
    kdouble_or_null(w, "error_rate", f->has_model_error_rate, f->model_error_rate);
    jw_key(w, "recent_calls");
    jw_arr_begin(w);
    size_t n = ring_len(&a->calls);
    if (n > a->cfg.summary_calls)
        n = a->cfg.summary_calls;
    for (size_t i = 0; i < n; i++)
        encode_call(ring_at(&a->calls, i), w);
    jw_arr_end(w);
    jw_obj_end(w);
}

static void encode_tasks(const struct agents_figures *f, struct jsonw *w)
{
    jw_key(w, "tasks");
    jw_obj_begin(w);
    jw_kuint(w, "completed_1h", f->tasks_completed_1h);
    jw_kuint(w, "completed_24h", f->tasks_completed_24h);
    kdouble_or_null(w, "success_rate", f->has_success_rate, f->success_rate);
    kdouble_or_null(w, "avg_completion_ms", f->has_avg_completion, f->avg_completion_ms);
    jw_kuint(w, "timeouts", f->tasks_timeouts_24h);
    jw_obj_end(w);
}

static void encode_dropped(const struct agents_figures *f, struct jsonw *w)
{
    jw_key(w, "dropped");
    jw_obj_begin(w);
    jw_kuint(w, "sessions_expired", f->sessions_expired);
    jw_kuint(w, "sessions_evicted", f->sessions_evicted);
    jw_kuint(w, "requests_expired", f->requests_expired);
    jw_kuint(w, "requests_evicted", f->requests_evicted);
    jw_kuint(w, "projects_evicted", f->projects_evicted);
    jw_kuint(w, "tool_calls_untracked", f->tool_calls_untracked);
    jw_obj_end(w);
}

void agents_encode_json(struct agents *a, int64_t now_ms, struct jsonw *w)
{
    struct agents_figures f;
    agents_figures(a, now_ms, &f);
    jw_obj_begin(w);
    stamp(w, "timestamp", "timestamp_ms", now_ms);
    jw_kuint(w, "active_sessions", f.active_sessions);
    kdouble_or_null(w, "oldest_session_age_s", f.has_oldest_session, f.oldest_session_age_s);
    if (f.has_queue_depth)
        jw_kuint(w, "queue_depth", f.queue_depth);
    else
        jw_knull(w, "queue_depth");
    jw_kuint(w, "messages_processed", f.messages_processed);
    jw_kuint(w, "errors", f.errors);
    jw_kuint(w, "errors_1h", f.errors_1h);
    jw_kuint(w, "active_requests", f.active_requests);
    jw_kdouble(w, "tokens_per_sec", f.tokens_per_sec);
    kdouble_or_null(w, "error_rate", f.has_error_rate, f.error_rate);
    jw_kdouble(w, "uptime", f.uptime_s);
    encode_model_calls(a, &f, w);
    jw_key(w, "tools");
    tools_encode(&a->tools, w);
    encode_tasks(&f, w);
    jw_key(w, "projects");
    projects_encode(&a->projects, now_ms, a->cfg.stale_ms, w);
    encode_dropped(&f, w);
    jw_obj_end(w);
}

struct event_walk {
    const struct agents_events_query *q;
    struct jsonw *w;
};

static bool event_keep(const void *rec, void *arg)
{
    const struct agent_event *e = rec;
    const struct event_walk *ew = arg;
    return e->level >= ew->q->min_level && (!ew->q->has_since || e->ts_ms >= ew->q->since_ms);
}

static void event_visit(const void *rec, void *arg)
{
    agents_encode_event(rec, ((struct event_walk *)arg)->w);
}

void agents_encode_event(const struct agent_event *e, struct jsonw *w)
{
    jw_obj_begin(w);
    jw_kuint(w, "seq", e->seq);
    stamp(w, "timestamp", "timestamp_ms", e->ts_ms);
    jw_kstr(w, "level", ingest_level_name(e->level));
    kstr_or_null(w, "source", e->source);
    jw_kstr(w, "message", e->message);
    jw_key(w, "context");
    if (e->context[0])
        jw_raw(w, e->context, strlen(e->context));
    else
        jw_null(w);
    jw_obj_end(w);
}

void agents_encode_events(struct agents *a, const struct agents_events_query *q, int64_t now_ms,
                          struct jsonw *w)
{
    struct event_walk ew = {q, w};
    jw_obj_begin(w);
    stamp(w, "timestamp", "timestamp_ms", now_ms);
    jw_key(w, "events");
    jw_arr_begin(w);
    size_t n = ring_walk(&a->events, q->limit, event_keep, event_visit, &ew);
    jw_arr_end(w);
    jw_kuint(w, "count", n);
    jw_obj_end(w);
}

void agents_encode_requests(struct agents *a, int64_t now_ms, struct jsonw *w)
{
    agents_expire(a, now_ms);
    jw_obj_begin(w);
    stamp(w, "timestamp", "timestamp_ms", now_ms);
    jw_kuint(w, "count", requests_count(&a->requests));
    jw_key(w, "requests");
    requests_encode(&a->requests, now_ms, w);
    jw_obj_end(w);
}

int agents_encode_project(struct agents *a, const char *project, int64_t now_ms, struct jsonw *w)
{
    const struct project *pr = projects_find(&a->projects, project);
    if (!pr)
        return -VIGIL_ENOENT;
    projects_encode_one(pr, now_ms, a->cfg.stale_ms, w);
    return 0;
}

unsigned agents_sessions_active(const struct agents *a)
{
    return sessions_count(&a->sessions);
}

unsigned agents_tools_seen(const struct agents *a)
{
    return tools_count(&a->tools);
}

uint64_t agents_applied(const struct agents *a, enum ingest_kind kind)
{
    return (unsigned)kind < INGEST_NKINDS ? a->applied[kind] : 0;
}

const struct ring *agents_model_calls(const struct agents *a)
{
    return &a->calls;
}

const struct ring *agents_events(const struct agents *a)
{
    return &a->events;
}

const struct projects *agents_projects(const struct agents *a)
{
    return &a->projects;
}

const struct tools *agents_tools(const struct agents *a)
{
    return &a->tools;
}

int64_t agents_stale_ms(const struct agents *a)
{
    return a->cfg.stale_ms;
}

size_t agents_project_pids(const struct agents *a, struct project_pid *out, size_t max)
{
    return projects_pids(&a->projects, out, max);
}

int agents_set_project_usage(struct agents *a, const char *project, int64_t pid,
                             const struct project_usage *u, int64_t now_ms)
{
    return projects_set_usage(&a->projects, project, pid, u, now_ms);
}

/* --- persistence ---------------------------------------------------------------------- */

void agents_set_sink(struct agents *a, const struct agents_sink *sink)
{
    if (sink)
        a->sink = *sink;
    else
        memset(&a->sink, 0, sizeof a->sink);
}

void agents_restore_event(struct agents *a, const struct agent_event *e)
{
    struct agent_event *slot = ring_push(&a->events);
    *slot = *e;
    /* numbering carries on from the restored events */
    if (e->seq > a->events.pushed)
        a->events.pushed = e->seq;
}

void agents_restore_model_call(struct agents *a, const struct agent_model_call *c)
{
    struct agent_model_call *slot = ring_push(&a->calls);
    *slot = *c;
}

void agents_restore_tasks(struct agents *a, int64_t ts_ms, enum ingest_task_status status,
                          uint64_t n, double duration_sum, uint64_t durations)
{
    if ((unsigned)status >= sizeof task_sum / sizeof task_sum[0])
        return;
    window_add(&a->tasks, ts_ms, TASK_DONE, (double)n);
    window_add(&a->tasks, ts_ms, task_sum[status], (double)n);
    window_add(&a->tasks, ts_ms, TASK_DUR_SUM, duration_sum);
    window_add(&a->tasks, ts_ms, TASK_DURS, (double)durations);
}

void agents_restore_errors(struct agents *a, int64_t ts_ms, uint64_t n)
{
    window_add(&a->errors_win, ts_ms, 0, (double)n);
}
