/*
 * cluster: the status document's summary and its re-encoded copy (see cluster.h). The
 * depth is measured before jansson sees the text, so a hostile "[[[[..." cannot exhaust
 * the stack of the scraper thread; the copy is written by vigil's JSON writer, which
 * escapes and repairs strings as every other document vigil serves.
 */
#include "collect/cluster.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/jsonw.h"
#include "parse/json_guard.h"

static const char *const list_keys[] = {"nodes", "backends", "servers", "workers", "upstreams"};
static const char *const bool_keys[] = {"healthy", "up", "alive", "online", "ok", "available"};
static const char *const word_keys[] = {"status", "state", "health"};
static const char *const up_words[] = {"up",        "ok",      "healthy", "online",
                                       "ready",     "active",  "running", "alive",
                                       "available", "serving", "green"};
static const char *const ready_words[] = {"ready",   "ok", "armed",   "active",   "enabled",
                                          "standby", "up", "healthy", "available"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool word_in(const char *s, const char *const *words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    return false;
}

/* 1 up, 0 down, -1 not said. */
static int node_up(json_t *node)
{
    for (size_t i = 0; i < COUNT(bool_keys); i++) {
        json_t *v = json_object_get(node, bool_keys[i]);
        if (json_is_boolean(v))
            return json_is_true(v);
    }
    for (size_t i = 0; i < COUNT(word_keys); i++) {
        json_t *v = json_object_get(node, word_keys[i]);
        if (json_is_string(v))
            return word_in(json_string_value(v), up_words, COUNT(up_words));
        if (json_is_boolean(v))
            return json_is_true(v);
    }
    return -1;
}

static int node_gpus(json_t *node)
{
    json_t *v = json_object_get(node, "gpus");
    if (json_is_array(v))
        return (int)json_array_size(v);
    if (!json_is_number(v))
        v = json_object_get(node, "gpu_count");
    if (!json_is_number(v))
        v = json_object_get(node, "num_gpus");
    if (json_is_number(v)) {
        double d = json_number_value(v);
        return d >= 0 && d < 1e6 ? (int)d : -1;
    }
    return -1;
}

static void node_name(json_t *node, const char *key, unsigned index, char *out, size_t n)
{
    static const char *const name_keys[] = {"name", "id", "host", "node", "url", "address"};
    for (size_t i = 0; i < COUNT(name_keys); i++) {
        json_t *v = json_object_get(node, name_keys[i]);
        if (json_is_string(v)) {
            snprintf(out, n, "%.*s", (int)(n - 1), json_string_value(v));
            return;
        }
    }
    if (key)
        snprintf(out, n, "%.*s", (int)(n - 1), key);
    else
        snprintf(out, n, "node%u", index);
}

static void add_node(struct cluster_status *st, json_t *node, const char *key, double *gpus_up,
                     bool *gpus_known)
{
    unsigned index = st->nodes_total++;
    int up = json_is_object(node) ? node_up(node) : -1;
    int gpus = json_is_object(node) ? node_gpus(node) : -1;
    if (up >= 0)
        st->health_known = true;
    if (up == 1)
        st->nodes_up++;
    if (gpus >= 0) {
        *gpus_known = true;
        if (up != 0)
            *gpus_up += gpus;
    }
    if (st->n_nodes == CLUSTER_MAX_NODES)
        return;
    struct cluster_node *n = &st->nodes[st->n_nodes++];
    n->up = up;
    n->gpus = gpus;
    if (json_is_object(node))
        node_name(node, key, index, n->name, sizeof n->name);
    else if (key)
        snprintf(n->name, sizeof n->name, "%.*s", (int)sizeof n->name - 1, key);
    else
        snprintf(n->name, sizeof n->name, "node%u", index);
}

static int failover(json_t *doc)
{
    json_t *v = json_object_get(doc, "failover_ready");
    if (json_is_boolean(v))
        return json_is_true(v);
    v = json_object_get(doc, "failover");
    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_string(v))
        return word_in(json_string_value(v), ready_words, COUNT(ready_words));
    if (json_is_object(v)) {
        json_t *r = json_object_get(v, "ready");
        if (json_is_boolean(r))
            return json_is_true(r);
        for (size_t i = 0; i < COUNT(word_keys); i++) {
            json_t *w = json_object_get(v, word_keys[i]);
            if (json_is_string(w))
                return word_in(json_string_value(w), ready_words, COUNT(ready_words));
        }
    }
    return -1;
}

