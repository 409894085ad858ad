/*
 * ingest: the decoder, from fixture files (tests/fixtures/ingest/NAME.{ndjson,json,body}
 * with the expected result in NAME.expected; VIGIL_UPDATE_FIXTURES=1 rewrites those) and
 * from cases built here: each limit, bad UTF-8, truncation, time forms, allocation failure.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"
#include "parse/ingest.h"

#define NOW 1767225600000LL /* 2026-01-01T00:00:00Z */

static const char *fixtures(void)
{
    const char *d = getenv("VIGIL_FIXTURES");
    return d && *d ? d : "tests/fixtures";
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, 1 << 24);
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        cr_assert_eq(buf_add(&b, tmp, n), 0);
    fclose(f);
    if (!b.data)
        buf_add(&b, "", 0);
    return buf_detach(&b, len);
}

/* --- a readable dump of a batch, the fixtures' expected form ----------------------------- */

static void s(struct buf *b, const char *key, const char *v)
{
    buf_printf(b, " %s=%s", key, v ? v : "-");
}

static void dump_event(struct buf *b, const struct ingest_event *e)
{
    buf_printf(b, "event %s ts=%" PRId64 "%s", ingest_kind_name(e->kind), e->ts_ms,
               e->ts_given ? "" : "(now)");
    switch (e->kind) {
    case INGEST_SESSION_START:
        s(b, "session_id", e->session_start.session_id);
        s(b, "agent", e->session_start.agent);
        s(b, "project", e->session_start.project);
        break;
    case INGEST_SESSION_END:
        s(b, "session_id", e->session_end.session_id);
        break;
    case INGEST_REQUEST_START:
        s(b, "request_id", e->request_start.request_id);
        s(b, "session_id", e->request_start.session_id);
        s(b, "channel", e->request_start.channel);
        break;
    case INGEST_REQUEST_END:
        s(b, "request_id", e->request_end.request_id);
        s(b, "status", ingest_outcome_name(e->request_end.status));
        s(b, "error", e->request_end.error);
        break;
    case INGEST_MODEL_CALL: {
        const struct ingest_model_call *m = &e->model_call;
        s(b, "provider", m->provider);
        s(b, "model", m->model);
        s(b, "session_id", m->session_id);
        s(b, "error", m->error);
        if (m->has_latency)
            buf_printf(b, " latency_ms=%g", m->latency_ms);
        else
            s(b, "latency_ms", NULL);
        buf_printf(b, " input_tokens=%" PRIu64 " output_tokens=%" PRIu64, m->input_tokens,
                   m->output_tokens);
        break;
    }
    case INGEST_TASK_END:
        s(b, "task_id", e->task_end.task_id);
        s(b, "project", e->task_end.project);
        s(b, "status", ingest_task_status_name(e->task_end.status));
        if (e->task_end.has_duration)
            buf_printf(b, " duration_ms=%g", e->task_end.duration_ms);
        else
            s(b, "duration_ms", NULL);
        break;
    case INGEST_TOOL_CALL:
        s(b, "tool", e->tool_call.tool);
        s(b, "session_id", e->tool_call.session_id);
        s(b, "status", ingest_outcome_name(e->tool_call.status));
        s(b, "error", e->tool_call.error);
        if (e->tool_call.has_duration)
            buf_printf(b, " duration_ms=%g", e->tool_call.duration_ms);
        else
            s(b, "duration_ms", NULL);
        break;
    case INGEST_EVENT:
        s(b, "level", ingest_level_name(e->log.level));
        s(b, "source", e->log.source);
        s(b, "message", e->log.message);
        s(b, "context", e->log.context);
        break;
    case INGEST_QUEUE:
        buf_printf(b, " depth=%" PRIu64, e->queue.depth);
        break;
    case INGEST_RUN: {
        const struct ingest_run *r = &e->run;
        s(b, "project", r->project);
        s(b, "status", ingest_run_status_name(r->status));
        s(b, "run_id", r->run_id);
        if (r->has_pid)
            buf_printf(b, " pid=%" PRId64, r->pid);
        else
            s(b, "pid", NULL);
        if (r->has_started_at)
            buf_printf(b, " started_at_ms=%" PRId64, r->started_at_ms);
        else
            s(b, "started_at_ms", NULL);
        buf_printf(b, " tokens=%s", r->has_tokens ? "yes" : "no");
        if (r->has_current_run)
            buf_printf(b, " current_run=%" PRIu64, r->tokens_current_run);
        if (r->has_total_session)
            buf_printf(b, " total_session=%" PRIu64, r->tokens_total_session);
        break;
    }
    default:
        buf_adds(b, " ???");
    }
    buf_addc(b, '\n');
}

