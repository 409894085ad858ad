/*
 * agents: the derived figures on known inputs (exact numbers), with an injected clock; the
 * documents of /agents, /events and /requests; expiry, bounds and error accounting.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agents/agents.h"
#include "agents/ring.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"
#include "parse/ingest.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define T0  1767261600000LL /* 2026-01-01T10:00:00Z */

/* Decodes NDJSON text and applies it at now; every line must decode. */
static void feed(struct agents *a, const char *ndjson, int64_t now)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    int rc = ingest_decode(&b, NULL, ndjson, strlen(ndjson), "application/x-ndjson", now);
    cr_assert_eq(rc, 0, "%s", b.error);
    cr_assert_eq(b.nrejects, 0, "%s", b.nrejects ? b.rejects[0].reason : "");
    cr_assert_eq(agents_apply_batch(a, &b, now), b.nevents);
    ingest_batch_release(&b);
}

static json_t *summary(struct agents *a, int64_t now)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 22);
    jw_init(&w, &b);
    agents_encode_json(a, now, &w);
    cr_assert_eq(w.err, 0);
    json_error_t err;
    json_t *doc = json_loadb(b.data, b.len, 0, &err);
    cr_assert_not_null(doc, "%s: %s", err.text, b.data);
    buf_release(&b);
    return doc;
}

static double num(json_t *doc, const char *path)
{
    /* "a.b.c" */
    char key[128];
    const char *p = path;
    json_t *v = doc;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        memcpy(key, p, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        cr_assert_not_null(v, "no %s", path);
        p += n + (dot ? 1 : 0);
    }
    cr_assert(json_is_number(v), "%s is not a number", path);
    return json_number_value(v);
}

static bool is_null(json_t *doc, const char *key)
{
    return json_is_null(json_object_get(doc, key));
}

static const char *known_inputs =
    "{\"type\":\"session_start\",\"session_id\":\"s1\",\"agent\":\"planner\",\"ts\":1767261601}\n"
    "{\"type\":\"session_start\",\"session_id\":\"s2\",\"ts\":1767261605}\n"
    "{\"type\":\"request_start\",\"request_id\":\"r1\",\"session_id\":\"s1\",\"channel\":\"ws\"}\n"
    "{\"type\":\"request_start\",\"request_id\":\"r2\",\"session_id\":\"s2\"}\n"
    "{\"type\":\"request_end\",\"request_id\":\"r1\",\"status\":\"ok\"}\n"
    "{\"type\":\"request_end\",\"request_id\":\"r2\",\"status\":\"error\",\"error\":\"boom\"}\n"
    "{\"type\":\"request_end\",\"request_id\":\"r3\",\"status\":\"timeout\"}\n"
    "{\"type\":\"model_call\",\"provider\":\"vllm\",\"model\":\"q\",\"latency_ms\":1000,"
    "\"output_tokens\":300,\"input_tokens\":50}\n"
    "{\"type\":\"model_call\",\"provider\":\"vllm\",\"model\":\"q\",\"latency_ms\":500,"
    "\"output_tokens\":100,\"error\":\"overloaded\",\"session_id\":\"s1\"}\n"
    "{\"type\":\"model_call\",\"output_tokens\":200}\n"
    "{\"type\":\"task_end\",\"status\":\"success\",\"duration_ms\":3000}\n"
    "{\"type\":\"task_end\",\"status\":\"failure\",\"duration_ms\":1000}\n"
    "{\"type\":\"task_end\",\"status\":\"timeout\"}\n"
    "{\"type\":\"task_end\",\"status\":\"success\",\"duration_ms\":2000}\n"
    "{\"type\":\"tool_call\",\"tool\":\"web_search\",\"duration_ms\":400}\n"
    "{\"type\":\"tool_call\",\"tool\":\"web_search\",\"duration_ms\":600,\"status\":\"error\","
    "\"error\":\"404\"}\n"
    "{\"type\":\"tool_call\",\"tool\":\"shell\",\"status\":\"timeout\"}\n"
    "{\"type\":\"event\",\"level\":\"warn\",\"source\":\"agent\",\"message\":\"slow\"}\n"
    "{\"type\":\"event\",\"level\":\"error\",\"source\":\"agent\",\"message\":\"bad\","
    "\"context\":{\"k\":1}}\n"
    "{\"type\":\"queue\",\"depth\":4}\n";

