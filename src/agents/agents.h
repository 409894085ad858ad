/*
 * agents: what vigil keeps about the agents that report to it (seed 003's MetricsCollector),
 * built from ingest events: counters, the sessions and requests in flight, the last model
 * calls and events, tasks and errors in sliding windows, per-tool and per-project figures.
 * Everything is bounded and allocated by agents_new(); applying an event allocates nothing.
 *
 * One owner (the daemon's event loop): nothing here is thread-safe. There is no clock
 * inside: every call that needs the time takes now_ms (unix ms, never going backwards).
 *
 * What the figures mean:
 *   messages_processed  request_end events: each agent request that completed, whatever
 *                       its status (seed 003 counts every agent.send that completes).
 *   errors              every error that lands in the event ring: `event`s of level error,
 *                       and one for each failed (error or timeout) request_end and tool_call
 *                       and each model_call with an error. errors_1h: those of the last hour.
 *   tokens_per_sec      model-call output tokens over the last minute (or since start, when
 *                       that is shorter), per second.
 *   error_rate          failed share of the model calls and request_ends of the last 5 min.
 *   model_calls         total since start; avg_latency_ms and error_rate over recent_calls.
 *   tasks               completed_1h and completed_24h count every task_end whatever its
 *                       status; success_rate, avg_completion_ms and timeouts are over 24 h.
 * Rates are fractions (0..1). A rate or average with nothing to divide by is null, never 0.
 * An event's "ts" places it in the windows and gives ages; a "ts" in the future counts as
 * now, and one older than a window reaches is left out of that window only.
 */
#ifndef VIGIL_AGENTS_H
#define VIGIL_AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agents/projects.h"
#include "parse/ingest.h"

struct jsonw;
struct ring;

struct agents_config {
    unsigned max_sessions;  /* active sessions tracked; default 4096 */
    unsigned max_requests;  /* requests in flight tracked; default 4096 */
    unsigned max_tools;     /* distinct tools; default 256 */
    unsigned max_projects;  /* default 64 */
    int64_t idle_ms;        /* sessions and requests unheard of this long expire; 30 min */
    int64_t stale_ms;       /* a project's report older than this is stale; 10 s */
    unsigned model_calls;   /* the model-call ring; default 200 */
    unsigned events;        /* the event ring; default 500 */
    unsigned summary_calls; /* recent_calls in agents_encode_json(); default 200 */
};

/* Fills c with the defaults above. */
void agents_config_defaults(struct agents_config *c);

/* One model call as kept in the ring. */
struct agent_model_call {
    int64_t ts_ms;
    char provider[INGEST_ID_CEIL + 1];
    char model[INGEST_ID_CEIL + 1];
    char session_id[INGEST_ID_CEIL + 1];
    double latency_ms;
    bool has_latency;
    bool failed;
    uint64_t input_tokens;
    uint64_t output_tokens;
    char error[INGEST_TEXT_CEIL + 1];
};

/* One event as kept in the ring. */
struct agent_event {
    uint64_t seq; /* 1 for the first event since start */
    int64_t ts_ms;
    enum ingest_level level;
    char source[INGEST_ID_CEIL + 1];
    char message[INGEST_TEXT_CEIL + 1];
    char context[INGEST_CONTEXT_CEIL + 1]; /* compact JSON object, "" for none */
};

/* The derived figures, for the summary document, series and /health. */
struct agents_figures {
    double uptime_s;
    unsigned active_sessions;
    bool has_oldest_session;
    double oldest_session_age_s;
    bool has_queue_depth;
    uint64_t queue_depth;
    uint64_t messages_processed;
    uint64_t errors;
    uint64_t errors_1h;
    unsigned active_requests;
    double tokens_per_sec;
    bool has_error_rate;
    double error_rate;
    uint64_t model_calls_total;
    bool has_avg_latency;
    double avg_latency_ms;
    bool has_model_error_rate;
    double model_error_rate;
    unsigned tools;
    uint64_t tasks_completed_1h;
    uint64_t tasks_completed_24h;
    bool has_success_rate;
    double success_rate;
    bool has_avg_completion;
    double avg_completion_ms;
    uint64_t tasks_timeouts_24h;
    uint64_t sessions_expired, sessions_evicted;
    uint64_t requests_expired, requests_evicted;
    uint64_t projects_evicted;
    uint64_t tool_calls_untracked;
};

struct agents;

/* Returns a new struct agents whose uptime counts from now_ms, sized by cfg (borrowed;
 * NULL for the defaults); free it with agents_free(). NULL when cfg is out of range or
 * memory runs out. */
struct agents *agents_new(const struct agents_config *cfg, int64_t now_ms);
void agents_free(struct agents *a);

/*
 * Applies one decoded event (borrowed for the call) received at now_ms. 0, or a negative
 * code when it could not be recorded (-VIGIL_E2BIG: an id longer than INGEST_ID_CEIL,
 * which the decoder never produces; -VIGIL_EINVAL: an unknown kind). Ending a session or
 * request that is not active is not an error: the end is still counted where it counts.
 */
int agents_apply(struct agents *a, const struct ingest_event *ev, int64_t now_ms);

