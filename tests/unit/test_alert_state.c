/* test_alert_state: the alert state machine on a made-up clock: for, hysteresis, flapping
 * values, missing data under each policy, absence rules, repeats, and an instance copied
 * mid-life (as a restart would restore it) carrying on without notifying again. */
#include <criterion/criterion.h>

#include "alert/state.h"

#define T0  1800000000000LL /* unix ms */
#define SEC 1000LL
#define MIN (60 * SEC)

static const int64_t no_repeat[ALERT_MAX_NOTIFIERS] = {0};

static struct alert_rule hot_rule(void)
{
    struct alert_rule r;
    alert_rule_init(&r, "gpu_hot", "gpu.0.temperature");
    r.cmp = ALERT_ABOVE;
    r.threshold = 85;
    r.clear = 85;
    r.for_ms = 60 * SEC;
    r.notify = 1;
    return r;
}

static const struct alert_obs *val(double v)
{
    static struct alert_obs o;
    o.present = true;
    o.value = v;
    return &o;
}

static const struct alert_obs *none(void)
{
    static const struct alert_obs o = {false, 0};
    return &o;
}

/* Steps and then marks whatever is due, as the engine does; returns the message. */
static enum alert_msg tick(const struct alert_rule *r, struct alert_instance *in,
                           const struct alert_obs *o, int64_t t, const int64_t *repeat)
{
    alert_step(r, in, o, t, NULL);
    uint32_t mask;
    enum alert_msg m = alert_due(r, in, repeat ? repeat : no_repeat, 1, t, &mask);
    alert_mark(in, m, mask, t);
    return m;
}

Test(alert_state, for_holds_before_firing)
{
    struct alert_rule r = hot_rule();
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    enum alert_state prev;
    cr_assert_not(alert_step(&r, &in, val(80), T0, &prev));
    cr_assert_eq(in.state, ALERT_INACTIVE);
    cr_assert(alert_step(&r, &in, val(90), T0 + 10 * SEC, &prev));
    cr_assert_eq(prev, ALERT_INACTIVE);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(in.active_since_ms, T0 + 10 * SEC);
    cr_assert_not(alert_step(&r, &in, val(91), T0 + 69 * SEC, NULL), "59 s is not 60");
    cr_assert_eq(in.state, ALERT_PENDING);
    uint32_t mask;
    cr_assert_eq(alert_due(&r, &in, no_repeat, 1, T0 + 69 * SEC, &mask), ALERT_MSG_NONE,
                 "pending tells nobody");
    cr_assert(alert_step(&r, &in, val(92), T0 + 70 * SEC, &prev));
    cr_assert_eq(prev, ALERT_PENDING);
    cr_assert_eq(in.state, ALERT_FIRING);
    cr_assert_eq(in.fired_at_ms, T0 + 70 * SEC);
    cr_assert_eq(in.changed_at_ms, T0 + 70 * SEC);
    cr_assert_eq(in.active_since_ms, T0 + 10 * SEC, "active since the first breach");
    cr_assert_eq(alert_due(&r, &in, no_repeat, 1, T0 + 70 * SEC, &mask), ALERT_MSG_FIRING);
    cr_assert_eq(mask, 1u);
}

Test(alert_state, a_dip_during_for_starts_it_over)
{
    struct alert_rule r = hot_rule();
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(90), T0, NULL);
    tick(&r, &in, val(90), T0 + 50 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(tick(&r, &in, val(84), T0 + 55 * SEC, NULL), ALERT_MSG_NONE);
    cr_assert_eq(in.state, ALERT_INACTIVE);
    cr_assert_eq(in.active_since_ms, 0);
    tick(&r, &in, val(90), T0 + 60 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(in.active_since_ms, T0 + 60 * SEC);
    tick(&r, &in, val(90), T0 + 110 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING, "the dip reset the clock");
    cr_assert_eq(tick(&r, &in, val(90), T0 + 120 * SEC, NULL), ALERT_MSG_FIRING);
}

Test(alert_state, for_zero_fires_at_once)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    cr_assert_eq(tick(&r, &in, val(86), T0, NULL), ALERT_MSG_FIRING);
    cr_assert_eq(in.state, ALERT_FIRING);
    cr_assert_eq(in.active_since_ms, T0);
    cr_assert_eq(in.fired_at_ms, T0);
}

