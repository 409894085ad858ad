/*
 * hub_loop: WebSocket clients of the nodes and the hand-back of fetch replies (see
 * hub_loop.h). A relayed notification is parsed (depth-checked first: it comes from
 * another machine) and published again under node/NAME/; a node that is itself a hub does
 * not have its own node/... channels relayed, so names never nest.
 */
#include "hub/hub_loop.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/fault.h"
#include "core/log.h"
#include "hub/hub.h"
#include "parse/json_guard.h"
#include "stream/streams.h"

#define MSG_MAX       (1u << 20) /* a relayed message larger than this is skipped */
#define BACKOFF_MIN   1000       /* ms */
#define BACKOFF_MAX   30000
#define WAIT_ADDR_MS  500 /* no good poll yet: look again this soon */
#define MSG_MAX_DEPTH 64

enum link_state { LINK_IDLE, LINK_CONNECTING, LINK_OPEN };

struct link {
    struct hub_loop *hl;
    unsigned index;
    char name[NODE_CONF_NAME_MAX];
    char token[NODE_CONF_TOKEN_MAX];
    char host[NODE_CONF_URL_MAX]; /* the Host header: the URL's host[:port] */
    char path[NODE_CONF_URL_MAX]; /* the URL's path prefix + "/ws" */
    bool tls;
    enum link_state state;
    struct lws *wsi;
    lws_sorted_usec_list_t sul;
    int64_t backoff_ms;
    struct buf msg;
    bool skipping;   /* the message being received is too large: drop it */
    bool subscribed; /* this connection has asked for every channel */
    uint64_t frames;
};

struct hub_loop {
    struct hub *hub;
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct streams *streams;
    hub_complete_fn complete;
    void *complete_arg;
    bool stopping;
    struct hub_loop **slot; /* the vhost's pointer to this, for the wake broadcast */
    unsigned n;
    struct link *links;
};

/* ---- the URL's parts ------------------------------------------------------------------ */

static void url_parts(const char *url, struct link *l)
{
    l->tls = strncmp(url, "https://", 8) == 0;
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t hlen = strcspn(host, "/");
    snprintf(l->host, sizeof l->host, "%.*s", (int)hlen, host);
    const char *prefix = host + hlen;
    size_t plen = strlen(prefix);
    while (plen > 0 && prefix[plen - 1] == '/')
        plen--;
    snprintf(l->path, sizeof l->path, "%.*s/ws", (int)plen, prefix);
}

/* ---- connecting ----------------------------------------------------------------------- */

static void schedule(struct link *l, int64_t ms);

static void try_connect(lws_sorted_usec_list_t *sul)
{
    struct link *l = lws_container_of(sul, struct link, sul);
    struct hub_loop *hl = l->hl;
    if (hl->stopping || l->state != LINK_IDLE)
        return;
    struct hub_node_view v;
    hub_view(hl->hub, l->index, &v);
    /* Connect once a poll has reached the node (and resolved its name, off the loop). */
    if (v.state != NODE_UP || !v.addr[0] || v.port <= 0) {
        schedule(l, WAIT_ADDR_MS);
        return;
    }
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = hl->lws;
    ci.vhost = hl->vhost;
    ci.address = v.addr;
    ci.port = (int)v.port;
    ci.path = l->path;
    ci.host = l->host;
    ci.origin = NULL;
    ci.ssl_connection = l->tls ? LCCSCF_USE_SSL : 0;
    ci.protocol = NULL;
    ci.local_protocol_name = HUB_LOOP_PROTOCOL;
    ci.userdata = l;
    ci.pwsi = &l->wsi;
    l->state = LINK_CONNECTING;
    if (!lws_client_connect_via_info(&ci)) {
        /* failed at once: CONNECTION_ERROR may or may not have been called */
        if (l->state == LINK_CONNECTING) {
            l->state = LINK_IDLE;
            l->wsi = NULL;
            schedule(l, l->backoff_ms);
            l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX : l->backoff_ms * 2;
        }
    }
}

