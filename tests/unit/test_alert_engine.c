/* test_alert_engine: rules over a real store on a made-up clock: a wildcard rule gains an
 * instance for each matching series, however late it appears; a rule on one name can fire
 * on its absence; stale data counts as missing; ratios wait for their denominator;
 * aggregates over a window; the instance cap; the recent history; and the encoded
 * documents (API, active list, /metrics, /health). */
#include <criterion/criterion.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "alert/alert_encode.h"
#include "alert/engine.h"
#include "core/err.h"

#define T0  1800000000000LL
#define SEC 1000LL

static struct store *st;

static void setup(void)
{
    st = store_new(64);
    cr_assert_not_null(st);
}

static void teardown(void)
{
    store_free(st);
}

static struct alert_engine_opts opts(void)
{
    static const int64_t repeat[ALERT_MAX_NOTIFIERS] = {0};
    return (struct alert_engine_opts){.default_stale_ms = 10 * SEC,
                                      .max_instances = 16,
                                      .recent = 4,
                                      .repeat_ms = repeat,
                                      .n_notifiers = 1};
}

static struct alert_rule above(const char *name, const char *series, double thr)
{
    struct alert_rule r;
    alert_rule_init(&r, name, series);
    r.threshold = r.clear = thr;
    r.notify = 1;
    return r;
}

static int series(const char *name)
{
    int id = store_series(st, name, "celsius", "test", 256);
    cr_assert_geq(id, 0, "%s", name);
    return id;
}

static const struct alert_instance *find(const struct alert_engine *e, const char *rule,
                                         const char *name)
{
    for (unsigned i = 0; i < alert_engine_count(e); i++) {
        const struct alert_instance *in = alert_engine_instance(e, i);
        if (strcmp(in->rule, rule) == 0 && strcmp(in->series, name) == 0)
            return in;
    }
    return NULL;
}

TestSuite(alert_engine, .init = setup, .fini = teardown);

Test(alert_engine, wildcard_rule_matches_series_that_appear_later)
{
    struct alert_rule r = above("gpu_hot", "gpu.*.temperature", 85);
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    cr_assert_not_null(e);
    alert_engine_eval(e, T0);
    cr_assert_eq(alert_engine_count(e), 0, "no GPU yet, no instance");

    int g0 = series("gpu.0.temperature");
    series("gpu.0.power_draw"); /* not a match */
    store_push(st, g0, T0 + SEC, 90);
    alert_engine_eval(e, T0 + SEC);
    cr_assert_eq(alert_engine_count(e), 1);
    cr_assert_eq(find(e, "gpu_hot", "gpu.0.temperature")->state, ALERT_FIRING);
    const struct alert_change *ch;
    cr_assert_eq(alert_engine_changes(e, &ch), 1);
    cr_assert_eq(ch[0].from, ALERT_INACTIVE);
    cr_assert_eq(ch[0].to, ALERT_FIRING);
    const struct alert_note *notes;
    cr_assert_eq(alert_engine_notes(e, &notes), 1);
    cr_assert_eq(notes[0].msg, ALERT_MSG_FIRING);

    /* a second GPU shows up an hour later: its own instance, its own state */
    int g1 = series("gpu.1.temperature");
    int64_t t = T0 + 3600 * SEC;
    store_push(st, g0, t, 91);
    store_push(st, g1, t, 60);
    alert_engine_eval(e, t);
    cr_assert_eq(alert_engine_count(e), 2);
    cr_assert_eq(find(e, "gpu_hot", "gpu.1.temperature")->state, ALERT_INACTIVE);
    cr_assert_eq(alert_engine_changes(e, &ch), 0);
    store_push(st, g0, t + SEC, 70);
    store_push(st, g1, t + SEC, 95);
    alert_engine_eval(e, t + SEC);
    cr_assert_eq(find(e, "gpu_hot", "gpu.0.temperature")->state, ALERT_RESOLVED);
    cr_assert_eq(find(e, "gpu_hot", "gpu.1.temperature")->state, ALERT_FIRING);
    cr_assert_eq(alert_engine_notes(e, &notes), 2);
    cr_assert_str_eq(alert_engine_unit(e, 0), "celsius");
    alert_engine_free(e);
}

