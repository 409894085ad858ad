/*
 * alert_encode: JSON and Prometheus text for alerts (see alert_encode.h). The active list
 * is ordered by passes (firing then pending, critical first) rather than sorted, so it
 * needs no scratch memory and keeps instances of equal rank in a stable order.
 */
#include "alert/alert_encode.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "encode/prom.h"

/* key as ISO-8601 and key_ms as unix ms, both null for 0. */
static void kts(struct jsonw *w, const char *key, const char *key_ms, int64_t ms)
{
    char iso[32];
    if (ms) {
        jw_kstr(w, key, clock_iso8601(ms, iso, sizeof iso));
        jw_kint(w, key_ms, ms);
    } else {
        jw_knull(w, key);
        jw_knull(w, key_ms);
    }
}

void alert_encode_instance(struct jsonw *w, const struct alert_engine *e, unsigned i)
{
    const struct alert_instance *in = alert_engine_instance(e, i);
    const struct alert_rule *r = alert_engine_rule_of(e, i);
    jw_obj_begin(w);
    jw_kstr(w, "name", in->rule);
    jw_kstr(w, "series", in->series);
    jw_kstr(w, "severity", alert_severity_name(r->severity));
    jw_kstr(w, "state", alert_state_name(in->state));
    if (in->has_value)
        jw_kdouble(w, "value", in->value);
    else
        jw_knull(w, "value");
    jw_kstr(w, "unit", alert_engine_unit(e, i));
    jw_kstr(w, "condition", alert_cmp_name(r->cmp));
    if (r->cmp == ALERT_ABSENT) {
        jw_knull(w, "threshold");
        jw_knull(w, "clear");
    } else {
        jw_kdouble(w, "threshold", r->threshold);
        jw_kdouble(w, "clear", r->clear);
    }
    jw_kdouble(w, "for_s", (double)r->for_ms / 1000);
    jw_kstr(w, "summary", r->summary);
    jw_kbool(w, "flapping", in->flapping);
    kts(w, "active_since", "active_since_ms", in->active_since_ms);
    kts(w, "fired_at", "fired_at_ms", in->fired_at_ms);
    kts(w, "resolved_at", "resolved_at_ms", in->resolved_at_ms);
    kts(w, "changed_at", "changed_at_ms", in->changed_at_ms);
    jw_obj_end(w);
}

void alert_encode_active(struct jsonw *w, const struct alert_engine *e)
{
    static const enum alert_state states[] = {ALERT_FIRING, ALERT_PENDING};
    static const enum alert_severity sevs[] = {ALERT_SEV_CRITICAL, ALERT_SEV_WARNING,
                                               ALERT_SEV_INFO};
    unsigned n = alert_engine_count(e);
    jw_arr_begin(w);
    for (unsigned s = 0; s < 2; s++)
        for (unsigned v = 0; v < 3; v++)
            for (unsigned i = 0; i < n; i++)
                if (alert_engine_instance(e, i)->state == states[s] &&
                    alert_engine_rule_of(e, i)->severity == sevs[v])
                    alert_encode_instance(w, e, i);
    jw_arr_end(w);
}

static void counts(const struct alert_engine *e, unsigned *firing, unsigned *pending)
{
    *firing = *pending = 0;
    for (unsigned i = 0; i < alert_engine_count(e); i++) {
        enum alert_state s = alert_engine_instance(e, i)->state;
        *firing += s == ALERT_FIRING;
        *pending += s == ALERT_PENDING;
    }
}

