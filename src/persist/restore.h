/*
 * restore: the seams between history on disk and the modules that own live state. Going
 * out, adapters hand the agents' records and the alert evaluator's saves to the writer's
 * queue; coming back at start-up, what was saved is read and given back to the agents (the
 * event and model-call rings, the 24 h task window, the hour of errors) and to the alert
 * evaluator (every instance and the recent history), so a restart neither forgets the day
 * nor notifies every firing alert again.
 */
#ifndef VIGIL_PERSIST_RESTORE_H
#define VIGIL_PERSIST_RESTORE_H

#include <stddef.h>
#include <stdint.h>

struct agents;
struct agents_sink;
struct alert_evaluator;
struct alert_event;
struct alert_instance;
struct disk_reader;
struct persist;

/* Fills sink so that the agents' records go to p's queue. */
void persist_agents_sink(struct persist *p, struct agents_sink *sink);
/* An alert_evaluator_opts.save for p (arg: the struct persist). */
void persist_alert_save(void *arg, const struct alert_instance *in, const struct alert_event *ev);

struct restore_counts {
    size_t events, model_calls, tasks, alerts, alert_events;
};

/* Gives back, at now_ms, the newest events and model calls (as many as the rings hold),
 * the task outcomes of the last 24 h and the errors of the last hour. 0 or a negative code
 * (what was given back before a failure stays). */
int persist_restore_agents(struct disk_reader *r, struct agents *a, int64_t now_ms,
                           struct restore_counts *c);
/* Gives back every saved alert instance that a rule still covers, and the recent history
 * (up to `recent` entries). */
int persist_restore_alerts(struct disk_reader *r, struct alert_evaluator *ev, size_t recent,
                           struct restore_counts *c);

#endif
