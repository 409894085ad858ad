/*
 * engine: rules applied to the store. Each rule has one instance per series it matches: a
 * rule on a name has one from the start (so the absence of that series can fire), a rule
 * with '*' parts gains one whenever a matching series is registered, however late. An
 * evaluation reads each instance's series without locks (store_latest/store_read), steps
 * its state machine and lists what changed and what notifiers must be told.
 *
 * No clock and no thread of its own: the caller passes the time. Owned by one thread (the
 * evaluator); the store may be written meanwhile by its collectors. Allocates at creation
 * only: an evaluation allocates nothing.
 */
#ifndef VIGIL_ALERT_ENGINE_H
#define VIGIL_ALERT_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/rules.h"
#include "alert/state.h"
#include "store/store.h"

#define ALERT_WINDOW_MAX 4096 /* samples an aggregate reads; a longer window uses the newest */

struct alert_engine_opts {
    /* For rules with stale 0: data older than three of its series' own intervals, and older
     * than this, is missing. */
    int64_t default_stale_ms;
    unsigned max_instances;   /* more matches than this are not evaluated (counted) */
    unsigned recent;          /* state changes kept for the API */
    const int64_t *repeat_ms; /* per notifier, n_notifiers of them (copied) */
    unsigned n_notifiers;
};

/* A change of state in the last evaluation. */
struct alert_change {
    unsigned inst;
    enum alert_state from, to;
};

/* A message due in the last evaluation: notifiers in mask must be told msg about inst. */
struct alert_note {
    unsigned inst;
    enum alert_msg msg;
    uint32_t mask;
};

/* One entry of the recent history: an instance that started or stopped firing. */
struct alert_event {
    char rule[ALERT_NAME_MAX];
    char series[STORE_NAME_MAX];
    enum alert_severity severity;
    enum alert_state state; /* FIRING or RESOLVED */
    bool has_value;
    double value;
    int64_t at_ms;
    int64_t fired_at_ms; /* for a resolve: when it had started firing */
};

struct alert_engine;

/* Returns a new engine for n_rules rules (copied) over store (borrowed; it must outlive
 * the engine), or NULL when out of memory. */
struct alert_engine *alert_engine_new(const struct alert_rule *rules, unsigned n_rules,
                                      const struct store *store,
                                      const struct alert_engine_opts *opts);
void alert_engine_free(struct alert_engine *e);

/* Matches series registered since the last call, evaluates every instance at now_ms and
 * records the changes and notes of this evaluation (valid until the next one). */
void alert_engine_eval(struct alert_engine *e, int64_t now_ms);

unsigned alert_engine_changes(const struct alert_engine *e, const struct alert_change **out);
unsigned alert_engine_notes(const struct alert_engine *e, const struct alert_note **out);

/* Instances, in the order they were made. */
unsigned alert_engine_count(const struct alert_engine *e);
const struct alert_instance *alert_engine_instance(const struct alert_engine *e, unsigned i);
const struct alert_rule *alert_engine_rule_of(const struct alert_engine *e, unsigned i);
/* The unit of instance i's series ("" when unknown; "percent" for a ratio). */
const char *alert_engine_unit(const struct alert_engine *e, unsigned i);
/* Matches left out because max_instances was reached. */
uint64_t alert_engine_dropped(const struct alert_engine *e);

/* The recent history, newest first: i from 0 to the count - 1. */
unsigned alert_engine_recent_count(const struct alert_engine *e);
const struct alert_event *alert_engine_recent(const struct alert_engine *e, unsigned i);

unsigned alert_engine_rule_count(const struct alert_engine *e);
const struct alert_rule *alert_engine_rule(const struct alert_engine *e, unsigned r);

/*
 * After a restart, before the first evaluation: gives back a saved instance (copied), so a
 * firing alert stays firing and is not notified again. An instance of a '*' rule whose
 * series is not registered yet waits for it. -VIGIL_ENOENT when no rule of that name (any
 * more) covers that series, -VIGIL_EFULL when max_instances are taken.
 */
int alert_engine_restore(struct alert_engine *e, const struct alert_instance *in);
/* Gives back one entry of the recent history; oldest first. */
void alert_engine_restore_recent(struct alert_engine *e, const struct alert_event *ev);

#endif