void alert_encode_rules(struct jsonw *w, const struct alert_engine *e, struct notifier *nt)
{
    jw_arr_begin(w);
    for (unsigned r = 0; r < alert_engine_rule_count(e); r++) {
        const struct alert_rule *rule = alert_engine_rule(e, r);
        jw_obj_begin(w);
        jw_kstr(w, "name", rule->name);
        jw_kstr(w, "series", rule->series);
        if (rule->ratio_of[0])
            jw_kstr(w, "ratio_of", rule->ratio_of);
        else
            jw_knull(w, "ratio_of");
        jw_kstr(w, "condition", alert_cmp_name(rule->cmp));
        if (rule->cmp == ALERT_ABSENT) {
            jw_knull(w, "threshold");
            jw_knull(w, "clear");
        } else {
            jw_kdouble(w, "threshold", rule->threshold);
            jw_kdouble(w, "clear", rule->clear);
        }
        jw_kdouble(w, "for_s", (double)rule->for_ms / 1000);
        jw_kstr(w, "aggregate", alert_agg_name(rule->agg));
        jw_kdouble(w, "over_s", (double)rule->over_ms / 1000);
        jw_kstr(w, "severity", alert_severity_name(rule->severity));
        jw_key(w, "notify");
        jw_arr_begin(w);
        for (unsigned i = 0; nt && i < notifier_count(nt); i++)
            if (rule->notify & (1u << i))
                jw_str(w, notifier_def(nt, i)->name);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

static void encode_notifiers(struct jsonw *w, struct notifier *nt)
{
    jw_arr_begin(w);
    for (unsigned i = 0; nt && i < notifier_count(nt); i++) {
        struct notifier_stats st;
        notifier_stats(nt, i, &st);
        jw_obj_begin(w);
        jw_kstr(w, "name", notifier_def(nt, i)->name);
        jw_kstr(w, "kind", notify_kind_name(notifier_def(nt, i)->kind));
        jw_kuint(w, "sent", st.sent);
        jw_kuint(w, "failed", st.failed);
        jw_kuint(w, "dropped", st.dropped);
        jw_kuint(w, "retries", st.retries);
        jw_kuint(w, "queued", st.queued);
        if (st.last_error[0])
            jw_kstr(w, "last_error", st.last_error);
        else
            jw_knull(w, "last_error");
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void alert_encode_api(struct jsonw *w, const struct alert_engine *e, struct notifier *nt,
                      const struct buf *active, const struct buf *rules, int64_t now_ms)
{
    char iso[32];
    unsigned firing, pending;
    counts(e, &firing, &pending);
    jw_obj_begin(w);
    jw_key(w, "active");
    if (active && active->len)
        jw_raw(w, active->data, active->len);
    else
        alert_encode_active(w, e);
    jw_key(w, "recent");
    jw_arr_begin(w);
    for (unsigned i = 0; i < alert_engine_recent_count(e); i++) {
        const struct alert_event *ev = alert_engine_recent(e, i);
        jw_obj_begin(w);
        jw_kstr(w, "name", ev->rule);
        jw_kstr(w, "series", ev->series);
        jw_kstr(w, "severity", alert_severity_name(ev->severity));
        jw_kstr(w, "state", alert_state_name(ev->state));
        if (ev->has_value)
            jw_kdouble(w, "value", ev->value);
        else
            jw_knull(w, "value");
        kts(w, "at", "at_ms", ev->at_ms);
        kts(w, "fired_at", "fired_at_ms", ev->fired_at_ms);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "counts");
    jw_obj_begin(w);
    jw_kuint(w, "firing", firing);
    jw_kuint(w, "pending", pending);
    jw_kuint(w, "instances", alert_engine_count(e));
    jw_kuint(w, "instances_dropped", alert_engine_dropped(e));
    jw_obj_end(w);
    jw_key(w, "rules");
    if (rules && rules->len)
        jw_raw(w, rules->data, rules->len);
    else
        alert_encode_rules(w, e, nt);
    jw_key(w, "notifiers");
    encode_notifiers(w, nt);
    jw_kstr(w, "timestamp", clock_iso8601(now_ms, iso, sizeof iso));
    jw_kint(w, "timestamp_ms", now_ms);
    jw_obj_end(w);
}

void alert_encode_health(struct jsonw *w, const struct alert_engine *e, struct notifier *nt)
{
    unsigned firing, pending;
    counts(e, &firing, &pending);
    uint64_t dropped = 0, failed = 0;
    for (unsigned i = 0; nt && i < notifier_count(nt); i++) {
        struct notifier_stats st;
        notifier_stats(nt, i, &st);
        dropped += st.dropped;
        failed += st.failed;
    }
    jw_obj_begin(w);
    jw_kuint(w, "rules", alert_engine_rule_count(e));
    jw_kuint(w, "firing", firing);
    jw_kuint(w, "pending", pending);
    jw_kuint(w, "notifications_failed", failed);
    jw_kuint(w, "notifications_dropped", dropped);
    jw_obj_end(w);
}

static int notifier_families(struct buf *b, struct notifier *nt)
{
    unsigned n = nt ? notifier_count(nt) : 0;
    if (!n)
        return 0;
    struct notifier_stats st[ALERT_MAX_NOTIFIERS];
    for (unsigned i = 0; i < n; i++)
        notifier_stats(nt, i, &st[i]);
    int rc = prom_family(b, "vigil_alert_notifications_total", "counter",
                         "Notifications delivered (sent) or given up on (failed), per notifier.");
    for (unsigned i = 0; !rc && i < n; i++) {
        const char *sent[] = {"notifier", notifier_def(nt, i)->name, "result", "sent", NULL};
        const char *failed[] = {"notifier", notifier_def(nt, i)->name, "result", "failed", NULL};
        rc = prom_sample_u64(b, "vigil_alert_notifications_total", sent, st[i].sent);
        if (!rc)
            rc = prom_sample_u64(b, "vigil_alert_notifications_total", failed, st[i].failed);
    }
    static const struct {
        const char *name, *type, *help;
        size_t off;
    } more[] = {
        {"vigil_alert_notifications_dropped_total", "counter",
         "Notifications dropped because the delivery queue was full.",
         offsetof(struct notifier_stats, dropped)},
        {"vigil_alert_notification_retries_total", "counter",
         "Delivery attempts made after a failed one.", offsetof(struct notifier_stats, retries)},
    };
    for (size_t f = 0; !rc && f < sizeof more / sizeof more[0]; f++) {
        rc = prom_family(b, more[f].name, more[f].type, more[f].help);
        for (unsigned i = 0; !rc && i < n; i++) {
            const char *labels[] = {"notifier", notifier_def(nt, i)->name, NULL};
            uint64_t v;
            memcpy(&v, (const char *)&st[i] + more[f].off, sizeof v);
            rc = prom_sample_u64(b, more[f].name, labels, v);
        }
    }
    if (!rc)
        rc = prom_family(b, "vigil_alert_notifications_queued", "gauge",
                         "Notifications waiting for delivery or a retry.");
    for (unsigned i = 0; !rc && i < n; i++) {
        const char *labels[] = {"notifier", notifier_def(nt, i)->name, NULL};
        rc = prom_sample_u64(b, "vigil_alert_notifications_queued", labels, st[i].queued);
    }
    return rc;
}

int alert_encode_prom(struct buf *b, const struct alert_engine *e, struct notifier *nt,
                      double eval_seconds)
{
    int rc = 0;
    unsigned firing, pending;
    counts(e, &firing, &pending);
    /* Not "ALERTS": Prometheus writes that name itself for its own rules, and
     * deploy/prometheus-rules.yml gives those rules vigil's names. */
    if (firing + pending)
        rc = prom_family(b, "vigil_alerts", "gauge",
                         "Alert instances that are pending or firing, one per rule and series.");
    for (unsigned i = 0; !rc && i < alert_engine_count(e); i++) {
        const struct alert_instance *in = alert_engine_instance(e, i);
        if (in->state != ALERT_FIRING && in->state != ALERT_PENDING)
            continue;
        const char *labels[] = {"alertname",
                                in->rule,
                                "series",
                                in->series,
                                "severity",
                                alert_severity_name(alert_engine_rule_of(e, i)->severity),
                                "state",
                                alert_state_name(in->state),
                                NULL};
        rc = prom_sample(b, "vigil_alerts", labels, 1);
    }
    if (!rc)
        rc = notifier_families(b, nt);
    if (!rc)
        rc = prom_family(b, "vigil_alert_evaluation_seconds", "gauge",
                         "How long the last evaluation of every alert rule took.");
    if (!rc)
        rc = prom_sample(b, "vigil_alert_evaluation_seconds", NULL, eval_seconds);
    return rc;
}
