/* live: the daemon's agent side on a made-up clock, through a fake stream client: the
 * statuses of an ingest answer, one `event` notification per new ring entry, the agents.*
 * series once something was heard, and the cadence of perf/<project> (every second while
 * running, every 3 s otherwise, never when nothing changed). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "agents/live.h"
#include "core/err.h"
#include "store/store.h"
#include "stream/streams.h"

#define T0 1767261600000LL

static void nothing(void *conn)
{
    (void)conn;
}
static const struct stream_transport fake = {nothing, nothing};

struct rig {
    struct config *cfg;
    struct store *store;
    struct streams *st;
    struct stream_client *c;
    struct agents_live *l;
    struct buf out;
};

static void rig_init(struct rig *r)
{
    r->cfg = calloc(1, sizeof *r->cfg);
    cr_assert_not_null(r->cfg);
    config_defaults(r->cfg);
    r->cfg->agents.max_events = 10;
    r->cfg->max_body_bytes = 4096;
    r->store = store_new(64);
    struct stream_limits lim;
    stream_limits_default(&lim);
    lim.queue_frames = 1024;
    r->st = streams_new(&lim, &fake, NULL, NULL);
    r->c = streams_client_open(r->st, STREAM_WS, (void *)1);
    cr_assert_eq(streams_client_subscribe(r->c, "perf/*"), 0);
    cr_assert_eq(streams_client_subscribe(r->c, "events"), 0);
    struct agents_live_opts o = {r->cfg, r->store, r->st, NULL, NULL};
    r->l = agents_live_new(&o, T0);
    cr_assert_not_null(r->l);
    buf_init(&r->out, 1 << 20);
}

static void rig_release(struct rig *r)
{
    agents_live_free(r->l);
    streams_client_close(r->c);
    streams_free(r->st);
    store_free(r->store);
    buf_release(&r->out);
    free(r->cfg);
}

static int ingest(struct rig *r, const char *body, const char *ct, int64_t now)
{
    buf_reset(&r->out);
    struct jsonw w;
    jw_init(&w, &r->out);
    int status = agents_live_ingest(r->l, body, strlen(body), ct, now, &w);
    cr_assert_eq(w.err, 0);
    return status;
}

/* Takes every queued frame; returns how many mention needle. */
static int frames(struct rig *r, const char *needle)
{
    int n = 0;
    size_t len;
    const unsigned char *f;
    while ((f = streams_client_peek(r->c, &len))) {
        char *copy = strndup((const char *)f, len);
        n += strstr(copy, needle) != NULL;
        free(copy);
        streams_client_sent(r->c);
    }
    return n;
}

Test(live, ingest_statuses)
{
    struct rig r;
    rig_init(&r);
    cr_expect_eq(ingest(&r, "{\"type\":\"queue\",\"depth\":1}", "application/json", T0), 200);
    cr_expect_str_eq(r.out.data, "{\"accepted\":1,\"rejected\":0,\"errors\":[]}");
    cr_expect_eq(ingest(&r, "{\"type\":\"queue\"}\n{\"type\":\"x\"}\n", NULL, T0), 400);
    cr_expect(strstr(r.out.data, "\"error\":\"every event was rejected\",\"status\":400"),
              "%s", r.out.data);
    cr_expect_eq(ingest(&r, "{\"type\":\"queue\",\"depth\":2}\n{\"type\":\"x\"}\n",
                        "application/ndjson; charset=utf-8", T0),
                 200);
    cr_expect_eq(ingest(&r, "{\"type\":", "application/json", T0), 400);
    cr_expect_eq(ingest(&r, "<x/>", "text/xml", T0), 415);
    cr_expect(strstr(r.out.data, "unsupported content type 'text/xml'"), "%s", r.out.data);
    char many[1024] = "";
    for (int i = 0; i < 11; i++)
        strcat(many, "{\"type\":\"queue\",\"depth\":3}\n");
    cr_expect_eq(ingest(&r, many, "application/x-ndjson", T0), 413);
    cr_expect(strstr(r.out.data, "\"status\":413"), "%s", r.out.data);
    rig_release(&r);
}

