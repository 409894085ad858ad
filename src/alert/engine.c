/*
 * engine: instances over the store (see engine.h). Series ids are dense and never reused,
 * so "what is new" is the range since the last count: matching costs nothing in a cycle
 * where no series appeared, and an evaluation is a store read and a state step per
 * instance. Ratio denominators are looked up by name only when new series have appeared.
 */
#include "alert/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"

struct slot {
    struct alert_instance in;
    unsigned rule;
    int series_id; /* -1 until the series is registered */
    int denom_id;  /* ratio rules: -1 until the denominator is registered */
};

struct alert_engine {
    struct alert_rule *rules;
    unsigned n_rules;
    int *exact_slot; /* per rule: the slot of a rule on one name, or -1 */
    const struct store *store;
    int64_t default_stale_ms;
    int64_t repeat_ms[ALERT_MAX_NOTIFIERS];
    unsigned n_notifiers;

    struct slot *slots;
    unsigned n_slots, max_slots;
    uint64_t dropped;
    size_t seen; /* series ids below this have been matched */

    struct alert_change *changes;
    unsigned n_changes;
    struct alert_note *notes;
    unsigned n_notes;

    struct alert_event *recent; /* a ring of recent_cap */
    unsigned recent_cap, recent_n, recent_next;

    struct sample *scratch; /* ALERT_WINDOW_MAX samples for aggregates */
    unsigned unbound; /* restored instances of '*' rules waiting for their series */
};

static struct slot *slot_add(struct alert_engine *e, unsigned rule, const char *series, int id)
{
    if (e->n_slots == e->max_slots) {
        e->dropped++;
        return NULL;
    }
    struct slot *s = &e->slots[e->n_slots++];
    alert_instance_init(&s->in, e->rules[rule].name, series);
    s->rule = rule;
    s->series_id = id;
    s->denom_id = -1;
    return s;
}

void alert_engine_free(struct alert_engine *e)
{
    if (!e)
        return;
    free(e->rules);
    free(e->exact_slot);
    free(e->slots);
    free(e->changes);
    free(e->notes);
    free(e->recent);
    free(e->scratch);
    free(e);
}

struct alert_engine *alert_engine_new(const struct alert_rule *rules, unsigned n_rules,
                                      const struct store *store,
                                      const struct alert_engine_opts *opts)
{
    struct alert_engine *e = vigil_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->store = store;
    e->n_rules = n_rules;
    e->default_stale_ms = opts->default_stale_ms > 0 ? opts->default_stale_ms : 10000;
    e->n_notifiers =
        opts->n_notifiers < ALERT_MAX_NOTIFIERS ? opts->n_notifiers : ALERT_MAX_NOTIFIERS;
    for (unsigned i = 0; i < e->n_notifiers; i++)
        e->repeat_ms[i] = opts->repeat_ms[i];
    e->max_slots = opts->max_instances ? opts->max_instances : 1;
    e->recent_cap = opts->recent ? opts->recent : 1;
    e->rules = vigil_calloc(n_rules ? n_rules : 1, sizeof *e->rules);
    e->exact_slot = vigil_calloc(n_rules ? n_rules : 1, sizeof *e->exact_slot);
    e->slots = vigil_calloc(e->max_slots, sizeof *e->slots);
    e->changes = vigil_calloc(e->max_slots, sizeof *e->changes);
    e->notes = vigil_calloc(e->max_slots, sizeof *e->notes);
    e->recent = vigil_calloc(e->recent_cap, sizeof *e->recent);
    e->scratch = vigil_calloc(ALERT_WINDOW_MAX, sizeof *e->scratch);
    if (!e->rules || !e->exact_slot || !e->slots || !e->changes || !e->notes || !e->recent ||
        !e->scratch) {
        alert_engine_free(e);
        return NULL;
    }
    if (n_rules)
        memcpy(e->rules, rules, n_rules * sizeof *rules);
    /* a rule on one name has its instance from the start: its absence can fire */
    for (unsigned r = 0; r < n_rules; r++) {
        e->exact_slot[r] = -1;
        if (e->rules[r].wildcard)
            continue;
        if (slot_add(e, r, e->rules[r].series, -1))
            e->exact_slot[r] = (int)e->n_slots - 1;
    }
    return e;
}

/* A restored instance of rule for this series takes it, rather than a new one. */
static bool bind_restored(struct alert_engine *e, unsigned rule, const char *name, int id)
{
    for (unsigned i = 0; e->unbound && i < e->n_slots; i++) {
        struct slot *s = &e->slots[i];
        if (s->rule == rule && s->series_id < 0 && strcmp(s->in.series, name) == 0) {
            s->series_id = id;
            e->unbound--;
            return true;
        }
    }
    return false;
}

