/*
 * streams: fan-out of notifications to subscribed clients (see streams.h). Frames are
 * reference-counted and shared; a client's queue is a small ring of frame pointers. The
 * channel table remembers the newest "metrics" frame of each channel, so a new subscriber
 * gets the current value at once instead of waiting for the next interval.
 */
#include "stream/streams.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "encode/prom.h"

/* ---- frames ------------------------------------------------------------------------- */

struct frame {
    int refs;
    bool coalesce;
    uint64_t id; /* the notification's sequence number (the SSE id) */
    char channel[STREAM_CHANNEL_MAX];
    size_t len;
    unsigned char bytes[]; /* STREAM_FRAME_PRE headroom, then len bytes, then a NUL */
};

static struct frame *frame_new(const char *channel, size_t len, bool coalesce, uint64_t id)
{
    struct frame *f = vigil_malloc(sizeof *f + STREAM_FRAME_PRE + len + 1);
    if (!f)
        return NULL;
    f->refs = 1;
    f->coalesce = coalesce;
    f->id = id;
    snprintf(f->channel, sizeof f->channel, "%s", channel);
    f->len = len;
    f->bytes[STREAM_FRAME_PRE + len] = '\0';
    return f;
}

static unsigned char *frame_data(struct frame *f)
{
    return f->bytes + STREAM_FRAME_PRE;
}

static void frame_unref(struct frame *f)
{
    if (f && --f->refs == 0)
        free(f);
}

/* ---- state ---------------------------------------------------------------------------- */

struct channel_entry {
    char name[STREAM_CHANNEL_MAX];
    struct frame *last_ws; /* newest metrics frame, for new subscribers */
    struct frame *last_sse;
};

struct post {
    char channel[STREAM_CHANNEL_MAX];
    char method[16];
    char *data; /* owned */
    size_t len;
};

struct stream_client {
    struct streams *st;
    struct stream_client *prev, *next;
    enum stream_kind kind;
    void *conn;
    char (*subs)[STREAM_CHANNEL_MAX]; /* owned, max_subscriptions entries */
    unsigned n_subs;
    struct frame **q; /* owned ring of queue_frames */
    unsigned q_head, q_len;
    size_t q_bytes;
    int64_t full_since_ns; /* 0 while the queue has room */
    bool killed;
};

struct streams {
    struct stream_limits lim;
    struct stream_transport t;
    void (*wake)(void *);
    void *wake_arg;
    struct stream_client *clients;
    struct channel_entry *chans; /* owned, lim.max_channels */
    unsigned n_chans;
    struct frame **replay; /* ring of lim.replay_frames SSE frames */
    unsigned replay_head, replay_len;
    uint64_t next_id;
    struct stream_stats stats;
    struct buf scratch; /* loop thread: encoding space */

    pthread_mutex_t post_lock; /* guards posts and posts_dropped between threads */
    struct post *posts;
    unsigned n_posts;
    uint64_t posts_dropped;
};

void stream_limits_default(struct stream_limits *l)
{
    l->queue_frames = 64;
    l->queue_bytes = 16u << 20;
    l->max_subscriptions = 256;
    l->stuck_ms = 10000;
    l->replay_frames = 512;
    l->post_queue = 4096;
    l->max_channels = 4096;
}

struct streams *streams_new(const struct stream_limits *lim, const struct stream_transport *t,
                            void (*wake)(void *), void *wake_arg)
{
    struct streams *st = vigil_calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->lim = *lim;
    st->t = *t;
    st->wake = wake;
    st->wake_arg = wake_arg;
    st->next_id = 1;
    st->chans = vigil_calloc(lim->max_channels ? lim->max_channels : 1, sizeof *st->chans);
    st->replay = vigil_calloc(lim->replay_frames ? lim->replay_frames : 1, sizeof(struct frame *));
    st->posts = vigil_calloc(lim->post_queue ? lim->post_queue : 1, sizeof *st->posts);
    if (!st->chans || !st->replay || !st->posts) {
        free(st->chans);
        free(st->replay);
        free(st->posts);
        free(st);
        return NULL;
    }
    buf_init(&st->scratch, 16u << 20);
    pthread_mutex_init(&st->post_lock, NULL);
    return st;
}

