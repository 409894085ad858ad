/*
 * http: libwebsockets glue. One protocol ("http") receives every HTTP transaction; a
 * response is built whole by api_dispatch() into the connection's buffer and then written
 * in chunks as the socket becomes writable, so a slow reader holds only its own buffer.
 * Connections are counted between accept (SERVER_NEW_CLIENT_INSTANTIATED) and WSI_DESTROY,
 * marked through the wsi's opaque user data so that other wsis (the listener) are not.
 */
#include "api/http.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

#define RESP_BODY_MAX (64u << 20) /* the largest answer (a long history query) */
#define WRITE_CHUNK 16384

struct http_server {
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct api_ctx *ctx;
    char token[256];
    size_t token_len;
    unsigned max_connections;
    size_t max_body;
    unsigned char stage[LWS_PRE + WRITE_CHUNK]; /* loop thread only */
};

struct conn {
    struct api_resp resp;
    struct buf body_in;
    size_t sent;
    enum http_method method;
    char path[1024];
    char content_type[128];
    bool head;
    bool body_too_large;
    bool ready; /* a response is built and being written */
    bool initialised;
};

static char counted_marker; /* its address marks a counted connection */

int http_token_equal(const char *given, size_t given_len, const char *want, size_t want_len)
{
    /* Walk the expected token's length whatever was given, so timing says nothing about
     * how much of a guess was right. */
    unsigned char diff = given_len != want_len;
    for (size_t i = 0; i < want_len; i++) {
        unsigned char g = i < given_len ? (unsigned char)given[i] : 0;
        diff |= g ^ (unsigned char)want[i];
    }
    return diff == 0;
}

static void conn_init(struct conn *c)
{
    if (c->initialised)
        return;
    memset(c, 0, sizeof *c);
    buf_init(&c->resp.body, RESP_BODY_MAX);
    buf_init(&c->body_in, 0);
    c->initialised = true;
}

static void conn_release(struct conn *c)
{
    if (!c || !c->initialised)
        return;
    buf_release(&c->resp.body);
    buf_release(&c->body_in);
    c->initialised = false;
}

static enum http_method method_of(struct lws *wsi, bool *head)
{
    static const struct {
        enum lws_token_indexes tok;
        enum http_method m;
    } methods[] = {
        {WSI_TOKEN_GET_URI, HTTP_GET},         {WSI_TOKEN_POST_URI, HTTP_POST},
        {WSI_TOKEN_HEAD_URI, HTTP_HEAD},       {WSI_TOKEN_PUT_URI, HTTP_PUT},
        {WSI_TOKEN_DELETE_URI, HTTP_DELETE},   {WSI_TOKEN_PATCH_URI, HTTP_PATCH},
        {WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS},
    };
    *head = false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (lws_hdr_total_length(wsi, methods[i].tok) > 0) {
            *head = methods[i].m == HTTP_HEAD;
            return methods[i].m;
        }
    }
    return HTTP_OTHER;
}

static int query_arg(const struct api_req *req, const char *name, char *out, size_t outlen)
{
    struct lws *wsi = req->transport;
    size_t nlen = strlen(name);
    char frag[4096 + 64];
    for (int i = 0; i < 64; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            return -1;
        if ((size_t)n > nlen && strncmp(frag, name, nlen) == 0 && frag[nlen] == '=') {
            size_t vlen = (size_t)n - nlen - 1;
            if (vlen + 1 > outlen)
                return -2;
            memcpy(out, frag + nlen + 1, vlen);
            out[vlen] = '\0';
            return (int)vlen;
        }
        if ((size_t)n == nlen && strcmp(frag, name) == 0) {
            if (outlen)
                out[0] = '\0';
            return 0;
        }
    }
    return -1;
}

static bool authorised(struct http_server *srv, struct lws *wsi, const char *path)
{
    if (!srv->token_len || api_path_is_public(path))
        return true;
    char hdr[512];
    int n = lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n <= 7 || strncasecmp(hdr, "Bearer ", 7) != 0)
        return false;
    return http_token_equal(hdr + 7, (size_t)n - 7, srv->token, srv->token_len);
}