Test(alert_state, hysteresis_holds_between_clear_and_threshold)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    r.clear = 80;
    r.has_clear = true;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    cr_assert_eq(tick(&r, &in, val(90), T0, NULL), ALERT_MSG_FIRING);
    /* noise around the threshold while firing: nothing happens */
    const double noise[] = {84, 86, 83, 85, 81, 84.9, 80};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++) {
        cr_assert_eq(tick(&r, &in, val(noise[i]), T0 + (int64_t)(i + 1) * SEC, NULL),
                     ALERT_MSG_NONE, "value %g", noise[i]);
        cr_assert_eq(in.state, ALERT_FIRING, "value %g", noise[i]);
    }
    cr_assert_eq(tick(&r, &in, val(79.9), T0 + 20 * SEC, NULL), ALERT_MSG_RESOLVED);
    cr_assert_eq(in.state, ALERT_RESOLVED);
    cr_assert_eq(in.resolved_at_ms, T0 + 20 * SEC);
    /* resolved: back between clear and threshold is no breach */
    cr_assert_eq(tick(&r, &in, val(84), T0 + 21 * SEC, NULL), ALERT_MSG_NONE);
    cr_assert_eq(in.state, ALERT_RESOLVED);
    cr_assert_eq(tick(&r, &in, val(86), T0 + 22 * SEC, NULL), ALERT_MSG_FIRING);
}

Test(alert_state, without_clear_it_resolves_at_the_threshold)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(85.5), T0, NULL);
    cr_assert_eq(in.state, ALERT_FIRING);
    cr_assert_eq(tick(&r, &in, val(85), T0 + SEC, NULL), ALERT_MSG_RESOLVED,
                 "85 is not above 85");
}

Test(alert_state, below_rules_mirror_above)
{
    struct alert_rule r;
    alert_rule_init(&r, "down", "inference.a.up");
    r.cmp = ALERT_BELOW;
    r.threshold = 1;
    r.clear = 1;
    r.for_ms = 30 * SEC;
    r.notify = 1;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(1), T0, NULL);
    cr_assert_eq(in.state, ALERT_INACTIVE);
    tick(&r, &in, val(0), T0 + SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(tick(&r, &in, val(0), T0 + 31 * SEC, NULL), ALERT_MSG_FIRING);
    cr_assert_eq(tick(&r, &in, val(1), T0 + 32 * SEC, NULL), ALERT_MSG_RESOLVED);

    r.threshold = 10; /* free space below 10, resolves above 20 */
    r.clear = 20;
    r.has_clear = true;
    r.for_ms = 0;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(5), T0, NULL);
    cr_assert_eq(in.state, ALERT_FIRING);
    tick(&r, &in, val(15), T0 + SEC, NULL);
    cr_assert_eq(in.state, ALERT_FIRING);
    tick(&r, &in, val(21), T0 + 2 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_RESOLVED);
}

Test(alert_state, flapping_values_pause_notifications_until_settled)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    int64_t t = T0;
    const enum alert_msg want[] = {ALERT_MSG_FIRING, ALERT_MSG_RESOLVED, ALERT_MSG_FIRING,
                                   ALERT_MSG_RESOLVED, ALERT_MSG_FLAPPING, ALERT_MSG_NONE,
                                   ALERT_MSG_NONE, ALERT_MSG_NONE};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++, t += 10 * SEC) {
        enum alert_msg m = tick(&r, &in, val(i % 2 ? 70 : 90), t, NULL);
        cr_assert_eq(m, want[i], "step %zu: %s, want %s", i, alert_msg_name(m),
                     alert_msg_name(want[i]));
    }
    cr_assert(in.flapping);
    cr_assert_eq(in.state, ALERT_RESOLVED);
    /* it settles firing: once a whole window passed since the last start, say so */
    tick(&r, &in, val(90), t, NULL);
    cr_assert_eq(in.state, ALERT_FIRING);
    int64_t last_start = t;
    cr_assert_eq(tick(&r, &in, val(90), last_start + r.flap_window_ms - SEC, NULL),
                 ALERT_MSG_NONE);
    cr_assert(in.flapping);
    cr_assert_eq(tick(&r, &in, val(90), last_start + r.flap_window_ms, NULL), ALERT_MSG_FIRING);
    cr_assert_not(in.flapping);
    cr_assert_eq(tick(&r, &in, val(70), last_start + r.flap_window_ms + SEC, NULL),
                 ALERT_MSG_RESOLVED);
}

