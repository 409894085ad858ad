/*
 * http: libwebsockets glue. One protocol ("http") receives every HTTP transaction; a
 * response is built whole by api_dispatch() into the connection's buffer and then written
 * in chunks as the socket becomes writable, so a slow reader holds only its own buffer.
 * Connections are counted between accept (SERVER_NEW_CLIENT_INSTANTIATED) and WSI_DESTROY,
 * marked through the wsi's opaque user data so that other wsis (the listener) are not.
 * Live streams use the same protocol: GET /ws upgrades to a WebSocket whose messages are
 * JSON-RPC (api_rpc.c), GET /api/v1/stream stays open as Server-Sent Events; both are
 * stream clients whose frames come from src/stream/streams.c.
 */
#include "api/http.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "hub/hub_loop.h"
#include "stream/streams.h"

_Static_assert(STREAM_FRAME_PRE >= LWS_PRE, "stream frames need LWS_PRE bytes of headroom");

#define SSE_HEARTBEAT_US (15 * LWS_US_PER_SEC)

#define RESP_BODY_MAX (64u << 20) /* the largest answer (a long history query) */
#define WRITE_CHUNK 16384
#define PENDING_MAX 128 /* requests waiting for a node's answer (at least HUB_MAX_FETCHES) */

struct http_server {
    struct lws_context *lws;
    struct lws_vhost *vhost;
    struct api_ctx *ctx;
    char token[256];
    size_t token_len;
    unsigned max_connections;
    size_t max_body;
    size_t max_message;
    char origins[512];
    struct streams *streams;
    lws_retry_bo_t retry;
    lws_sorted_usec_list_t heartbeat;
    lws_sorted_usec_list_t second;
    void (*every_second)(void *arg); /* http_server_every_second() */
    void *second_arg;
    void (*on_wake)(void *arg); /* http_server_on_wake() */
    void *on_wake_arg;
    struct lws_protocols protocols[3]; /* "http", the hub's client, the terminator */
    struct {
        uint64_t id;
        struct lws *wsi;
    } pending[PENDING_MAX]; /* deferred requests, loop thread only */
    unsigned n_pending;
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
    bool dispatched; /* this transaction's request was handed to the API */
    bool ready; /* a response is built and being written */
    bool initialised;
    bool sse;                 /* this HTTP response is an event stream */
    bool rx_paused;           /* reading stopped until the client's queue drains */
    struct stream_client *sc; /* owned: a WebSocket or SSE client */
    struct buf ws_rx;         /* a WebSocket message being assembled */
    uint64_t deferred;        /* waiting for http_server_complete() with this id */
    bool deferred_done;       /* its answer is in resp: write it when writable */
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

static void pending_drop(struct http_server *srv, uint64_t id);

static void conn_release(struct http_server *srv, struct conn *c)
{
    if (!c)
        return;
    if (c->deferred && srv)
        pending_drop(srv, c->deferred);
    c->deferred = 0;
    streams_client_close(c->sc);
    c->sc = NULL;
    buf_release(&c->ws_rx);
    if (!c->initialised)
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

static int query_at(const struct api_req *req, int i, char *out, size_t outlen)
{
    int n = lws_hdr_copy_fragment(req->transport, out, (int)outlen, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n < 0)
        return lws_hdr_fragment_length(req->transport, WSI_TOKEN_HTTP_URI_ARGS, i) > 0 ? -2 : -1;
    return n;
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

/* The bearer token from the Authorization header; for the stream endpoints, which browsers
 * open without headers (WebSocket, EventSource), also from ?token=. */
static bool authorised(struct http_server *srv, struct lws *wsi, const char *path)
{
    if (!srv->token_len || api_path_is_public(path))
        return true;
    char hdr[512];
    int n = lws_hdr_copy(wsi, hdr, sizeof hdr, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n > 7 && strncasecmp(hdr, "Bearer ", 7) == 0)
        return http_token_equal(hdr + 7, (size_t)n - 7, srv->token, srv->token_len);
    if (strcmp(path, "/ws") != 0 && strcmp(path, "/api/v1/stream") != 0)
        return false;
    struct api_req req = {.transport = wsi};
    n = query_arg(&req, "token", hdr, sizeof hdr);
    return n > 0 && http_token_equal(hdr, (size_t)n, srv->token, srv->token_len);
}

static int write_headers(struct lws *wsi, struct conn *c)
{
    unsigned char hdr[LWS_PRE + 2048];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    const struct api_resp *r = &c->resp;
    if (lws_add_http_common_headers(wsi, (unsigned)r->status, r->content_type, r->body.len, &p,
                                    end))
        return -1;
    const struct {
        const char *name, *value;
    } fixed[] = {
        {"cache-control:", r->cache_control ? r->cache_control : "no-store"},
        {"x-content-type-options:", "nosniff"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)fixed[i].name,
                                        (const unsigned char *)fixed[i].value,
                                        (int)strlen(fixed[i].value), &p, end))
            return -1;
    for (unsigned i = 0; i < r->n_headers && i < API_RESP_HEADERS; i++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)r->headers[i].name,
                                        (const unsigned char *)r->headers[i].value,
                                        (int)strlen(r->headers[i].value), &p, end))
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
    c->resp.deferred = 0;
    c->resp.cache_control = NULL;
    c->resp.n_headers = 0;
}

