/* api_nodes: GET /api/v1/nodes (the hub's own host, "local", then every [node] with its
 * state and summary) and the answer to any read endpoint asked with ?node=NAME: the hub
 * thread fetches it from the node while the request waits (a deferred response), so the
 * loop never waits on the network. The query goes on without node= and token=, and the
 * request's own Authorization header is never passed on: a node gets its own token only. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"
#include "encode/prom.h"
#include "hub/hub.h"
#include "hub/hub_loop.h"

#define LOCAL_DOC_MAX (16u << 20)

static int no_query(const struct api_req *req, const char *name, char *out, size_t outlen)
{
    (void)req;
    (void)name;
    (void)out;
    (void)outlen;
    return -1;
}

/* The local node's summary, from the same documents a hub reads from a remote node. */
static void local_summary(struct api_ctx *ctx, struct node_summary *s)
{
    static void (*const handlers[])(struct api_ctx *, const struct api_req *, struct api_resp *) = {
        api_health, api_gpus, api_inference, api_agents, api_alerts};
    static int (*const readers[])(struct node_summary *, const char *, size_t) = {
        summary_read_health, summary_read_gpus,   summary_read_inference,
        summary_read_agents, summary_read_alerts,
    };
    struct api_req req = {.method = HTTP_GET, .query = no_query, .content_type = ""};
    struct api_resp r = {0};
    buf_init(&r.body, LOCAL_DOC_MAX);
    summary_clear(s);
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++) {
        buf_reset(&r.body);
        r.status = 500;
        handlers[i](ctx, &req, &r);
        if (r.status == 200)
            readers[i](s, r.body.data, r.body.len);
    }
    buf_release(&r.body);
}

static void ktime(struct jsonw *w, const char *key, const char *key_ms, int64_t ms)
{
    char iso[40];
    if (ms) {
        jw_kstr(w, key, clock_iso8601(ms, iso, sizeof iso));
        jw_kint(w, key_ms, ms);
    } else {
        jw_knull(w, key);
        jw_knull(w, key_ms);
    }
}

