/*
 * fuzz_ingest: feeds the ingest decoder exactly `size` bytes, as a body of unknown shape
 * and as NDJSON, with the default limits and with tight ones; applies what decodes to a
 * small struct agents and checks that every document written from it is valid JSON; then
 * as the lines of a log file that start at line 7.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents/agents.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "parse/ingest.h"

#define NOW 1767261600000LL

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

/* A document written by vigil must parse. */
static void check_json(const struct buf *b, const struct jsonw *w)
{
    if (w->err)
        return; /* over the cap: refused, which is fine */
    json_error_t err;
    json_t *doc = json_loadb(b->data, b->len, 0, &err);
    check(doc != NULL);
    json_decref(doc);
}

static void check_str(const char *s, size_t max)
{
    if (s)
        check(strlen(s) <= max);
}

static void check_batch(const struct ingest_batch *b, const struct ingest_limits *l, int rc)
{
    if (rc < 0) {
        check(b->nevents == 0 && b->nrejects == 0 && b->error[0]);
        return;
    }
    check(!b->error[0]);
    check(b->nevents + b->nrejects <= l->max_events || b->format == INGEST_FORMAT_OBJECT);
    for (size_t i = 0; i < b->nevents; i++) {
        const struct ingest_event *e = &b->events[i];
        check((unsigned)e->kind < INGEST_NKINDS);
        if (e->kind == INGEST_EVENT) {
            check_str(e->log.message, l->max_text);
            check_str(e->log.source, l->max_id);
            check_str(e->log.context, l->max_context);
        }
        if (e->kind == INGEST_SESSION_START)
            check(e->session_start.session_id && e->session_start.session_id[0]);
    }
}

static void encode_all(struct agents *a, const struct ingest_batch *batch)
{
    struct buf b;
    struct jsonw w;
    buf_init(&b, 1 << 22);

    jw_init(&w, &b);
    agents_encode_json(a, NOW + 1000, &w);
    check_json(&b, &w);

    buf_reset(&b);
    jw_init(&w, &b);
    struct agents_events_query q = {.min_level = INGEST_INFO, .limit = 50};
    agents_encode_events(a, &q, NOW + 1000, &w);
    check_json(&b, &w);

    buf_reset(&b);
    jw_init(&w, &b);
    agents_encode_requests(a, NOW + 1000, &w);
    check_json(&b, &w);

    buf_reset(&b);
    jw_init(&w, &b);
    ingest_encode_result(batch, &w);
    check_json(&b, &w);
    buf_release(&b);
}

static const char *const content_types[] = {NULL, "application/x-ndjson"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ingest_limits wide, tight;
    ingest_limits_default(&wide);
    ingest_limits_default(&tight);
    tight.max_events = 4;
    tight.max_depth = 3;
    tight.max_id = 8;
    tight.max_text = 16;
    tight.max_context = 24;
    tight.max_body = 4096;

    struct agents_config c;
    agents_config_defaults(&c);
    c.max_sessions = c.max_requests = c.max_tools = c.max_projects = 4;
    c.model_calls = 8;
    c.events = 8;
    struct agents *a = agents_new(&c, NOW);
    if (!a)
        return 0;

    const struct ingest_limits *limits[] = {&wide, &tight};
    struct ingest_batch b;
    ingest_batch_init(&b);
    for (size_t t = 0; t < 2; t++) {
        for (size_t l = 0; l < 2; l++) {
            int rc = ingest_decode(&b, limits[l], (const char *)data, size, content_types[t], NOW);
            check_batch(&b, limits[l], rc);
            agents_apply_batch(a, &b, NOW + (int64_t)t);
            encode_all(a, &b);
        }
    }
    /* as the lines of a log file from line 7 on: every reject names its own line */
    int rc = ingest_decode_lines(&b, &tight, (const char *)data, size, 7, NOW);
    check_batch(&b, &tight, rc);
    for (size_t i = 0; rc == 0 && i < b.nrejects; i++) {
        char want[32];
        snprintf(want, sizeof want, "line %zu: ", b.rejects[i].line);
        check(b.rejects[i].line >= 7 && strncmp(b.rejects[i].reason, want, strlen(want)) == 0);
    }
    ingest_batch_release(&b);
    agents_free(a);
    return 0;
}