static const char *format_name(enum ingest_format f)
{
    static const char *const names[] = {"none", "object", "array", "ndjson"};
    return names[f];
}

static void dump(struct buf *b, const struct ingest_batch *batch, int rc)
{
    buf_printf(b, "rc %d\nformat %s\n", rc, format_name(batch->format));
    if (batch->error[0])
        buf_printf(b, "error %s\n", batch->error);
    for (size_t i = 0; i < batch->nevents; i++)
        dump_event(b, &batch->events[i]);
    for (size_t i = 0; i < batch->nrejects; i++)
        buf_printf(b, "reject %s\n", batch->rejects[i].reason);
}

static const char *content_type_for(const char *name)
{
    size_t n = strlen(name);
    if (n > 7 && strcmp(name + n - 7, ".ndjson") == 0)
        return "application/x-ndjson";
    if (n > 5 && strcmp(name + n - 5, ".json") == 0)
        return "application/json; charset=utf-8";
    return NULL;
}

static bool is_case(const char *name)
{
    size_t n = strlen(name);
    return (n > 7 && strcmp(name + n - 7, ".ndjson") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
           (n > 5 && strcmp(name + n - 5, ".body") == 0);
}

Test(ingest, fixture_cases)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/ingest", fixtures());
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open '%s'", dir);
    bool update = getenv("VIGIL_UPDATE_FIXTURES") != NULL;
    int cases = 0, failed = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!is_case(de->d_name))
            continue;
        char path[2048], expath[2048];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(expath, sizeof expath, "%s/%.*s.expected", dir,
                 (int)(strrchr(de->d_name, '.') - de->d_name), de->d_name);
        size_t len;
        char *body = slurp(path, &len);
        cr_assert_not_null(body);
        struct ingest_batch batch;
        ingest_batch_init(&batch);
        int rc = ingest_decode(&batch, NULL, body, len, content_type_for(de->d_name), NOW);
        struct buf got;
        buf_init(&got, 1 << 20);
        dump(&got, &batch, rc);
        if (update) {
            FILE *f = fopen(expath, "wb");
            cr_assert_not_null(f);
            fwrite(got.data, 1, got.len, f);
            fclose(f);
        } else {
            size_t wlen;
            char *want = slurp(expath, &wlen);
            cr_expect_not_null(want, "%s: no expected file", de->d_name);
            if (!want || wlen != got.len || memcmp(want, got.data, wlen) != 0) {
                cr_log_error("%s: got\n%s\nwant\n%s", de->d_name, got.data, want ? want : "(none)");
                failed++;
            }
            free(want);
        }
        cases++;
        buf_release(&got);
        ingest_batch_release(&batch);
        free(body);
    }
    closedir(d);
    cr_assert_gt(cases, 10);
    cr_assert_eq(failed, 0, "%d of %d fixture cases differ", failed, cases);
}

/* --- cases built here --------------------------------------------------------------------- */

static int decode(struct ingest_batch *b, const struct ingest_limits *l, const char *body,
                  const char *ct)
{
    return ingest_decode(b, l, body, strlen(body), ct, NOW);
}

Test(ingest, limits_default_and_zero_means_default)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    cr_assert_eq(l.max_body, 4u << 20);
    cr_assert_eq(l.max_events, 5000);
    cr_assert_eq(l.max_depth, 16);
    cr_assert_eq(l.max_id, 128);
    cr_assert_eq(l.max_text, 1024);
    cr_assert_eq(l.max_context, 2048);
    struct ingest_limits zero = {0};
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(decode(&b, &zero, "{\"type\":\"queue\",\"depth\":1}", NULL), 0);
    cr_assert_eq(b.nevents, 1);
    ingest_batch_release(&b);
}