Test(agents, derived_figures_on_known_inputs)
{
    struct agents *a = agents_new(NULL, T0);
    cr_assert_not_null(a);
    feed(a, known_inputs, T0 + 10 * SEC);
    struct agents_figures f;
    agents_figures(a, T0 + 60 * SEC, &f);
    cr_assert_eq(f.uptime_s, 60);
    cr_assert_eq(f.active_sessions, 2);
    cr_assert(f.has_oldest_session);
    cr_assert_eq(f.oldest_session_age_s, 59);
    cr_assert(f.has_queue_depth);
    cr_assert_eq(f.queue_depth, 4);
    cr_assert_eq(f.messages_processed, 3);
    /* r2 error, r3 timeout, one model error, web_search error, shell timeout, one event */
    cr_assert_eq(f.errors, 6);
    cr_assert_eq(f.errors_1h, 6);
    cr_assert_eq(f.active_requests, 0);
    cr_assert_eq(f.tokens_per_sec, 10); /* 600 tokens over 60 s */
    cr_assert(f.has_error_rate);
    cr_assert_eq(f.error_rate, 0.5); /* 3 failed of 3 model calls + 3 request ends */
    cr_assert_eq(f.model_calls_total, 3);
    cr_assert_eq(f.avg_latency_ms, 750);
    cr_assert_float_eq(f.model_error_rate, 1.0 / 3, 1e-12);
    cr_assert_eq(f.tasks_completed_1h, 4);
    cr_assert_eq(f.tasks_completed_24h, 4);
    cr_assert_eq(f.success_rate, 0.5);
    cr_assert_eq(f.avg_completion_ms, 2000);
    cr_assert_eq(f.tasks_timeouts_24h, 1);
    cr_assert_eq(f.tools, 2);
    cr_assert_eq(agents_sessions_active(a), 2);
    cr_assert_eq(agents_tools_seen(a), 2);
    cr_assert_eq(agents_applied(a, INGEST_MODEL_CALL), 3);
    cr_assert_eq(agents_applied(a, INGEST_NKINDS), 0);

    /* The same through the document. */
    json_t *doc = summary(a, T0 + 60 * SEC);
    cr_assert_eq(num(doc, "errors"), 6);
    cr_assert_eq(num(doc, "tokens_per_sec"), 10);
    cr_assert_eq(num(doc, "model_calls.avg_latency_ms"), 750);
    cr_assert_eq(num(doc, "tools.web_search.avg_duration_ms"), 500);
    cr_assert_eq(num(doc, "tools.web_search.errors"), 1);
    cr_assert(json_is_null(json_object_get(json_object_get(json_object_get(doc, "tools"), "shell"),
                                           "avg_duration_ms")));
    cr_assert_eq(num(doc, "tasks.success_rate"), 0.5);
    json_t *calls = json_object_get(json_object_get(doc, "model_calls"), "recent_calls");
    cr_assert_eq(json_array_size(calls), 3);
    /* newest first: the call without latency, then the failed one */
    cr_assert(is_null(json_array_get(calls, 0), "latency_ms"));
    cr_assert(is_null(json_array_get(calls, 0), "tokens_per_sec"));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(calls, 1), "error")),
                     "overloaded");
    cr_assert_eq(num(json_array_get(calls, 2), "tokens_per_sec"), 300);
    json_decref(doc);
    agents_free(a);
}

Test(agents, document_has_exactly_the_listed_fields)
{
    struct agents *a = agents_new(NULL, T0);
    json_t *doc = summary(a, T0);
    const char *want[] = {"timestamp",       "timestamp_ms",
                          "active_sessions", "oldest_session_age_s",
                          "queue_depth",     "messages_processed",
                          "errors",          "errors_1h",
                          "active_requests", "tokens_per_sec",
                          "error_rate",      "uptime",
                          "model_calls",     "tools",
                          "tasks",           "projects",
                          "dropped"};
    size_t i = 0;
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v)
    {
        cr_assert_lt(i, sizeof want / sizeof want[0], "extra key %s", key);
        cr_assert_str_eq(key, want[i]);
        i++;
    }
    cr_assert_eq(i, sizeof want / sizeof want[0]);
    /* With nothing reported, ratios, averages, ages and the queue are null, not 0. */
    cr_assert(is_null(doc, "oldest_session_age_s"));
    cr_assert(is_null(doc, "queue_depth"));
    cr_assert(is_null(doc, "error_rate"));
    cr_assert_eq(num(doc, "tokens_per_sec"), 0);
    json_t *mc = json_object_get(doc, "model_calls");
    cr_assert(is_null(mc, "avg_latency_ms"));
    cr_assert(is_null(mc, "error_rate"));
    json_t *tasks = json_object_get(doc, "tasks");
    cr_assert(is_null(tasks, "success_rate"));
    cr_assert(is_null(tasks, "avg_completion_ms"));
    cr_assert_eq(num(tasks, "timeouts"), 0);
    json_decref(doc);
    agents_free(a);
}