/* Applies every event of a decoded batch; returns how many were applied. */
size_t agents_apply_batch(struct agents *a, const struct ingest_batch *b, int64_t now_ms);

/* Expires sessions and requests idle for cfg.idle_ms. The encoders call it first. */
void agents_expire(struct agents *a, int64_t now_ms);

/* Computes the derived figures at now_ms (after expiring). */
void agents_figures(struct agents *a, int64_t now_ms, struct agents_figures *f);

/*
 * GET /api/v1/agents: {"timestamp","timestamp_ms","active_sessions","oldest_session_age_s",
 * "queue_depth","messages_processed","errors","errors_1h","active_requests",
 * "tokens_per_sec","error_rate","uptime","model_calls":{"total","avg_latency_ms",
 * "error_rate","recent_calls":[...newest first]},"tools":{name:{"calls","errors",
 * "avg_duration_ms"}},"tasks":{"completed_1h","completed_24h","success_rate",
 * "avg_completion_ms","timeouts"},"projects":{name: perf_metrics},"dropped":{
 * "sessions_expired","sessions_evicted","requests_expired","requests_evicted",
 * "projects_evicted","tool_calls_untracked"}}. Ages and uptime in seconds. The caller
 * checks w->err.
 */
void agents_encode_json(struct agents *a, int64_t now_ms, struct jsonw *w);

#define AGENTS_EVENTS_DEFAULT_LIMIT 50

struct agents_events_query {
    enum ingest_level min_level; /* level=warn gives warn and error */
    size_t limit;                /* 0: every event held */
    bool has_since;
    int64_t since_ms; /* events whose ts_ms >= since_ms */
};

/* GET /api/v1/events: {"timestamp","timestamp_ms","count","events":[{"seq","timestamp",
 * "timestamp_ms","level","source","message","context"}...]}, newest first. */
void agents_encode_events(struct agents *a, const struct agents_events_query *q, int64_t now_ms,
                          struct jsonw *w);

/* One event as in the list above: the payload of an "event" notification on the events
 * channel. */
void agents_encode_event(const struct agent_event *e, struct jsonw *w);

/* GET /api/v1/requests: {"timestamp","timestamp_ms","count","requests":[{"id",
 * "session_id","channel","started_at","started_at_ms","duration_ms"}...]}, oldest first. */
void agents_encode_requests(struct agents *a, int64_t now_ms, struct jsonw *w);

/* One project's perf_metrics record (the perf/<project> channel). -VIGIL_ENOENT when the
 * project is unknown; nothing is written then. */
int agents_encode_project(struct agents *a, const char *project, int64_t now_ms, struct jsonw *w);

/* For /health: active sessions and distinct tools seen. */
unsigned agents_sessions_active(const struct agents *a);
unsigned agents_tools_seen(const struct agents *a);

/* Events applied per kind since start. */
uint64_t agents_applied(const struct agents *a, enum ingest_kind kind);

/* The rings, borrowed, for readers that want records rather than JSON (newest first
 * through ring_at()): records are struct agent_model_call and struct agent_event. */
const struct ring *agents_model_calls(const struct agents *a);
const struct ring *agents_events(const struct agents *a);

/* The tables themselves, borrowed, for readers that walk them (per-tool and per-project
 * figures in /metrics, the perf/<project> channels). */
struct tools;
const struct projects *agents_projects(const struct agents *a);
const struct tools *agents_tools(const struct agents *a);
/* The configured stale time of a project report. */
int64_t agents_stale_ms(const struct agents *a);

/* The projects whose run pid the daemon should measure; see projects_pids(). */
size_t agents_project_pids(const struct agents *a, struct project_pid *out, size_t max);
/* Hands in what the daemon measured for a project's pid; see projects_set_usage(). */
int agents_set_project_usage(struct agents *a, const char *project, int64_t pid,
                             const struct project_usage *u, int64_t now_ms);

/*
 * Persistence. A sink is told, after each event is applied, of the records it left: the
 * entry pushed to the event ring, the model call pushed to its ring, a task's outcome (at
 * its ts, clamped like the windows clamp it). Each callback may be NULL; the records are
 * borrowed for the call. agents_set_sink(a, NULL) removes it.
 */
struct agents_sink {
    void (*event)(void *arg, const struct agent_event *e);
    void (*model_call)(void *arg, const struct agent_model_call *c);
    void (*task)(void *arg, int64_t ts_ms, const struct ingest_task_end *te);
    void *arg;
};
void agents_set_sink(struct agents *a, const struct agents_sink *sink);

/*
 * Giving back what was persisted, after a restart and before any event is applied: ring
 * entries oldest first (an event keeps its seq, and new events are numbered after the
 * newest restored), task outcomes and error counts summed per minute into the windows
 * (what is older than a window reaches is left out). Counters since start are not
 * restored: they count since this start.
 */
void agents_restore_event(struct agents *a, const struct agent_event *e);
void agents_restore_model_call(struct agents *a, const struct agent_model_call *c);
void agents_restore_tasks(struct agents *a, int64_t ts_ms, enum ingest_task_status status,
                          uint64_t n, double duration_sum, uint64_t durations);
void agents_restore_errors(struct agents *a, int64_t ts_ms, uint64_t n);

#endif