Test(ingest, body_size_limit)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    l.max_body = 26;
    struct ingest_batch b;
    ingest_batch_init(&b);
    const char *body = "{\"type\":\"queue\",\"depth\":1}"; /* 26 bytes */
    cr_assert_eq(decode(&b, &l, body, NULL), 0);
    l.max_body = 25;
    cr_assert_eq(decode(&b, &l, body, NULL), -VIGIL_E2BIG);
    cr_assert_str_eq(b.error, "body is 26 bytes; the limit is 25");
    cr_assert_eq(b.nevents, 0);
    ingest_batch_release(&b);
}

Test(ingest, events_per_batch_limit)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    l.max_events = 3;
    struct ingest_batch b;
    ingest_batch_init(&b);
    const char *three = "{\"type\":\"queue\",\"depth\":1}\n\n{\"type\":\"queue\",\"depth\":2}\n"
                        "{\"type\":\"queue\",\"depth\":3}\n";
    cr_assert_eq(decode(&b, &l, three, "application/x-ndjson"), 0);
    cr_assert_eq(b.nevents, 3);
    const char *four = "{\"type\":\"queue\",\"depth\":1}\n{\"type\":\"queue\",\"depth\":2}\n"
                       "{\"type\":\"queue\",\"depth\":3}\nnot even json\n";
    cr_assert_eq(decode(&b, &l, four, "application/x-ndjson"), -VIGIL_E2BIG);
    cr_assert_str_eq(b.error, "batch has 4 events; the limit is 3");
    cr_assert_eq(b.nevents, 0);
    cr_assert_eq(b.nrejects, 0);
    const char *arr = "[{\"type\":\"queue\",\"depth\":1},{\"type\":\"queue\",\"depth\":2},"
                      "{\"type\":\"queue\",\"depth\":3},{\"type\":\"queue\",\"depth\":4}]";
    cr_assert_eq(decode(&b, &l, arr, NULL), -VIGIL_E2BIG);
    cr_assert_str_eq(b.error, "batch has more than 3 events");
    cr_assert_eq(b.nevents, 0);
    ingest_batch_release(&b);
}

static char *nested(int depth)
{
    /* An event `depth` levels deep: the event object is level 1, its context level 2, and
     * each object inside one more. */
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_adds(&b, "{\"type\":\"event\",\"message\":\"m\"");
    if (depth > 1) {
        buf_adds(&b, ",\"context\":");
        for (int i = 2; i < depth; i++)
            buf_adds(&b, "{\"a\":");
        buf_adds(&b, "{}");
        for (int i = 2; i < depth; i++)
            buf_addc(&b, '}');
    }
    buf_addc(&b, '}');
    return buf_detach(&b, NULL);
}

Test(ingest, depth_limit)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    l.max_depth = 4;
    struct ingest_batch b;
    ingest_batch_init(&b);
    char *ok = nested(4), *deep = nested(5);
    cr_assert_eq(decode(&b, &l, ok, NULL), 0, "%s", b.error);
    cr_assert_eq(decode(&b, &l, deep, NULL), -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "nesting deeper than 4 levels");
    /* In NDJSON the deep line alone is rejected. */
    struct buf nd;
    buf_init(&nd, 1 << 20);
    buf_printf(&nd, "%s\n%s\n%s\n", ok, deep, ok);
    cr_assert_eq(decode(&b, &l, nd.data, "application/x-ndjson"), 0);
    cr_assert_eq(b.nevents, 2);
    cr_assert_eq(b.nrejects, 1);
    cr_assert_str_eq(b.rejects[0].reason, "line 2: nesting deeper than 4 levels");
    cr_assert_eq(b.rejects[0].line, 2);
    /* In an array, the deep element alone. */
    buf_reset(&nd);
    buf_printf(&nd, "[%s,%s]", deep, ok);
    cr_assert_eq(decode(&b, &l, nd.data, NULL), 0);
    cr_assert_eq(b.nevents, 1);
    cr_assert_str_eq(b.rejects[0].reason, "index 0: nesting deeper than 4 levels");
    buf_release(&nd);
    free(ok);
    free(deep);
    ingest_batch_release(&b);
}