Test(alert_state, flapping_that_settles_resolved_says_resolved)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    r.flap_starts = 2;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    cr_assert_eq(tick(&r, &in, val(90), T0, NULL), ALERT_MSG_FIRING);
    cr_assert_eq(tick(&r, &in, val(70), T0 + SEC, NULL), ALERT_MSG_RESOLVED);
    cr_assert_eq(tick(&r, &in, val(90), T0 + 2 * SEC, NULL), ALERT_MSG_FLAPPING);
    cr_assert_eq(tick(&r, &in, val(70), T0 + 3 * SEC, NULL), ALERT_MSG_NONE);
    cr_assert_eq(tick(&r, &in, val(70), T0 + 2 * SEC + r.flap_window_ms, NULL),
                 ALERT_MSG_RESOLVED);
    cr_assert_not(in.flapping);
    cr_assert_eq(tick(&r, &in, val(70), T0 + 3 * SEC + r.flap_window_ms, NULL), ALERT_MSG_NONE);
}

Test(alert_state, missing_data_keep)
{
    struct alert_rule r = hot_rule();
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(90), T0, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    tick(&r, &in, none(), T0 + 10 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_INACTIVE, "pending cannot show the condition held");
    cr_assert_not(in.has_value);
    cr_assert_eq(in.value, 90, "the last value is kept for messages");
    tick(&r, &in, val(90), T0 + 20 * SEC, NULL);
    cr_assert_eq(tick(&r, &in, val(90), T0 + 80 * SEC, NULL), ALERT_MSG_FIRING);
    for (int i = 1; i <= 10; i++)
        cr_assert_eq(tick(&r, &in, none(), T0 + 80 * SEC + i * MIN, NULL), ALERT_MSG_NONE);
    cr_assert_eq(in.state, ALERT_FIRING, "firing keeps firing without data");
    cr_assert_eq(tick(&r, &in, val(70), T0 + 20 * MIN, NULL), ALERT_MSG_RESOLVED);
}

Test(alert_state, missing_data_alert)
{
    struct alert_rule r = hot_rule();
    r.nodata = ALERT_NODATA_ALERT;
    r.for_ms = 30 * SEC;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(70), T0, NULL);
    tick(&r, &in, none(), T0 + SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(tick(&r, &in, none(), T0 + 31 * SEC, NULL), ALERT_MSG_FIRING);
    cr_assert_not(in.has_value);
    cr_assert_eq(tick(&r, &in, val(70), T0 + 40 * SEC, NULL), ALERT_MSG_RESOLVED,
                 "data back and fine");
}

Test(alert_state, missing_data_ok)
{
    struct alert_rule r = hot_rule();
    r.nodata = ALERT_NODATA_OK;
    r.for_ms = 0;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    cr_assert_eq(tick(&r, &in, val(90), T0, NULL), ALERT_MSG_FIRING);
    cr_assert_eq(tick(&r, &in, none(), T0 + SEC, NULL), ALERT_MSG_RESOLVED);
    cr_assert_eq(tick(&r, &in, none(), T0 + 2 * SEC, NULL), ALERT_MSG_NONE);
    cr_assert_eq(in.state, ALERT_RESOLVED);
}