/* A few hundred events of every type, with figures worked out by hand. */
Test(agents, mixed_batch_gives_exact_figures)
{
    struct agents *a = agents_new(NULL, T0);
    struct buf nd;
    buf_init(&nd, 1 << 22);
    for (int i = 0; i < 100; i++)
        buf_printf(&nd, "{\"type\":\"session_start\",\"session_id\":\"s%d\"}\n", i);
    for (int i = 0; i < 50; i++)
        buf_printf(&nd, "{\"type\":\"session_end\",\"session_id\":\"s%d\"}\n", i);
    for (int i = 0; i < 200; i++)
        buf_printf(&nd,
                   "{\"type\":\"request_start\",\"request_id\":\"r%d\",\"session_id\":"
                   "\"s%d\"}\n",
                   i, i % 100);
    for (int i = 0; i < 150; i++)
        buf_printf(&nd, "{\"type\":\"request_end\",\"request_id\":\"r%d\",\"status\":\"%s\"}\n", i,
                   i < 100   ? "ok"
                   : i < 130 ? "error"
                             : "timeout");
    for (int i = 0; i < 300; i++)
        buf_printf(&nd, "{\"type\":\"model_call\",\"latency_ms\":%d,\"output_tokens\":5%s}\n",
                   100 + (i % 10) * 10, i % 10 == 9 ? ",\"error\":\"e\"" : "");
    for (int i = 0; i < 240; i++)
        buf_printf(&nd, "{\"type\":\"task_end\",\"status\":\"%s\",\"duration_ms\":1000}\n",
                   i < 180   ? "success"
                   : i < 220 ? "failure"
                             : "timeout");
    for (int i = 0; i < 120; i++)
        buf_printf(&nd, "{\"type\":\"tool_call\",\"tool\":\"t%d\",\"duration_ms\":%d%s}\n", i % 3,
                   100 * (i % 3 + 1), (i / 3) % 4 == 3 ? ",\"status\":\"error\"" : "");
    for (int i = 0; i < 60; i++)
        buf_printf(&nd, "{\"type\":\"event\",\"level\":\"%s\",\"message\":\"m%d\"}\n",
                   i % 3 == 0   ? "info"
                   : i % 3 == 1 ? "warn"
                                : "error",
                   i);
    buf_adds(&nd, "{\"type\":\"queue\",\"depth\":7}\n");
    for (int i = 0; i < 3; i++)
        buf_printf(&nd,
                   "{\"type\":\"run\",\"project\":\"p%d\",\"status\":\"running\","
                   "\"pid\":%d}\n",
                   i, 100 + i);
    feed(a, nd.data, T0 + 60 * SEC);
    buf_release(&nd);

    struct agents_figures f;
    agents_figures(a, T0 + 60 * SEC, &f);
    cr_assert_eq(f.active_sessions, 50);
    cr_assert_eq(f.active_requests, 50);
    cr_assert_eq(f.messages_processed, 150);
    cr_assert_eq(f.errors, 130); /* 50 requests + 30 model calls + 30 tools + 20 events */
    cr_assert_eq(f.errors_1h, 130);
    cr_assert_eq(f.tokens_per_sec, 25); /* 1500 tokens over 60 s */
    cr_assert_float_eq(f.error_rate, 80.0 / 450, 1e-12);
    cr_assert_eq(f.model_calls_total, 300);
    cr_assert_eq(f.avg_latency_ms, 145); /* over the last 200 */
    cr_assert_float_eq(f.model_error_rate, 0.1, 1e-12);
    cr_assert_eq(f.tasks_completed_1h, 240);
    cr_assert_eq(f.success_rate, 0.75);
    cr_assert_eq(f.avg_completion_ms, 1000);
    cr_assert_eq(f.tasks_timeouts_24h, 20);
    cr_assert_eq(f.queue_depth, 7);
    cr_assert_eq(f.tools, 3);
    cr_assert_eq(ring_len(agents_model_calls(a)), 200);
    cr_assert_eq(ring_len(agents_events(a)), 170);

    json_t *doc = summary(a, T0 + 60 * SEC);
    for (int t = 0; t < 3; t++) {
        char path[64];
        snprintf(path, sizeof path, "tools.t%d.calls", t);
        cr_assert_eq(num(doc, path), 40);
        snprintf(path, sizeof path, "tools.t%d.errors", t);
        cr_assert_eq(num(doc, path), 10);
        snprintf(path, sizeof path, "tools.t%d.avg_duration_ms", t);
        cr_assert_eq(num(doc, path), 100 * (t + 1));
    }
    cr_assert_eq(json_object_size(json_object_get(doc, "projects")), 3);
    cr_assert_eq(num(doc, "projects.p1.run.pid"), 101);
    json_decref(doc);

    struct project_pid pids[8];
    cr_assert_eq(agents_project_pids(a, pids, 8), 3);
    agents_free(a);
}