/* A body nested a million deep never reaches jansson's recursion. */
Test(ingest, hostile_depth_is_refused_without_recursion)
{
    size_t n = 1000000;
    char *body = malloc(2 * n + 64);
    size_t len = 0;
    len += (size_t)snprintf(body, 64, "{\"type\":\"event\",\"message\":\"m\",\"context\":");
    memset(body + len, '[', n);
    len += n;
    memset(body + len, ']', n);
    len += n;
    body[len++] = '}';
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(ingest_decode(&b, NULL, body, len, NULL, NOW), -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "nesting deeper than 16 levels");
    /* Unclosed, it is truncated. */
    cr_assert_eq(ingest_decode(&b, NULL, body, 44 + n, NULL, NOW), -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "truncated JSON: the object is not closed");
    ingest_batch_release(&b);
    free(body);
}

Test(ingest, string_length_limits)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    l.max_id = 4;
    l.max_text = 5;
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(decode(&b, &l, "{\"type\":\"session_start\",\"session_id\":\"abcd\"}", NULL), 0);
    cr_assert_eq(decode(&b, &l, "{\"type\":\"session_start\",\"session_id\":\"abcde\"}", NULL),
                 -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'session_id' is longer than 4 bytes");
    cr_assert_eq(decode(&b, &l, "{\"type\":\"event\",\"message\":\"12345\"}", NULL), 0);
    cr_assert_eq(decode(&b, &l, "{\"type\":\"event\",\"message\":\"123456\"}", NULL),
                 -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'message' is longer than 5 bytes");
    /* Bytes, not characters: "ééé" is 6 bytes. */
    cr_assert_eq(
        decode(&b, &l, "{\"type\":\"event\",\"message\":\"\xc3\xa9\xc3\xa9\xc3\xa9\"}", NULL),
        -VIGIL_EINVAL);
    /* The ceiling holds whatever the configuration asks for. */
    l.max_id = 100000;
    char body[512];
    char id[200];
    memset(id, 'x', 129);
    id[129] = '\0';
    snprintf(body, sizeof body, "{\"type\":\"session_end\",\"session_id\":\"%s\"}", id);
    cr_assert_eq(decode(&b, &l, body, NULL), -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'session_id' is longer than 128 bytes");
    ingest_batch_release(&b);
}

Test(ingest, context_limit)
{
    struct ingest_limits l;
    ingest_limits_default(&l);
    l.max_context = 16;
    struct ingest_batch b;
    ingest_batch_init(&b);
    /* Compact form is measured: {"a":"1234567"} is 15 bytes however it was spaced. */
    cr_assert_eq(decode(&b, &l,
                        "{\"type\":\"event\",\"message\":\"m\",\"context\":{ \"a\" : "
                        "\"1234567\" }}",
                        NULL),
                 0);
    cr_assert_str_eq(b.events[0].log.context, "{\"a\":\"1234567\"}");
    cr_assert_eq(decode(&b, &l,
                        "{\"type\":\"event\",\"message\":\"m\",\"context\":{\"a\":"
                        "\"12345678\"}}",
                        NULL),
                 0);
    cr_assert_eq(decode(&b, &l,
                        "{\"type\":\"event\",\"message\":\"m\",\"context\":{\"a\":"
                        "\"123456789\"}}",
                        NULL),
                 -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'context' is longer than 16 bytes as JSON");
    ingest_batch_release(&b);
}

Test(ingest, non_utf8_is_named_by_position)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    const char *nd =
        "{\"type\":\"queue\",\"depth\":1}\n{\"type\":\"event\",\"message\":\"\xc3\x28\"}\n"
        "{\"type\":\"queue\",\"depth\":2}\n";
    cr_assert_eq(decode(&b, NULL, nd, "application/x-ndjson"), 0);
    cr_assert_eq(b.nevents, 2);
    cr_assert_eq(b.nrejects, 1);
    cr_assert_str_eq(b.rejects[0].reason, "line 2: invalid UTF-8 at column 28");
    /* overlong encodings, surrogates and bytes past U+10FFFF are not UTF-8 either */
    const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char body[128];
        snprintf(body, sizeof body, "{\"type\":\"event\",\"message\":\"%s\"}", bad[i]);
        cr_assert_eq(decode(&b, NULL, body, NULL), -VIGIL_EINVAL, "case %zu", i);
        cr_assert_str_eq(b.error, "invalid UTF-8 at byte 28", "case %zu: %s", i, b.error);
    }
    /* Four-byte characters are fine. */
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"event\",\"message\":\"\xf0\x9f\x98\x80\"}", NULL),
                 0);
    ingest_batch_release(&b);
}

