/*
 * state: one instance's transitions (see state.h). Missing data is turned into a breach or
 * a clear by the rule's nodata policy before the transition table runs, so the table has
 * one shape for every rule.
 */
#include "alert/state.h"

#include <stdio.h>
#include <string.h>

static const char *const state_names[] = {"inactive", "pending", "firing", "resolved"};
static const char *const msg_names[] = {"none", "firing", "repeat", "resolved", "flapping"};

const char *alert_state_name(enum alert_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
}

const char *alert_msg_name(enum alert_msg m)
{
    return (unsigned)m < 5 ? msg_names[m] : "?";
}

void alert_instance_init(struct alert_instance *in, const char *rule, const char *series)
{
    memset(in, 0, sizeof *in);
    snprintf(in->rule, sizeof in->rule, "%s", rule);
    snprintf(in->series, sizeof in->series, "%s", series);
}

/* How many of the recorded starts fall within the window ending at now. */
static unsigned recent_starts(const struct alert_rule *r, const struct alert_instance *in,
                              int64_t now_ms)
{
    unsigned kept = in->n_starts < ALERT_FLAP_MAX ? in->n_starts : ALERT_FLAP_MAX;
    unsigned n = 0;
    for (unsigned i = 0; i < kept; i++)
        n += now_ms - in->starts[i] < r->flap_window_ms;
    return n;
}

static void fire(const struct alert_rule *r, struct alert_instance *in, int64_t now_ms)
{
    in->state = ALERT_FIRING;
    in->fired_at_ms = now_ms;
    in->starts[in->n_starts % ALERT_FLAP_MAX] = now_ms;
    in->n_starts++;
    unsigned limit = r->flap_starts < ALERT_FLAP_MAX ? r->flap_starts : ALERT_FLAP_MAX;
    if (limit >= 2 && recent_starts(r, in, now_ms) >= limit)
        in->flapping = true;
}

/* Turns an observation into (breach, cleared); false when the step changes nothing at all
 * (missing data under nodata = keep, outside pending). */
static bool judge(const struct alert_rule *r, const struct alert_instance *in,
                  const struct alert_obs *obs, bool *breach, bool *cleared)
{
    *breach = *cleared = false;
    if (!obs->present) {
        switch (r->nodata) {
        case ALERT_NODATA_ALERT:
            *breach = true;
            return true;
        case ALERT_NODATA_OK:
            *cleared = true;
            return true;
        case ALERT_NODATA_KEEP:
            /* a firing alert keeps firing; a pending one cannot show the condition held */
            return in->state == ALERT_PENDING;
        }
        return false;
    }
    double v = obs->value;
    switch (r->cmp) {
    case ALERT_ABSENT:
        *cleared = true;
        break;
    case ALERT_ABOVE:
        *breach = v > r->threshold;
        *cleared = r->has_clear ? v < r->clear : !*breach;
        break;
    case ALERT_BELOW:
        *breach = v < r->threshold;
        *cleared = r->has_clear ? v > r->clear : !*breach;
        break;
    }
    return true;
}

bool alert_step(const struct alert_rule *r, struct alert_instance *in,
                const struct alert_obs *obs, int64_t now_ms, enum alert_state *prev)
{
    enum alert_state before = in->state;
    if (prev)
        *prev = before;
    in->has_value = obs->present;
    if (obs->present)
        in->value = obs->value;
    /* flapping ends once a whole window passes without a new start */
    if (in->flapping && in->n_starts > 0 &&
        now_ms - in->starts[(in->n_starts - 1) % ALERT_FLAP_MAX] >= r->flap_window_ms)
        in->flapping = false;

    bool breach, cleared;
    if (!judge(r, in, obs, &breach, &cleared))
        return false;
    switch (in->state) {
    case ALERT_INACTIVE:
    case ALERT_RESOLVED:
        if (!breach)
            break;
        in->active_since_ms = now_ms;
        if (r->for_ms <= 0)
            fire(r, in, now_ms);
        else
            in->state = ALERT_PENDING;
        break;
    case ALERT_PENDING:
        if (!breach) {
            in->state = ALERT_INACTIVE;
            in->active_since_ms = 0;
        } else if (now_ms - in->active_since_ms >= r->for_ms) {
            fire(r, in, now_ms);
        }
        break;
    case ALERT_FIRING:
        if (cleared) {
            in->state = ALERT_RESOLVED;
            in->resolved_at_ms = now_ms;
            in->active_since_ms = 0;
        }
        break;
    }
    if (in->state == before)
        return false;
    in->changed_at_ms = now_ms;
    return true;
}

enum alert_msg alert_due(const struct alert_rule *r, const struct alert_instance *in,
                         const int64_t *repeat_ms, unsigned n_notifiers, int64_t now_ms,
                         uint32_t *mask)
{
    *mask = r->notify;
    if (in->flapping)
        return in->notified == ALERT_MSG_FLAPPING ? ALERT_MSG_NONE : ALERT_MSG_FLAPPING;
    if (in->state != ALERT_FIRING) {
        bool told = in->notified == ALERT_MSG_FIRING || in->notified == ALERT_MSG_FLAPPING;
        return told ? ALERT_MSG_RESOLVED : ALERT_MSG_NONE;
    }
    if (in->notified != ALERT_MSG_FIRING)
        return ALERT_MSG_FIRING;
    *mask = 0;
    for (unsigned i = 0; i < n_notifiers && i < ALERT_MAX_NOTIFIERS; i++) {
        if ((r->notify & (1u << i)) && repeat_ms[i] > 0 &&
            now_ms - in->notified_at_ms[i] >= repeat_ms[i])
            *mask |= 1u << i;
    }
    return *mask ? ALERT_MSG_REPEAT : ALERT_MSG_NONE;
}

void alert_mark(struct alert_instance *in, enum alert_msg m, uint32_t mask, int64_t now_ms)
{
    switch (m) {
    case ALERT_MSG_NONE:
        return;
    case ALERT_MSG_FIRING:
        in->notified = ALERT_MSG_FIRING;
        break;
    case ALERT_MSG_REPEAT:
        break;
    case ALERT_MSG_RESOLVED:
        in->notified = ALERT_MSG_NONE;
        return;
    case ALERT_MSG_FLAPPING:
        in->notified = ALERT_MSG_FLAPPING;
        return;
    }
    for (unsigned i = 0; i < ALERT_MAX_NOTIFIERS; i++)
        if (mask & (1u << i))
            in->notified_at_ms[i] = now_ms;
}