/* ---- Server-Sent Events ---------------------------------------------------------------- */

/* Subscribes c to the comma-separated channels; false with an error response set. */
static bool subscribe_list(struct conn *c, char *list)
{
    for (char *p = list; p && *p;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*p) {
            int rc = streams_client_subscribe(c->sc, p);
            if (rc == -VIGIL_EINVAL) {
                api_error(&c->resp, 400, "unknown channel '%.60s'", p);
                return false;
            }
            if (rc) {
                api_error(&c->resp, 400, "too many channels");
                return false;
            }
        }
        p = comma ? comma + 1 : NULL;
    }
    return true;
}

static int sse_open(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    char list[4096], last[32];
    struct api_req req = {.transport = wsi};
    int n = query_arg(&req, "channels", list, sizeof list);
    if (n <= 0) {
        api_error(&c->resp, 400, n == -2 ? "'channels' is too long"
                                         : "'channels' is required, e.g. ?channels=system/cpu");
        return start_response(wsi, c);
    }
    c->sc = streams_client_open(srv->streams, STREAM_SSE, wsi);
    if (!c->sc) {
        api_error(&c->resp, 503, "out of memory");
        return start_response(wsi, c);
    }
    if (!subscribe_list(c, list)) {
        streams_client_close(c->sc);
        c->sc = NULL;
        return start_response(wsi, c);
    }
    /* Resumption: the Last-Event-ID header (EventSource sends it on reconnect) or
     * ?last_event_id=: the frames missed since then are replayed; a new stream gets the
     * current value of each channel instead. */
    bool replayed = false;
    int ln = lws_hdr_custom_copy(wsi, last, sizeof last, "last-event-id:", 14);
    if (ln <= 0)
        ln = query_arg(&req, "last_event_id", last, sizeof last);
    unsigned long long last_id = 0;
    if (ln > 0) {
        char *end;
        last_id = strtoull(last, &end, 10);
        replayed = *end == '\0';
    }
    unsigned char hdr[LWS_PRE + 512];
    unsigned char *start = hdr + LWS_PRE, *p = start, *end = hdr + sizeof hdr - 1;
    if (lws_add_http_common_headers(wsi, 200, "text/event-stream", LWS_ILLEGAL_HTTP_CONTENT_LEN,
                                    &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* What lws_http_mark_sse() does for HTTP/1 without its complaint that this is not an h2
     * stream: give the header storage back, since the stream may stay open for days. */
    lws_http_headers_detach(wsi);
    c->sse = true;
    if (replayed)
        streams_client_replay(c->sc, last_id);
    /* A comment first, so clients see the stream open before the first event. */
    static const char hello[] = ": vigil event stream\n\n";
    streams_client_reply(c->sc, hello, sizeof hello - 1);
    if (!replayed)
        for (char *p2 = list; p2 < list + n; p2 += strlen(p2) + 1)
            streams_client_catch_up(c->sc, p2);
    return 0;
}

/* Writes the client's next queued frame; -1 closes the connection. */
static int stream_write(struct lws *wsi, struct conn *c, enum lws_write_protocol proto)
{
    size_t len;
    const unsigned char *data = c->sc ? streams_client_peek(c->sc, &len) : NULL;
    if (!data)
        return 0;
    /* The frame has STREAM_FRAME_PRE bytes before it for lws to write its header into. */
    if (lws_write(wsi, (unsigned char *)data, len, proto) < (int)len)
        return -1;
    streams_client_sent(c->sc);
    if (c->rx_paused && !streams_client_backlogged(c->sc)) {
        c->rx_paused = false;
        lws_rx_flow_control(wsi, 1);
    }
    return 0;
}

static void heartbeat(lws_sorted_usec_list_t *sul)
{
    struct http_server *srv = lws_container_of(sul, struct http_server, heartbeat);
    static const char ping[] = ": ping\n\n";
    streams_heartbeat(srv->streams, ping, sizeof ping - 1);
    lws_sul_schedule(srv->lws, 0, &srv->heartbeat, heartbeat, SSE_HEARTBEAT_US);
}

static void second_tick(lws_sorted_usec_list_t *sul)
{
    struct http_server *srv = lws_container_of(sul, struct http_server, second);
    srv->every_second(srv->second_arg);
    lws_sul_schedule(srv->lws, 0, &srv->second, second_tick, LWS_US_PER_SEC);
}

void http_server_every_second(struct http_server *srv, void (*fn)(void *arg), void *arg)
{
    srv->every_second = fn;
    srv->second_arg = arg;
    lws_sul_schedule(srv->lws, 0, &srv->second, second_tick, LWS_US_PER_SEC);
}

void http_server_on_wake(struct http_server *srv, void (*fn)(void *arg), void *arg)
{
    srv->on_wake = fn;
    srv->on_wake_arg = arg;
}

/* ---- WebSocket ------------------------------------------------------------------------ */

/* The Origin, when a browser sends one, must be listed in allowed_origins or be this very
 * host (same-origin); clients that send none (curl, scripts) are not browsers and pass. */
static bool origin_allowed(struct http_server *srv, struct lws *wsi)
{
    char origin[256], host[256];
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0)
        return true;
    for (const char *p = srv->origins; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if ((n == 1 && *p == '*') || (n == strlen(origin) && strncmp(p, origin, n) == 0))
            return true;
        p = comma ? comma + 1 : p + strlen(p);
    }
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0)
        return false;
    const char *o = strstr(origin, "://");
    return o && strcmp(o + 3, host) == 0;
}