Test(ingest, truncated_bodies)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    const char *full = "{\"type\":\"event\",\"message\":\"hello\",\"context\":{\"k\":[1,2]}}";
    size_t n = strlen(full);
    /* Every proper prefix is refused, never half-decoded. */
    for (size_t cut = 1; cut < n; cut++) {
        int rc = ingest_decode(&b, NULL, full, cut, NULL, NOW);
        cr_assert_eq(rc, -VIGIL_EINVAL, "cut %zu", cut);
        cr_assert_eq(b.nevents, 0);
        cr_assert(b.error[0]);
    }
    cr_assert_eq(ingest_decode(&b, NULL, full, n, NULL, NOW), 0);
    ingest_batch_release(&b);
}

Test(ingest, time_forms)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1,\"ts\":1767225600.123}", NULL),
                 0);
    cr_assert_eq(b.events[0].ts_ms, NOW + 123);
    cr_assert(b.events[0].ts_given);
    cr_assert_eq(decode(&b, NULL,
                        "{\"type\":\"queue\",\"depth\":1,\"ts\":\"2026-01-01T01:00:00.5+01:00\"}",
                        NULL),
                 0);
    cr_assert_eq(b.events[0].ts_ms, NOW + 500);
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1,\"ts\":null}", NULL), 0);
    cr_assert_eq(b.events[0].ts_ms, NOW);
    cr_assert_not(b.events[0].ts_given);
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1,\"ts\":1e20}", NULL),
                 -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'ts' is out of range (unix seconds from 1970 to 9999)");
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1,\"ts\":\"soon\"}", NULL),
                 -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "'ts' must be unix seconds or an ISO-8601 time (got 'soon')");
    ingest_batch_release(&b);
}

Test(ingest, long_values_are_quoted_short)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(
        decode(&b, NULL, "{\"type\":\"session_startttttttttttttttttttttttttttttttttttt\"}", NULL),
        -VIGIL_EINVAL);
    cr_assert_str_eq(b.error, "unknown type 'session_startttttttttttttttttttt...'");
    ingest_batch_release(&b);
}

Test(ingest, content_type_forces_ndjson)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    cr_assert_eq(
        decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1}", "Application/X-NDJSON; charset=utf-8"),
        0);
    cr_assert_eq(b.format, INGEST_FORMAT_NDJSON);
    cr_assert_eq(decode(&b, NULL, "[{\"type\":\"queue\",\"depth\":1}]", "application/x-ndjson"), 0);
    cr_assert_eq(b.nevents, 0);
    cr_assert_str_eq(b.rejects[0].reason, "line 1: expected a JSON object, got an array");
    /* a longer type name that only starts alike is not NDJSON */
    cr_assert_eq(decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1}", "application/x-ndjsonx"), 0);
    cr_assert_eq(b.format, INGEST_FORMAT_OBJECT);
    ingest_batch_release(&b);
}

Test(ingest, batch_is_reusable_and_strings_survive_growth)
{
    struct ingest_batch b;
    ingest_batch_init(&b);
    struct buf body;
    buf_init(&body, 1 << 24);
    for (int i = 0; i < 3000; i++)
        buf_printf(&body,
                   "{\"type\":\"event\",\"message\":\"message number %d, padded to make "
                   "the arena spill into several blocks\",\"source\":\"src%d\"}\n",
                   i, i);
    for (int round = 0; round < 3; round++) {
        cr_assert_eq(decode(&b, NULL, body.data, "application/x-ndjson"), 0);
        cr_assert_eq(b.nevents, 3000);
        char want[128];
        for (int i = 0; i < 3000; i += 499) {
            snprintf(want, sizeof want, "src%d", i);
            cr_assert_str_eq(b.events[i].log.source, want);
        }
    }
    buf_release(&body);
    ingest_batch_release(&b);
}

