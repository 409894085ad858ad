/*
 * hub_loop: a hub's part on the event loop. For each node it keeps one WebSocket client
 * connection (a libwebsockets client on the daemon's own loop, non-blocking) subscribed to
 * all of the node's channels, and publishes what arrives on the hub's streams as
 * node/NAME/CHANNEL; a connection that closes is opened again with back-off (1 s doubling
 * to 30 s), and the hub thread is asked to poll that node at once. It also hands the hub
 * thread's fetch replies back to the HTTP transport, which finishes the deferred requests.
 *
 * The client connects to the numeric address of the node's last good poll (the hub thread
 * resolved it with libcurl, off the loop), so the loop never waits on a name lookup; the
 * Host header keeps the URL's name. The node's token goes in the handshake's
 * Authorization header, to that node only. Loop thread only.
 */
#ifndef VIGIL_HUB_LOOP_H
#define VIGIL_HUB_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/node_config.h"

struct lws_context;
struct lws_vhost;
struct lws_protocols;
struct hub;
struct streams;

/* The protocol the daemon's vhost must list (http.c does) for the clients to use. */
#define HUB_LOOP_PROTOCOL "vigil-hub-client"
extern const struct lws_protocols hub_loop_protocol;

/* Finishes a deferred request: the transport's side (http_server_complete). */
typedef void (*hub_complete_fn)(void *arg, uint64_t id, int status, bool text, const char *body,
                                size_t len);

struct hub_loop_opts {
    struct hub *hub;                /* borrowed */
    const struct node_confs *nodes; /* the enabled ones, in the hub's order (tokens copied) */
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct streams *streams;
    hub_complete_fn complete;
    void *complete_arg;
};

struct hub_loop;

/* Returns the loop side, its first connections scheduled, or NULL. */
struct hub_loop *hub_loop_new(const struct hub_loop_opts *o);
/* No more connections are opened; call before the loop's context is destroyed, and free
 * after it is (its connections' last callbacks still arrive until then). */
void hub_loop_stop(struct hub_loop *hl);
void hub_loop_free(struct hub_loop *hl);

struct hub *hub_loop_hub(const struct hub_loop *hl);
/* Node i's stream: "connected", "connecting" or "retrying". */
const char *hub_loop_stream_state(const struct hub_loop *hl, unsigned i);
/* Frames relayed from node i since start. */
uint64_t hub_loop_frames(const struct hub_loop *hl, unsigned i);

/* Takes the hub thread's replies and finishes their requests (the transport's wake). */
void hub_loop_deliver(struct hub_loop *hl);

#endif