static int ws_filter(struct http_server *srv, struct lws *wsi)
{
    char uri[64];
    if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 || strcmp(uri, "/ws") != 0)
        return 1;
    if (!authorised(srv, wsi, "/ws")) {
        srv->ctx->stats.unauthorized++;
        return 1;
    }
    return origin_allowed(srv, wsi) ? 0 : 1;
}

static int ws_receive(struct http_server *srv, struct lws *wsi, struct conn *c, const void *in,
                      size_t len)
{
    if (lws_frame_is_binary(wsi)) {
        static const char why[] = "vigil speaks JSON-RPC in text messages";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, (unsigned char *)why,
                         sizeof why - 1);
        return -1;
    }
    if (buf_add(&c->ws_rx, in, len)) {
        static const char why[] = "message too large";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                         sizeof why - 1);
        return -1;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    api_rpc_message(srv->ctx, c->sc, c->ws_rx.data ? c->ws_rx.data : "", c->ws_rx.len);
    buf_reset(&c->ws_rx);
    if (!c->rx_paused && streams_client_backlogged(c->sc)) {
        c->rx_paused = true;
        lws_rx_flow_control(wsi, 0);
    }
    return 0;
}

/* RFC 6455 7.4: the close codes a peer may send. libwebsockets echoes any code above 4999
 * as if it were valid; such a close fails the connection instead. */
