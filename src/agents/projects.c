/* projects: a table of perf_metrics records keyed by project name, ordered by the time of
 * their last run report. */
#include "agents/projects.h"

#include <math.h>
#include <string.h>

#include "agents/text.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"

int projects_init(struct projects *p, unsigned max)
{
    memset(p, 0, sizeof *p);
    return table_init(&p->t, max, sizeof(struct project), PROJECT_KEY_SIZE);
}

void projects_release(struct projects *p)
{
    table_release(&p->t);
}

int projects_report(struct projects *p, const struct ingest_run *run, int64_t ts_ms, int64_t now_ms)
{
    struct project *pr = table_find(&p->t, run->project);
    if (pr) {
        table_touch(&p->t, pr, now_ms);
    } else {
        if (strlen(run->project) >= PROJECT_KEY_SIZE)
            return -VIGIL_E2BIG;
        if (table_full(&p->t)) {
            table_remove(&p->t, table_oldest(&p->t));
            p->evicted++;
        }
        void *rec;
        int rc = table_insert(&p->t, run->project, now_ms, &rec);
        if (rc)
            return rc;
        pr = rec;
    }
    bool same_pid = pr->has_pid && run->has_pid && pr->pid == run->pid;
    if (!same_pid || run->status == INGEST_STOPPED) {
        pr->has_usage = false;
        memset(&pr->usage, 0, sizeof pr->usage);
    }
    pr->status = run->status;
    pr->has_pid = run->has_pid;
    pr->pid = run->has_pid ? run->pid : 0;
    pr->has_started_at = run->has_started_at;
    pr->started_at_ms = run->has_started_at ? run->started_at_ms : 0;
    text_copy(pr->run_id, sizeof pr->run_id, run->run_id);
    pr->has_tokens = run->has_tokens;
    pr->has_current_run = run->has_current_run;
    pr->has_total_session = run->has_total_session;
    pr->tokens_current_run = run->tokens_current_run;
    pr->tokens_total_session = run->tokens_total_session;
    pr->report_ms = ts_ms;
    pr->received_ms = now_ms;
    return 0;
}

int projects_set_usage(struct projects *p, const char *name, int64_t pid,
                       const struct project_usage *u, int64_t now_ms)
{
    struct project *pr = table_find(&p->t, name);
    if (!pr || !pr->has_pid || pr->pid != pid || pr->status == INGEST_STOPPED)
        return -VIGIL_ENOENT;
    pr->usage = *u;
    pr->has_usage = true;
    pr->usage_ms = now_ms;
    return 0;
}

size_t projects_pids(const struct projects *p, struct project_pid *out, size_t max)
{
    size_t n = 0;
    for (const struct project *pr = table_oldest(&p->t); pr && n < max;
         pr = table_newer(&p->t, pr)) {
        if (!pr->has_pid || pr->status == INGEST_STOPPED)
            continue;
        text_copy(out[n].name, sizeof out[n].name, pr->name);
        out[n].pid = pr->pid;
        n++;
    }
    return n;
}

const struct project *projects_find(const struct projects *p, const char *name)
{
    return table_find(&p->t, name);
}

/* GiB with three decimals: finer than anyone reads, and 6.2 prints as 6.2. */
static double gib(uint64_t bytes)
{
    return round((double)bytes / 1073741824.0 * 1000.0) / 1000.0;
}

static void kdouble_or_null(struct jsonw *w, const char *key, bool known, double v)
{
    if (known)
        jw_kdouble(w, key, v);
    else
        jw_knull(w, key);
}

static void kuint_or_null(struct jsonw *w, const char *key, bool known, uint64_t v)
{
    if (known)
        jw_kuint(w, key, v);
    else
        jw_knull(w, key);
}

static void encode_run(const struct project *pr, struct jsonw *w)
{
    char iso[32];
    jw_key(w, "run");
    jw_obj_begin(w);
    jw_kstr(w, "status", ingest_run_status_name(pr->status));
    if (pr->has_pid)
        jw_kint(w, "pid", pr->pid);
    else
        jw_knull(w, "pid");
    if (pr->has_started_at) {
        jw_kstr(w, "started_at", clock_iso8601(pr->started_at_ms, iso, sizeof iso));
        jw_kint(w, "started_at_ms", pr->started_at_ms);
    } else {
        jw_knull(w, "started_at");
        jw_knull(w, "started_at_ms");
    }
    if (pr->run_id[0])
        jw_kstr(w, "run_id", pr->run_id);
    else
        jw_knull(w, "run_id");
    jw_obj_end(w);

    jw_key(w, "tokens");
    jw_obj_begin(w);
    kuint_or_null(w, "current_run", pr->has_current_run, pr->tokens_current_run);
    kuint_or_null(w, "total_session", pr->has_total_session, pr->tokens_total_session);
    jw_kbool(w, "available", pr->has_tokens);
    jw_obj_end(w);
}

static void encode_usage(const struct project *pr, struct jsonw *w)
{
    const struct project_usage *u = &pr->usage;
    bool on = pr->has_usage;
    jw_key(w, "cpu");
    jw_obj_begin(w);
    kdouble_or_null(w, "percent", on && u->has_cpu, u->cpu_percent);
    jw_obj_end(w);

    bool mem = on && u->has_memory;
    jw_key(w, "memory");
    jw_obj_begin(w);
    kdouble_or_null(w, "used_gb", mem, gib(u->mem_used_bytes));
    kdouble_or_null(w, "total_gb", mem && u->mem_total_bytes, gib(u->mem_total_bytes));
    kdouble_or_null(
        w, "percent", mem && u->mem_total_bytes,
        u->mem_total_bytes ? 100.0 * (double)u->mem_used_bytes / (double)u->mem_total_bytes : 0);
    jw_obj_end(w);

    bool gpu = on && u->gpu_available;
    jw_key(w, "gpu");
    jw_obj_begin(w);
    jw_kbool(w, "available", gpu);
    kdouble_or_null(w, "percent", gpu && u->has_gpu_percent, u->gpu_percent);
    kdouble_or_null(w, "vram_used_gb", gpu && u->has_vram, gib(u->vram_used_bytes));
    kdouble_or_null(w, "vram_total_gb", gpu && u->has_vram && u->vram_total_bytes,
                    gib(u->vram_total_bytes));
    jw_obj_end(w);
}

void projects_encode_one(const struct project *pr, int64_t now_ms, int64_t stale_ms,
                         struct jsonw *w)
{
    char iso[32];
    jw_obj_begin(w);
    jw_kstr(w, "timestamp", clock_iso8601(pr->report_ms, iso, sizeof iso));
    jw_kint(w, "timestamp_ms", pr->report_ms);
    jw_kstr(w, "project", pr->name);
    encode_run(pr, w);
    encode_usage(pr, w);
    jw_kbool(w, "stale", now_ms - pr->received_ms > stale_ms);
    jw_obj_end(w);
}

void projects_encode(const struct projects *p, int64_t now_ms, int64_t stale_ms, struct jsonw *w)
{
    jw_obj_begin(w);
    for (const struct project *pr = table_oldest(&p->t); pr; pr = table_newer(&p->t, pr)) {
        jw_key(w, pr->name);
        projects_encode_one(pr, now_ms, stale_ms, w);
    }
    jw_obj_end(w);
}