void streams_free(struct streams *st)
{
    if (!st)
        return;
    for (struct stream_client *c = st->clients, *next; c; c = next) {
        next = c->next;
        streams_client_close(c);
    }
    for (unsigned i = 0; i < st->n_chans; i++) {
        frame_unref(st->chans[i].last_ws);
        frame_unref(st->chans[i].last_sse);
    }
    for (unsigned i = 0; i < st->replay_len; i++)
        frame_unref(st->replay[(st->replay_head + i) % st->lim.replay_frames]);
    for (unsigned i = 0; i < st->n_posts; i++)
        free(st->posts[i].data);
    free(st->chans);
    free(st->replay);
    free(st->posts);
    buf_release(&st->scratch);
    pthread_mutex_destroy(&st->post_lock);
    free(st);
}

/* ---- channel names ------------------------------------------------------------------- */

static size_t part_len(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

bool stream_channel_match(const char *pattern, const char *channel)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    const char *p = pattern, *c = channel;
    for (;;) {
        size_t pl = part_len(p), cl = part_len(c);
        bool star = pl == 1 && p[0] == '*';
        if (!star && (pl != cl || memcmp(p, c, pl) != 0))
            return false;
        if (!p[pl] || !c[cl])
            return !p[pl] && !c[cl];
        p += pl + 1;
        c += cl + 1;
    }
}

static bool name_part_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    if (n == 1 && s[0] == '*')
        return true;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.' || ch == ':';
        if (!ok)
            return false;
    }
    return true;
}

/* The grammar of channels, as parts: each row is one shape; "" stands for a name part. */
static const char *const shapes[][3] = {
    {"system", "cpu", NULL},     {"system", "memory", NULL}, {"system", "disk", NULL},
    {"system", "network", NULL}, {"system", "load", NULL},   {"system", "gpu", ""},
    {"inference", "", NULL},     {"cluster", NULL, NULL},    {"agents", NULL, NULL},
    {"events", NULL, NULL},      {"alerts", NULL, NULL},     {"perf", "", NULL},
};

static bool shape_match(const char *s)
{
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const char *p = s;
        bool ok = true;
        int i = 0;
        for (; i < 3 && shapes[k][i] && ok; i++) {
            size_t n = part_len(p);
            bool fixed = shapes[k][i][0] != '\0' && !(n == 1 && p[0] == '*');
            bool more = i < 2 && shapes[k][i + 1];
            ok = name_part_ok(p, n) &&
                 !(fixed && (strlen(shapes[k][i]) != n || memcmp(shapes[k][i], p, n) != 0)) &&
                 (p[n] == '/') == more; /* as many parts as the shape, no more, no fewer */
            p += n + (p[n] == '/');
        }
        if (ok)
            return true;
    }
    return false;
}

bool stream_channel_valid(const char *pattern)
{
    size_t len = strnlen(pattern, STREAM_CHANNEL_MAX);
    if (len == 0 || len >= STREAM_CHANNEL_MAX)
        return false;
    if (strcmp(pattern, "*") == 0)
        return true;
    /* node/<name>/<channel> is a channel of another vigil, relayed by a hub. */
    if (strncmp(pattern, "node/", 5) == 0) {
        size_t n = part_len(pattern + 5);
        if (!name_part_ok(pattern + 5, n) || pattern[5 + n] != '/')
            return false;
        const char *rest = pattern + 5 + n + 1;
        return strcmp(rest, "*") == 0 || shape_match(rest);
    }
    return shape_match(pattern);
}

/* ---- queues -------------------------------------------------------------------------- */

static void client_kill(struct stream_client *c, bool slow)
{
    if (c->killed)
        return;
    c->killed = true;
    if (slow)
        c->st->stats.clients_dropped_slow++;
    c->st->t.kill(c->conn);
}

/* Queues f (taking a reference). When the queue is full, an older coalescible frame of the
 * same channel gives way; failing that, the oldest coalescible frame; failing that, the new
 * frame is dropped. A queue full for longer than stuck_ms ends the client. */