static void summarise(json_t *doc, struct cluster_status *st)
{
    if (!json_is_object(doc))
        return;
    json_t *list = NULL;
    for (size_t i = 0; i < COUNT(list_keys) && !list; i++) {
        json_t *v = json_object_get(doc, list_keys[i]);
        if (json_is_array(v) || json_is_object(v))
            list = v;
    }
    st->failover_ready = failover(doc);
    if (!list)
        return;
    st->proxy = true;
    double gpus_up = 0;
    bool gpus_known = false;
    if (json_is_array(list)) {
        size_t i;
        json_t *node;
        json_array_foreach(list, i, node)
        {
            add_node(st, node, NULL, &gpus_up, &gpus_known);
        }
    } else {
        const char *key;
        json_t *node;
        json_object_foreach(list, key, node)
        {
            add_node(st, node, key, &gpus_up, &gpus_known);
        }
    }
    json_t *g = json_object_get(doc, "gpus_active");
    if (!json_is_number(g))
        g = json_object_get(doc, "active_gpus");
    if (json_is_number(g))
        st->gpus_active = json_number_value(g);
    else if (gpus_known)
        st->gpus_active = gpus_up;
}

static void scalar(struct jsonw *w, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        jw_strn(w, json_string_value(v), json_string_length(v));
        return;
    case JSON_INTEGER:
        jw_int(w, json_integer_value(v));
        return;
    case JSON_REAL:
        jw_double(w, json_real_value(v));
        return;
    case JSON_TRUE:
        jw_bool(w, true);
        return;
    case JSON_FALSE:
        jw_bool(w, false);
        return;
    default:
        jw_null(w);
        return;
    }
}

/* Writes the document with an explicit stack (its depth is bounded by the guard above),
 * so that no nesting can take more stack than this frame. */
static void encode(struct jsonw *w, json_t *root)
{
    struct frame {
        json_t *v;
        void *iter; /* objects: the next member */
        size_t i;   /* arrays: the next element */
    } stack[CLUSTER_MAX_DEPTH + 1];
    int top = -1;
    json_t *v = root;
    for (;;) {
        if (v) {
            bool container = json_is_object(v) || json_is_array(v);
            if (container && top + 1 < (int)COUNT(stack)) {
                stack[++top] = (struct frame){v, json_object_iter(v), 0};
                if (json_is_object(v))
                    jw_obj_begin(w);
                else
                    jw_arr_begin(w);
            } else {
                scalar(w, v); /* a container too deep to follow is written as null */
            }
            v = NULL;
        }
        if (top < 0)
            return;
        struct frame *f = &stack[top];
        if (json_is_object(f->v) && f->iter) {
            jw_key(w, json_object_iter_key(f->iter));
            v = json_object_iter_value(f->iter);
            f->iter = json_object_iter_next(f->v, f->iter);
        } else if (json_is_array(f->v) && f->i < json_array_size(f->v)) {
            v = json_array_get(f->v, f->i++);
        } else {
            if (json_is_object(f->v))
                jw_obj_end(w);
            else
                jw_arr_end(w);
            top--;
        }
    }
}

int cluster_read(const char *body, size_t len, struct cluster_status *st, struct buf *raw)
{
    memset(st, 0, sizeof *st);
    st->gpus_active = NAN;
    st->failover_ready = -1;
    buf_reset(raw);
    unsigned depth = json_max_depth(body, len);
    if (depth > CLUSTER_MAX_DEPTH) {
        snprintf(st->error, sizeof st->error, "JSON nested deeper than %d levels",
                 CLUSTER_MAX_DEPTH);
        return -VIGIL_EINVAL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        if (json_error_code(&jerr) == json_error_out_of_memory) {
            snprintf(st->error, sizeof st->error, "out of memory reading the JSON");
            return -VIGIL_ENOMEM;
        }
        snprintf(st->error, sizeof st->error, "not JSON: %s at line %d, column %d", jerr.text,
                 jerr.line, jerr.column);
        return -VIGIL_EINVAL;
    }
    summarise(doc, st);
    struct jsonw w;
    jw_init(&w, raw);
    encode(&w, doc);
    if (w.err)
        buf_reset(raw); /* too large to show: the summary still stands */
    json_decref(doc);
    return 0;
}
