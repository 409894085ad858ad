/* target_encode: JSON and exposition text of scrape targets (see target_encode.h). */
#include "encode/target_encode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "encode/prom.h"

const char *target_state_name(enum target_state s)
{
    switch (s) {
    case TARGET_UP:
        return "up";
    case TARGET_DOWN:
        return "down";
    case TARGET_ERROR:
        return "error";
    case TARGET_STARTING:
        break;
    }
    return "starting";
}

static void kstr_or_null(struct jsonw *w, const char *key, const char *s)
{
    if (s && s[0])
        jw_kstr(w, key, s);
    else
        jw_knull(w, key);
}

/* The common head: name, url, state, error, when and how long. */
static void head(const struct target_result *t, struct jsonw *w, const char *when,
                 const char *when_ms, const char *took)
{
    jw_kstr(w, "name", t->name);
    jw_kstr(w, "url", t->url);
    if (!t->cluster) {
        const char *kind = t->infer ? infer_kind_name(t->infer->kind) : NULL;
        kstr_or_null(w, "kind", t->state == TARGET_UP ? kind : NULL);
    }
    jw_kstr(w, "state", target_state_name(t->state));
    kstr_or_null(w, "error", t->error);
    if (t->last_ms) {
        char iso[32];
        jw_kstr(w, when, clock_iso8601(t->last_ms, iso, sizeof iso));
        jw_kint(w, when_ms, t->last_ms);
        jw_kdouble(w, took, t->duration_ms);
    } else {
        jw_knull(w, when);
        jw_knull(w, when_ms);
        jw_knull(w, took);
    }
}

static void percentiles(struct jsonw *w, const char *key, const double *fig, bool up)
{
    static const char *const q[3] = {"p50", "p90", "p99"};
    jw_key(w, key);
    jw_obj_begin(w);
    for (int i = 0; i < 3; i++)
        jw_kdouble(w, q[i], up ? fig[i] : NAN);
    jw_obj_end(w);
}

