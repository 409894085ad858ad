/*
 * live: the loop's side of agent telemetry. One ingest batch is kept and reused for every
 * body and every log line, so a steady stream of posts allocates nothing but what jansson
 * needs per event. Series are registered the first time a figure is known after the first
 * event, so a daemon that never hears from an agent keeps no agents.* history.
 */
#include "agents/live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agents/ring.h"
#include "agents/table.h"
#include "agents/tools.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "encode/prom.h"
#include "stream/streams.h"

#define PAYLOAD_MAX    (8u << 20)
#define SERIES_UNSET   (-1)
#define SERIES_FAILED  (-2)
#define PERF_ACTIVE_MS 1000 /* perf/<project> while its run is running */
#define PERF_IDLE_MS   3000 /* while paused, stopped or stale */
#define PERF_SLACK_MS  100  /* a tick a little early still counts as a second */

/* The agents.<figure> series, in the order of series_value(). */
static const struct {
    const char *name, *unit, *help;
} series[] = {
    {"agents.active_sessions", "sessions", "agent sessions active"},
    {"agents.oldest_session_age_s", "s", "age of the oldest active session"},
    {"agents.queue_depth", "items", "the agents' queue depth, as last reported"},
    {"agents.active_requests", "requests", "agent requests in flight"},
    {"agents.messages_processed", "messages", "agent requests completed since start"},
    {"agents.errors", "errors", "errors since start"},
    {"agents.errors_1h", "errors", "errors in the last hour"},
    {"agents.tokens_per_sec", "tokens/s", "model-call output tokens per second, last minute"},
    {"agents.error_rate", "ratio", "failed share of model calls and requests, last 5 minutes"},
    {"agents.model_calls", "calls", "model calls since start"},
    {"agents.model_latency_ms", "ms", "average latency of the recent model calls"},
    {"agents.model_error_rate", "ratio", "failed share of the recent model calls"},
    {"agents.tasks_completed_1h", "tasks", "tasks ended in the last hour"},
    {"agents.tasks_completed_24h", "tasks", "tasks ended in the last 24 hours"},
    {"agents.task_success_rate", "ratio", "successful share of the tasks of the last 24 hours"},
    {"agents.task_avg_completion_ms", "ms", "average task duration, last 24 hours"},
    {"agents.task_timeouts", "tasks", "tasks that timed out in the last 24 hours"},
};
#define N_SERIES (sizeof series / sizeof series[0])

/* What a perf/<project> notification last said, to tell a change from noise. */
struct perf_print {
    int status;
    int64_t pid, started;
    char run_id[PROJECT_KEY_SIZE];
    bool has_cur, has_tot, stale, usage, has_cpu, has_mem, gpu, has_gpu_pct, has_vram;
    uint64_t cur, tot, mem, vram;
    double cpu, gpu_pct;
};

struct perf_state {
    char name[PROJECT_KEY_SIZE]; /* the table's key: first */
    int64_t sent_ms;
    struct perf_print print;
};

struct logfile_counts {
    uint64_t accepted, rejected;
    char last_error[INGEST_REASON_MAX];
};

struct agents_live {
    struct agents *a;
    struct ingest_limits lim;
    struct ingest_batch batch;
    struct store *store;
    struct streams *streams;
    struct run_usage *usage;
    struct logtail *tail;
    size_t slots;
    int ids[N_SERIES];
    bool heard; /* an event was applied: the series start */
    uint64_t events_published;
    struct buf scratch;
    struct table perf;
    unsigned max_runs;
    struct project_pid *runs;
    struct run_usage_result *results;
    uint64_t bodies, bodies_refused, events_accepted, events_rejected;
    struct logfile_counts files[LOGTAIL_MAX_FILES];
};

static void limits_from(struct ingest_limits *lim, const struct config *cfg)
{
    ingest_limits_default(lim);
    lim->max_body = cfg->max_body_bytes;
    lim->max_events = cfg->agents.max_events;
    lim->max_depth = cfg->agents.max_depth;
    lim->max_id = cfg->agents.max_id_bytes;
    lim->max_text = cfg->agents.max_text_bytes;
    lim->max_context = cfg->agents.max_context_bytes;
}