Test(alert_engine, a_rule_on_one_name_fires_on_its_absence)
{
    struct alert_rule r;
    alert_rule_init(&r, "node_down", "node.b.up");
    r.cmp = ALERT_ABSENT;
    r.nodata = ALERT_NODATA_ALERT;
    r.for_ms = 5 * SEC;
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    cr_assert_eq(alert_engine_count(e), 1, "there from the start");
    alert_engine_eval(e, T0);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_PENDING);
    alert_engine_eval(e, T0 + 5 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_FIRING);
    int id = series("node.b.up");
    store_push(st, id, T0 + 6 * SEC, 1);
    alert_engine_eval(e, T0 + 6 * SEC);
    cr_assert_eq(alert_engine_count(e), 1, "bound, not added");
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_RESOLVED);
    /* the node stops reporting: stale after 10 s */
    alert_engine_eval(e, T0 + 16 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_RESOLVED, "fresh enough");
    alert_engine_eval(e, T0 + 17 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_PENDING, "stale is missing");
    alert_engine_free(e);
}

Test(alert_engine, stale_uses_the_rule_value_when_set)
{
    struct alert_rule r = above("hot", "a.b", 5);
    r.nodata = ALERT_NODATA_OK;
    r.stale_ms = 60 * SEC;
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    int id = series("a.b");
    store_push(st, id, T0, 10);
    alert_engine_eval(e, T0 + 30 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_FIRING);
    alert_engine_eval(e, T0 + 61 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_RESOLVED);
    alert_engine_free(e);
}

Test(alert_engine, a_slow_series_is_stale_after_three_of_its_own_intervals)
{
    struct alert_rule r = above("up", "inference.a.up", 0.5);
    r.nodata = ALERT_NODATA_OK;
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    int id = series("inference.a.up");
    store_push(st, id, T0, 1);
    store_push(st, id, T0 + 30 * SEC, 1); /* scraped every 30 s */
    alert_engine_eval(e, T0 + 30 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_FIRING);
    alert_engine_eval(e, T0 + 110 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_FIRING, "80 s is not 3 x 30 s");
    alert_engine_eval(e, T0 + 121 * SEC);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_RESOLVED, "91 s is");
    alert_engine_free(e);
}

Test(alert_engine, ratio_waits_for_its_denominator)
{
    struct alert_rule r = above("vram", "gpu.*.memory_used", 95);
    snprintf(r.ratio_of, sizeof r.ratio_of, "gpu.*.memory_total");
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    int used = series("gpu.3.memory_used");
    store_push(st, used, T0, 79e9);
    alert_engine_eval(e, T0);
    cr_assert_eq(alert_engine_count(e), 1);
    cr_assert_not(alert_engine_instance(e, 0)->has_value, "no denominator yet");
    int total = series("gpu.3.memory_total");
    series("gpu.4.memory_total"); /* another GPU's total: not ours */
    store_push(st, total, T0 + SEC, 80e9);
    store_push(st, used, T0 + SEC, 79e9);
    alert_engine_eval(e, T0 + SEC);
    const struct alert_instance *in = alert_engine_instance(e, 0);
    cr_assert(in->has_value);
    cr_assert_float_eq(in->value, 98.75, 1e-9);
    cr_assert_eq(in->state, ALERT_FIRING);
    cr_assert_str_eq(alert_engine_unit(e, 0), "percent");
    store_push(st, total, T0 + 2 * SEC, 0);
    store_push(st, used, T0 + 2 * SEC, 0);
    alert_engine_eval(e, T0 + 2 * SEC);
    cr_assert_not(alert_engine_instance(e, 0)->has_value, "a zero total is no ratio");
    alert_engine_free(e);
}