static void enqueue(struct stream_client *c, struct frame *f)
{
    struct streams *st = c->st;
    unsigned cap = st->lim.queue_frames;
    if (c->killed)
        return;
    if (c->q_len < cap && c->q_bytes + f->len <= st->lim.queue_bytes) {
        c->q[(c->q_head + c->q_len++) % cap] = f;
        c->q_bytes += f->len;
        f->refs++;
        if (c->q_len == 1)
            st->t.want_write(c->conn);
        return;
    }
    int64_t now = clock_mono_ns();
    if (!c->full_since_ns)
        c->full_since_ns = now;
    else if (now - c->full_since_ns > st->lim.stuck_ms * 1000000) {
        client_kill(c, true);
        return;
    }
    /* The head may be in the middle of a write; it is never replaced. */
    int victim = -1;
    for (unsigned i = 1; i < c->q_len; i++) {
        struct frame *q = c->q[(c->q_head + i) % cap];
        if (q->coalesce && f->coalesce && strcmp(q->channel, f->channel) == 0) {
            victim = (int)i;
            break;
        }
        if (victim < 0 && q->coalesce)
            victim = (int)i;
    }
    st->stats.frames_dropped++;
    if (victim < 0 ||
        c->q_bytes - c->q[(c->q_head + (unsigned)victim) % cap]->len + f->len > st->lim.queue_bytes)
        return;
    c->q_bytes -= c->q[(c->q_head + (unsigned)victim) % cap]->len;
    c->q_bytes += f->len;
    frame_unref(c->q[(c->q_head + (unsigned)victim) % cap]);
    for (unsigned i = (unsigned)victim; i + 1 < c->q_len; i++)
        c->q[(c->q_head + i) % cap] = c->q[(c->q_head + i + 1) % cap];
    c->q[(c->q_head + c->q_len - 1) % cap] = f;
    f->refs++;
}

const unsigned char *streams_client_peek(struct stream_client *c, size_t *len)
{
    if (!c->q_len || c->killed)
        return NULL;
    struct frame *f = c->q[c->q_head];
    *len = f->len;
    return frame_data(f);
}

void streams_client_sent(struct stream_client *c)
{
    if (!c->q_len)
        return;
    unsigned cap = c->st->lim.queue_frames;
    c->q_bytes -= c->q[c->q_head]->len;
    frame_unref(c->q[c->q_head]);
    c->q_head = (c->q_head + 1) % cap;
    c->q_len--;
    c->full_since_ns = 0;
    c->st->stats.frames_sent++;
    if (c->q_len)
        c->st->t.want_write(c->conn);
}

/* ---- clients ------------------------------------------------------------------------- */

struct stream_client *streams_client_open(struct streams *st, enum stream_kind kind, void *conn)
{
    struct stream_client *c = vigil_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->subs =
        vigil_calloc(st->lim.max_subscriptions ? st->lim.max_subscriptions : 1, sizeof *c->subs);
    c->q = vigil_calloc(st->lim.queue_frames ? st->lim.queue_frames : 1, sizeof(struct frame *));
    if (!c->subs || !c->q) {
        free(c->subs);
        free(c->q);
        free(c);
        return NULL;
    }
    c->st = st;
    c->kind = kind;
    c->conn = conn;
    c->next = st->clients;
    if (st->clients)
        st->clients->prev = c;
    st->clients = c;
    if (kind == STREAM_WS)
        st->stats.clients_ws++;
    else
        st->stats.clients_sse++;
    return c;
}

void streams_client_close(struct stream_client *c)
{
    if (!c)
        return;
    struct streams *st = c->st;
    if (c->prev)
        c->prev->next = c->next;
    else
        st->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->kind == STREAM_WS)
        st->stats.clients_ws--;
    else
        st->stats.clients_sse--;
    while (c->q_len) {
        frame_unref(c->q[c->q_head]);
        c->q_head = (c->q_head + 1) % st->lim.queue_frames;
        c->q_len--;
    }
    free(c->q);
    free(c->subs);
    free(c);
}

static bool subscribed(const struct stream_client *c, const char *channel)
{
    for (unsigned i = 0; i < c->n_subs; i++)
        if (stream_channel_match(c->subs[i], channel))
            return true;
    return false;
}