Test(live, one_event_notification_per_new_ring_entry)
{
    struct rig r;
    rig_init(&r);
    cr_expect_eq(ingest(&r,
                        "{\"type\":\"event\",\"message\":\"a\"}\n"
                        "{\"type\":\"tool_call\",\"tool\":\"t\",\"status\":\"error\"}\n"
                        "{\"type\":\"model_call\",\"latency_ms\":3}\n",
                        NULL, T0),
                 200);
    cr_expect_eq(frames(&r, "\"method\":\"event\""), 2);
    cr_expect_eq(ingest(&r, "{\"type\":\"queue\",\"depth\":1}", NULL, T0 + 1), 200);
    cr_expect_eq(frames(&r, "\"method\":\"event\""), 0, "nothing new in the ring");
    rig_release(&r);
}

Test(live, series_start_with_the_first_event)
{
    struct rig r;
    rig_init(&r);
    agents_live_tick(r.l, T0 + 1000);
    cr_expect_eq(store_find(r.store, "agents.active_sessions"), -VIGIL_ENOENT,
                 "nothing heard: no history");
    ingest(&r, "{\"type\":\"session_start\",\"session_id\":\"s\"}", NULL, T0 + 1500);
    agents_live_tick(r.l, T0 + 2000);
    int id = store_find(r.store, "agents.active_sessions");
    cr_assert_geq(id, 0);
    struct sample s;
    cr_assert(store_latest(r.store, id, &s));
    cr_expect_eq(s.ts_ms, T0 + 2000);
    cr_expect_float_eq(s.value, 1.0, 1e-9);
    cr_expect_lt(store_find(r.store, "agents.error_rate"), 0, "unknown figures stay absent");
    rig_release(&r);
}

static void run_report(struct rig *r, const char *status, int tokens, int64_t now)
{
    char body[256];
    snprintf(body, sizeof body,
             "{\"type\":\"run\",\"project\":\"alpha\",\"status\":\"%s\",\"pid\":7,"
             "\"tokens\":{\"current_run\":%d}}",
             status, tokens);
    cr_assert_eq(ingest(r, body, NULL, now), 200);
}

Test(live, perf_channel_cadence)
{
    struct rig r;
    rig_init(&r);
    const char *perf = "\"channel\":\"perf/alpha\"";
    run_report(&r, "running", 1, T0);
    agents_live_tick(r.l, T0 + 1000);
    cr_expect_eq(frames(&r, perf), 1, "the first record goes out at once");
    agents_live_tick(r.l, T0 + 2000);
    cr_expect_eq(frames(&r, perf), 0, "nothing changed");
    /* running: each second that brings a change */
    for (int s = 2; s < 6; s++) {
        run_report(&r, "running", s, T0 + s * 1000 + 500);
        agents_live_tick(r.l, T0 + (s + 1) * 1000);
        cr_expect_eq(frames(&r, perf), 1, "second %d", s);
    }
    /* paused: a change every second goes out every 3 s */
    int sent = 0;
    for (int s = 6; s < 18; s++) {
        run_report(&r, "paused", s, T0 + s * 1000 + 500);
        agents_live_tick(r.l, T0 + (s + 1) * 1000);
        sent += frames(&r, perf);
    }
    cr_expect_eq(sent, 4, "12 s paused: 4 records");
    /* silence: the record turns stale once, and that is a change */
    sent = 0;
    for (int s = 18; s < 40; s++) {
        agents_live_tick(r.l, T0 + (s + 1) * 1000);
        sent += frames(&r, perf);
    }
    cr_expect_eq(sent, 1, "stale, said once");
    rig_release(&r);
}

Test(live, projects_without_a_channel_name)
{
    struct rig r;
    rig_init(&r);
    cr_assert_eq(ingest(&r,
                        "{\"type\":\"run\",\"project\":\"has space\",\"status\":\"running\"}\n"
                        "{\"type\":\"run\",\"project\":\"ok.name\",\"status\":\"running\"}\n",
                        NULL, T0),
                 200);
    agents_live_tick(r.l, T0 + 1000);
    cr_expect_eq(frames(&r, "perf/"), 1, "only the project whose name makes a channel");
    rig_release(&r);
}
