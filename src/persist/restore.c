/*
 * restore: adapters both ways (see restore.h). A record the writer's queue refuses (full)
 * is counted there; the agents and the evaluator never wait for disk.
 */
#include "persist/restore.h"

#include "agents/agents.h"
#include "agents/ring.h"
#include "alert/evaluator.h"
#include "persist/disk_reader.h"
#include "persist/persist.h"

#define DAY_MS  (24LL * 3600 * 1000)
#define HOUR_MS (3600LL * 1000)

static void sink_event(void *arg, const struct agent_event *e)
{
    persist_event(arg, e);
}

static void sink_model_call(void *arg, const struct agent_model_call *c)
{
    persist_model_call(arg, c);
}

static void sink_task(void *arg, int64_t ts_ms, const struct ingest_task_end *te)
{
    persist_task(arg, ts_ms, te->task_id, te->project, (int)te->status, te->has_duration,
                 te->duration_ms);
}

void persist_agents_sink(struct persist *p, struct agents_sink *sink)
{
    sink->event = sink_event;
    sink->model_call = sink_model_call;
    sink->task = sink_task;
    sink->arg = p;
}

void persist_alert_save(void *arg, const struct alert_instance *in, const struct alert_event *ev)
{
    persist_alert_state(arg, in);
    if (ev)
        persist_alert_event(arg, ev);
}

struct agents_ctx {
    struct agents *a;
    struct restore_counts *c;
};

static void give_event(void *arg, const struct agent_event *e)
{
    struct agents_ctx *x = arg;
    agents_restore_event(x->a, e);
    x->c->events++;
}

static void give_call(void *arg, const struct agent_model_call *c)
{
    struct agents_ctx *x = arg;
    agents_restore_model_call(x->a, c);
    x->c->model_calls++;
}

static void give_tasks(void *arg, int64_t minute_ms, int status, uint64_t n, double sum,
                       uint64_t durs)
{
    struct agents_ctx *x = arg;
    if (status < INGEST_TASK_SUCCESS || status > INGEST_TASK_TIMEOUT)
        return;
    agents_restore_tasks(x->a, minute_ms, (enum ingest_task_status)status, n, sum, durs);
    x->c->tasks += n;
}

static void give_errors(void *arg, int64_t minute_ms, uint64_t n)
{
    struct agents_ctx *x = arg;
    agents_restore_errors(x->a, minute_ms, n);
}

int persist_restore_agents(struct disk_reader *r, struct agents *a, int64_t now_ms,
                           struct restore_counts *c)
{
    struct agents_ctx x = {a, c};
    int rc = disk_reader_events(r, agents_events(a)->cap, give_event, &x);
    if (!rc)
        rc = disk_reader_model_calls(r, agents_model_calls(a)->cap, give_call, &x);
    if (!rc)
        rc = disk_reader_task_minutes(r, now_ms - DAY_MS, give_tasks, &x);
    if (!rc)
        rc = disk_reader_error_minutes(r, now_ms - HOUR_MS, give_errors, &x);
    return rc;
}

struct alerts_ctx {
    struct alert_evaluator *ev;
    struct restore_counts *c;
};

static void give_instance(void *arg, const struct alert_instance *in)
{
    struct alerts_ctx *x = arg;
    if (alert_evaluator_restore(x->ev, in) == 0)
        x->c->alerts++;
}

static void give_alert_event(void *arg, const struct alert_event *e)
{
    struct alerts_ctx *x = arg;
    alert_evaluator_restore_recent(x->ev, e);
    x->c->alert_events++;
}

int persist_restore_alerts(struct disk_reader *r, struct alert_evaluator *ev, size_t recent,
                           struct restore_counts *c)
{
    struct alerts_ctx x = {ev, c};
    int rc = disk_reader_alert_states(r, give_instance, &x);
    if (!rc)
        rc = disk_reader_alert_events(r, recent, give_alert_event, &x);
    return rc;
}
