/*
 * hub: the thread that watches other vigil daemons (the [node "NAME"] sections). Every
 * node's interval it polls the node's snapshot documents (/health, /api/v1/gpus,
 * /api/v1/inference, /api/v1/agents, /api/v1/alerts) with libcurl's multi interface, all
 * nodes at once, and keeps each node's state (up, down, unauthorised), last contact,
 * version and summary. It also fetches any read endpoint from a node for the loop (GET
 * /api/v1/...?node=NAME), so that no request ever waits on the network on the loop.
 *
 * A node's token is sent to that node only, on its polls and fetches; nothing the hub's
 * own clients send (their Authorization header) is passed on, and redirects are not
 * followed. A poll's time limit is the node's timeout or its interval, whichever is less,
 * so a node that stops answering is down by the end of its next poll.
 *
 * Threads: the hub thread owns the curl handles and the poll results. The loop reads a
 * node's view (a copy taken under a lock held for a copy's time), asks for fetches and
 * takes their replies through the same lock; the thread calls wake() (lws_cancel_service
 * in the daemon) when replies are ready. hub_poll_now() may be called from the loop.
 */
#ifndef VIGIL_HUB_H
#define VIGIL_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/node_config.h"
#include "core/buf.h"
#include "hub/summary.h"

#define HUB_MAX_FETCHES   64          /* fetches queued or running at once */
#define HUB_FETCH_MAX     (64u << 20) /* the largest answer relayed */
#define HUB_FETCH_TIMEOUT 10000       /* ms */
#define HUB_DOC_MAX       (4u << 20)  /* the largest snapshot document read */
#define HUB_ERROR_MAX     256

enum node_state { NODE_STARTING, NODE_UP, NODE_DOWN, NODE_UNAUTHORISED };

const char *node_state_name(enum node_state s);

/* What the loop sees of one node. */
struct hub_node_view {
    char name[NODE_CONF_NAME_MAX];
    char url[NODE_CONF_URL_MAX];
    enum node_state state;
    char error[HUB_ERROR_MAX]; /* why down or unauthorised; "" when up */
    int64_t last_seen_ms;      /* unix ms of the last good poll; 0 never */
    int64_t last_poll_ms;      /* unix ms of the last poll's end; 0 never */
    uint64_t polls;
    struct node_summary summary; /* as of the last good poll */
    char addr[64];               /* the numeric address the last good poll reached */
    long port;
};

struct hub_opts {
    const struct node_confs *nodes; /* copied; disabled nodes are left out */
    int64_t interval_ms;            /* a node's interval when it sets none */
    void (*wake)(void *arg);        /* called from the hub thread when replies wait */
    void *wake_arg;
};

struct hub;

/* Returns a new hub (not started), or NULL. Initialises libcurl: call before any thread. */
struct hub *hub_new(const struct hub_opts *o);
/* Starts the thread; the first polls begin at once. 0 or a negative error. */
int hub_start(struct hub *h);
/* Stops and joins the thread, then frees everything (queued fetches and replies too). */
void hub_free(struct hub *h);

unsigned hub_count(const struct hub *h);
/* The index of the node called name, or -1. */
int hub_find(const struct hub *h, const char *name);
/* Copies node i's view into out. */
void hub_view(struct hub *h, unsigned i, struct hub_node_view *out);
/* Asks for node i to be polled now rather than at its next interval (its stream closed). */
void hub_poll_now(struct hub *h, unsigned i);

/* Asks the thread to GET path?query (query already encoded, "" for none) from node i,
 * sending the node's token when it has one and with_token. 0 with *id set, -VIGIL_EFULL
 * when HUB_MAX_FETCHES are outstanding, -VIGIL_ENOMEM, -VIGIL_EINVAL (no such node). */
int hub_fetch(struct hub *h, unsigned i, const char *path, const char *query, bool with_token,
              uint64_t *id);

/* A fetch's outcome. status is the node's HTTP status, or 502 (not reached, refused the
 * token, answered too much) and 504 (timed out) with a JSON error body. */
struct hub_reply {
    uint64_t id;
    int status;
    bool text;       /* the node answered text/plain (/metrics); JSON otherwise */
    struct buf body; /* owned */
    struct hub_reply *next;
};

/* Takes every finished reply (a list, oldest first; NULL when none). Free each with
 * hub_reply_free(). */
struct hub_reply *hub_take_replies(struct hub *h);
void hub_reply_free(struct hub_reply *r);

#endif