struct agents_live *agents_live_new(const struct agents_live_opts *o, int64_t now_ms)
{
    struct agents_live *l = vigil_calloc(1, sizeof *l);
    if (!l)
        return NULL;
    const struct config *cfg = o->cfg;
    struct agents_config ac;
    agents_config_defaults(&ac);
    ac.max_sessions = cfg->agents.max_sessions;
    ac.max_requests = cfg->agents.max_requests;
    ac.max_tools = cfg->agents.max_tools;
    ac.max_projects = cfg->agents.max_projects;
    ac.idle_ms = cfg->agents.idle_ms;
    ac.stale_ms = cfg->agents.stale_ms;
    limits_from(&l->lim, cfg);
    ingest_batch_init(&l->batch);
    buf_init(&l->scratch, PAYLOAD_MAX);
    l->store = o->store;
    l->streams = o->streams;
    l->usage = o->usage;
    l->tail = o->tail;
    l->slots = (size_t)(cfg->history_ms / 1000) + 1;
    for (size_t i = 0; i < N_SERIES; i++)
        l->ids[i] = SERIES_UNSET;
    l->max_runs = ac.max_projects;
    l->a = agents_new(&ac, now_ms);
    l->runs = vigil_calloc(l->max_runs, sizeof *l->runs);
    l->results = vigil_calloc(l->max_runs, sizeof *l->results);
    if (!l->a || !l->runs || !l->results ||
        table_init(&l->perf, ac.max_projects, sizeof(struct perf_state), PROJECT_KEY_SIZE)) {
        agents_live_free(l);
        return NULL;
    }
    return l;
}

void agents_live_free(struct agents_live *l)
{
    if (!l)
        return;
    agents_free(l->a);
    ingest_batch_release(&l->batch);
    buf_release(&l->scratch);
    table_release(&l->perf);
    free(l->runs);
    free(l->results);
    free(l);
}

struct agents *agents_live_agents(struct agents_live *l)
{
    return l->a;
}

void agents_live_reconfigure(struct agents_live *l, const struct config *cfg)
{
    limits_from(&l->lim, cfg);
}

void agents_live_restored(struct agents_live *l)
{
    l->events_published = agents_events(l->a)->pushed;
}

/* --- events out ------------------------------------------------------------------------ */

/* Each entry pushed to the event ring since the last call goes out once, oldest first; a
 * batch that pushed more than the ring holds sends what the ring still has. */
static void publish_events(struct agents_live *l)
{
    const struct ring *r = agents_events(l->a);
    uint64_t fresh = r->pushed - l->events_published;
    l->events_published = r->pushed;
    if (!l->streams || fresh == 0)
        return;
    size_t n = fresh < ring_len(r) ? (size_t)fresh : ring_len(r);
    for (size_t i = n; i-- > 0;) {
        const struct agent_event *e = ring_at(r, i);
        buf_reset(&l->scratch);
        struct jsonw w;
        jw_init(&w, &l->scratch);
        agents_encode_event(e, &w);
        if (!w.err)
            streams_publish(l->streams, "events", "event", l->scratch.data, l->scratch.len,
                            e->ts_ms, false);
    }
}

static void applied(struct agents_live *l, size_t n)
{
    if (n)
        l->heard = true;
    publish_events(l);
}

/* --- ingest ---------------------------------------------------------------------------- */

/* JSON and NDJSON under their names, text without one, and what `curl -d` sends when told
 * nothing (form encoding), since the body decides its shape anyway. */
static bool content_type_ok(const char *ct)
{
    static const char *const ok[] = {
        "application/json",
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "text/plain",
        "application/x-www-form-urlencoded",
    };
    if (!ct || !ct[0])
        return true;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i]) == n && strncasecmp(ct, ok[i], n) == 0)
            return true;
    return false;
}

static bool ndjson_alias(const char *ct)
{
    size_t n = ct ? strcspn(ct, "; \t") : 0;
    return (n == 18 && strncasecmp(ct, "application/ndjson", n) == 0) ||
           (n == 17 && strncasecmp(ct, "application/jsonl", n) == 0) ||
           (n == 23 && strncasecmp(ct, "application/x-jsonlines", n) == 0);
}

static void refusal(struct jsonw *w, int status, const char *fmt, const char *arg)
{
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    jw_obj_begin(w);
    jw_kuint(w, "accepted", 0);
    jw_kuint(w, "rejected", 0);
    jw_kstr(w, "error", msg);
    jw_kint(w, "status", status);
    jw_obj_end(w);
}