Test(agents, figures_move_with_the_clock)
{
    struct agents *a = agents_new(NULL, T0);
    /* 100 tokens ten seconds after start: the first minute divides by the uptime. */
    feed(a,
         "{\"type\":\"model_call\",\"output_tokens\":100}\n"
         "{\"type\":\"task_end\",\"status\":\"success\",\"duration_ms\":10}\n"
         "{\"type\":\"event\",\"level\":\"error\",\"message\":\"x\"}\n",
         T0 + 10 * SEC);
    struct agents_figures f;
    agents_figures(a, T0 + 10 * SEC, &f);
    cr_assert_eq(f.tokens_per_sec, 10);
    agents_figures(a, T0 + 20 * SEC, &f);
    cr_assert_eq(f.tokens_per_sec, 5);
    agents_figures(a, T0 + 69 * SEC, &f); /* the bucket of second 10 is still in the minute */
    cr_assert_float_eq(f.tokens_per_sec, 100.0 / 60, 1e-12);
    agents_figures(a, T0 + 70 * SEC, &f);
    cr_assert_eq(f.tokens_per_sec, 0);
    /* The error rate forgets after five minutes; errors_1h after an hour; tasks after 24 h. */
    agents_figures(a, T0 + 5 * MIN + 9 * SEC, &f);
    cr_assert(f.has_error_rate);
    agents_figures(a, T0 + 5 * MIN + 10 * SEC, &f);
    cr_assert_not(f.has_error_rate);
    cr_assert_eq(f.errors_1h, 1);
    agents_figures(a, T0 + 60 * MIN, &f);
    cr_assert_eq(f.errors_1h, 0);
    cr_assert_eq(f.errors, 1);
    cr_assert_eq(f.tasks_completed_1h, 0);
    cr_assert_eq(f.tasks_completed_24h, 1);
    agents_figures(a, T0 + 24 * 60 * MIN, &f);
    cr_assert_eq(f.tasks_completed_24h, 0);
    cr_assert_not(f.has_success_rate);
    agents_free(a);
}

Test(agents, event_times_place_events_in_windows)
{
    struct agents *a = agents_new(NULL, T0);
    /* Reported late with their own times: two hours ago counts for 24 h only; a time in
     * the future counts as now. */
    feed(a,
         "{\"type\":\"task_end\",\"status\":\"success\",\"ts\":1767254400}\n"
         "{\"type\":\"task_end\",\"status\":\"failure\",\"ts\":1767300000}\n"
         "{\"type\":\"task_end\",\"status\":\"failure\",\"ts\":1767000000}\n",
         T0);
    struct agents_figures f;
    agents_figures(a, T0, &f);
    cr_assert_eq(f.tasks_completed_1h, 1);
    cr_assert_eq(f.tasks_completed_24h, 2); /* the third is three days old */
    cr_assert_eq(f.success_rate, 0.5);
    agents_free(a);
}