Test(alert_engine, aggregates_over_a_window)
{
    struct alert_rule rules[5];
    const enum alert_agg aggs[5] = {ALERT_AGG_AVG, ALERT_AGG_MIN, ALERT_AGG_MAX, ALERT_AGG_DELTA,
                                    ALERT_AGG_RATE};
    for (int i = 0; i < 5; i++) {
        rules[i] = above(alert_agg_name(aggs[i]), "q.depth", 1e9);
        rules[i].agg = aggs[i];
        rules[i].over_ms = 60 * SEC;
    }
    struct alert_engine_opts o = opts();
    o.default_stale_ms = 65 * SEC;
    struct alert_engine *e = alert_engine_new(rules, 5, st, &o);
    int id = series("q.depth");
    /* one sample every 10 s; only the last minute counts */
    const double v[] = {1000, 10, 20, 30, 40, 50, 60, 70};
    for (int i = 0; i < 8; i++)
        store_push(st, id, T0 + i * 10 * SEC, v[i]);
    alert_engine_eval(e, T0 + 70 * SEC);
    /* window [10 s, 70 s]: 10..70 */
    cr_assert_float_eq(alert_engine_instance(e, 0)->value, 40, 1e-9);
    cr_assert_float_eq(alert_engine_instance(e, 1)->value, 10, 1e-9);
    cr_assert_float_eq(alert_engine_instance(e, 2)->value, 70, 1e-9);
    cr_assert_float_eq(alert_engine_instance(e, 3)->value, 60, 1e-9);
    cr_assert_float_eq(alert_engine_instance(e, 4)->value, 1, 1e-9, "60 over 60 s");
    /* one sample in the window: no delta, no rate, but an average */
    alert_engine_eval(e, T0 + 130 * SEC);
    cr_assert(alert_engine_instance(e, 0)->has_value);
    cr_assert_float_eq(alert_engine_instance(e, 0)->value, 70, 1e-9);
    cr_assert_not(alert_engine_instance(e, 3)->has_value);
    cr_assert_not(alert_engine_instance(e, 4)->has_value);
    alert_engine_eval(e, T0 + 150 * SEC);
    cr_assert_not(alert_engine_instance(e, 0)->has_value, "the newest sample is stale");
    alert_engine_free(e);
}

Test(alert_engine, the_instance_cap_is_counted)
{
    struct alert_rule r = above("any", "s.*", 0);
    struct alert_engine_opts o = opts();
    o.max_instances = 3;
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    char name[32];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof name, "s.%d", i);
        store_push(st, series(name), T0, 1);
    }
    alert_engine_eval(e, T0);
    cr_assert_eq(alert_engine_count(e), 3);
    cr_assert_eq(alert_engine_dropped(e), 2);
    alert_engine_eval(e, T0 + SEC);
    cr_assert_eq(alert_engine_dropped(e), 2, "counted once per series");
    alert_engine_free(e);
}

Test(alert_engine, recent_history_is_newest_first_and_bounded)
{
    struct alert_rule r = above("hot", "t.x", 5);
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    int id = series("t.x");
    for (int i = 0; i < 6; i++) {
        store_push(st, id, T0 + i * SEC, i % 2 ? 1 : 10);
        alert_engine_eval(e, T0 + i * SEC);
    }
    cr_assert_eq(alert_engine_recent_count(e), 4);
    const struct alert_event *ev = alert_engine_recent(e, 0);
    cr_assert_eq(ev->state, ALERT_RESOLVED);
    cr_assert_eq(ev->at_ms, T0 + 5 * SEC);
    cr_assert_eq(ev->fired_at_ms, T0 + 4 * SEC);
    cr_assert_eq(alert_engine_recent(e, 3)->at_ms, T0 + 2 * SEC);
    cr_assert_null(alert_engine_recent(e, 4));
    alert_engine_free(e);
}

static json_t *parse(const struct buf *b)
{
    json_error_t err;
    json_t *j = json_loadb(b->data, b->len, 0, &err);
    cr_assert_not_null(j, "%s: %.*s", err.text, (int)b->len, b->data);
    return j;
}