static void schedule(struct link *l, int64_t ms)
{
    if (l->hl->stopping)
        return;
    lws_sul_schedule(l->hl->lws, 0, &l->sul, try_connect, ms * LWS_US_PER_MS);
}

/* The connection is gone (or never came): try again after the back-off, and have the hub
 * thread look at the node now, so a node that died shows as down at once. */
static void link_closed(struct link *l)
{
    bool was_open = l->state == LINK_OPEN;
    l->state = LINK_IDLE;
    l->wsi = NULL;
    buf_release(&l->msg);
    l->skipping = false;
    if (l->hl->stopping)
        return;
    if (was_open)
        hub_poll_now(l->hl->hub, l->index);
    schedule(l, l->backoff_ms);
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX ? BACKOFF_MAX : l->backoff_ms * 2;
}

/* ---- relaying ------------------------------------------------------------------------- */

static void relay(struct link *l, const char *text, size_t len)
{
    if (json_max_depth(text, len) > MSG_MAX_DEPTH)
        return;
    json_t *msg = json_loadb(text, len, 0, NULL);
    json_t *params = msg ? json_object_get(msg, "params") : NULL;
    const char *method = msg ? json_string_value(json_object_get(msg, "method")) : NULL;
    const char *channel = json_string_value(json_object_get(params, "channel"));
    json_t *data = json_object_get(params, "data");
    /* answers to our subscribe call have no method; node/... are another hub's relays */
    if (method && channel && data && strncmp(channel, "node/", 5) != 0) {
        char name[STREAM_CHANNEL_MAX];
        int n = snprintf(name, sizeof name, "node/%s/%s", l->name, channel);
        json_t *ts = json_object_get(params, "timestamp_ms");
        int64_t ts_ms = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : clock_real_ms();
        char *d = json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY);
        if (d && n > 0 && (size_t)n < sizeof name && stream_channel_valid(name)) {
            streams_publish(l->hl->streams, name, method, d, strlen(d), ts_ms,
                            strcmp(method, "metrics") == 0);
            l->frames++;
        }
        free(d);
    }
    json_decref(msg);
}