Test(agents, sessions_and_requests_expire_after_idle_time)
{
    struct agents_config c;
    agents_config_defaults(&c);
    cr_assert_eq(c.idle_ms, 30 * MIN);
    struct agents *a = agents_new(&c, T0);
    feed(a,
         "{\"type\":\"session_start\",\"session_id\":\"s1\"}\n"
         "{\"type\":\"session_start\",\"session_id\":\"s2\"}\n"
         "{\"type\":\"request_start\",\"request_id\":\"r1\",\"session_id\":\"s1\"}\n",
         T0);
    /* s1 stays active: a tool call names it twenty minutes later. */
    feed(a, "{\"type\":\"tool_call\",\"tool\":\"x\",\"session_id\":\"s1\"}\n", T0 + 20 * MIN);
    struct agents_figures f;
    agents_figures(a, T0 + 30 * MIN, &f);
    cr_assert_eq(f.active_sessions, 1);
    cr_assert_eq(f.sessions_expired, 1);
    cr_assert_eq(f.active_requests, 0);
    cr_assert_eq(f.requests_expired, 1);
    cr_assert_eq(f.oldest_session_age_s, 30 * 60);
    agents_figures(a, T0 + 50 * MIN, &f);
    cr_assert_eq(f.active_sessions, 0);
    cr_assert_eq(f.sessions_expired, 2);
    /* An expired request that ends later still counts as a message processed. */
    feed(a, "{\"type\":\"request_end\",\"request_id\":\"r1\"}\n", T0 + 51 * MIN);
    agents_figures(a, T0 + 51 * MIN, &f);
    cr_assert_eq(f.messages_processed, 1);
    agents_free(a);
}

Test(agents, bounds_evict_and_count)
{
    struct agents_config c;
    agents_config_defaults(&c);
    c.max_sessions = 8;
    c.max_requests = 4;
    c.max_tools = 2;
    c.max_projects = 1;
    c.model_calls = 3;
    c.events = 5;
    c.summary_calls = 2;
    struct agents *a = agents_new(&c, T0);
    struct buf nd;
    buf_init(&nd, 1 << 22);
    for (int i = 0; i < 1000; i++)
        buf_printf(&nd,
                   "{\"type\":\"session_start\",\"session_id\":\"s%d\"}\n"
                   "{\"type\":\"request_start\",\"request_id\":\"r%d\"}\n"
                   "{\"type\":\"tool_call\",\"tool\":\"t%d\",\"status\":\"error\"}\n"
                   "{\"type\":\"model_call\",\"output_tokens\":1}\n"
                   "{\"type\":\"run\",\"project\":\"p%d\",\"status\":\"running\"}\n",
                   i, i, i % 5, i % 2);
    feed(a, nd.data, T0 + SEC);
    buf_release(&nd);
    struct agents_figures f;
    agents_figures(a, T0 + SEC, &f);
    cr_assert_eq(f.active_sessions, 8);
    cr_assert_eq(f.sessions_evicted, 992);
    cr_assert_eq(f.active_requests, 4);
    cr_assert_eq(f.requests_evicted, 996);
    cr_assert_eq(f.tools, 2);
    cr_assert_eq(f.tool_calls_untracked, 600); /* t2, t3 and t4 */
    cr_assert_eq(f.errors, 1000);              /* every failed call counts, tracked or not */
    cr_assert_eq(f.projects_evicted, 999);
    cr_assert_eq(ring_len(agents_events(a)), 5);
    json_t *doc = summary(a, T0 + SEC);
    cr_assert_eq(
        json_array_size(json_object_get(json_object_get(doc, "model_calls"), "recent_calls")), 2);
    cr_assert_eq(num(doc, "dropped.sessions_evicted"), 992);
    cr_assert_eq(num(doc, "dropped.tool_calls_untracked"), 600);
    json_decref(doc);
    agents_free(a);
}

static json_t *events_doc(struct agents *a, const struct agents_events_query *q, int64_t now)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 22);
    jw_init(&w, &b);
    agents_encode_events(a, q, now, &w);
    cr_assert_eq(w.err, 0);
    json_t *doc = json_loadb(b.data, b.len, 0, NULL);
    cr_assert_not_null(doc, "%s", b.data);
    buf_release(&b);
    return doc;
}

static const char *ev_str(json_t *doc, size_t i, const char *key)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(doc, "events"), i), key));
}