Test(alert_engine, documents)
{
    struct alert_rule rules[2] = {above("gpu_hot", "gpu.*.temperature", 85),
                                  above("mild", "gpu.*.temperature", 50)};
    rules[0].severity = ALERT_SEV_WARNING;
    rules[1].severity = ALERT_SEV_CRITICAL;
    rules[1].for_ms = 60 * SEC;
    snprintf(rules[0].summary, sizeof rules[0].summary, "too \"hot\"");
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(rules, 2, st, &o);
    store_push(st, series("gpu.0.temperature"), T0, 90);
    store_push(st, series("gpu.1.temperature"), T0, 60);
    alert_engine_eval(e, T0);

    struct buf b;
    buf_init(&b, 1 << 20);
    struct jsonw w;
    jw_init(&w, &b);
    alert_encode_api(&w, e, NULL, NULL, NULL, T0);
    cr_assert_eq(w.err, 0);
    json_t *doc = parse(&b);
    json_t *active = json_object_get(doc, "active");
    cr_assert_eq(json_array_size(active), 3);
    /* firing first, then pending critical-first */
    json_t *first = json_array_get(active, 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "state")), "firing");
    cr_assert_str_eq(json_string_value(json_object_get(first, "name")), "gpu_hot");
    cr_assert_str_eq(json_string_value(json_object_get(first, "summary")), "too \"hot\"");
    cr_assert_float_eq(json_number_value(json_object_get(first, "value")), 90, 1e-9);
    cr_assert_str_eq(json_string_value(json_object_get(first, "fired_at")),
                     "2027-01-15T08:00:00.000Z");
    cr_assert(json_is_null(json_object_get(first, "resolved_at")));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(active, 1), "state")),
                     "pending");
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "counts"), "firing")),
                 1);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc, "counts"), "pending")),
                 2);
    cr_assert_eq(json_array_size(json_object_get(doc, "recent")), 1);
    cr_assert_eq(json_array_size(json_object_get(doc, "rules")), 2);
    cr_assert_eq(json_integer_value(json_object_get(doc, "timestamp_ms")), T0);
    json_decref(doc);

    buf_reset(&b);
    jw_init(&w, &b);
    alert_encode_health(&w, e, NULL);
    doc = parse(&b);
    cr_assert_eq(json_integer_value(json_object_get(doc, "firing")), 1);
    cr_assert_eq(json_integer_value(json_object_get(doc, "rules")), 2);
    json_decref(doc);

    buf_reset(&b);
    cr_assert_eq(alert_encode_prom(&b, e, NULL, 0.000123), 0);
    cr_assert_not_null(strstr(b.data, "# TYPE vigil_alerts gauge\n"), "%s", b.data);
    cr_assert_not_null(strstr(b.data, "vigil_alerts{alertname=\"gpu_hot\",series=\"gpu.0.temperature\","
                                      "severity=\"warning\",state=\"firing\"} 1\n"),
                       "%s", b.data);
    cr_assert_not_null(strstr(b.data, "vigil_alerts{alertname=\"mild\",series=\"gpu.1.temperature\","
                                      "severity=\"critical\",state=\"pending\"} 1\n"),
                       "%s", b.data);
    cr_assert_not_null(strstr(b.data, "vigil_alert_evaluation_seconds "), "%s", b.data);
    buf_release(&b);
    alert_engine_free(e);
}

Test(alert_engine, no_active_alert_means_no_alerts_family)
{
    struct alert_rule r = above("hot", "t.x", 5);
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    alert_engine_eval(e, T0);
    struct buf b;
    buf_init(&b, 1 << 16);
    cr_assert_eq(alert_encode_prom(&b, e, NULL, 0), 0);
    cr_assert_null(strstr(b.data, "vigil_alerts"), "%s", b.data);
    buf_release(&b);
    alert_engine_free(e);
}

/* After a restart: a saved firing instance comes back firing and already notified, so the
 * first evaluations neither change it nor tell anyone again; an instance of a '*' rule
 * waits for its series and takes it rather than a new one. */