static int on_receive(struct link *l, struct lws *wsi, const void *in, size_t len)
{
    if (!l->skipping && buf_add(&l->msg, in, len) != 0) {
        l->skipping = true;
        buf_release(&l->msg);
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    if (!l->skipping && l->msg.len)
        relay(l, l->msg.data, l->msg.len);
    l->skipping = false;
    buf_reset(&l->msg);
    return 0;
}

static int send_subscribe(struct lws *wsi)
{
    static const char sub[] =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"subscribe\",\"params\":{\"channels\":[\"*\"]}}";
    unsigned char frame[LWS_PRE + sizeof sub];
    memcpy(frame + LWS_PRE, sub, sizeof sub - 1);
    return lws_write(wsi, frame + LWS_PRE, sizeof sub - 1, LWS_WRITE_TEXT) < (int)(sizeof sub - 1)
               ? -1
               : 0;
}

static int add_token(struct link *l, struct lws *wsi, void *in, size_t len)
{
    if (!l->token[0])
        return 0; /* a node without a token gets no Authorization header at all */
    unsigned char **p = in, *end = *p + len;
    char value[NODE_CONF_TOKEN_MAX + 16];
    int n = snprintf(value, sizeof value, "Bearer %s", l->token);
    return lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                        (const unsigned char *)value, n, p, end)
               ? -1
               : 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct link *l = user;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
        /* broadcast to every protocol: the hub thread may have replies */
        struct lws_vhost *vh = lws_get_vhost(wsi);
        const struct lws_protocols *pr = lws_get_protocol(wsi);
        struct hub_loop **hl = vh && pr ? lws_protocol_vh_priv_get(vh, pr) : NULL;
        if (hl && *hl)
            hub_loop_deliver(*hl);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return l ? add_token(l, wsi, in, len) : 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!l)
            return -1;
        l->state = LINK_OPEN;
        l->subscribed = false;
        l->backoff_ms = BACKOFF_MIN;
        buf_init(&l->msg, MSG_MAX);
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        /* the one thing this client says: subscribe to everything */
        if (!l || l->state != LINK_OPEN || l->subscribed)
            return 0;
        l->subscribed = true;
        return send_subscribe(wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return l ? on_receive(l, wsi, in, len) : -1;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    case LWS_CALLBACK_CLIENT_CLOSED:
        /* an error while connecting may come before pwsi is set */
        if (l && (l->wsi == wsi ||
                  (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR && l->state == LINK_CONNECTING)))
            link_closed(l);
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols hub_loop_protocol = {HUB_LOOP_PROTOCOL, callback, 0, 0, 0, NULL, 0};

/* ---- the rest ------------------------------------------------------------------------- */

struct hub_loop *hub_loop_new(const struct hub_loop_opts *o)
{
    struct hub_loop *hl = vigil_calloc(1, sizeof *hl);
    if (!hl)
        return NULL;
    hl->hub = o->hub;
    hl->lws = o->lws;
    hl->vhost = o->vhost;
    hl->streams = o->streams;
    hl->complete = o->complete;
    hl->complete_arg = o->complete_arg;
    hl->n = hub_count(o->hub);
    hl->links = hl->n ? vigil_calloc(hl->n, sizeof *hl->links) : NULL;
    const struct lws_protocols *pr = lws_vhost_name_to_protocol(o->vhost, HUB_LOOP_PROTOCOL);
    struct hub_loop **slot =
        pr ? lws_protocol_vh_priv_zalloc(o->vhost, pr, sizeof(struct hub_loop *)) : NULL;
    if ((hl->n && !hl->links) || !slot) {
        free(hl->links);
        free(hl);
        return NULL;
    }
    *slot = hl;
    hl->slot = slot;
    unsigned k = 0;
    for (unsigned i = 0; i < o->nodes->n && k < hl->n; i++) {
        const struct node_conf *c = &o->nodes->nodes[i];
        if (!c->enabled)
            continue;
        struct link *l = &hl->links[k];
        l->hl = hl;
        l->index = k++;
        snprintf(l->name, sizeof l->name, "%s", c->name);
        snprintf(l->token, sizeof l->token, "%s", c->token);
        url_parts(c->url, l);
        l->backoff_ms = BACKOFF_MIN;
        buf_init(&l->msg, MSG_MAX);
        schedule(l, 0);
    }
    return hl;
}

void hub_loop_stop(struct hub_loop *hl)
{
    if (!hl)
        return;
    hl->stopping = true;
    *hl->slot = NULL; /* no more deliveries: the hub thread goes first */
    for (unsigned i = 0; i < hl->n; i++)
        lws_sul_cancel(&hl->links[i].sul);
}

void hub_loop_free(struct hub_loop *hl)
{
    if (!hl)
        return;
    for (unsigned i = 0; i < hl->n; i++)
        buf_release(&hl->links[i].msg);
    free(hl->links);
    free(hl);
}

struct hub *hub_loop_hub(const struct hub_loop *hl)
{
    return hl ? hl->hub : NULL;
}

const char *hub_loop_stream_state(const struct hub_loop *hl, unsigned i)
{
    if (!hl || i >= hl->n)
        return "retrying";
    switch (hl->links[i].state) {
    case LINK_OPEN:
        return "connected";
    case LINK_CONNECTING:
        return "connecting";
    case LINK_IDLE:
        break;
    }
    return "retrying";
}

uint64_t hub_loop_frames(const struct hub_loop *hl, unsigned i)
{
    return hl && i < hl->n ? hl->links[i].frames : 0;
}

void hub_loop_deliver(struct hub_loop *hl)
{
    struct hub_reply *r = hub_take_replies(hl->hub);
    while (r) {
        struct hub_reply *next = r->next;
        if (hl->complete)
            hl->complete(hl->complete_arg, r->id, r->status, r->text,
                         r->body.data ? r->body.data : "", r->body.len);
        hub_reply_free(r);
        r = next;
    }
}