Test(agents, events_newest_first_with_level_since_and_limit)
{
    struct agents *a = agents_new(NULL, T0);
    feed(a,
         "{\"type\":\"event\",\"level\":\"info\",\"message\":\"one\",\"ts\":1767261601}\n"
         "{\"type\":\"event\",\"level\":\"error\",\"message\":\"two\",\"ts\":1767261602,"
         "\"source\":\"s\",\"context\":{\"a\":[1,{\"b\":\"c\"}]}}\n"
         "{\"type\":\"tool_call\",\"tool\":\"web_search\",\"session_id\":\"s9\","
         "\"duration_ms\":420,\"status\":\"error\",\"error\":\"HTTP 500\",\"ts\":1767261603}\n"
         "{\"type\":\"event\",\"level\":\"warn\",\"message\":\"four\",\"ts\":1767261604}\n",
         T0 + 10 * SEC);
    struct agents_events_query q = {.min_level = INGEST_INFO};
    json_t *doc = events_doc(a, &q, T0 + 10 * SEC);
    cr_assert_eq(num(doc, "count"), 4);
    cr_assert_str_eq(ev_str(doc, 0, "message"), "four");
    cr_assert_str_eq(ev_str(doc, 1, "message"), "tool 'web_search' failed: HTTP 500");
    cr_assert_str_eq(ev_str(doc, 1, "source"), "tool_call");
    cr_assert_str_eq(ev_str(doc, 1, "level"), "error");
    json_t *ctx = json_object_get(json_array_get(json_object_get(doc, "events"), 1), "context");
    cr_assert_str_eq(json_string_value(json_object_get(ctx, "tool")), "web_search");
    cr_assert_str_eq(json_string_value(json_object_get(ctx, "session_id")), "s9");
    cr_assert_eq(json_number_value(json_object_get(ctx, "duration_ms")), 420);
    cr_assert_str_eq(ev_str(doc, 3, "timestamp"), "2026-01-01T10:00:01.000Z");
    cr_assert_eq(num(json_array_get(json_object_get(doc, "events"), 3), "seq"), 1);
    json_decref(doc);

    q.min_level = INGEST_WARN;
    q.limit = 2;
    doc = events_doc(a, &q, T0 + 10 * SEC);
    cr_assert_eq(num(doc, "count"), 2);
    cr_assert_str_eq(ev_str(doc, 0, "message"), "four");
    cr_assert_str_eq(ev_str(doc, 1, "source"), "tool_call");
    json_decref(doc);

    q.min_level = INGEST_ERROR_LEVEL;
    q.limit = 0;
    q.has_since = true;
    q.since_ms = T0 + 2 * SEC;
    doc = events_doc(a, &q, T0 + 10 * SEC);
    cr_assert_eq(num(doc, "count"), 2);
    cr_assert_str_eq(ev_str(doc, 1, "message"), "two");
    json_t *c2 = json_object_get(json_array_get(json_object_get(doc, "events"), 1), "context");
    cr_assert_str_eq(
        json_string_value(json_object_get(json_array_get(json_object_get(c2, "a"), 1), "b")), "c");
    json_decref(doc);
    q.since_ms = T0 + 3 * SEC + 1;
    doc = events_doc(a, &q, T0 + 10 * SEC);
    cr_assert_eq(num(doc, "count"), 0);
    json_decref(doc);
    agents_free(a);
}

Test(agents, failed_requests_and_model_calls_land_in_the_event_ring)
{
    struct agents *a = agents_new(NULL, T0);
    feed(a,
         "{\"type\":\"request_start\",\"request_id\":\"r1\",\"session_id\":\"s1\","
         "\"channel\":\"ws\",\"ts\":1767261600}\n"
         "{\"type\":\"request_end\",\"request_id\":\"r1\",\"status\":\"timeout\","
         "\"ts\":1767261630}\n"
         "{\"type\":\"model_call\",\"provider\":\"vllm\",\"model\":\"Qwen-32B\","
         "\"latency_ms\":12,\"error\":\"context length exceeded\"}\n"
         "{\"type\":\"model_call\",\"error\":\"refused\"}\n"
         "{\"type\":\"model_call\",\"model\":\"m\",\"error\":\"\"}\n",
         T0 + 40 * SEC);
    struct agents_events_query q = {.min_level = INGEST_ERROR_LEVEL};
    json_t *doc = events_doc(a, &q, T0 + 40 * SEC);
    cr_assert_eq(num(doc, "count"), 3); /* an empty error is no error */
    cr_assert_str_eq(ev_str(doc, 0, "message"), "model call failed: refused");
    cr_assert_str_eq(ev_str(doc, 1, "message"),
                     "model call to vllm/Qwen-32B failed: context length exceeded");
    cr_assert_str_eq(ev_str(doc, 2, "message"), "request 'r1' timed out");
    json_t *ctx = json_object_get(json_array_get(json_object_get(doc, "events"), 2), "context");
    cr_assert_str_eq(json_string_value(json_object_get(ctx, "channel")), "ws");
    cr_assert_eq(json_number_value(json_object_get(ctx, "duration_ms")), 30000);
    json_decref(doc);
    agents_free(a);
}

