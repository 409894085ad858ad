/*
 * streams: live notifications to WebSocket and Server-Sent-Events clients.
 *
 * A notification is {"jsonrpc":"2.0","method":M,"params":{"channel":C,"data":D,
 * "timestamp":T}} on a WebSocket, and "event: M / id: N / data: {params}" as SSE. It is
 * encoded once per channel in each form and shared by reference among every subscriber.
 * Each client has a bounded queue: when it is full, an older frame of the same channel
 * still waiting is replaced by the new one (latest value wins); a client whose queue stays
 * full longer than stuck_ms is disconnected and counted. Collection and other clients
 * never wait for a client.
 *
 * Notifications come from:
 *  - every channel of every snap published to the board ("metrics": system/cpu,
 *    system/gpu/0, inference/NAME, ...), fanned out when the loop collects the board;
 *  - streams_publish() on the loop thread, for figures the loop itself owns;
 *  - streams_post() from any thread, for things that happen once and must not be
 *    coalesced (an agent event, an alert changing state): a bounded queue the loop drains.
 *
 * Threads: everything but streams_post() runs on the event-loop thread. The transport
 * (http.c) is reached only through struct stream_transport, so this module can be tested
 * without sockets.
 */
#ifndef VIGIL_STREAMS_H
#define VIGIL_STREAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/jsonw.h"
#include "store/board.h"

#define STREAM_CHANNEL_MAX 64 /* bytes of a channel name or pattern, NUL included */
/* Room the transport needs before a frame's bytes (LWS_PRE in libwebsockets). */
#define STREAM_FRAME_PRE 16

struct streams;
struct stream_client;

enum stream_kind { STREAM_WS, STREAM_SSE };

struct stream_limits {
    unsigned queue_frames;      /* per client (default 64) */
    size_t queue_bytes;         /* bytes waiting per client, shared frames counted whole
                                 * (16 MiB): a client asking for large answers without
                                 * reading them stops being answered */
    unsigned max_subscriptions; /* patterns per client (256) */
    int64_t stuck_ms;           /* a full queue for this long disconnects (10 s) */
    unsigned replay_frames;     /* SSE frames kept for Last-Event-ID (512) */
    unsigned post_queue;        /* cross-thread notifications waiting for the loop (4096) */
    unsigned max_channels;      /* distinct channels remembered (4096) */
};

/* How streams reaches a connection. conn is the transport's handle. */
struct stream_transport {
    void (*want_write)(void *conn); /* call back when the connection can take a frame */
    void (*kill)(void *conn);       /* close the connection soon */
};

struct stream_stats {
    unsigned clients_ws, clients_sse;
    uint64_t frames_sent, frames_dropped, clients_dropped_slow, posts_dropped;
};

void stream_limits_default(struct stream_limits *l);

/* Returns a new streams object, or NULL. wake (may be NULL) is called by streams_post()
 * so the loop drains soon. */
struct streams *streams_new(const struct stream_limits *lim, const struct stream_transport *t,
                            void (*wake)(void *), void *wake_arg);
/* Frees everything; every client must have been closed. */
void streams_free(struct streams *st);

/* Any thread: queues one notification (copied) for the loop. 0, -VIGIL_EFULL when the
 * queue is full (dropped and counted), -VIGIL_E2BIG, -VIGIL_ENOMEM. */
int streams_post(struct streams *st, const char *channel, const char *method, const char *data,
                 size_t len);

/* Loop thread. */
/* Delivers what streams_post() queued. */
void streams_drain(struct streams *st);
/* Fans out the channels of the board's slots named in the changed mask. */
void streams_from_board(struct streams *st, struct board *b, unsigned changed);
/* Publishes data (one JSON value) on channel. coalesce: a newer value replaces an older
 * one still queued (figures); false for events, which are each delivered. */
void streams_publish(struct streams *st, const char *channel, const char *method, const char *data,
                     size_t len, int64_t ts_ms, bool coalesce);

/* True when name is a channel vigil serves (system/cpu, system/gpu/<n>, inference/<name>,
 * cluster, agents, events, alerts, perf/<project>, node/<name>/<channel>), or a pattern
 * that can match one ('*' stands for one whole part, a lone "*" for all). */
bool stream_channel_valid(const char *pattern);
bool stream_channel_match(const char *pattern, const char *channel);

/* Clients. */
struct stream_client *streams_client_open(struct streams *st, enum stream_kind kind, void *conn);
/* Forgets the client and frees it (the connection is closing). */
void streams_client_close(struct stream_client *c);
/* Subscribes to a channel or pattern. 0, -VIGIL_EINVAL (not a channel), -VIGIL_EFULL (too
 * many). */
int streams_client_subscribe(struct stream_client *c, const char *pattern);
/* Queues the latest value of each channel pattern matches, so a new subscriber need not
 * wait an interval (called after the subscription is acknowledged). */
void streams_client_catch_up(struct stream_client *c, const char *pattern);
/* Removes a subscription; 0, or -VIGIL_ENOENT when it was not subscribed. */
int streams_client_unsubscribe(struct stream_client *c, const char *pattern);
/* Queues a reply (a whole JSON-RPC message, copied) for this client alone. */
int streams_client_reply(struct stream_client *c, const char *msg, size_t len);
/* SSE: queues text (a comment such as ": ping\n\n") to every SSE client, so proxies and
 * clients see the stream alive between events. */
void streams_heartbeat(struct streams *st, const char *text, size_t len);
/* SSE: queues the kept frames after event id last_id that match the subscriptions. */
void streams_client_replay(struct stream_client *c, uint64_t last_id);
/* The next frame to write, or NULL: its bytes (with STREAM_FRAME_PRE writable bytes before
 * them) and length. After writing it, call streams_client_sent(). */
const unsigned char *streams_client_peek(struct stream_client *c, size_t *len);
void streams_client_sent(struct stream_client *c);
/* True while the client's queue is at least half full: the transport stops reading its
 * requests (flow control) until it drains, so a client that asks without reading makes
 * vigil do no work for it. */
bool streams_client_backlogged(const struct stream_client *c);
/* The client's subscriptions, for list_channels. */
unsigned streams_client_subscriptions(const struct stream_client *c, const char **out,
                                      unsigned max);

/* Channels seen so far, newest value first, as a JSON array of names. */
void streams_encode_channels(const struct streams *st, struct jsonw *w);
/* Figures for /health and /metrics. */
void streams_stats(const struct streams *st, struct stream_stats *out);
void streams_encode_health(const struct streams *st, struct jsonw *w);
int streams_encode_prom(const struct streams *st, struct buf *b);

#endif