/* Binds or adds instances for the series registered since the last look. */
static void discover(struct alert_engine *e)
{
    size_t n = store_count(e->store);
    if (n == e->seen)
        return;
    for (size_t id = e->seen; id < n; id++) {
        const char *name = store_name(e->store, (int)id);
        if (!name)
            continue;
        for (unsigned r = 0; r < e->n_rules; r++) {
            const struct alert_rule *rule = &e->rules[r];
            if (rule->wildcard) {
                if (series_match(rule->series, name) && !bind_restored(e, r, name, (int)id))
                    slot_add(e, r, name, (int)id);
            } else if (e->exact_slot[r] >= 0 && strcmp(rule->series, name) == 0) {
                e->slots[e->exact_slot[r]].series_id = (int)id;
            }
        }
    }
    e->seen = n;
    for (unsigned i = 0; i < e->n_slots; i++) {
        struct slot *s = &e->slots[i];
        const struct alert_rule *rule = &e->rules[s->rule];
        char den[STORE_NAME_MAX];
        if (!rule->ratio_of[0] || s->denom_id >= 0)
            continue;
        if (alert_ratio_name(rule->series, rule->ratio_of, s->in.series, den, sizeof den) == 0) {
            int id = store_find(e->store, den);
            s->denom_id = id >= 0 ? id : -1;
        }
    }
}

/* How old the newest of samples s[0..n) may be and still count: the rule's stale, or
 * three of the series' own intervals (a scrape target polled every 30 s is not missing
 * after 6 s), and never less than the engine's default. */
static int64_t stale_for(const struct alert_engine *e, const struct alert_rule *r,
                         const struct sample *s, size_t n)
{
    if (r->stale_ms > 0)
        return r->stale_ms;
    int64_t stale = e->default_stale_ms;
    if (n >= 2) {
        int64_t gap = s[n - 1].ts_ms - s[n - 2].ts_ms;
        if (gap > 0 && gap < INT64_MAX / 3 && 3 * gap > stale)
            stale = 3 * gap;
    }
    return stale;
}

/* The rule's aggregate of series id at now; false when there is no fresh data. */
static bool read_value(struct alert_engine *e, int id, const struct alert_rule *r,
                       int64_t now_ms, double *out)
{
    if (id < 0)
        return false;
    if (r->agg == ALERT_AGG_LAST) {
        struct sample s[2];
        size_t n = store_read(e->store, id, INT64_MIN, INT64_MAX, s, 2);
        if (n == 0 || now_ms - s[n - 1].ts_ms > stale_for(e, r, s, n) || isnan(s[n - 1].value))
            return false;
        *out = s[n - 1].value;
        return true;
    }
    size_t n = store_read(e->store, id, now_ms - r->over_ms, INT64_MAX, e->scratch,
                          ALERT_WINDOW_MAX);
    if (n == 0 || now_ms - e->scratch[n - 1].ts_ms > stale_for(e, r, e->scratch, n))
        return false;
    const struct sample *s = e->scratch;
    double acc = r->agg == ALERT_AGG_MIN ? INFINITY : r->agg == ALERT_AGG_MAX ? -INFINITY : 0;
    size_t used = 0;
    switch (r->agg) {
    case ALERT_AGG_AVG:
    case ALERT_AGG_MIN:
    case ALERT_AGG_MAX:
        for (size_t i = 0; i < n; i++) {
            double v = s[i].value;
            if (isnan(v))
                continue;
            used++;
            if (r->agg == ALERT_AGG_AVG)
                acc += v;
            else if (r->agg == ALERT_AGG_MIN ? v < acc : v > acc)
                acc = v;
        }
        if (!used)
            return false;
        *out = r->agg == ALERT_AGG_AVG ? acc / (double)used : acc;
        return true;
    case ALERT_AGG_DELTA:
    case ALERT_AGG_RATE: {
        if (n < 2 || isnan(s[0].value) || isnan(s[n - 1].value))
            return false;
        double d = s[n - 1].value - s[0].value;
        double dt = (double)(s[n - 1].ts_ms - s[0].ts_ms) / 1000.0;
        if (r->agg == ALERT_AGG_RATE && dt <= 0)
            return false;
        *out = r->agg == ALERT_AGG_DELTA ? d : d / dt;
        return true;
    }
    case ALERT_AGG_LAST:
        break;
    }
    return false;
}

static void observe(struct alert_engine *e, const struct slot *s, int64_t now_ms,
                    struct alert_obs *obs)
{
    const struct alert_rule *r = &e->rules[s->rule];
    double num = 0, den = 0;
    obs->present = read_value(e, s->series_id, r, now_ms, &num);
    obs->value = num;
    if (obs->present && r->ratio_of[0]) {
        obs->present = read_value(e, s->denom_id, r, now_ms, &den) && den != 0;
        obs->value = obs->present ? 100.0 * num / den : 0;
    }
}

static void remember(struct alert_engine *e, const struct slot *s, const struct alert_rule *r,
                     int64_t now_ms)
{
    struct alert_event *ev = &e->recent[e->recent_next];
    e->recent_next = (e->recent_next + 1) % e->recent_cap;
    if (e->recent_n < e->recent_cap)
        e->recent_n++;
    memcpy(ev->rule, s->in.rule, sizeof ev->rule);
    memcpy(ev->series, s->in.series, sizeof ev->series);
    ev->severity = r->severity;
    ev->state = s->in.state;
    ev->has_value = s->in.has_value;
    ev->value = s->in.value;
    ev->at_ms = now_ms;
    ev->fired_at_ms = s->in.fired_at_ms;
}