Test(agents, requests_document)
{
    struct agents *a = agents_new(NULL, T0);
    feed(a,
         "{\"type\":\"request_start\",\"request_id\":\"r1\",\"session_id\":\"s1\","
         "\"channel\":\"ws\"}\n",
         T0);
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 16);
    jw_init(&w, &b);
    agents_encode_requests(a, T0 + 2500, &w);
    cr_assert_eq(w.err, 0);
    cr_assert_str_eq(b.data, "{\"timestamp\":\"2026-01-01T10:00:02.500Z\",\"timestamp_ms\":"
                             "1767261602500,\"count\":1,\"requests\":[{\"id\":\"r1\","
                             "\"session_id\":\"s1\",\"channel\":\"ws\",\"started_at\":"
                             "\"2026-01-01T10:00:00.000Z\",\"started_at_ms\":1767261600000,"
                             "\"duration_ms\":2500}]}");
    /* Encoding expires first: after the idle time the request is gone. */
    buf_reset(&b);
    jw_init(&w, &b);
    agents_encode_requests(a, T0 + 30 * MIN, &w);
    cr_assert(strstr(b.data, "\"count\":0,\"requests\":[]") != NULL, "%s", b.data);
    buf_release(&b);
    agents_free(a);
}

Test(agents, project_usage_and_channel_document)
{
    struct agents *a = agents_new(NULL, T0);
    feed(a,
         "{\"type\":\"run\",\"project\":\"alpha\",\"status\":\"running\",\"pid\":4242,"
         "\"tokens\":{\"current_run\":10}}\n",
         T0);
    struct project_pid p[2];
    cr_assert_eq(agents_project_pids(a, p, 2), 1);
    cr_assert_eq(p[0].pid, 4242);
    struct project_usage u = {.has_cpu = true, .cpu_percent = 12.5};
    cr_assert_eq(agents_set_project_usage(a, "alpha", 4242, &u, T0 + SEC), 0);
    cr_assert_eq(agents_set_project_usage(a, "alpha", 1, &u, T0 + SEC), -VIGIL_ENOENT);
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 16);
    jw_init(&w, &b);
    cr_assert_eq(agents_encode_project(a, "alpha", T0 + 11 * SEC, &w), 0);
    cr_assert(strstr(b.data, "\"cpu\":{\"percent\":12.5}") != NULL, "%s", b.data);
    cr_assert(strstr(b.data, "\"tokens\":{\"current_run\":10,\"total_session\":null,"
                             "\"available\":true}") != NULL,
              "%s", b.data);
    cr_assert(strstr(b.data, "\"stale\":true") != NULL);
    buf_reset(&b);
    jw_init(&w, &b);
    cr_assert_eq(agents_encode_project(a, "beta", T0, &w), -VIGIL_ENOENT);
    cr_assert_eq(b.len, 0);
    buf_release(&b);
    agents_free(a);
}

/* Writing the summary into a capped buffer fails cleanly (latched in the writer). */
Test(agents, summary_respects_the_output_cap)
{
    struct agents *a = agents_new(NULL, T0);
    feed(a, known_inputs, T0);
    struct buf b;
    struct jsonw w;
    buf_init(&b, 256);
    jw_init(&w, &b);
    agents_encode_json(a, T0, &w);
    cr_assert_eq(w.err, -VIGIL_E2BIG);
    cr_assert_leq(b.len, 256);
    buf_release(&b);
    agents_free(a);
}

Test(agents, construction_fails_cleanly)
{
    struct agents_config c;
    agents_config_defaults(&c);
    c.max_sessions = 0;
    cr_assert_null(agents_new(&c, T0));
    agents_config_defaults(&c);
    c.idle_ms = 0;
    cr_assert_null(agents_new(&c, T0));
    /* Each allocation failing in turn: NULL, nothing leaked. */
    for (long n = 0; n < 64; n++) {
        fault_fail_alloc_after(n);
        struct agents *a = agents_new(NULL, T0);
        long made = fault_fail_alloc_after(-1);
        if (a) {
            agents_free(a);
            cr_assert_leq(made, n + 1);
            break;
        }
    }
    agents_free(NULL);
}

Test(agents, unknown_kind_is_refused)
{
    struct agents *a = agents_new(NULL, T0);
    struct ingest_event ev = {.kind = INGEST_NKINDS, .ts_ms = T0};
    cr_assert_eq(agents_apply(a, &ev, T0), -VIGIL_EINVAL);
    agents_free(a);
}

/* --- persistence: the sink sees what the rings keep; restored state reads as it was ----- */

struct sunk {
    uint64_t event_seqs[8];
    unsigned events, calls, tasks;
    int64_t task_ts;
    enum ingest_task_status task_status;
};