static void raw(const struct infer *in, struct jsonw *w)
{
    jw_key(w, "raw");
    if (in->kind != INFER_PROMETHEUS) {
        jw_null(w);
        return;
    }
    jw_obj_begin(w);
    for (int counters = 0; counters < 2; counters++) {
        jw_key(w, counters ? "counter_rates" : "gauges");
        jw_obj_begin(w);
        for (unsigned i = 0; i < in->n_raw; i++) {
            const struct infer_raw *r = &in->raw[i];
            if (r->counter != (counters == 1))
                continue;
            jw_key(w, r->key);
            jw_double(w, r->has_value ? r->value : NAN);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

void target_encode_inference(const struct target_result *t, struct jsonw *w)
{
    const struct infer *in = t->infer;
    bool up = t->state == TARGET_UP && in;
    jw_obj_begin(w);
    head(t, w, "last_scrape", "last_scrape_ms", "scrape_duration_ms");
    kstr_or_null(w, "model", up ? in->model : NULL);
    for (int f = INFER_GEN_TPS; f <= INFER_ERROR_PS; f++)
        jw_kdouble(w, infer_fig_name(f), up ? in->fig[f] : NAN);
    static const double none[3] = {NAN, NAN, NAN};
    percentiles(w, "ttft_seconds", up ? &in->fig[INFER_TTFT_P50] : none, up);
    percentiles(w, "e2e_latency_seconds", up ? &in->fig[INFER_E2E_P50] : none, up);
    percentiles(w, "itl_seconds", up ? &in->fig[INFER_ITL_P50] : none, up);
    if (up) {
        jw_kuint(w, "samples", in->samples);
        jw_kuint(w, "bad_lines", in->bad_lines);
        raw(in, w);
    } else {
        jw_knull(w, "samples");
        jw_knull(w, "bad_lines");
        jw_knull(w, "raw");
    }
    jw_obj_end(w);
}

static void tristate(struct jsonw *w, const char *key, int v)
{
    if (v < 0)
        jw_knull(w, key);
    else
        jw_kbool(w, key, v == 1);
}

void target_encode_cluster(const struct target_result *t, struct jsonw *w)
{
    const struct cluster_status *st = t->state == TARGET_UP ? t->status : NULL;
    bool proxy = st && st->proxy;
    jw_obj_begin(w);
    head(t, w, "last_poll", "last_poll_ms", "poll_duration_ms");
    kstr_or_null(w, "shape", st ? (proxy ? "proxy" : "raw") : NULL);
    if (proxy && st->health_known) {
        jw_kuint(w, "nodes_up", st->nodes_up);
        jw_kuint(w, "nodes_total", st->nodes_total);
        jw_kbool(w, "all_up", st->nodes_up == st->nodes_total);
    } else {
        jw_knull(w, "nodes_up");
        if (proxy)
            jw_kuint(w, "nodes_total", st->nodes_total);
        else
            jw_knull(w, "nodes_total");
        jw_knull(w, "all_up");
    }
    jw_kdouble(w, "gpus_active", st ? st->gpus_active : NAN);
    tristate(w, "failover_ready", st ? st->failover_ready : -1);
    jw_key(w, "nodes");
    if (proxy) {
        jw_arr_begin(w);
        for (unsigned i = 0; i < st->n_nodes; i++) {
            const struct cluster_node *n = &st->nodes[i];
            jw_obj_begin(w);
            jw_kstr(w, "name", n->name);
            tristate(w, "up", n->up);
            if (n->gpus >= 0)
                jw_kint(w, "gpus", n->gpus);
            else
                jw_knull(w, "gpus");
            jw_obj_end(w);
        }
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "document");
    if (st && t->document && t->document->len)
        jw_raw(w, t->document->data, t->document->len);
    else
        jw_null(w);
    jw_obj_end(w);
}

void target_encode_health(const struct target_result *const *ts, unsigned n, struct jsonw *w)
{
    jw_obj_begin(w);
    for (unsigned i = 0; i < n; i++) {
        const struct target_result *t = ts[i];
        jw_key(w, t->name);
        jw_obj_begin(w);
        jw_kstr(w, "state", target_state_name(t->state));
        kstr_or_null(w, "error", t->state == TARGET_UP ? NULL : t->error);
        const char *when = t->cluster ? "last_poll" : "last_scrape";
        if (t->last_ms) {
            char iso[32];
            jw_kstr(w, when, clock_iso8601(t->last_ms, iso, sizeof iso));
        } else {
            jw_knull(w, when);
        }
        jw_kbool(w, "builtin", t->builtin);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* ---- exposition ----------------------------------------------------------------------- */

struct family {
    const char *name;
    const char *help;
    int fig; /* the infer figure */
};

static const struct family inference_families[] = {
    {"vigil_inference_generation_tokens_per_second", "Generation tokens per second.",
     INFER_GEN_TPS},
    {"vigil_inference_prompt_tokens_per_second", "Prompt (prefill) tokens per second.",
     INFER_PROMPT_TPS},
    {"vigil_inference_requests_running", "Requests running.", INFER_RUNNING},
    {"vigil_inference_requests_waiting", "Requests waiting: the queue depth.", INFER_WAITING},
    {"vigil_inference_kv_cache_usage_ratio", "KV-cache usage, 0 to 1.", INFER_KV},
    {"vigil_inference_request_successes_per_second", "Requests finished well per second.",
     INFER_SUCCESS_PS},
    {"vigil_inference_request_errors_per_second",
     "Requests aborted or failed per second (HTTP 5xx included).", INFER_ERROR_PS},
};

static const struct {
    const char *name;
    const char *help;
    int first;
} latency_families[] = {
    {"vigil_inference_ttft_seconds", "Time to first token over the last minute, by percentile.",
     INFER_TTFT_P50},
    {"vigil_inference_e2e_latency_seconds",
     "End-to-end request latency over the last minute, by percentile.", INFER_E2E_P50},
    {"vigil_inference_itl_seconds", "Inter-token latency over the last minute, by percentile.",
     INFER_ITL_P50},
};

static bool is_up(const struct target_result *t)
{
    return t->state == TARGET_UP && t->infer;
}

int target_prom_inference(const struct target_result *const *ts, unsigned n, struct buf *b)
{
    if (n == 0)
        return 0;
    int rc = prom_family(b, "vigil_inference_up", "gauge",
                         "1 when the inference target's last scrape was read, 0 otherwise.");
    for (unsigned i = 0; !rc && i < n; i++) {
        const char *labels[] = {"target", ts[i]->name, NULL};
        rc = prom_sample(b, "vigil_inference_up", labels, is_up(ts[i]) ? 1 : 0);
    }
    if (!rc)
        rc = prom_family(b, "vigil_inference_info", "gauge",
                         "The kind of server a target is and the model it serves; always 1.");
    for (unsigned i = 0; !rc && i < n; i++) {
        if (!is_up(ts[i]))
            continue;
        const char *labels[] = {
            "target", ts[i]->name,         "kind", infer_kind_name(ts[i]->infer->kind),
            "model",  ts[i]->infer->model, NULL};
        rc = prom_sample(b, "vigil_inference_info", labels, 1);
    }
    if (!rc)
        rc = prom_family(b, "vigil_inference_scrape_duration_seconds", "gauge",
                         "How long the target's last scrape took.");
    for (unsigned i = 0; !rc && i < n; i++) {
        if (!ts[i]->last_ms)
            continue;
        const char *labels[] = {"target", ts[i]->name, NULL};
        rc = prom_sample(b, "vigil_inference_scrape_duration_seconds", labels,
                         ts[i]->duration_ms / 1000);
    }
    for (size_t f = 0; !rc && f < sizeof inference_families / sizeof inference_families[0]; f++) {
        const struct family *fam = &inference_families[f];
        rc = prom_family(b, fam->name, "gauge", fam->help);
        for (unsigned i = 0; !rc && i < n; i++) {
            if (!is_up(ts[i]) || isnan(ts[i]->infer->fig[fam->fig]))
                continue;
            const char *labels[] = {"target", ts[i]->name, NULL};
            rc = prom_sample(b, fam->name, labels, ts[i]->infer->fig[fam->fig]);
        }
    }
    /* "quantile" is a summary's label, which promtool refuses on a gauge: these are the
     * gauges of a percentile each, labelled by which. */
    static const char *const q[3] = {"50", "90", "99"};
    for (size_t f = 0; !rc && f < sizeof latency_families / sizeof latency_families[0]; f++) {
        rc = prom_family(b, latency_families[f].name, "gauge", latency_families[f].help);
        for (unsigned i = 0; !rc && i < n; i++) {
            for (int k = 0; !rc && k < 3 && is_up(ts[i]); k++) {
                double v = ts[i]->infer->fig[latency_families[f].first + k];
                if (isnan(v))
                    continue;
                const char *labels[] = {"target", ts[i]->name, "percentile", q[k], NULL};
                rc = prom_sample(b, latency_families[f].name, labels, v);
            }
        }
    }
    return rc;
}

int target_prom_cluster(const struct target_result *const *ts, unsigned n, struct buf *b)
{
    if (n == 0)
        return 0;
    int rc = prom_family(b, "vigil_cluster_up", "gauge",
                         "1 when the cluster status endpoint's last poll was read, 0 otherwise.");
    for (unsigned i = 0; !rc && i < n; i++) {
        const char *labels[] = {"cluster", ts[i]->name, NULL};
        rc = prom_sample(b, "vigil_cluster_up", labels, ts[i]->state == TARGET_UP ? 1 : 0);
    }
    static const struct {
        const char *name, *help;
    } fams[] = {
        {"vigil_cluster_nodes", "Nodes the cluster's status lists."},
        {"vigil_cluster_nodes_up", "Nodes the cluster's status says are up."},
        {"vigil_cluster_gpus_active", "GPUs active in the cluster, by its status."},
        {"vigil_cluster_failover_ready", "1 when the cluster says failover is ready, else 0."},
    };
    for (size_t f = 0; !rc && f < sizeof fams / sizeof fams[0]; f++) {
        rc = prom_family(b, fams[f].name, "gauge", fams[f].help);
        for (unsigned i = 0; !rc && i < n; i++) {
            const struct cluster_status *st = ts[i]->state == TARGET_UP ? ts[i]->status : NULL;
            if (!st)
                continue;
            double v = NAN;
            if (f == 0 && st->proxy)
                v = st->nodes_total;
            else if (f == 1 && st->proxy && st->health_known)
                v = st->nodes_up;
            else if (f == 2)
                v = st->gpus_active;
            else if (f == 3 && st->failover_ready >= 0)
                v = st->failover_ready;
            if (isnan(v))
                continue;
            const char *labels[] = {"cluster", ts[i]->name, NULL};
            rc = prom_sample(b, fams[f].name, labels, v);
        }
    }
    return rc;
}
