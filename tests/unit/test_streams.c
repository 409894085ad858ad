/* streams: channel names, fan-out, the bounded queue's drop policy, slow clients, replay
 * and posts from other threads, through a fake transport. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "stream/streams.h"

static int writes_wanted, kills;
static void want_write(void *conn)
{
    (void)conn;
    writes_wanted++;
}
static void kill_conn(void *conn)
{
    (void)conn;
    kills++;
}
static const struct stream_transport fake = {want_write, kill_conn};

static struct streams *make(unsigned queue, int64_t stuck_ms)
{
    struct stream_limits lim;
    stream_limits_default(&lim);
    lim.queue_frames = queue;
    lim.stuck_ms = stuck_ms;
    lim.replay_frames = 8;
    writes_wanted = kills = 0;
    struct streams *st = streams_new(&lim, &fake, NULL, NULL);
    cr_assert_not_null(st);
    return st;
}

static void pub(struct streams *st, const char *channel, int v)
{
    char data[32];
    int n = snprintf(data, sizeof data, "{\"v\":%d}", v);
    streams_publish(st, channel, "metrics", data, (size_t)n, 1000, true);
}

/* Pops every queued frame and returns them joined with '|'. */
static void drain(struct stream_client *c, char *out, size_t n)
{
    out[0] = '\0';
    size_t len;
    const unsigned char *f;
    while ((f = streams_client_peek(c, &len))) {
        strncat(out, (const char *)f, n - strlen(out) - 2);
        strcat(out, "|");
        streams_client_sent(c);
    }
}