static void sunk_event(void *arg, const struct agent_event *e)
{
    struct sunk *s = arg;
    s->event_seqs[s->events++ % 8] = e->seq;
}

static void sunk_call(void *arg, const struct agent_model_call *c)
{
    (void)c;
    ((struct sunk *)arg)->calls++;
}

static void sunk_task(void *arg, int64_t ts, const struct ingest_task_end *te)
{
    struct sunk *s = arg;
    s->tasks++;
    s->task_ts = ts;
    s->task_status = te->status;
}

Test(agents, the_sink_is_told_of_each_record_kept)
{
    struct agents *a = agents_new(NULL, T0);
    struct sunk s = {0};
    struct agents_sink sink = {sunk_event, sunk_call, sunk_task, &s};
    agents_set_sink(a, &sink);
    feed(a,
         "{\"type\":\"event\",\"level\":\"warn\",\"message\":\"m\"}\n"
         "{\"type\":\"model_call\",\"model\":\"x\",\"latency_ms\":5}\n"
         "{\"type\":\"model_call\",\"model\":\"x\",\"error\":\"boom\"}\n"
         "{\"type\":\"task_end\",\"status\":\"timeout\",\"duration_ms\":9,\"ts\":1767261601}\n"
         "{\"type\":\"session_start\",\"session_id\":\"s\"}\n",
         T0 + 5 * SEC);
    /* the event, and the error event the failed model call left */
    cr_assert_eq(s.events, 2);
    cr_assert_eq(s.event_seqs[0], 1);
    cr_assert_eq(s.event_seqs[1], 2);
    cr_assert_eq(s.calls, 2);
    cr_assert_eq(s.tasks, 1);
    cr_assert_eq(s.task_ts, T0 + SEC);
    cr_assert_eq(s.task_status, INGEST_TASK_TIMEOUT);
    agents_set_sink(a, NULL);
    feed(a, "{\"type\":\"event\",\"message\":\"m\"}\n", T0 + 6 * SEC);
    cr_assert_eq(s.events, 2);
    agents_free(a);
}

Test(agents, restored_rings_and_windows_read_as_before_the_restart)
{
    struct agents *a = agents_new(NULL, T0 + 10 * MIN);
    for (uint64_t seq = 41; seq <= 43; seq++) {
        struct agent_event e = {.seq = seq, .ts_ms = T0 + (int64_t)seq, .level = INGEST_ERROR_LEVEL};
        snprintf(e.message, sizeof e.message, "before %llu", (unsigned long long)seq);
        agents_restore_event(a, &e);
    }
    struct agent_model_call c = {.ts_ms = T0, .has_latency = true, .latency_ms = 100};
    agents_restore_model_call(a, &c);
    /* 3 successes and a timeout two hours ago, 2 failures of 1 s each a minute ago */
    agents_restore_tasks(a, T0 - 2 * 60 * MIN, INGEST_TASK_SUCCESS, 3, 0, 0);
    agents_restore_tasks(a, T0 - 2 * 60 * MIN, INGEST_TASK_TIMEOUT, 1, 0, 0);
    agents_restore_tasks(a, T0 + 9 * MIN, INGEST_TASK_FAILURE, 2, 2000, 2);
    agents_restore_errors(a, T0 + 9 * MIN, 7);
    struct agents_figures f;
    agents_figures(a, T0 + 10 * MIN, &f);
    cr_assert_eq(f.tasks_completed_24h, 6);
    cr_assert_eq(f.tasks_completed_1h, 2);
    cr_assert_eq(f.tasks_timeouts_24h, 1);
    cr_assert_float_eq(f.success_rate, 0.5, 1e-12);
    cr_assert_eq(f.avg_completion_ms, 1000);
    cr_assert_eq(f.errors_1h, 7);
    cr_assert_eq(f.errors, 0); /* counted since this start */
    cr_assert_eq(f.avg_latency_ms, 100);
    /* the ring is newest first, and numbering carries on after the restored events */
    const struct ring *r = agents_events(a);
    cr_assert_eq(ring_len(r), 3);
    cr_assert_eq(((const struct agent_event *)ring_at(r, 0))->seq, 43);
    feed(a, "{\"type\":\"event\",\"message\":\"after\"}\n", T0 + 11 * MIN);
    cr_assert_eq(((const struct agent_event *)ring_at(r, 0))->seq, 44);
    cr_assert_str_eq(((const struct agent_event *)ring_at(r, 1))->message, "before 43");
    agents_free(a);
}