void api_nodes(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    (void)req;
    struct hub *hub = ctx->hub ? hub_loop_hub(ctx->hub) : NULL;
    int64_t now = clock_real_ms();
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_kbool(&w, "hub", hub_count(hub) > 0);
    jw_key(&w, "nodes");
    jw_arr_begin(&w);

    struct node_summary s;
    local_summary(ctx, &s);
    jw_obj_begin(&w);
    jw_kstr(&w, "name", NODE_LOCAL_NAME);
    jw_kbool(&w, "local", true);
    jw_kstr(&w, "host", ctx->hostname);
    jw_knull(&w, "url");
    jw_kstr(&w, "state", "up");
    jw_knull(&w, "error");
    ktime(&w, "last_seen", "last_seen_ms", now);
    jw_kstr(&w, "version", VIGIL_VERSION);
    jw_kstr(&w, "channels", "");
    jw_knull(&w, "stream");
    jw_key(&w, "summary");
    summary_encode(&s, &w);
    jw_obj_end(&w);

    for (unsigned i = 0; i < hub_count(hub); i++) {
        struct hub_node_view v;
        hub_view(hub, i, &v);
        jw_obj_begin(&w);
        jw_kstr(&w, "name", v.name);
        jw_kbool(&w, "local", false);
        jw_knull(&w, "host");
        jw_kstr(&w, "url", v.url);
        jw_kstr(&w, "state", node_state_name(v.state));
        if (v.error[0])
            jw_kstr(&w, "error", v.error);
        else
            jw_knull(&w, "error");
        ktime(&w, "last_seen", "last_seen_ms", v.last_seen_ms);
        ktime(&w, "last_poll", "last_poll_ms", v.last_poll_ms);
        if (v.summary.version[0])
            jw_kstr(&w, "version", v.summary.version);
        else
            jw_knull(&w, "version");
        char prefix[NODE_CONF_NAME_MAX + 8];
        snprintf(prefix, sizeof prefix, "node/%s/", v.name);
        jw_kstr(&w, "channels", prefix);
        jw_kstr(&w, "stream", hub_loop_stream_state(ctx->hub, i));
        jw_kuint(&w, "frames_relayed", hub_loop_frames(ctx->hub, i));
        jw_key(&w, "summary");
        if (v.last_seen_ms)
            summary_encode(&v.summary, &w);
        else
            jw_null(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    ktime(&w, "timestamp", "timestamp_ms", now);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    if (w.err) {
        api_error(resp, 500, "cannot encode the nodes: %s", vigil_strerror(w.err));
        return;
    }
    api_json_ok(resp);
}

/* Appends s percent-encoded (all but RFC 3986's unreserved characters). */
static int encode_part(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || strchr("-._~", ch);
        if (plain && ch)
            rc = buf_addc(b, (char)ch);
        else if (!(rc = buf_addc(b, '%')) && !(rc = buf_addc(b, hex[ch >> 4])))
            rc = buf_addc(b, hex[ch & 15]);
    }
    return rc;
}

/* The request's query without node= and token=, encoded again (the transport gives the
 * arguments decoded). */
static int forward_query(const struct api_req *req, struct buf *q)
{
    char arg[4096 + 64];
    for (int i = 0; req->query_at && i < 64; i++) {
        int n = req->query_at(req, i, arg, sizeof arg);
        if (n == -1)
            break;
        if (n < 0)
            return -VIGIL_E2BIG;
        const char *eq = memchr(arg, '=', (size_t)n);
        size_t klen = eq ? (size_t)(eq - arg) : (size_t)n;
        if ((klen == 4 && strncmp(arg, "node", 4) == 0) ||
            (klen == 5 && strncmp(arg, "token", 5) == 0))
            continue;
        int rc = q->len ? buf_addc(q, '&') : 0;
        if (!rc)
            rc = encode_part(q, arg, klen);
        if (!rc && eq) {
            rc = buf_addc(q, '=');
            if (!rc)
                rc = encode_part(q, eq + 1, (size_t)n - klen - 1);
        }
        if (rc)
            return rc;
    }
    return 0;
}

void api_node_answer(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                     const char *name)
{
    struct hub *hub = ctx->hub ? hub_loop_hub(ctx->hub) : NULL;
    int i = hub_find(hub, name);
    if (i < 0) {
        api_error(resp, 404, "no node '%.64s' (the nodes are in /api/v1/nodes)", name);
        return;
    }
    if (!req->can_defer) {
        api_error(resp, 400, "a node's figures come over HTTP: GET %s?node=%s", req->path, name);
        return;
    }
    struct buf q;
    buf_init(&q, 8192);
    int rc = forward_query(req, &q);
    uint64_t id = 0;
    if (!rc)
        rc = hub_fetch(hub, (unsigned)i, req->path, q.data ? q.data : "",
                       strcmp(req->path, "/health") != 0, &id);
    buf_release(&q);
    if (rc == -VIGIL_EFULL) {
        api_error(resp, 503, "too many requests to nodes in flight; try again");
        return;
    }
    if (rc) {
        api_error(resp, rc == -VIGIL_E2BIG ? 400 : 500, "cannot ask node '%s': %s", name,
                  vigil_strerror(rc));
        return;
    }
    resp->deferred = id;
}

int api_nodes_prom(struct api_ctx *ctx, struct buf *b)
{
    struct hub *hub = ctx->hub ? hub_loop_hub(ctx->hub) : NULL;
    unsigned n = hub_count(hub);
    if (!n)
        return 0;
    int rc = prom_family(b, "vigil_hub_node_up", "gauge",
                         "1 when the hub's last poll of the node succeeded, 0 otherwise.");
    for (unsigned i = 0; !rc && i < n; i++) {
        struct hub_node_view v;
        hub_view(hub, i, &v);
        const char *labels[] = {"node", v.name, NULL};
        rc = prom_sample(b, "vigil_hub_node_up", labels, v.state == NODE_UP ? 1 : 0);
    }
    if (!rc)
        rc = prom_family(b, "vigil_hub_node_last_seen_timestamp_seconds", "gauge",
                         "When the hub last polled the node successfully, in seconds since the "
                         "epoch.");
    for (unsigned i = 0; !rc && i < n; i++) {
        struct hub_node_view v;
        hub_view(hub, i, &v);
        const char *labels[] = {"node", v.name, NULL};
        if (v.last_seen_ms)
            rc = prom_sample(b, "vigil_hub_node_last_seen_timestamp_seconds", labels,
                             (double)v.last_seen_ms / 1000);
    }
    if (!rc)
        rc = prom_family(b, "vigil_hub_frames_relayed_total", "counter",
                         "Stream notifications relayed from the node.");
    for (unsigned i = 0; !rc && i < n; i++) {
        struct hub_node_view v;
        hub_view(hub, i, &v);
        const char *labels[] = {"node", v.name, NULL};
        rc = prom_sample_u64(b, "vigil_hub_frames_relayed_total", labels,
                             hub_loop_frames(ctx->hub, i));
    }
    return rc;
}
