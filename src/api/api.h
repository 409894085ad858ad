/*
 * api: the HTTP API's requests, responses and routes, apart from the transport. A handler
 * turns a request into a response on the event-loop thread; it reads snapshots from the
 * board and history from the store, and never blocks or does I/O of its own. The transport
 * (http.c, libwebsockets) parses requests, checks the token and limits, calls api_dispatch()
 * and writes the response. Errors are JSON: {"error":"...","status":404}.
 */
#ifndef VIGIL_API_H
#define VIGIL_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/buf.h"
#include "core/jsonw.h"
#include "store/board.h"
#include "store/store.h"

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_DELETE = 1 << 4,
    HTTP_PATCH = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
    HTTP_OTHER = 1 << 7,
};

struct api_req {
    enum http_method method;
    const char *path; /* decoded, without the query */
    /* Copies query argument `name`, decoded, into out (NUL-terminated); returns its length,
     * or -1 when absent, -2 when longer than outlen - 1. */
    int (*query)(const struct api_req *req, const char *name, char *out, size_t outlen);
    void *transport;  /* the transport's own handle, for query() */
    /* Copies the i-th query argument ("key=value" or "key", decoded) into out; its length,
     * -1 past the last, -2 when longer than outlen - 1. NULL when the transport has none. */
    int (*query_at)(const struct api_req *req, int i, char *out, size_t outlen);
    bool can_defer;   /* the transport can answer later (struct api_resp's deferred) */
    const char *body; /* POST body, not NUL-terminated; NULL when none */
    size_t body_len;
    const char *content_type; /* "" when absent */
    /* These two headers' values (the dashboard's files); NULL or "" when absent. */
    const char *if_none_match;
    const char *accept_encoding;
};

#define API_RESP_HEADERS 6

struct api_resp {
    int status;
    const char *content_type; /* a static string */
    const char *allow;        /* for 405: the methods allowed, or NULL */
    bool close;               /* close the connection after this response */
    /* Nonzero: no answer now; the transport waits for http_server_complete() with this id
     * (a node's answer that the hub thread fetches). Only when the request can_defer. */
    uint64_t deferred;
    struct buf body;          /* owned by the transport, reused across requests */
    /* NULL: "no-store" */
    const char *cache_control;
    /* More headers (ETag, Content-Encoding...): names lower-case with their colon
     * ("etag:"), values borrowed until the response is written (static strings). */
    struct {
        const char *name, *value;
    } headers[API_RESP_HEADERS];
    unsigned n_headers;
};

/* What the daemon counts about its clients; the loop alone writes these. */
struct api_stats {
    unsigned connections;
    uint64_t connections_total;
    uint64_t connections_refused;
    uint64_t requests;
    uint64_t unauthorized;
};

struct streams;
struct stream_client;
struct agents_live;
struct hub_loop;
struct persist;
struct disk_reader;

/* Everything a handler may read. Owned by the daemon; the loop thread alone uses it. */
struct api_ctx {
    const struct config *cfg; /* borrowed; replaced by a reload only between requests */
    struct store *store;
    struct board *board;
    struct streams *streams;  /* live notifications (GET /ws, GET /api/v1/stream) */
    struct agents_live *agents; /* agent telemetry (src/agents/live.h); NULL: not served */
    struct hub_loop *hub;       /* the [node] sections' side (src/hub); NULL: not a hub */
    struct persist *persist;    /* history on disk (src/persist); NULL: memory only */
    struct disk_reader *disk;   /* the loop's reader of it; NULL without persist */
    int64_t start_ms;      /* unix ms when serving began */
    int64_t start_mono_ns;
    struct api_stats stats;
    char hostname[256];
};

/* Routes req to its handler. Sets a 404 or 405 JSON error when there is none. */
void api_dispatch(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
/* True when the path needs no token (/health). */
bool api_path_is_public(const char *path);

/* Replaces resp's body with a JSON error. */
void api_error(struct api_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets status 200 and JSON content type; the body is what the handler wrote. */
void api_json_ok(struct api_resp *resp);
/* Answers with document doc of the slot's current snap, encoded once by its producer; before
 * the producer's first publish, with what placeholder writes. what names it in an error. */
void api_serve_doc(struct api_ctx *ctx, enum board_slot slot, int doc,
                   void (*placeholder)(struct jsonw *w), const char *what,
                   struct api_resp *resp);
/* Parses a time argument: unix ms, ISO-8601, "now", or relative to now ("-15m",
 * "now-1h"). 0 or -VIGIL_EINVAL. */
int api_parse_time(const char *s, int64_t now, int64_t *out);
/* Adds a header (both strings borrowed, see struct api_resp); -VIGIL_EFULL when there is
 * no room left. */
int api_resp_header(struct api_resp *resp, const char *name, const char *value);
/* Writes the route table's paths as a JSON array, so clients (the dashboard) know which
 * endpoints this daemon serves before asking. */
struct jsonw;
void api_encode_routes(struct jsonw *w);

/* Handlers, one file per endpoint family. Each returns nothing: it fills resp. */
void api_health(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_system(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_gpus(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_history(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_series(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_metrics(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_alerts(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
/* GET /api/v1/nodes, and any read endpoint asked with ?node=NAME of another node (answered
 * later: resp->deferred), in api_nodes.c. */
void api_nodes(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_node_answer(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp,
                     const char *node);
/* The hub's families for /metrics: vigil_hub_node_up{node}, ...; nothing when the
 * daemon watches no node. 0 or -VIGIL_E2BIG. */
int api_nodes_prom(struct api_ctx *ctx, struct buf *b);
void api_inference(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_cluster(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_ingest(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_agents(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_events(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
void api_requests(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
/* The body of /api/v1/inference and /api/v1/cluster: {"KEY":[the slot's list],"timestamp",
 * "timestamp_ms"}, from the scraper's snap in slot. */
void api_target_list(struct api_ctx *ctx, enum board_slot slot, const char *key,
                     struct api_resp *resp);
/* GET /api/v1/info: the host's name, version, collection interval and how far back
 * history reaches, and the endpoints served. */
void api_info(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);
/* GET / and GET /assets/<name>: the dashboard, compiled into the binary (api_assets.c). */
void api_asset(struct api_ctx *ctx, const struct api_req *req, struct api_resp *resp);

/* GET /ws: answers one JSON-RPC message (a request or a batch) from a stream client; the
 * answer is queued on the client. */
void api_rpc_message(struct api_ctx *ctx, struct stream_client *c, const char *text, size_t len);

#endif