Test(alert_state, absence_rule_fires_only_on_missing_data)
{
    struct alert_rule r;
    alert_rule_init(&r, "node_down", "node.b.up");
    r.cmp = ALERT_ABSENT;
    r.nodata = ALERT_NODATA_ALERT;
    r.for_ms = 30 * SEC;
    r.notify = 1;
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    tick(&r, &in, val(0), T0, NULL);
    tick(&r, &in, val(12345), T0 + 40 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_INACTIVE, "any value means present");
    tick(&r, &in, none(), T0 + 50 * SEC, NULL);
    cr_assert_eq(in.state, ALERT_PENDING);
    cr_assert_eq(tick(&r, &in, none(), T0 + 80 * SEC, NULL), ALERT_MSG_FIRING);
    cr_assert_eq(tick(&r, &in, val(1), T0 + 81 * SEC, NULL), ALERT_MSG_RESOLVED);
}

Test(alert_state, repeats_per_notifier)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    r.notify = 0x7; /* three notifiers: every hour, every 4 hours, never */
    const int64_t repeat[ALERT_MAX_NOTIFIERS] = {60 * MIN, 240 * MIN, 0};
    struct alert_instance in;
    alert_instance_init(&in, r.name, r.series);
    uint32_t mask;
    alert_step(&r, &in, val(90), T0, NULL);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0, &mask), ALERT_MSG_FIRING);
    cr_assert_eq(mask, 0x7u);
    alert_mark(&in, ALERT_MSG_FIRING, mask, T0);
    alert_step(&r, &in, val(90), T0 + 59 * MIN, NULL);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0 + 59 * MIN, &mask), ALERT_MSG_NONE);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0 + 60 * MIN, &mask), ALERT_MSG_REPEAT);
    cr_assert_eq(mask, 0x1u);
    alert_mark(&in, ALERT_MSG_REPEAT, mask, T0 + 60 * MIN);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0 + 119 * MIN, &mask), ALERT_MSG_NONE);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0 + 240 * MIN, &mask), ALERT_MSG_REPEAT);
    cr_assert_eq(mask, 0x3u, "both due at 4 h; the third never repeats");
    alert_mark(&in, ALERT_MSG_REPEAT, mask, T0 + 240 * MIN);
    cr_assert_eq(in.notified_at_ms[0], T0 + 240 * MIN);
    cr_assert_eq(in.notified_at_ms[2], T0);
    /* a rule that notifies nobody still moves through the same states */
    r.notify = 0;
    alert_instance_init(&in, r.name, r.series);
    alert_step(&r, &in, val(90), T0, NULL);
    cr_assert_eq(alert_due(&r, &in, repeat, 3, T0, &mask), ALERT_MSG_FIRING);
    cr_assert_eq(mask, 0u);
}

Test(alert_state, a_restored_instance_does_not_notify_again)
{
    struct alert_rule r = hot_rule();
    r.for_ms = 0;
    struct alert_instance in, saved;
    alert_instance_init(&in, r.name, r.series);
    cr_assert_eq(tick(&r, &in, val(90), T0, NULL), ALERT_MSG_FIRING);
    saved = in; /* what the history would write and read back */
    struct alert_instance restored;
    memcpy(&restored, &saved, sizeof restored);
    cr_assert_eq(tick(&r, &restored, val(91), T0 + 5 * MIN, NULL), ALERT_MSG_NONE);
    cr_assert_eq(restored.state, ALERT_FIRING);
    cr_assert_eq(restored.fired_at_ms, T0);
    cr_assert_eq(tick(&r, &restored, val(60), T0 + 6 * MIN, NULL), ALERT_MSG_RESOLVED);
}

Test(alert_state, names)
{
    cr_assert_str_eq(alert_state_name(ALERT_INACTIVE), "inactive");
    cr_assert_str_eq(alert_state_name(ALERT_PENDING), "pending");
    cr_assert_str_eq(alert_state_name(ALERT_FIRING), "firing");
    cr_assert_str_eq(alert_state_name(ALERT_RESOLVED), "resolved");
    cr_assert_str_eq(alert_state_name((enum alert_state)9), "?");
    cr_assert_str_eq(alert_msg_name(ALERT_MSG_FLAPPING), "flapping");
}
