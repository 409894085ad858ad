/*
 * state: the life of one alert instance (one rule applied to one series) as a pure state
 * machine. No clock, no store, no I/O: each step is given what was observed and the time,
 * so every path (for, hysteresis, flapping, missing data) is tested with a made-up clock.
 *
 *   inactive --breach--> pending --held for `for`--> firing --cleared--> resolved
 *       ^                   |                                              |
 *       +----no breach------+                   resolved --breach--> pending (or firing)
 *
 * A breach is the value past the threshold; cleared is the value past `clear` (the
 * threshold itself when no clear is set), so between the two a firing alert stays firing.
 * Notifications follow from the state and what notifiers were last told (firing, then
 * resolved; a repeat while firing; one "flapping" message, then silence until it settles),
 * so a step never sends twice for one change and a restored instance carries on.
 *
 * struct alert_instance is plain data keyed by rule and series name: the history issue
 * saves it as is and gives it back after a restart, so nothing re-fires.
 */
#ifndef VIGIL_ALERT_STATE_H
#define VIGIL_ALERT_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/rules.h"
#include "store/store.h"

#define ALERT_FLAP_MAX 8 /* the most fire starts a rule's flap detection looks at */

enum alert_state { ALERT_INACTIVE, ALERT_PENDING, ALERT_FIRING, ALERT_RESOLVED };

/* What notifiers are told. REPEAT: still firing, after the notifier's repeat interval. */
enum alert_msg {
    ALERT_MSG_NONE,
    ALERT_MSG_FIRING,
    ALERT_MSG_REPEAT,
    ALERT_MSG_RESOLVED,
    ALERT_MSG_FLAPPING
};

/* One observation: present is false when the series has no fresh data. */
struct alert_obs {
    bool present;
    double value;
};

struct alert_instance {
    char rule[ALERT_NAME_MAX];
    char series[STORE_NAME_MAX];
    enum alert_state state;
    bool flapping;
    bool has_value;          /* the last step had fresh data */
    double value;            /* the last value seen (kept while data is missing) */
    int64_t active_since_ms; /* when the condition began to hold; 0 while it does not */
    int64_t fired_at_ms;     /* when it last started firing; 0 never */
    int64_t resolved_at_ms;  /* when it last resolved; 0 never */
    int64_t changed_at_ms;   /* the last change of state */
    int64_t starts[ALERT_FLAP_MAX]; /* the last times it started firing, a ring */
    unsigned n_starts;              /* starts ever recorded */
    enum alert_msg notified;        /* NONE, FIRING or FLAPPING: what notifiers were told */
    int64_t notified_at_ms[ALERT_MAX_NOTIFIERS];
};

void alert_instance_init(struct alert_instance *in, const char *rule, const char *series);

/* Advances in by one observation at now_ms (unix ms, never going backwards). Returns true
 * when the state changed; *prev (may be NULL) gets the state before. */
bool alert_step(const struct alert_rule *r, struct alert_instance *in,
                const struct alert_obs *obs, int64_t now_ms, enum alert_state *prev);

/* What the notifiers of r should be told now, and which of them (*mask, bits of r->notify).
 * repeat_ms[i] is notifier i's repeat interval (0: never). Call alert_mark() once sent. */
enum alert_msg alert_due(const struct alert_rule *r, const struct alert_instance *in,
                         const int64_t *repeat_ms, unsigned n_notifiers, int64_t now_ms,
                         uint32_t *mask);
void alert_mark(struct alert_instance *in, enum alert_msg m, uint32_t mask, int64_t now_ms);

const char *alert_state_name(enum alert_state s);
const char *alert_msg_name(enum alert_msg m);

#endif