void alert_engine_eval(struct alert_engine *e, int64_t now_ms)
{
    e->n_changes = 0;
    e->n_notes = 0;
    discover(e);
    for (unsigned i = 0; i < e->n_slots; i++) {
        struct slot *s = &e->slots[i];
        const struct alert_rule *r = &e->rules[s->rule];
        struct alert_obs obs;
        observe(e, s, now_ms, &obs);
        enum alert_state prev;
        if (alert_step(r, &s->in, &obs, now_ms, &prev)) {
            e->changes[e->n_changes++] = (struct alert_change){i, prev, s->in.state};
            if (s->in.state == ALERT_FIRING || s->in.state == ALERT_RESOLVED)
                remember(e, s, r, now_ms);
        }
        uint32_t mask;
        enum alert_msg m = alert_due(r, &s->in, e->repeat_ms, e->n_notifiers, now_ms, &mask);
        if (m != ALERT_MSG_NONE) {
            e->notes[e->n_notes++] = (struct alert_note){i, m, mask};
            alert_mark(&s->in, m, mask, now_ms);
        }
    }
}

unsigned alert_engine_changes(const struct alert_engine *e, const struct alert_change **out)
{
    *out = e->changes;
    return e->n_changes;
}

unsigned alert_engine_notes(const struct alert_engine *e, const struct alert_note **out)
{
    *out = e->notes;
    return e->n_notes;
}

unsigned alert_engine_count(const struct alert_engine *e)
{
    return e->n_slots;
}

const struct alert_instance *alert_engine_instance(const struct alert_engine *e, unsigned i)
{
    return i < e->n_slots ? &e->slots[i].in : NULL;
}

const struct alert_rule *alert_engine_rule_of(const struct alert_engine *e, unsigned i)
{
    return i < e->n_slots ? &e->rules[e->slots[i].rule] : NULL;
}

const char *alert_engine_unit(const struct alert_engine *e, unsigned i)
{
    if (i >= e->n_slots)
        return "";
    if (e->rules[e->slots[i].rule].ratio_of[0])
        return "percent";
    const char *u = e->slots[i].series_id >= 0 ? store_unit(e->store, e->slots[i].series_id)
                                               : NULL;
    return u ? u : "";
}

uint64_t alert_engine_dropped(const struct alert_engine *e)
{
    return e->dropped;
}

unsigned alert_engine_recent_count(const struct alert_engine *e)
{
    return e->recent_n;
}

const struct alert_event *alert_engine_recent(const struct alert_engine *e, unsigned i)
{
    if (i >= e->recent_n)
        return NULL;
    unsigned idx = (e->recent_next + e->recent_cap - 1 - i) % e->recent_cap;
    return &e->recent[idx];
}

unsigned alert_engine_rule_count(const struct alert_engine *e)
{
    return e->n_rules;
}

const struct alert_rule *alert_engine_rule(const struct alert_engine *e, unsigned r)
{
    return r < e->n_rules ? &e->rules[r] : NULL;
}

int alert_engine_restore(struct alert_engine *e, const struct alert_instance *in)
{
    unsigned r = 0;
    while (r < e->n_rules && strcmp(e->rules[r].name, in->rule) != 0)
        r++;
    if (r == e->n_rules)
        return -VIGIL_ENOENT;
    const struct alert_rule *rule = &e->rules[r];
    struct slot *s = NULL;
    if (!rule->wildcard) {
        if (e->exact_slot[r] < 0 || strcmp(rule->series, in->series) != 0)
            return -VIGIL_ENOENT;
        s = &e->slots[e->exact_slot[r]];
    } else {
        if (!series_match(rule->series, in->series))
            return -VIGIL_ENOENT;
        for (unsigned i = 0; i < e->n_slots && !s; i++)
            if (e->slots[i].rule == r && strcmp(e->slots[i].in.series, in->series) == 0)
                s = &e->slots[i];
        if (!s) {
            /* bound when the series is registered (discover()) */
            s = slot_add(e, r, in->series, -1);
            if (!s)
                return -VIGIL_EFULL;
            e->unbound++;
        }
    }
    s->in = *in;
    /* the names are the slot's own: a restored record cannot rename an instance */
    snprintf(s->in.rule, sizeof s->in.rule, "%s", rule->name);
    snprintf(s->in.series, sizeof s->in.series, "%s", in->series);
    return 0;
}

void alert_engine_restore_recent(struct alert_engine *e, const struct alert_event *ev)
{
    e->recent[e->recent_next] = *ev;
    e->recent_next = (e->recent_next + 1) % e->recent_cap;
    if (e->recent_n < e->recent_cap)
        e->recent_n++;
}