static int write_headers(struct lws *wsi, struct conn *c)
{
    unsigned char hdr[LWS_PRE + 1024];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    const struct api_resp *r = &c->resp;
    if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type, r->body.len, &p,
                                    end))
        return -1;
    static const struct {
        const char *name, *value;
    } fixed[] = {
        {"cache-control:", "no-store"},
        {"x-content-type-options:", "nosniff"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)fixed[i].name,
                                        (const unsigned char *)fixed[i].value,
                                        (int)strlen(fixed[i].value), &p, end))
            return -1;
    if (r->allow && lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
                                                (const unsigned char *)r->allow,
                                                (int)strlen(r->allow), &p, end))
        return -1;
    if (r->status == 401) {
        static const char bearer[] = "Bearer realm=\"vigil\"";
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)"www-authenticate:",
                                        (const unsigned char *)bearer, sizeof bearer - 1, &p,
                                        end))
            return -1;
    }
    if (r->close && lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                                (const unsigned char *)"close", 5, &p, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* The transaction is over: keep the connection for the next request, or close it. */
static int finish(struct lws *wsi, struct conn *c)
{
    bool close = c->resp.close;
    c->ready = false;
    c->sent = 0;
    buf_reset(&c->resp.body);
    buf_release(&c->body_in);
    if (close)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int start_response(struct lws *wsi, struct conn *c)
{
    if (write_headers(wsi, c))
        return -1;
    c->ready = true;
    c->sent = 0;
    if (c->head || c->resp.body.len == 0)
        return finish(wsi, c);
    lws_callback_on_writable(wsi);
    return 0;
}

static void prepare(struct conn *c)
{
    buf_reset(&c->resp.body);
    c->resp.status = 500;
    c->resp.content_type = "application/json";
    c->resp.allow = NULL;
    c->resp.close = false;
}

static int dispatch(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    struct api_req req = {
        .method = c->method,
        .path = c->path,
        .query = query_arg,
        .transport = wsi,
        .body = c->body_in.data,
        .body_len = c->body_in.len,
        .content_type = c->content_type,
    };
    srv->ctx->stats.requests++;
    prepare(c);
    if (c->body_too_large) {
        api_error(&c->resp, 413, "request body larger than %zu bytes", srv->max_body);
        c->resp.close = true;
    } else if (!authorised(srv, wsi, c->path)) {
        srv->ctx->stats.unauthorized++;
        api_error(&c->resp, 401, "a valid bearer token is required");
    } else {
        api_dispatch(srv->ctx, &req, &c->resp);
    }
    return start_response(wsi, c);
}

static int on_http(struct http_server *srv, struct lws *wsi, struct conn *c, const char *uri)
{
    conn_init(c);
    c->method = method_of(wsi, &c->head);
    snprintf(c->path, sizeof c->path, "%s", uri ? uri : "/");
    c->content_type[0] = '\0';
    lws_hdr_copy(wsi, c->content_type, sizeof c->content_type, WSI_TOKEN_HTTP_CONTENT_TYPE);
    c->body_too_large = false;
    buf_release(&c->body_in);
    buf_init(&c->body_in, srv->max_body);
    bool has_body = c->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH);
    if (!has_body)
        return dispatch(srv, wsi, c);
    char len[32];
    if (lws_hdr_copy(wsi, len, sizeof len, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char *end;
        unsigned long long n = strtoull(len, &end, 10);
        if (*end == '\0' && n > srv->max_body) {
            c->body_too_large = true;
            return dispatch(srv, wsi, c);
        }
        if (*end == '\0' && n == 0)
            return dispatch(srv, wsi, c);
    } else if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0) {
        /* HTTP/1.1: no length and no chunked encoding means an empty body. */
        return dispatch(srv, wsi, c);
    }
    return 0; /* the body follows: LWS_CALLBACK_HTTP_BODY, then _COMPLETION */
}

static int on_writable(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    if (!c->ready)
        return 0;
    size_t left = c->resp.body.len - c->sent;
    size_t n = left < WRITE_CHUNK ? left : WRITE_CHUNK;
    memcpy(srv->stage + LWS_PRE, c->resp.body.data + c->sent, n);
    bool last = n == left;
    if (lws_write(wsi, srv->stage + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        (int)n)
        return -1;
    c->sent += n;
    if (last)
        return finish(wsi, c);
    lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_vhost *vh = lws_get_vhost(wsi);
    struct http_server *srv = vh ? lws_get_vhost_user(vh) : NULL;
    if (!srv)
        srv = lws_context_user(lws_get_context(wsi));
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        if (srv && srv->ctx->stats.connections >= srv->max_connections) {
            srv->ctx->stats.connections_refused++;
            return -1;
        }
        return 0;
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        if (srv) {
            lws_set_opaque_user_data(wsi, &counted_marker);
            srv->ctx->stats.connections++;
            srv->ctx->stats.connections_total++;
        }
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (srv && lws_get_opaque_user_data(wsi) == &counted_marker) {
            lws_set_opaque_user_data(wsi, NULL);
            if (srv->ctx->stats.connections)
                srv->ctx->stats.connections--;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (srv)
            board_collect(srv->ctx->board);
        return 0;
    case LWS_CALLBACK_HTTP:
        return c && srv ? on_http(srv, wsi, c, in) : -1;
    case LWS_CALLBACK_HTTP_BODY:
        if (!c || !srv)
            return -1;
        if (!c->body_too_large && buf_add(&c->body_in, in, len))
            c->body_too_large = true;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return c && srv ? dispatch(srv, wsi, c) : -1;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return c && srv ? on_writable(srv, wsi, c) : -1;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        conn_release(c);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(struct conn), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* libwebsockets reports client mistakes (an oversized header) as errors; a client could
 * fill the log with them, so at most LWS_LOG_BURST lines are written per minute. */
#define LWS_LOG_BURST 20

static struct {
    int64_t window_start_ns;
    unsigned lines, suppressed;
} lws_log_budget;

static void lws_logger(int level, const char *line)
{
    int64_t now = clock_mono_ns();
    if (now - lws_log_budget.window_start_ns > 60 * (int64_t)1000000000) {
        if (lws_log_budget.suppressed)
            log_warn("lws", "%u similar messages suppressed", lws_log_budget.suppressed);
        lws_log_budget.window_start_ns = now;
        lws_log_budget.lines = 0;
        lws_log_budget.suppressed = 0;
    }
    if (++lws_log_budget.lines > LWS_LOG_BURST) {
        lws_log_budget.suppressed++;
        return;
    }
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_msg(level & LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "%.*s", (int)n, line);
}

void http_server_reconfigure(struct http_server *srv, const struct config *cfg)
{
    snprintf(srv->token, sizeof srv->token, "%s", cfg->token);
    srv->token_len = strlen(srv->token);
    srv->max_connections = cfg->max_connections;
    srv->max_body = cfg->max_body_bytes;
}

struct http_server *http_server_new(struct api_ctx *ctx, const struct config *cfg, char *err,
                                    size_t errlen)
{
    struct http_server *srv = vigil_calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    srv->ctx = ctx;
    http_server_reconfigure(srv, cfg);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);

    const char *iface = cfg->listen_host;
    if (strcmp(iface, "localhost") == 0)
        iface = "127.0.0.1";
    if (strcmp(iface, "0.0.0.0") == 0 || strcmp(iface, "::") == 0 || !*iface)
        iface = NULL;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.user = srv;
    info.server_string = "vigil";
    info.max_http_header_data = (unsigned short)cfg->max_header_bytes;
    info.max_http_header_pool = (unsigned short)(cfg->max_connections + 1);
    info.fd_limit_per_thread = cfg->max_connections + 64;
    info.timeout_secs = 30;
    info.keepalive_timeout = 30;
    srv->lws = lws_create_context(&info);
    if (!srv->lws) {
        snprintf(err, errlen, "cannot start the event loop");
        free(srv);
        return NULL;
    }
    info.port = cfg->listen_port;
    info.iface = iface;
    info.protocols = protocols;
    info.vhost_name = "vigil";
    info.user = srv;
    srv->vhost = lws_create_vhost(srv->lws, &info);
    if (!srv->vhost) {
        snprintf(err, errlen, "cannot listen on '%s:%d' (address in use, or not an address "
                              "of this machine?)",
                 cfg->listen_host, cfg->listen_port);
        lws_context_destroy(srv->lws);
        free(srv);
        return NULL;
    }
    return srv;
}

void http_server_free(struct http_server *srv)
{
    if (!srv)
        return;
    lws_context_destroy(srv->lws);
    free(srv);
}

int http_server_port(const struct http_server *srv)
{
    return lws_get_vhost_listen_port(srv->vhost);
}

int http_server_service(struct http_server *srv)
{
    return lws_service(srv->lws, 0);
}

void http_server_wake(void *srv)
{
    struct http_server *s = srv;
    if (s && s->lws)
        lws_cancel_service(s->lws);
}
