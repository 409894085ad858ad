/*
 * evaluator: the alert thread. Every interval, on the monotonic clock, it evaluates every
 * rule against the store (lock-free reads that never block a collector), hands each due
 * notification to the notifier (a copy into its bounded queue: a dead endpoint never
 * delays a cycle), posts each change of state on the `alerts` stream, and publishes a
 * BOARD_ALERTS snap, which wakes the event loop. It never touches a socket.
 */
#ifndef VIGIL_EVALUATOR_H
#define VIGIL_EVALUATOR_H

#include <stddef.h>
#include <stdint.h>

#include "alert/engine.h"
#include "alert/notifier.h"
#include "alert/rules.h"
#include "store/board.h"
#include "store/store.h"

/* The documents of a BOARD_ALERTS snap. */
enum alert_doc {
    ALERT_DOC_API,    /* JSON object: the whole GET /api/v1/alerts document */
    ALERT_DOC_PROM,   /* exposition text: vigil_alerts, notification counters */
    ALERT_DOC_HEALTH, /* JSON object: the `alerts` part of /health */
};
/* Its one channel, "alerts": the active list (JSON array, alert_encode_active). */
#define ALERT_CHANNEL "alerts"

/* Posts one notification on a stream channel (streams_post in the daemon). Any thread. */
typedef int (*alert_post_fn)(void *arg, const char *channel, const char *method,
                             const char *data, size_t len);

struct alert_evaluator_opts {
    int64_t interval_ms;
    int64_t stale_ms;       /* data older than this is missing (rules with stale = 0s) */
    unsigned max_instances; /* 4096 */
    unsigned recent;        /* changes kept for the API (100) */
    const char *hostname;   /* copied; named in notifications */
    alert_post_fn post;     /* may be NULL */
    void *post_arg;
    /* Told of each instance that changed state or was notified in a cycle (a copy is the
     * callee's to make), with the recent-history entry when it started or stopped firing
     * (else NULL): the history on disk keeps them. May be NULL. */
    void (*save)(void *arg, const struct alert_instance *in, const struct alert_event *ev);
    void *save_arg;
};

struct alert_evaluator;

/* Returns a new evaluator for n_rules rules (copied) over store and board (borrowed; they
 * must outlive it), or NULL. It delivers through nt (borrowed, may be NULL: no
 * notifications), whose notifiers are the ones the rules' notify bits name. */
struct alert_evaluator *alert_evaluator_new(const struct alert_rule *rules, unsigned n_rules,
                                            struct store *store, struct board *board,
                                            struct notifier *nt,
                                            const struct alert_evaluator_opts *opts);
/* Starts the thread; the first evaluation runs one interval from now. */
int alert_evaluator_start(struct alert_evaluator *ev);
/* Asks the thread to stop and waits for it. Safe when not started. */
void alert_evaluator_stop(struct alert_evaluator *ev);
void alert_evaluator_free(struct alert_evaluator *ev);

/* One evaluation at now_ms (unix ms) on the calling thread: the thread calls this; tests
 * and benchmarks may call it instead of starting the thread. */
void alert_evaluator_cycle(struct alert_evaluator *ev, int64_t now_ms);
/* Before the thread starts, on the thread that made ev: gives back a saved instance and
 * recent-history entries (oldest first); see alert_engine_restore(). */
int alert_evaluator_restore(struct alert_evaluator *ev, const struct alert_instance *in);
void alert_evaluator_restore_recent(struct alert_evaluator *ev, const struct alert_event *e);
/* Cycles run so far; any thread. */
uint64_t alert_evaluator_cycles(const struct alert_evaluator *ev);
/* The engine, for tests on the owning thread. */
const struct alert_engine *alert_evaluator_engine(const struct alert_evaluator *ev);

#endif