int streams_client_subscribe(struct stream_client *c, const char *pattern)
{
    if (!stream_channel_valid(pattern))
        return -VIGIL_EINVAL;
    for (unsigned i = 0; i < c->n_subs; i++)
        if (strcmp(c->subs[i], pattern) == 0)
            return 0;
    if (c->n_subs >= c->st->lim.max_subscriptions)
        return -VIGIL_EFULL;
    snprintf(c->subs[c->n_subs++], STREAM_CHANNEL_MAX, "%s", pattern);
    return 0;
}

void streams_client_catch_up(struct stream_client *c, const char *pattern)
{
    struct streams *st = c->st;
    for (unsigned i = 0; i < st->n_chans; i++) {
        struct channel_entry *e = &st->chans[i];
        struct frame *f = c->kind == STREAM_WS ? e->last_ws : e->last_sse;
        if (f && stream_channel_match(pattern, e->name))
            enqueue(c, f);
    }
}

int streams_client_unsubscribe(struct stream_client *c, const char *pattern)
{
    for (unsigned i = 0; i < c->n_subs; i++) {
        if (strcmp(c->subs[i], pattern) != 0)
            continue;
        memmove(c->subs[i], c->subs[i + 1], (c->n_subs - i - 1) * sizeof c->subs[0]);
        c->n_subs--;
        return 0;
    }
    return -VIGIL_ENOENT;
}

bool streams_client_backlogged(const struct stream_client *c)
{
    return c->q_len * 2 >= c->st->lim.queue_frames || c->q_bytes * 2 >= c->st->lim.queue_bytes;
}

unsigned streams_client_subscriptions(const struct stream_client *c, const char **out, unsigned max)
{
    unsigned n = 0;
    for (; n < c->n_subs && n < max; n++)
        out[n] = c->subs[n];
    return n;
}

int streams_client_reply(struct stream_client *c, const char *msg, size_t len)
{
    struct frame *f = frame_new("", len, false, 0);
    if (!f)
        return -VIGIL_ENOMEM;
    memcpy(frame_data(f), msg, len);
    enqueue(c, f);
    frame_unref(f);
    return 0;
}

void streams_heartbeat(struct streams *st, const char *text, size_t len)
{
    struct frame *f = NULL;
    for (struct stream_client *c = st->clients; c; c = c->next) {
        if (c->kind != STREAM_SSE || c->q_len)
            continue; /* a client with frames waiting is not idle */
        if (!f) {
            f = frame_new("", len, true, 0);
            if (!f)
                return;
            memcpy(frame_data(f), text, len);
        }
        enqueue(c, f);
    }
    frame_unref(f);
}

void streams_client_replay(struct stream_client *c, uint64_t last_id)
{
    struct streams *st = c->st;
    for (unsigned i = 0; i < st->replay_len; i++) {
        struct frame *f = st->replay[(st->replay_head + i) % st->lim.replay_frames];
        if (f->id > last_id && subscribed(c, f->channel))
            enqueue(c, f);
    }
}

/* ---- publishing ---------------------------------------------------------------------- */

