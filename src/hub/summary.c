/* summary: a node's documents into its at-a-glance figures (see summary.h). */
#include "hub/summary.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/jsonw.h"
#include "parse/json_guard.h"

/* vigil's documents nest a few levels; anything deeper is not one of them. */
#define DOC_MAX_DEPTH 32

void summary_clear(struct node_summary *s)
{
    memset(s, 0, sizeof *s);
}

/* The document's top-level object, or NULL when it is not one (free it with json_decref). */
static json_t *load(const char *doc, size_t len)
{
    if (!doc || len == 0 || json_max_depth(doc, len) > DOC_MAX_DEPTH)
        return NULL;
    json_t *j = json_loadb(doc, len, 0, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static bool number(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    double d = json_number_value(v);
    if (!isfinite(d))
        return false;
    *out = d;
    return true;
}

static void text(json_t *o, const char *key, char *out, size_t n)
{
    const char *v = json_string_value(json_object_get(o, key));
    snprintf(out, n, "%s", v ? v : "");
}

int summary_read_health(struct node_summary *s, const char *doc, size_t len)
{
    json_t *j = load(doc, len);
    if (!j)
        return -VIGIL_EINVAL;
    text(j, "version", s->version, sizeof s->version);
    text(j, "status", s->health, sizeof s->health);
    json_decref(j);
    return 0;
}

int summary_read_gpus(struct node_summary *s, const char *doc, size_t len)
{
    json_t *j = load(doc, len);
    json_t *list = j ? json_object_get(j, "gpus") : NULL;
    if (!json_is_array(list)) {
        json_decref(j);
        return -VIGIL_EINVAL;
    }
    s->has_gpus = true;
    s->gpus = (unsigned)json_array_size(list);
    s->n_gpu = 0;
    double util_sum = 0, temp_max = -INFINITY;
    unsigned util_n = 0;
    size_t i;
    json_t *g;
    json_array_foreach(list, i, g)
    {
        if (!json_is_object(g))
            continue;
        double v;
        struct summary_gpu one = {.index = (unsigned)i};
        if (number(g, "gpu_index", &v) && v >= 0 && v < 1e6)
            one.index = (unsigned)v;
        text(g, "name", one.name, sizeof one.name);
        one.has_utilization = number(g, "utilization", &one.utilization);
        one.has_temperature = number(g, "temperature", &one.temperature);
        one.has_memory = number(g, "memory_used", &one.memory_used) &&
                         number(g, "memory_total", &one.memory_total);
        if (one.has_utilization) {
            util_sum += one.utilization;
            util_n++;
        }
        if (one.has_temperature && one.temperature > temp_max)
            temp_max = one.temperature;
        if (s->n_gpu < SUMMARY_GPUS)
            s->gpu[s->n_gpu++] = one;
    }
    s->has_gpu_utilization = util_n > 0;
    s->gpu_utilization = util_n ? util_sum / util_n : 0;
    s->has_gpu_temperature = isfinite(temp_max);
    s->gpu_temperature_max = s->has_gpu_temperature ? temp_max : 0;
    json_decref(j);
    return 0;
}

int summary_read_inference(struct node_summary *s, const char *doc, size_t len)
{
    json_t *j = load(doc, len);
    json_t *list = j ? json_object_get(j, "targets") : NULL;
    if (!json_is_array(list)) {
        json_decref(j);
        return -VIGIL_EINVAL;
    }
    double tokens = 0, waiting = 0;
    bool any_tokens = false, any_waiting = false;
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        const char *state = json_string_value(json_object_get(t, "state"));
        if (!state || strcmp(state, "up") != 0)
            continue;
        double v;
        if (number(t, "generation_tokens_per_sec", &v)) {
            tokens += v;
            any_tokens = true;
        }
        if (number(t, "requests_waiting", &v)) {
            waiting += v;
            any_waiting = true;
        }
    }
    s->has_tokens = any_tokens;
    s->tokens_per_sec = tokens;
    s->has_waiting = any_waiting;
    s->requests_waiting = waiting;
    json_decref(j);
    return 0;
}

static int read_count(const char *doc, size_t len, const char *outer, const char *key, bool *has,
                      unsigned *out)
{
    json_t *j = load(doc, len);
    json_t *o = j && outer ? json_object_get(j, outer) : j;
    double v;
    int rc = -VIGIL_EINVAL;
    if (json_is_object(o) && number(o, key, &v) && v >= 0 && v < 4e9) {
        *has = true;
        *out = (unsigned)v;
        rc = 0;
    }
    json_decref(j);
    return rc;
}

int summary_read_agents(struct node_summary *s, const char *doc, size_t len)
{
    return read_count(doc, len, NULL, "active_sessions", &s->has_sessions, &s->active_sessions);
}

int summary_read_alerts(struct node_summary *s, const char *doc, size_t len)
{
    return read_count(doc, len, "counts", "firing", &s->has_alerts, &s->firing_alerts);
}

static void knum(struct jsonw *w, const char *key, bool has, double v)
{
    if (has)
        jw_kdouble(w, key, v);
    else
        jw_knull(w, key);
}

void summary_encode(const struct node_summary *s, struct jsonw *w)
{
    jw_obj_begin(w);
    if (s->health[0])
        jw_kstr(w, "health", s->health);
    else
        jw_knull(w, "health");
    knum(w, "gpus", s->has_gpus, s->gpus);
    knum(w, "gpu_utilization", s->has_gpu_utilization, s->gpu_utilization);
    knum(w, "gpu_temperature_max", s->has_gpu_temperature, s->gpu_temperature_max);
    jw_key(w, "gpu_list");
    jw_arr_begin(w);
    for (unsigned i = 0; i < s->n_gpu; i++) {
        const struct summary_gpu *g = &s->gpu[i];
        jw_obj_begin(w);
        jw_kuint(w, "index", g->index);
        jw_kstr(w, "name", g->name);
        knum(w, "utilization", g->has_utilization, g->utilization);
        knum(w, "temperature", g->has_temperature, g->temperature);
        knum(w, "memory_used", g->has_memory, g->memory_used);
        knum(w, "memory_total", g->has_memory, g->memory_total);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    knum(w, "tokens_per_sec", s->has_tokens, s->tokens_per_sec);
    knum(w, "requests_waiting", s->has_waiting, s->requests_waiting);
    knum(w, "active_sessions", s->has_sessions, s->active_sessions);
    knum(w, "firing_alerts", s->has_alerts, s->firing_alerts);
    jw_obj_end(w);
}