int agents_live_ingest(struct agents_live *l, const char *body, size_t len,
                       const char *content_type, int64_t now_ms, struct jsonw *w)
{
    l->bodies++;
    if (!content_type_ok(content_type)) {
        char shown[64];
        snprintf(shown, sizeof shown, "%.*s", (int)strcspn(content_type, "; \t"), content_type);
        for (char *p = shown; *p; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                *p = '?';
        l->bodies_refused++;
        refusal(w, 415,
                "unsupported content type '%s' (use application/json or "
                "application/x-ndjson)",
                shown);
        return 415;
    }
    const char *ct = ndjson_alias(content_type) ? "application/x-ndjson" : content_type;
    int rc = ingest_decode(&l->batch, &l->lim, body ? body : "", len, ct, now_ms);
    /* 400 for a body that is not JSON of an accepted shape, and for one whose every event
     * was rejected */
    bool unusable = rc == -VIGIL_EINVAL || (rc == 0 && !l->batch.nevents && l->batch.nrejects);
    int status = 200;
    if (rc == -VIGIL_E2BIG)
        status = 413;
    else if (unusable)
        status = 400;
    else if (rc < 0)
        status = 500;
    if (rc < 0)
        l->bodies_refused++;
    size_t n = agents_apply_batch(l->a, &l->batch, now_ms);
    l->events_accepted += l->batch.nevents;
    l->events_rejected += l->batch.nrejects;
    applied(l, n);
    ingest_encode_response(&l->batch, status == 200 ? 0 : status, w);
    return status;
}

/* --- log files ------------------------------------------------------------------------- */

static void count_line(struct agents_live *l, unsigned file, bool ok, const char *why)
{
    if (file >= LOGTAIL_MAX_FILES)
        return;
    struct logfile_counts *c = &l->files[file];
    if (ok) {
        c->accepted++;
        return;
    }
    c->rejected++;
    snprintf(c->last_error, sizeof c->last_error, "%s", why);
    log_debug("logfile", "%s: %s", logtail_name(l->tail, file), why);
}

void agents_live_drain(struct agents_live *l, int64_t now_ms)
{
    if (!l || !l->tail)
        return;
    struct logtail_chunk c;
    size_t total = 0;
    while (logtail_take(l->tail, &c)) {
        struct logtail_rec r;
        while (logtail_next(&c, &r)) {
            if (r.too_long) {
                char why[INGEST_REASON_MAX];
                snprintf(why, sizeof why, "line %llu: longer than the file's max_line_bytes",
                         (unsigned long long)r.line);
                count_line(l, r.file, false, why);
                continue;
            }
            int rc = ingest_decode_lines(&l->batch, &l->lim, r.text, r.len, (size_t)r.line, now_ms);
            if (rc < 0) {
                count_line(l, r.file, false, l->batch.error);
                continue;
            }
            for (size_t i = 0; i < l->batch.nrejects; i++)
                count_line(l, r.file, false, l->batch.rejects[i].reason);
            for (size_t i = 0; i < l->batch.nevents; i++)
                count_line(l, r.file, true, NULL);
            total += agents_apply_batch(l->a, &l->batch, now_ms);
        }
    }
    applied(l, total);
}

/* --- every second ---------------------------------------------------------------------- */

static bool series_value(const struct agents_figures *f, size_t i, double *v)
{
    switch (i) {
    case 0:
        *v = f->active_sessions;
        return true;
    case 1:
        *v = f->oldest_session_age_s;
        return f->has_oldest_session;
    case 2:
        *v = (double)f->queue_depth;
        return f->has_queue_depth;
    case 3:
        *v = f->active_requests;
        return true;
    case 4:
        *v = (double)f->messages_processed;
        return true;
    case 5:
        *v = (double)f->errors;
        return true;
    case 6:
        *v = (double)f->errors_1h;
        return true;
    case 7:
        *v = f->tokens_per_sec;
        return true;
    case 8:
        *v = f->error_rate;
        return f->has_error_rate;
    case 9:
        *v = (double)f->model_calls_total;
        return true;
    case 10:
        *v = f->avg_latency_ms;
        return f->has_avg_latency;
    case 11:
        *v = f->model_error_rate;
        return f->has_model_error_rate;
    case 12:
        *v = (double)f->tasks_completed_1h;
        return true;
    case 13:
        *v = (double)f->tasks_completed_24h;
        return true;
    case 14:
        *v = f->success_rate;
        return f->has_success_rate;
    case 15:
        *v = f->avg_completion_ms;
        return f->has_avg_completion;
    case 16:
        *v = (double)f->tasks_timeouts_24h;
        return true;
    default:
        return false;
    }
}

static void push_series(struct agents_live *l, const struct agents_figures *f, int64_t now_ms)
{
    if (!l->store || !l->heard)
        return;
    for (size_t i = 0; i < N_SERIES; i++) {
        double v;
        if (!series_value(f, i, &v) || l->ids[i] == SERIES_FAILED)
            continue;
        if (l->ids[i] == SERIES_UNSET) {
            int id =
                store_series(l->store, series[i].name, series[i].unit, series[i].help, l->slots);
            if (id == -VIGIL_EFULL)
                log_warn("agents", "history is full at its series limit: '%s' is not kept",
                         series[i].name);
            l->ids[i] = id >= 0 ? id : SERIES_FAILED;
            if (id < 0)
                continue;
        }
        store_push(l->store, l->ids[i], now_ms, v);
    }
}

static void publish_agents(struct agents_live *l, int64_t now_ms)
{
    if (!l->streams)
        return;
    buf_reset(&l->scratch);
    struct jsonw w;
    jw_init(&w, &l->scratch);
    agents_encode_json(l->a, now_ms, &w);
    if (!w.err)
        streams_publish(l->streams, "agents", "metrics", l->scratch.data, l->scratch.len, now_ms,
                        true);
}

static void perf_print_of(const struct project *pr, int64_t now_ms, int64_t stale_ms,
                          struct perf_print *p)
{
    memset(p, 0, sizeof *p);
    p->status = (int)pr->status;
    p->pid = pr->has_pid ? pr->pid : -1;
    p->started = pr->has_started_at ? pr->started_at_ms : -1;
    memcpy(p->run_id, pr->run_id, sizeof p->run_id);
    p->has_cur = pr->has_current_run;
    p->has_tot = pr->has_total_session;
    p->cur = pr->tokens_current_run;
    p->tot = pr->tokens_total_session;
    p->stale = now_ms - pr->received_ms > stale_ms;
    p->usage = pr->has_usage;
    if (!pr->has_usage)
        return;
    const struct project_usage *u = &pr->usage;
    p->has_cpu = u->has_cpu;
    p->cpu = u->has_cpu ? u->cpu_percent : 0;
    p->has_mem = u->has_memory;
    p->mem = u->has_memory ? u->mem_used_bytes : 0;
    p->gpu = u->gpu_available;
    p->has_gpu_pct = u->has_gpu_percent;
    p->gpu_pct = u->has_gpu_percent ? u->gpu_percent : 0;
    p->has_vram = u->has_vram;
    p->vram = u->has_vram ? u->vram_used_bytes : 0;
}

static bool moved(uint64_t a, uint64_t b)
{
    uint64_t d = a > b ? a - b : b - a;
    return d * 100 > (a > b ? a : b); /* more than 1 % */
}

/* Anything that is not a measurement counts when it changes at all; a measurement when it
 * moves by a point of percent, or by 1 % of itself for memory. */
static bool perf_changed(const struct perf_print *a, const struct perf_print *b)
{
    if (a->status != b->status || a->pid != b->pid || a->started != b->started ||
        strcmp(a->run_id, b->run_id) != 0 || a->has_cur != b->has_cur || a->has_tot != b->has_tot ||
        a->cur != b->cur || a->tot != b->tot || a->stale != b->stale || a->usage != b->usage ||
        a->has_cpu != b->has_cpu || a->has_mem != b->has_mem || a->gpu != b->gpu ||
        a->has_gpu_pct != b->has_gpu_pct || a->has_vram != b->has_vram)
        return true;
    return fabs(a->cpu - b->cpu) >= 1.0 || fabs(a->gpu_pct - b->gpu_pct) >= 1.0 ||
           moved(a->mem, b->mem) || moved(a->vram, b->vram);
}

static bool channel_name(char *out, size_t n, const char *project)
{
    int w = snprintf(out, n, "perf/%s", project);
    return w > 0 && (size_t)w < n && stream_channel_valid(out);
}

static void publish_perf(struct agents_live *l, int64_t now_ms)
{
    const struct projects *ps = agents_projects(l->a);
    int64_t stale_ms = agents_stale_ms(l->a);
    /* forget the channels of projects that are gone */
    for (struct perf_state *s = table_oldest(&l->perf); s;) {
        struct perf_state *next = table_newer(&l->perf, s);
        if (!projects_find(ps, s->name))
            table_remove(&l->perf, s);
        s = next;
    }
    for (const struct project *pr = table_oldest(&ps->t); pr; pr = table_newer(&ps->t, pr)) {
        char chan[STREAM_CHANNEL_MAX];
        if (!channel_name(chan, sizeof chan, pr->name))
            continue;
        struct perf_print now;
        perf_print_of(pr, now_ms, stale_ms, &now);
        struct perf_state *s = table_find(&l->perf, pr->name);
        if (s) {
            bool active = pr->status == INGEST_RUNNING && !now.stale;
            int64_t every = active ? PERF_ACTIVE_MS : PERF_IDLE_MS;
            if (now_ms - s->sent_ms < every - PERF_SLACK_MS || !perf_changed(&now, &s->print))
                continue;
        } else {
            void *rec;
            if (table_insert(&l->perf, pr->name, now_ms, &rec))
                continue;
            s = rec;
        }
        buf_reset(&l->scratch);
        struct jsonw w;
        jw_init(&w, &l->scratch);
        if (agents_encode_project(l->a, pr->name, now_ms, &w) || w.err)
            continue;
        streams_publish(l->streams, chan, "metrics", l->scratch.data, l->scratch.len, now_ms, true);
        s->sent_ms = now_ms;
        s->print = now;
    }
}

static void exchange_usage(struct agents_live *l, int64_t now_ms)
{
    if (!l->usage)
        return;
    size_t n = run_usage_take(l->usage, l->results, l->max_runs);
    for (size_t i = 0; i < n; i++) {
        const struct run_usage_result *r = &l->results[i];
        if (r->found)
            agents_set_project_usage(l->a, r->project, r->pid, &r->usage, now_ms);
    }
    n = agents_project_pids(l->a, l->runs, l->max_runs);
    run_usage_set_runs(l->usage, l->runs, n);
}

void agents_live_tick(struct agents_live *l, int64_t now_ms)
{
    agents_expire(l->a, now_ms);
    exchange_usage(l, now_ms);
    struct agents_figures f;
    agents_figures(l->a, now_ms, &f);
    push_series(l, &f, now_ms);
    publish_agents(l, now_ms);
    if (l->streams)
        publish_perf(l, now_ms);
}

/* --- /health and /metrics -------------------------------------------------------------- */

void agents_live_encode_health(struct agents_live *l, struct jsonw *w)
{
    jw_kuint(w, "sessions", agents_sessions_active(l->a));
    jw_kuint(w, "tools", agents_tools_seen(l->a));
    jw_key(w, "logfiles");
    jw_obj_begin(w);
    for (unsigned i = 0; i < logtail_count(l->tail); i++) {
        struct logtail_stats st;
        logtail_stats(l->tail, i, &st);
        const struct logfile_counts *c = &l->files[i];
        jw_key(w, logtail_name(l->tail, i));
        jw_obj_begin(w);
        jw_kstr(w, "state", logtail_state_name(st.state));
        if (st.error[0])
            jw_kstr(w, "error", st.error);
        else
            jw_knull(w, "error");
        jw_kuint(w, "lines", st.lines);
        jw_kuint(w, "accepted", c->accepted);
        jw_kuint(w, "bad_lines", c->rejected);
        if (c->last_error[0])
            jw_kstr(w, "last_bad_line", c->last_error);
        else
            jw_knull(w, "last_bad_line");
        jw_kuint(w, "too_long", st.too_long);
        jw_kuint(w, "rotations", st.rotations);
        jw_kuint(w, "truncations", st.truncations);
        jw_kuint(w, "offset", st.offset);
        jw_kuint(w, "next_line", st.line);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

struct family {
    const char *name, *type, *help;
};

static int gauge(struct buf *b, const char *name, const char *help, bool known, double v)
{
    if (!known)
        return 0;
    int rc = prom_family(b, name, "gauge", help);
    return rc ? rc : prom_sample(b, name, NULL, v);
}

static int counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
    int rc = prom_family(b, name, "counter", help);
    return rc ? rc : prom_sample_u64(b, name, NULL, v);
}

static int tool_families(const struct tools *t, struct buf *b)
{
    static const struct family fam[] = {
        {"vigil_agents_tool_calls_total", "counter", "Tool calls reported, per tool."},
        {"vigil_agents_tool_errors_total", "counter", "Tool calls that failed or timed out."},
        {"vigil_agents_tool_duration_seconds_avg", "gauge",
         "Average duration of the tool calls that gave one."},
    };
    int rc = 0;
    for (size_t k = 0; k < 3 && !rc; k++) {
        const struct tool_stats *ts = table_oldest(&t->t);
        if (!ts)
            return 0;
        rc = prom_family(b, fam[k].name, fam[k].type, fam[k].help);
        for (; ts && !rc; ts = table_newer(&t->t, ts)) {
            const char *labels[] = {"tool", ts->name, NULL};
            if (k == 0)
                rc = prom_sample_u64(b, fam[k].name, labels, ts->calls);
            else if (k == 1)
                rc = prom_sample_u64(b, fam[k].name, labels, ts->errors);
            else if (ts->durations)
                rc = prom_sample(b, fam[k].name, labels,
                                 ts->duration_sum_ms / (double)ts->durations / 1000.0);
        }
    }
    return rc;
}

static int project_families(const struct projects *ps, struct buf *b)
{
    static const struct family fam[] = {
        {"vigil_agents_project_running", "gauge", "1 while the project's run is running."},
        {"vigil_agents_project_cpu_ratio", "gauge",
         "CPU used by the run's processes, in cores (1 is one core busy)."},
        {"vigil_agents_project_memory_bytes", "gauge", "Resident memory of the run's processes."},
        {"vigil_agents_project_gpu_memory_bytes", "gauge",
         "GPU memory held by the run's processes."},
        {"vigil_agents_project_tokens_current_run", "gauge", "Tokens of the current run."},
    };
    int rc = 0;
    for (size_t k = 0; k < sizeof fam / sizeof fam[0] && !rc; k++) {
        bool opened = false;
        for (const struct project *pr = table_oldest(&ps->t); pr && !rc;
             pr = table_newer(&ps->t, pr)) {
            const struct project_usage *u = &pr->usage;
            double v = 0;
            bool known = true;
            switch (k) {
            case 0:
                v = pr->status == INGEST_RUNNING;
                break;
            case 1:
                known = pr->has_usage && u->has_cpu;
                v = u->cpu_percent / 100.0;
                break;
            case 2:
                known = pr->has_usage && u->has_memory;
                v = (double)u->mem_used_bytes;
                break;
            case 3:
                known = pr->has_usage && u->has_vram;
                v = (double)u->vram_used_bytes;
                break;
            default:
                known = pr->has_current_run;
                v = (double)pr->tokens_current_run;
                break;
            }
            if (!known)
                continue;
            if (!opened)
                rc = prom_family(b, fam[k].name, fam[k].type, fam[k].help);
            opened = true;
            const char *labels[] = {"project", pr->name, NULL};
            if (!rc)
                rc = prom_sample(b, fam[k].name, labels, v);
        }
    }
    return rc;
}

static int kind_family(const struct agents *a, struct buf *b)
{
    static const char name[] = "vigil_agents_events_total";
    int rc = prom_family(b, name, "counter", "Agent events applied, by type.");
    for (int k = 0; k < INGEST_NKINDS && !rc; k++) {
        const char *labels[] = {"type", ingest_kind_name((enum ingest_kind)k), NULL};
        rc = prom_sample_u64(b, name, labels, agents_applied(a, (enum ingest_kind)k));
    }
    return rc;
}

int agents_live_encode_prom(struct agents_live *l, int64_t now_ms, struct buf *b)
{
    struct agents_figures f;
    agents_figures(l->a, now_ms, &f);
    int rc =
        gauge(b, "vigil_agents_sessions_active", "Agent sessions active.", true, f.active_sessions);
    if (!rc)
        rc = gauge(b, "vigil_agents_oldest_session_age_seconds",
                   "Age of the oldest active agent session.", f.has_oldest_session,
                   f.oldest_session_age_s);
    if (!rc)
        rc = gauge(b, "vigil_agents_requests_active", "Agent requests in flight.", true,
                   f.active_requests);
    if (!rc)
        rc = gauge(b, "vigil_agents_queue_depth", "The agents' queue depth, as last reported.",
                   f.has_queue_depth, (double)f.queue_depth);
    if (!rc)
        rc = gauge(b, "vigil_agents_tokens_per_second",
                   "Model-call output tokens per second over the last minute.", true,
                   f.tokens_per_sec);
    if (!rc)
        rc = gauge(b, "vigil_agents_error_ratio",
                   "Failed share of model calls and requests over the last 5 minutes.",
                   f.has_error_rate, f.error_rate);
    if (!rc)
        rc = gauge(b, "vigil_agents_model_call_latency_seconds_avg",
                   "Average latency of the recent model calls.", f.has_avg_latency,
                   f.avg_latency_ms / 1000.0);
    if (!rc)
        rc = gauge(b, "vigil_agents_tasks_completed_last_hour", "Tasks ended in the last hour.",
                   true, (double)f.tasks_completed_1h);
    if (!rc)
        rc = gauge(b, "vigil_agents_tasks_completed_last_day", "Tasks ended in the last 24 hours.",
                   true, (double)f.tasks_completed_24h);
    if (!rc)
        rc = gauge(b, "vigil_agents_task_success_ratio",
                   "Successful share of the tasks of the last 24 hours.", f.has_success_rate,
                   f.success_rate);
    if (!rc)
        rc = gauge(b, "vigil_agents_task_duration_seconds_avg",
                   "Average task duration over the last 24 hours.", f.has_avg_completion,
                   f.avg_completion_ms / 1000.0);
    if (!rc)
        rc = counter(b, "vigil_agents_messages_processed_total", "Agent requests completed.",
                     f.messages_processed);
    if (!rc)
        rc =
            counter(b, "vigil_agents_errors_total", "Errors recorded in the event ring.", f.errors);
    if (!rc)
        rc = counter(b, "vigil_agents_model_calls_total", "Model calls reported.",
                     f.model_calls_total);
    if (!rc)
        rc = counter(b, "vigil_agents_sessions_expired_total",
                     "Sessions forgotten after the idle time.", f.sessions_expired);
    if (!rc)
        rc = counter(b, "vigil_agents_sessions_evicted_total",
                     "Sessions forgotten because the session table was full.", f.sessions_evicted);
    if (!rc)
        rc = counter(b, "vigil_agents_requests_expired_total",
                     "Requests forgotten after the idle time.", f.requests_expired);
    if (!rc)
        rc = counter(b, "vigil_agents_requests_evicted_total",
                     "Requests forgotten because the request table was full.", f.requests_evicted);
    if (!rc)
        rc = counter(b, "vigil_agents_ingest_bodies_total", "POST /api/v1/ingest bodies.",
                     l->bodies);
    if (!rc)
        rc = counter(b, "vigil_agents_ingest_bodies_refused_total",
                     "Ingest bodies refused whole (size, shape, content type).", l->bodies_refused);
    if (!rc)
        rc = counter(b, "vigil_agents_ingest_events_accepted_total",
                     "Events accepted from ingest bodies.", l->events_accepted);
    if (!rc)
        rc = counter(b, "vigil_agents_ingest_events_rejected_total",
                     "Events of ingest bodies rejected, each named in its answer.",
                     l->events_rejected);
    if (!rc)
        rc = kind_family(l->a, b);
    if (!rc)
        rc = tool_families(agents_tools(l->a), b);
    if (!rc)
        rc = project_families(agents_projects(l->a), b);
    for (unsigned i = 0; i < logtail_count(l->tail) && !rc; i++) {
        static const char lines[] = "vigil_agents_logfile_lines_total";
        static const char bad[] = "vigil_agents_logfile_bad_lines_total";
        if (i == 0)
            rc = prom_family(b, lines, "counter", "Lines read from a tailed log file.");
        struct logtail_stats st;
        logtail_stats(l->tail, i, &st);
        const char *labels[] = {"logfile", logtail_name(l->tail, i), NULL};
        if (!rc)
            rc = prom_sample_u64(b, lines, labels, st.lines);
        if (!rc && i + 1 == logtail_count(l->tail)) {
            rc = prom_family(b, bad, "counter",
                             "Lines of a tailed log file that were not accepted events.");
            for (unsigned k = 0; k < logtail_count(l->tail) && !rc; k++) {
                const char *lk[] = {"logfile", logtail_name(l->tail, k), NULL};
                rc = prom_sample_u64(b, bad, lk, l->files[k].rejected);
            }
        }
    }
    return rc;
}
