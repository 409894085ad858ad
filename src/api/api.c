/* api: the route table and JSON errors. Adding an endpoint is one row here and one
 * handler in its family's file. */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "config/node_config.h"
#include "core/jsonw.h"

struct route {
    const char *path;
    unsigned methods;
    void (*handler)(struct api_ctx *, const struct api_req *, struct api_resp *);
    bool public;
};

static const struct route routes[] = {
    {"/health", HTTP_GET | HTTP_HEAD, api_health, true},
    {"/api/v1/system", HTTP_GET | HTTP_HEAD, api_system, false},
    {"/api/v1/gpus", HTTP_GET | HTTP_HEAD, api_gpus, false},
    {"/api/v1/history", HTTP_GET | HTTP_HEAD, api_history, false},
    {"/api/v1/series", HTTP_GET | HTTP_HEAD, api_series, false},
    {"/api/v1/alerts", HTTP_GET | HTTP_HEAD, api_alerts, false},
    {"/api/v1/inference", HTTP_GET | HTTP_HEAD, api_inference, false},
    {"/api/v1/cluster", HTTP_GET | HTTP_HEAD, api_cluster, false},
    {"/api/v1/ingest", HTTP_POST, api_ingest, false},
    {"/api/v1/agents", HTTP_GET | HTTP_HEAD, api_agents, false},
    {"/api/v1/events", HTTP_GET | HTTP_HEAD, api_events, false},
    {"/api/v1/requests", HTTP_GET | HTTP_HEAD, api_requests, false},
    {"/api/v1/nodes", HTTP_GET | HTTP_HEAD, api_nodes, false},
    {"/api/v1/info", HTTP_GET | HTTP_HEAD, api_info, false},
    {"/metrics", HTTP_GET | HTTP_HEAD, api_metrics, false},
    /* The dashboard's page and files hold no data (what they show comes from the API,
     * which needs the token), so a browser can load them before it has the token. */
    {"/", HTTP_GET | HTTP_HEAD, api_asset, true},
    {"/assets/*", HTTP_GET | HTTP_HEAD, api_asset, true},
};

/* A path ending in '*' matches every path with that prefix. */
static const struct route *find(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const char *p = routes[i].path;
        size_t n = strlen(p);
        if (p[n - 1] == '*' ? strncmp(p, path, n - 1) == 0 : strcmp(p, path) == 0)
            return &routes[i];
    }
    return NULL;
}

void api_encode_routes(struct jsonw *w)
{
    jw_arr_begin(w);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        jw_str(w, routes[i].path);
    jw_arr_end(w);
}

bool api_path_is_public(const char *path)
{
    const struct route *r = find(path);
    return r && r->public;
}

static const char *allow_list(unsigned methods)
{
    if (methods == (HTTP_GET | HTTP_HEAD))
        return "GET, HEAD";
    if (methods == HTTP_POST)
        return "POST";
    return "GET, HEAD, POST";
}

/* ?node=NAME on a read endpoint, NAME not the hub's own host: another node's answer. */
static bool node_asked(const struct api_req *req)
{
    const char *p = req->path;
    bool readable =
        strncmp(p, "/api/v1/", 8) == 0 || strcmp(p, "/health") == 0 || strcmp(p, "/metrics") == 0;
    if (!readable || strcmp(p, "/api/v1/nodes") == 0 || !(req->method & (HTTP_GET | HTTP_HEAD)) ||
        !req->query)
        return false;
    char node[NODE_CONF_NAME_MAX + 1];
    int n = req->query(req, "node", node, sizeof node);
    return n == -2 || (n >= 0 && strcmp(node, NODE_LOCAL_NAME) != 0);
}

void api_dispatch(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp)
{
    const struct route *r = find(req->path);
    if (!r) {
        api_error(resp, 404, "no such endpoint '%s'", req->path);
        return;
    }
    if (!(r->methods & req->method)) {
        resp->allow = allow_list(r->methods);
        api_error(resp, 405, "method not allowed on '%s' (allowed: %s)", req->path,
                  resp->allow);
        return;
    }
    if (node_asked(req)) {
        char node[NODE_CONF_NAME_MAX + 1] = "";
        req->query(req, "node", node, sizeof node);
        api_node_answer(ctx, req, resp, node);
        return;
    }
    r->handler(ctx, req, resp);
}

void api_error(struct api_resp *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf_reset(&resp->body);
    struct jsonw w;
    jw_init(&w, &resp->body);
    jw_obj_begin(&w);
    jw_kstr(&w, "error", msg);
    jw_kint(&w, "status", status);
    jw_obj_end(&w);
    buf_addc(&resp->body, '\n');
    resp->status = status;
    resp->content_type = "application/json";
}

void api_json_ok(struct api_resp *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
}

void api_serve_doc(struct api_ctx *ctx, enum board_slot slot, int doc,
                   void (*placeholder)(struct jsonw *w), const char *what,
                   struct api_resp *resp)
{
    struct snap *s = board_get(ctx->board, slot);
    const struct buf *d = s ? &s->doc[doc] : NULL;
    int rc = 0;
    if (d && d->len) {
        rc = buf_add(&resp->body, d->data, d->len);
    } else {
        struct jsonw w;
        jw_init(&w, &resp->body);
        placeholder(&w);
        rc = w.err;
    }
    if (!rc)
        rc = buf_addc(&resp->body, '\n');
    if (rc)
        api_error(resp, 500, "cannot encode %s: response too large", what);
    else
        api_json_ok(resp);
}

int api_resp_header(struct api_resp *resp, const char *name, const char *value)
{
    if (resp->n_headers >= API_RESP_HEADERS)
        return -VIGIL_EFULL;
    resp->headers[resp->n_headers].name = name;
    resp->headers[resp->n_headers].value = value;
    resp->n_headers++;
    return 0;
}