static struct channel_entry *channel_entry(struct streams *st, const char *name)
{
    for (unsigned i = 0; i < st->n_chans; i++)
        if (strcmp(st->chans[i].name, name) == 0)
            return &st->chans[i];
    if (st->n_chans >= st->lim.max_channels)
        return NULL;
    struct channel_entry *e = &st->chans[st->n_chans++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->last_ws = e->last_sse = NULL;
    return e;
}

static void replay_keep(struct streams *st, struct frame *f)
{
    unsigned cap = st->lim.replay_frames;
    if (!cap)
        return;
    if (st->replay_len == cap) {
        frame_unref(st->replay[st->replay_head]);
        st->replay_head = (st->replay_head + 1) % cap;
        st->replay_len--;
    }
    st->replay[(st->replay_head + st->replay_len++) % cap] = f;
    f->refs++;
}

static struct frame *frame_from(struct buf *b, const char *channel, bool coalesce, uint64_t id)
{
    struct frame *f = frame_new(channel, b->len, coalesce, id);
    if (f)
        memcpy(frame_data(f), b->data, b->len);
    return f;
}

void streams_publish(struct streams *st, const char *channel, const char *method, const char *data,
                     size_t len, int64_t ts_ms, bool coalesce)
{
    if (strlen(channel) >= STREAM_CHANNEL_MAX || !len)
        return;
    uint64_t id = st->next_id++;
    char iso[32];
    clock_iso8601(ts_ms, iso, sizeof iso);
    struct buf *b = &st->scratch;

    /* The params object is the same in both encodings. */
    buf_reset(b);
    struct jsonw w;
    jw_init(&w, b);
    jw_obj_begin(&w);
    jw_kstr(&w, "jsonrpc", "2.0");
    jw_kstr(&w, "method", method);
    jw_key(&w, "params");
    size_t params_at = b->len;
    jw_obj_begin(&w);
    jw_kstr(&w, "channel", channel);
    jw_key(&w, "data");
    jw_raw(&w, data, len);
    jw_kstr(&w, "timestamp", iso);
    jw_kint(&w, "timestamp_ms", ts_ms);
    jw_obj_end(&w);
    size_t params_end = b->len;
    jw_obj_end(&w);
    if (w.err)
        return;
    struct frame *ws = frame_from(b, channel, coalesce, id);
    if (!ws)
        return;
    /* SSE: "event:", "id:" and one data line (the JSON has no raw newlines). */
    struct buf sse;
    buf_init(&sse, b->len + 128);
    struct frame *ev = NULL;
    if (buf_printf(&sse, "event: %s\nid: %llu\ndata: ", method, (unsigned long long)id) == 0 &&
        buf_add(&sse, b->data + params_at, params_end - params_at) == 0 &&
        buf_adds(&sse, "\n\n") == 0)
        ev = frame_from(&sse, channel, coalesce, id);
    buf_release(&sse);

    if (coalesce) {
        struct channel_entry *e = channel_entry(st, channel);
        if (e) {
            frame_unref(e->last_ws);
            e->last_ws = ws;
            ws->refs++;
            frame_unref(e->last_sse);
            e->last_sse = ev;
            if (ev)
                ev->refs++;
        }
    }
    if (ev)
        replay_keep(st, ev);
    for (struct stream_client *c = st->clients, *next; c; c = next) {
        next = c->next;
        struct frame *f = c->kind == STREAM_WS ? ws : ev;
        if (f && subscribed(c, channel))
            enqueue(c, f);
    }
    frame_unref(ws);
    frame_unref(ev);
}

void streams_from_board(struct streams *st, struct board *b, unsigned changed)
{
    for (int slot = 0; slot < BOARD_NSLOTS; slot++) {
        if (!(changed & (1u << slot)))
            continue;
        struct snap *s = board_get(b, (enum board_slot)slot);
        for (unsigned i = 0; s && i < s->n_chan; i++)
            streams_publish(st, s->chan[i].name, "metrics", s->chan[i].data.data,
                            s->chan[i].data.len, s->ts_ms, true);
    }
}

/* ---- from other threads -------------------------------------------------------------- */

int streams_post(struct streams *st, const char *channel, const char *method, const char *data,
                 size_t len)
{
    if (strlen(channel) >= STREAM_CHANNEL_MAX || strlen(method) >= sizeof st->posts[0].method ||
        len > st->scratch.max / 2)
        return -VIGIL_E2BIG;
    char *copy = vigil_malloc(len + 1);
    if (!copy)
        return -VIGIL_ENOMEM;
    memcpy(copy, data, len);
    copy[len] = '\0';
    pthread_mutex_lock(&st->post_lock);
    if (st->n_posts >= st->lim.post_queue) {
        st->posts_dropped++;
        pthread_mutex_unlock(&st->post_lock);
        free(copy);
        return -VIGIL_EFULL;
    }
    struct post *p = &st->posts[st->n_posts++];
    snprintf(p->channel, sizeof p->channel, "%s", channel);
    snprintf(p->method, sizeof p->method, "%s", method);
    p->data = copy;
    p->len = len;
    pthread_mutex_unlock(&st->post_lock);
    if (st->wake)
        st->wake(st->wake_arg);
    return 0;
}

void streams_drain(struct streams *st)
{
    /* Take the batch under the lock, deliver it outside: producers wait only for a copy of
     * a few pointers. The batch is bounded by post_queue. */
    struct post batch[64];
    for (;;) {
        unsigned n = 0;
        pthread_mutex_lock(&st->post_lock);
        n = st->n_posts < 64 ? st->n_posts : 64;
        memcpy(batch, st->posts, n * sizeof batch[0]);
        memmove(st->posts, st->posts + n, (st->n_posts - n) * sizeof st->posts[0]);
        st->n_posts -= n;
        st->stats.posts_dropped = st->posts_dropped;
        pthread_mutex_unlock(&st->post_lock);
        if (!n)
            return;
        int64_t now = clock_real_ms();
        for (unsigned i = 0; i < n; i++) {
            streams_publish(st, batch[i].channel, batch[i].method, batch[i].data, batch[i].len, now,
                            false);
            free(batch[i].data);
        }
    }
}

/* ---- figures ------------------------------------------------------------------------- */

void streams_encode_channels(const struct streams *st, struct jsonw *w)
{
    jw_arr_begin(w);
    for (unsigned i = 0; i < st->n_chans; i++)
        jw_str(w, st->chans[i].name);
    jw_arr_end(w);
}

void streams_stats(const struct streams *st, struct stream_stats *out)
{
    *out = st->stats;
}

/* Subscribers per channel seen: counted on request (cheap next to encoding a response). */
static unsigned subscribers(const struct streams *st, const char *channel)
{
    unsigned n = 0;
    for (const struct stream_client *c = st->clients; c; c = c->next)
        n += subscribed(c, channel);
    return n;
}

void streams_encode_health(const struct streams *st, struct jsonw *w)
{
    jw_obj_begin(w);
    jw_kuint(w, "websocket_clients", st->stats.clients_ws);
    jw_kuint(w, "sse_clients", st->stats.clients_sse);
    jw_kuint(w, "frames_sent", st->stats.frames_sent);
    jw_kuint(w, "frames_dropped", st->stats.frames_dropped);
    jw_kuint(w, "clients_dropped_slow", st->stats.clients_dropped_slow);
    jw_kuint(w, "posts_dropped", st->stats.posts_dropped);
    jw_key(w, "subscribers");
    jw_obj_begin(w);
    for (unsigned i = 0; i < st->n_chans; i++)
        jw_kuint(w, st->chans[i].name, subscribers(st, st->chans[i].name));
    jw_obj_end(w);
    jw_obj_end(w);
}

int streams_encode_prom(const struct streams *st, struct buf *b)
{
    const char *ws[] = {"transport", "websocket", NULL};
    const char *sse[] = {"transport", "sse", NULL};
    int rc = prom_family(b, "vigil_stream_clients", "gauge", "Connected stream clients.");
    if (!rc)
        rc = prom_sample_u64(b, "vigil_stream_clients", ws, st->stats.clients_ws);
    if (!rc)
        rc = prom_sample_u64(b, "vigil_stream_clients", sse, st->stats.clients_sse);
    static const struct {
        const char *name, *help;
        size_t off;
    } counters[] = {
        {"vigil_stream_frames_sent_total", "Frames written to stream clients.",
         offsetof(struct stream_stats, frames_sent)},
        {"vigil_stream_frames_dropped_total", "Frames dropped because a client's queue was full.",
         offsetof(struct stream_stats, frames_dropped)},
        {"vigil_stream_clients_dropped_slow_total",
         "Clients disconnected because they stopped reading.",
         offsetof(struct stream_stats, clients_dropped_slow)},
        {"vigil_stream_posts_dropped_total",
         "Notifications dropped because the loop's queue was full.",
         offsetof(struct stream_stats, posts_dropped)},
    };
    for (size_t i = 0; !rc && i < sizeof counters / sizeof counters[0]; i++) {
        uint64_t v;
        memcpy(&v, (const char *)&st->stats + counters[i].off, sizeof v);
        rc = prom_family(b, counters[i].name, "counter", counters[i].help);
        if (!rc)
            rc = prom_sample_u64(b, counters[i].name, NULL, v);
    }
    if (!rc)
        rc = prom_family(b, "vigil_stream_subscribers", "gauge",
                         "Stream clients subscribed to each channel.");
    for (unsigned i = 0; !rc && i < st->n_chans; i++) {
        const char *labels[] = {"channel", st->chans[i].name, NULL};
        rc = prom_sample_u64(b, "vigil_stream_subscribers", labels,
                             subscribers(st, st->chans[i].name));
    }
    return rc;
}