Test(streams, channel_names_and_patterns)
{
    const char *good[] = {"system/cpu",
                          "system/gpu/0",
                          "system/gpu/*",
                          "inference/vllm-a",
                          "cluster",
                          "agents",
                          "events",
                          "alerts",
                          "perf/alpha",
                          "*",
                          "node/gpu1/system/cpu",
                          "node/gpu1/*",
                          "system/*"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_assert(stream_channel_valid(good[i]), "%s", good[i]);
    const char *bad[] = {"",           "bogus",       "system",   "system/cpu/x",
                         "system/gpu", "perf/",       "perf/a/b", "inference/a b",
                         "node/x",     "system//cpu", "cluster/x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(stream_channel_valid(bad[i]), "%s", bad[i]);
    cr_assert(stream_channel_match("system/gpu/*", "system/gpu/3"));
    cr_assert_not(stream_channel_match("system/gpu/*", "system/cpu"));
    cr_assert(stream_channel_match("*", "perf/alpha"));
    cr_assert_not(stream_channel_match("system/*", "system/gpu/0"));
}

Test(streams, subscribers_receive_and_others_do_not)
{
    struct streams *st = make(8, 10000);
    struct stream_client *a = streams_client_open(st, STREAM_WS, (void *)1);
    struct stream_client *b = streams_client_open(st, STREAM_WS, (void *)2);
    struct stream_client *e = streams_client_open(st, STREAM_SSE, (void *)3);
    cr_assert_eq(streams_client_subscribe(a, "system/cpu"), 0);
    cr_assert_eq(streams_client_subscribe(b, "system/gpu/*"), 0);
    cr_assert_eq(streams_client_subscribe(e, "system/cpu"), 0);
    cr_assert_eq(streams_client_subscribe(a, "nope"), -VIGIL_EINVAL);
    pub(st, "system/cpu", 1);
    pub(st, "system/gpu/1", 2);
    char out[4096];
    drain(a, out, sizeof out);
    cr_assert(strstr(out, "\"channel\":\"system/cpu\",\"data\":{\"v\":1}"), "%s", out);
    cr_assert_null(strstr(out, "gpu"));
    drain(b, out, sizeof out);
    cr_assert(strstr(out, "\"channel\":\"system/gpu/1\""), "%s", out);
    drain(e, out, sizeof out);
    cr_assert(strncmp(out, "event: metrics\nid: 1\ndata: {\"channel\":\"system/cpu\"", 48) == 0,
              "%s", out);
    cr_assert(strstr(out, "\n\n|"));
    cr_assert_eq(streams_client_unsubscribe(a, "system/cpu"), 0);
    cr_assert_eq(streams_client_unsubscribe(a, "system/cpu"), -VIGIL_ENOENT);
    pub(st, "system/cpu", 3);
    cr_assert_null(streams_client_peek(a, &(size_t){0}));
    streams_client_close(a);
    streams_client_close(b);
    streams_client_close(e);
    streams_free(st);
}

Test(streams, a_new_subscriber_catches_up_with_the_latest_value)
{
    struct streams *st = make(8, 10000);
    pub(st, "system/cpu", 1);
    pub(st, "system/cpu", 2);
    struct stream_client *a = streams_client_open(st, STREAM_WS, NULL);
    streams_client_subscribe(a, "system/*");
    streams_client_catch_up(a, "system/*");
    char out[4096];
    drain(a, out, sizeof out);
    cr_assert(strstr(out, "{\"v\":2}"));
    cr_assert_null(strstr(out, "{\"v\":1}"));
    streams_client_close(a);
    streams_free(st);
}

Test(streams, a_full_queue_keeps_the_latest_value_per_channel)
{
    struct streams *st = make(4, 60000);
    struct stream_client *a = streams_client_open(st, STREAM_WS, NULL);
    streams_client_subscribe(a, "*");
    for (int i = 0; i < 20; i++) {
        pub(st, "system/cpu", i);
        pub(st, "system/memory", 100 + i);
    }
    char out[8192];
    drain(a, out, sizeof out);
    /* the newest of each channel survives; the queue never held more than 4 */
    cr_assert(strstr(out, "{\"v\":19}"), "%s", out);
    cr_assert(strstr(out, "{\"v\":119}"), "%s", out);
    int frames = 0;
    for (const char *p = out; (p = strchr(p, '|')); p++)
        frames++;
    cr_assert_leq(frames, 4);
    struct stream_stats s;
    streams_stats(st, &s);
    cr_assert_eq(s.frames_dropped, 40 - 4);
    cr_assert_eq(kills, 0);
    streams_client_close(a);
    streams_free(st);
}

Test(streams, events_are_not_coalesced)
{
    struct streams *st = make(16, 60000);
    struct stream_client *a = streams_client_open(st, STREAM_WS, NULL);
    streams_client_subscribe(a, "events");
    for (int i = 0; i < 5; i++)
        streams_publish(st, "events", "event", "{}", 2, 1000, false);
    char out[8192];
    drain(a, out, sizeof out);
    int frames = 0;
    for (const char *p = out; (p = strchr(p, '|')); p++)
        frames++;
    cr_assert_eq(frames, 5);
    streams_client_close(a);
    streams_free(st);
}

Test(streams, a_client_that_stays_stuck_is_disconnected)
{
    struct streams *st = make(4, 0);
    struct stream_client *a = streams_client_open(st, STREAM_WS, NULL);
    struct stream_client *b = streams_client_open(st, STREAM_WS, NULL);
    streams_client_subscribe(a, "system/cpu");
    streams_client_subscribe(b, "system/cpu");
    for (int i = 0; i < 10; i++) {
        pub(st, "system/cpu", i);
        size_t len;
        if (streams_client_peek(b, &len))
            streams_client_sent(b); /* b reads, a never does */
    }
    cr_assert_eq(kills, 1);
    struct stream_stats s;
    streams_stats(st, &s);
    cr_assert_eq(s.clients_dropped_slow, 1);
    cr_assert_null(streams_client_peek(a, &(size_t){0}));
    streams_client_close(a);
    streams_client_close(b);
    streams_free(st);
}

Test(streams, sse_replay_after_an_id)
{
    struct streams *st = make(32, 60000);
    for (int i = 1; i <= 12; i++)
        pub(st, i % 2 ? "system/cpu" : "system/memory", i); /* ids 1..12, 8 kept */
    struct stream_client *e = streams_client_open(st, STREAM_SSE, NULL);
    streams_client_subscribe(e, "system/cpu");
    streams_client_replay(e, 8);
    char out[8192];
    drain(e, out, sizeof out);
    cr_assert(strstr(out, "id: 9\n"), "%s", out);
    cr_assert(strstr(out, "id: 11\n"), "%s", out);
    cr_assert_null(strstr(out, "id: 10\n"), "memory is not subscribed");
    cr_assert_null(strstr(out, "id: 7\n"));
    streams_client_close(e);
    streams_free(st);
}

static void *poster(void *arg)
{
    for (int i = 0; i < 100; i++)
        streams_post(arg, "events", "event", "{\"x\":1}", 7);
    return NULL;
}

Test(streams, posts_from_threads_are_delivered_by_the_loop)
{
    struct streams *st = make(256, 60000);
    struct stream_client *a = streams_client_open(st, STREAM_WS, NULL);
    streams_client_subscribe(a, "events");
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, poster, st);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    streams_drain(st);
    int frames = 0;
    size_t len;
    while (streams_client_peek(a, &len)) {
        streams_client_sent(a);
        frames++;
    }
    cr_assert_eq(frames, 200);
    char big[STREAM_CHANNEL_MAX + 8];
    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(streams_post(st, big, "event", "{}", 2), -VIGIL_E2BIG);
    streams_client_close(a);
    streams_free(st);
}