Test(alert_engine, a_restored_firing_instance_is_not_notified_again)
{
    struct alert_rule rules[2] = {above("gpu_hot", "gpu.*.temperature", 85),
                                  above("cpu_hot", "cpu.overall_utilization", 90)};
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(rules, 2, st, &o);
    struct alert_instance saved;
    alert_instance_init(&saved, "gpu_hot", "gpu.1.temperature");
    saved.state = ALERT_FIRING;
    saved.has_value = true;
    saved.value = 90;
    saved.active_since_ms = saved.changed_at_ms = T0 - 120 * SEC;
    saved.fired_at_ms = T0 - 60 * SEC;
    saved.starts[0] = saved.fired_at_ms;
    saved.n_starts = 1;
    saved.notified = ALERT_MSG_FIRING;
    saved.notified_at_ms[0] = saved.fired_at_ms;
    cr_assert_eq(alert_engine_restore(e, &saved), 0);
    struct alert_instance other = saved;
    snprintf(other.rule, sizeof other.rule, "gone"); /* a rule no longer configured */
    cr_assert_eq(alert_engine_restore(e, &other), -VIGIL_ENOENT);
    snprintf(other.rule, sizeof other.rule, "cpu_hot");
    snprintf(other.series, sizeof other.series, "cpu.0.utilization"); /* not its series */
    cr_assert_eq(alert_engine_restore(e, &other), -VIGIL_ENOENT);
    struct alert_event past = {.rule = "gpu_hot", .series = "gpu.1.temperature",
                               .state = ALERT_FIRING, .at_ms = saved.fired_at_ms};
    alert_engine_restore_recent(e, &past);
    cr_assert_eq(alert_engine_recent_count(e), 1);

    unsigned before = alert_engine_count(e);
    int g0 = series("gpu.0.temperature");
    int g1 = series("gpu.1.temperature");
    store_push(st, g0, T0, 50);
    store_push(st, g1, T0, 91);
    alert_engine_eval(e, T0);
    /* gpu.1 took the restored instance; gpu.0 got a new one */
    cr_assert_eq(alert_engine_count(e), before + 1);
    const struct alert_instance *in = find(e, "gpu_hot", "gpu.1.temperature");
    cr_assert_not_null(in);
    cr_assert_eq(in->state, ALERT_FIRING);
    cr_assert_eq(in->fired_at_ms, T0 - 60 * SEC);
    const struct alert_change *ch;
    const struct alert_note *notes;
    cr_assert_eq(alert_engine_changes(e, &ch), 0);
    cr_assert_eq(alert_engine_notes(e, &notes), 0);
    /* it resolves as any other would, and that is told */
    store_push(st, g1, T0 + SEC, 70);
    alert_engine_eval(e, T0 + SEC);
    cr_assert_eq(find(e, "gpu_hot", "gpu.1.temperature")->state, ALERT_RESOLVED);
    cr_assert_eq(alert_engine_notes(e, &notes), 1);
    cr_assert_eq(notes[0].msg, ALERT_MSG_RESOLVED);
    alert_engine_free(e);
}

Test(alert_engine, a_restored_instance_of_a_rule_on_one_name_is_its_own)
{
    struct alert_rule r = above("cpu_hot", "cpu.overall_utilization", 90);
    struct alert_engine_opts o = opts();
    struct alert_engine *e = alert_engine_new(&r, 1, st, &o);
    struct alert_instance saved;
    alert_instance_init(&saved, "cpu_hot", "cpu.overall_utilization");
    saved.state = ALERT_PENDING;
    saved.active_since_ms = T0 - 5 * SEC;
    cr_assert_eq(alert_engine_restore(e, &saved), 0);
    cr_assert_eq(alert_engine_count(e), 1);
    cr_assert_eq(alert_engine_instance(e, 0)->state, ALERT_PENDING);
    cr_assert_eq(alert_engine_instance(e, 0)->active_since_ms, T0 - 5 * SEC);
    alert_engine_free(e);
}