static bool close_code_valid(const unsigned char *in, size_t len)
{
    if (len == 0)
        return true;
    if (len == 1)
        return false;
    unsigned code = (unsigned)in[0] << 8 | in[1];
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

static void stream_want_write(void *conn)
{
    lws_callback_on_writable(conn);
}

static void stream_kill(void *conn)
{
    lws_set_timeout(conn, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static const struct stream_transport transport = {stream_want_write, stream_kill};

/* ---- deferred answers (a node's, fetched by the hub thread) ----------------------------- */

static void pending_drop(struct http_server *srv, uint64_t id)
{
    for (unsigned i = 0; i < srv->n_pending; i++) {
        if (srv->pending[i].id == id) {
            srv->pending[i] = srv->pending[--srv->n_pending];
            return;
        }
    }
}

/* The handler will answer later: remember the connection under its id. */
static int defer(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    if (srv->n_pending == PENDING_MAX) {
        api_error(&c->resp, 503, "too many requests waiting for nodes; try again");
        c->resp.deferred = 0;
        return start_response(wsi, c);
    }
    c->deferred = c->resp.deferred;
    c->deferred_done = false;
    srv->pending[srv->n_pending].id = c->deferred;
    srv->pending[srv->n_pending].wsi = wsi;
    srv->n_pending++;
    return 0;
}

void http_server_complete(void *server, uint64_t id, int status, bool text, const char *body,
                          size_t len)
{
    struct http_server *srv = server;
    for (unsigned i = 0; i < srv->n_pending; i++) {
        if (srv->pending[i].id != id)
            continue;
        struct lws *wsi = srv->pending[i].wsi;
        srv->pending[i] = srv->pending[--srv->n_pending];
        struct conn *c = lws_wsi_user(wsi);
        if (!c || c->deferred != id)
            return;
        c->deferred = 0;
        prepare(c);
        c->resp.status = status;
        c->resp.content_type = text ? "text/plain; version=0.0.4; charset=utf-8"
                                    : "application/json";
        if (buf_add(&c->resp.body, body, len))
            api_error(&c->resp, 502, "the node's answer is larger than this server sends");
        c->deferred_done = true;
        lws_callback_on_writable(wsi);
        return;
    }
}

static int dispatch(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    /* The two request headers a handler may want (the dashboard's files: revalidation and
     * gzip); "" when absent or longer than these. */
    char inm[256] = "", accept_enc[256] = "";
    if (lws_hdr_copy(wsi, inm, sizeof inm, WSI_TOKEN_HTTP_IF_NONE_MATCH) < 0)
        inm[0] = '\0';
    if (lws_hdr_copy(wsi, accept_enc, sizeof accept_enc, WSI_TOKEN_HTTP_ACCEPT_ENCODING) < 0)
        accept_enc[0] = '\0';
    struct api_req req = {
        .method = c->method,
        .path = c->path,
        .query = query_arg,
        .query_at = query_at,
        .can_defer = true,
        .transport = wsi,
        .body = c->body_in.data,
        .body_len = c->body_in.len,
        .content_type = c->content_type,
        .if_none_match = inm,
        .accept_encoding = accept_enc,
    };
    /* libwebsockets also reports the end of an empty body (Content-Length: 0) that was
     * dispatched when its headers came; one request gets one response */
    if (c->dispatched)
        return 0;
    c->dispatched = true;
    srv->ctx->stats.requests++;
    prepare(c);
    if (c->body_too_large) {
        api_error(&c->resp, 413, "request body larger than %zu bytes", srv->max_body);
        c->resp.close = true;
    } else if (!authorised(srv, wsi, c->path)) {
        srv->ctx->stats.unauthorized++;
        api_error(&c->resp, 401, "a valid bearer token is required");
    } else if (strcmp(c->path, "/api/v1/stream") == 0 && c->method == HTTP_GET) {
        return sse_open(srv, wsi, c);
    } else {
        api_dispatch(srv->ctx, &req, &c->resp);
        if (c->resp.deferred)
            return defer(srv, wsi, c);
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
    c->dispatched = false;
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
        /* one allocation of the announced size rather than a doubling series: a stream of
         * large posts (agent batches) leaves the heap as it found it */
        if (*end == '\0')
            buf_reserve(&c->body_in, (size_t)n);
    } else if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0) {
        /* HTTP/1.1: no length and no chunked encoding means an empty body. */
        return dispatch(srv, wsi, c);
    }
    return 0; /* the body follows: LWS_CALLBACK_HTTP_BODY, then _COMPLETION */
}

static int on_writable(struct http_server *srv, struct lws *wsi, struct conn *c)
{
    if (c->deferred_done) {
        c->deferred_done = false;
        return start_response(wsi, c);
    }
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
        if (srv) {
            unsigned changed = board_collect(srv->ctx->board);
            streams_from_board(srv->streams, srv->ctx->board, changed);
            if (srv->on_wake)
                srv->on_wake(srv->on_wake_arg);
            streams_drain(srv->streams);
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return srv ? ws_filter(srv, wsi) : 1;
    case LWS_CALLBACK_ESTABLISHED:
        if (!c || !srv)
            return -1;
        memset(c, 0, sizeof *c);
        buf_init(&c->ws_rx, srv->max_message);
        c->sc = streams_client_open(srv->streams, STREAM_WS, wsi);
        return c->sc ? 0 : -1;
    case LWS_CALLBACK_RECEIVE:
        return c && srv && c->sc ? ws_receive(srv, wsi, c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c ? stream_write(wsi, c, LWS_WRITE_TEXT) : -1;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (close_code_valid(in, len))
            return 0; /* lws echoes it and closes */
        lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR, NULL, 0);
        return -1;
    case LWS_CALLBACK_CLOSED:
        conn_release(srv, c);
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
        if (c && c->sse)
            return stream_write(wsi, c, LWS_WRITE_HTTP);
        return c && srv ? on_writable(srv, wsi, c) : -1;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        conn_release(srv, c);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}


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
    srv->max_message = cfg->max_message_bytes;
    snprintf(srv->origins, sizeof srv->origins, "%s", cfg->allowed_origins);
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
    struct stream_limits lim;
    stream_limits_default(&lim);
    lim.queue_frames = cfg->queue_frames;
    lim.stuck_ms = cfg->stuck_timeout_ms;
    srv->streams = streams_new(&lim, &transport, http_server_wake, srv);
    if (!srv->streams) {
        snprintf(err, errlen, "out of memory");
        free(srv);
        return NULL;
    }
    ctx->streams = srv->streams;
    /* WebSocket liveness: a ping after ping_interval of silence, and the connection closed
     * when nothing (not even a pong) came back within another. */
    uint16_t ping_s = (uint16_t)(cfg->ping_interval_ms / 1000 ? cfg->ping_interval_ms / 1000 : 1);
    srv->retry.secs_since_valid_ping = ping_s;
    srv->retry.secs_since_valid_hangup = (uint16_t)(ping_s * 2);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
    /* libwebsockets 4.1 waits for its next timer with poll() in whole milliseconds, rounded
     * down, then polls with no wait until the timer is due: up to 1 ms of spinning at each
     * timer (the 1 s tick), most of the loop's CPU when idle. A timer slack of 1 ms lets the
     * kernel end the wait at the timer or just after; socket events still wake at once. */
    prctl(PR_SET_TIMERSLACK, 1000000UL, 0, 0, 0);

    const char *iface = cfg->listen_host;
    if (strcmp(iface, "localhost") == 0)
        iface = "127.0.0.1";
    if (strcmp(iface, "0.0.0.0") == 0 || strcmp(iface, "::") == 0 || !*iface)
        iface = NULL;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8;
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
        streams_free(srv->streams);
        ctx->streams = NULL;
        free(srv);
        return NULL;
    }
    info.port = cfg->listen_port;
    info.iface = iface;
    /* libwebsockets 4.1 binds an IPv4 address given with IPv6 enabled to every interface
     * (its issue 2290): an IPv4 listen address takes an IPv4-only socket. */
    struct in_addr v4;
    if (iface && inet_pton(AF_INET, iface, &v4) == 1)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    srv->protocols[0] = (struct lws_protocols){"http", callback, sizeof(struct conn), 0, 0, NULL, 0};
    srv->protocols[1] = hub_loop_protocol;
    info.protocols = srv->protocols;
    info.vhost_name = "vigil";
    info.user = srv;
    info.retry_and_idle_policy = &srv->retry;
    srv->vhost = lws_create_vhost(srv->lws, &info);
    if (!srv->vhost) {
        snprintf(err, errlen, "cannot listen on '%s:%d' (address in use, or not an address "
                              "of this machine?)",
                 cfg->listen_host, cfg->listen_port);
        lws_context_destroy(srv->lws);
        streams_free(srv->streams);
        ctx->streams = NULL;
        free(srv);
        return NULL;
    }
    lws_sul_schedule(srv->lws, 0, &srv->heartbeat, heartbeat, SSE_HEARTBEAT_US);
    return srv;
}

void http_server_free(struct http_server *srv)
{
    if (!srv)
        return;
    /* Destroying the context closes every connection, and with them the stream clients. */
    lws_context_destroy(srv->lws);
    srv->ctx->streams = NULL;
    streams_free(srv->streams);
    free(srv);
}

struct lws_context *http_server_context(struct http_server *srv)
{
    return srv->lws;
}

struct lws_vhost *http_server_vhost(struct http_server *srv)
{
    return srv->vhost;
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