Test(ingest, result_document)
{
    struct ingest_batch b;
    struct buf out;
    struct jsonw w;
    ingest_batch_init(&b);
    buf_init(&out, 1 << 16);
    decode(&b, NULL, "{\"type\":\"queue\",\"depth\":1}\n{\"type\":\"nope\"}\n", NULL);
    jw_init(&w, &out);
    ingest_encode_result(&b, &w);
    cr_assert_str_eq(out.data, "{\"accepted\":1,\"rejected\":1,\"errors\":[{\"line\":2,\"error\":"
                               "\"line 2: unknown type 'nope'\"}]}");
    decode(&b, NULL, "[{\"type\":\"nope\"}]", NULL);
    buf_reset(&out);
    jw_init(&w, &out);
    ingest_encode_result(&b, &w);
    cr_assert_str_eq(out.data, "{\"accepted\":0,\"rejected\":1,\"errors\":[{\"index\":0,\"error\":"
                               "\"index 0: unknown type 'nope'\"}]}");
    decode(&b, NULL, "", NULL);
    buf_reset(&out);
    jw_init(&w, &out);
    ingest_encode_result(&b, &w);
    cr_assert_str_eq(out.data, "{\"accepted\":0,\"rejected\":0,\"error\":\"empty body\"}");
    buf_release(&out);
    ingest_batch_release(&b);
}

Test(ingest, names_round_trip)
{
    enum ingest_level lv;
    for (int k = 0; k < INGEST_NKINDS; k++)
        cr_assert_str_neq(ingest_kind_name(k), "unknown");
    cr_assert_str_eq(ingest_kind_name(INGEST_NKINDS), "unknown");
    cr_assert_eq(ingest_level_parse("warn", &lv), 0);
    cr_assert_eq(lv, INGEST_WARN);
    cr_assert_eq(ingest_level_parse("WARN", &lv), -VIGIL_EINVAL);
    cr_assert_str_eq(ingest_level_name(INGEST_ERROR_LEVEL), "error");
}

static const char fault_body[] =
    "{\"type\":\"event\",\"message\":\"m\",\"context\":{\"a\":[1,2,3]}}\n"
    "{\"type\":\"run\",\"project\":\"p\",\"status\":\"running\"}\n"
    "{\"type\":\"nope\"}\n";

/* Each of the decoder's own allocations fails in turn: the body is refused with "out of
 * memory" and nothing leaks (ASan checks), or, once past the last one, decodes whole. */
Test(ingest, allocation_failures_are_handled)
{
    int failures = 0;
    for (long n = 0; n < 200; n++) {
        struct ingest_batch b;
        ingest_batch_init(&b);
        fault_fail_alloc_after(n);
        int rc = decode(&b, NULL, fault_body, NULL);
        long made = fault_fail_alloc_after(-1);
        if (rc == 0) {
            cr_assert_eq(b.nevents, 2, "n=%ld: %s", n, b.nrejects ? b.rejects[0].reason : "");
            cr_assert_eq(b.nrejects, 1);
            ingest_batch_release(&b);
            if (made <= n)
                break;
            continue;
        }
        cr_assert_eq(rc, -VIGIL_ENOMEM, "n=%ld rc=%d error=%s", n, rc, b.error);
        cr_assert_str_eq(b.error, "out of memory");
        cr_assert_eq(b.nevents, 0);
        failures++;
        ingest_batch_release(&b);
    }
    cr_assert_gt(failures, 2);
}

static void *jansson_malloc(size_t n)
{
    return vigil_malloc(n);
}

/* jansson's allocations too. jansson reports some of its failures as syntax errors, so a
 * line may be rejected with a misleading reason; what must hold is that every line is
 * accounted for, nothing leaks and nothing crashes. */
Test(ingest, jansson_allocation_failures_are_survived)
{
    json_set_alloc_funcs(jansson_malloc, free);
    for (long n = 0; n < 400; n++) {
        struct ingest_batch b;
        ingest_batch_init(&b);
        fault_fail_alloc_after(n);
        int rc = decode(&b, NULL, fault_body, NULL);
        long made = fault_fail_alloc_after(-1);
        cr_assert(rc == 0 || rc == -VIGIL_ENOMEM, "n=%ld rc=%d", n, rc);
        if (rc == 0)
            cr_assert_eq(b.nevents + b.nrejects, 3, "n=%ld", n);
        ingest_batch_release(&b);
        if (rc == 0 && made <= n)
            break;
    }
}
