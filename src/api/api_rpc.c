/*
 * api_rpc: the JSON-RPC methods of GET /ws. subscribe, unsubscribe and list_channels act
 * on the connection's subscriptions; every read method is a REST endpoint under another
 * name (system.snapshot is GET /api/v1/system, history.query is GET /api/v1/history ...),
 * answered by the same handler with the params object standing in for the query string, so
 * the two APIs cannot drift apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/fault.h"
#include "stream/rpc.h"
#include "stream/streams.h"

/* The largest answer; a client queue holds two (stream_limits.queue_bytes). */
#define RPC_REPLY_MAX (8u << 20)

static const struct {
    const char *method;
    const char *path;
} read_methods[] = {
    {"system.snapshot", "/api/v1/system"},   {"system.metrics", "/api/v1/agents"},
    {"system.events", "/api/v1/events"},     {"system.activeRequests", "/api/v1/requests"},
    {"gpu.list", "/api/v1/gpus"},            {"inference.list", "/api/v1/inference"},
    {"cluster.list", "/api/v1/cluster"},     {"history.query", "/api/v1/history"},
    {"series.list", "/api/v1/series"},       {"alerts.list", "/api/v1/alerts"},
    {"nodes.list", "/api/v1/nodes"},         {"health", "/health"},
};

/* Query arguments of a read method come from its params object: strings as they are,
 * numbers and booleans as text, arrays of strings joined with commas. */
static int params_query(const struct api_req *req, const char *name, char *out, size_t outlen)
{
    json_t *params = req->transport;
    json_t *v = json_is_object(params) ? json_object_get(params, name) : NULL;
    if (!v)
        return -1;
    int n;
    if (json_is_string(v)) {
        n = snprintf(out, outlen, "%s", json_string_value(v));
    } else if (json_is_integer(v)) {
        n = snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        n = snprintf(out, outlen, "%.17g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        n = snprintf(out, outlen, "%s", json_is_true(v) ? "true" : "false");
    } else if (json_is_array(v)) {
        size_t i, used = 0;
        json_t *e;
        if (outlen)
            out[0] = '\0';
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e))
                return -2;
            int k = snprintf(out + used, outlen - used, "%s%s", i ? "," : "", json_string_value(e));
            if (k < 0 || (size_t)k >= outlen - used)
                return -2;
            used += (size_t)k;
        }
        return (int)used;
    } else {
        return -2;
    }
    return n < 0 || (size_t)n >= outlen ? -2 : n;
}

static void read_method(struct api_ctx *ctx, const char *path, const struct rpc_request *r,
                        struct buf *out)
{
    struct api_resp resp = {0};
    buf_init(&resp.body, RPC_REPLY_MAX);
    struct api_req req = {
        .method = HTTP_GET,
        .path = path,
        .query = params_query,
        .transport = r->params,
        .content_type = "",
    };
    api_dispatch(ctx, &req, &resp);
    if (resp.status == 404 && strstr(resp.body.data ? resp.body.data : "", "no such endpoint")) {
        rpc_write_error(out, r->id, RPC_METHOD_NOT_FOUND, "method not available here");
    } else if (resp.status != 200) {
        json_t *doc = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
        const char *msg = doc ? json_string_value(json_object_get(doc, "error")) : NULL;
        rpc_write_error(out, r->id, resp.status < 500 ? RPC_INVALID_PARAMS : RPC_INTERNAL_ERROR,
                        msg ? msg : "request failed");
        json_decref(doc);
    } else {
        size_t n = resp.body.len;
        while (n && resp.body.data[n - 1] == '\n')
            n--;
        rpc_write_result(out, r->id, resp.body.data, n);
    }
    buf_release(&resp.body);
}

/* The channels of subscribe/unsubscribe: {"channels": ["a", ...]}, or a single string. */
static int channel_list(const struct rpc_request *r, const char **names, unsigned max,
                        const char **why)
{
    json_t *list = json_is_object(r->params)
                       ? json_object_get(r->params, "channels")
                       : r->params;
    unsigned n = 0;
    if (json_is_string(list)) {
        names[n++] = json_string_value(list);
        return (int)n;
    }
    if (!json_is_array(list) || json_array_size(list) == 0) {
        *why = "params must be {\"channels\": [\"system/cpu\", ...]}";
        return -1;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if (!json_is_string(e) || n >= max) {
            *why = n >= max ? "too many channels in one request" : "channels must be strings";
            return -1;
        }
        names[n++] = json_string_value(e);
    }
    return (int)n;
}

/* Subscriptions made by one message: their current values are sent after the answer. */
struct catch_up {
    char pattern[32][STREAM_CHANNEL_MAX];
    unsigned n;
};

static void subscription(struct stream_client *c, const struct rpc_request *r, bool add,
                         struct buf *out, struct catch_up *cu)
{
    const char *names[64];
    const char *why = NULL;
    int n = channel_list(r, names, 64, &why);
    if (n < 0) {
        rpc_write_error(out, r->id, RPC_INVALID_PARAMS, why);
        return;
    }
    for (int i = 0; add && i < n; i++) {
        if (!stream_channel_valid(names[i])) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown channel '%.60s'", names[i]);
            rpc_write_error(out, r->id, RPC_INVALID_PARAMS, msg);
            return;
        }
    }
    struct buf res;
    buf_init(&res, 8192);
    struct jsonw w;
    jw_init(&w, &res);
    jw_obj_begin(&w);
    jw_key(&w, add ? "subscribed" : "unsubscribed");
    jw_arr_begin(&w);
    for (int i = 0; i < n; i++) {
        int rc = add ? streams_client_subscribe(c, names[i])
                     : streams_client_unsubscribe(c, names[i]);
        if (rc == 0) {
            jw_str(&w, names[i]);
            if (add && cu->n < 32)
                snprintf(cu->pattern[cu->n++], STREAM_CHANNEL_MAX, "%s", names[i]);
        } else if (add) {
            buf_release(&res);
            rpc_write_error(out, r->id, RPC_INVALID_PARAMS, "too many subscriptions");
            return;
        }
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    rpc_write_result(out, r->id, res.data, res.len);
    buf_release(&res);
}

static void list_channels(struct api_ctx *ctx, struct stream_client *c,
                          const struct rpc_request *r, struct buf *out)
{
    struct buf res;
    buf_init(&res, 1u << 20);
    struct jsonw w;
    jw_init(&w, &res);
    jw_obj_begin(&w);
    jw_key(&w, "channels");
    streams_encode_channels(ctx->streams, &w);
    jw_key(&w, "subscribed");
    jw_arr_begin(&w);
    const char *subs[256];
    unsigned n = streams_client_subscriptions(c, subs, 256);
    for (unsigned i = 0; i < n; i++)
        jw_str(&w, subs[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    rpc_write_result(out, r->id, res.data, res.len);
    buf_release(&res);
}

static void one(struct api_ctx *ctx, struct stream_client *c, const struct rpc_request *r,
                struct buf *out, struct catch_up *cu)
{
    if (!r->valid) {
        rpc_write_error(out, r->id, r->error_code, r->error);
        return;
    }
    if (strcmp(r->method, "subscribe") == 0 || strcmp(r->method, "unsubscribe") == 0) {
        subscription(c, r, r->method[0] == 's', out, cu);
        return;
    }
    if (strcmp(r->method, "list_channels") == 0) {
        list_channels(ctx, c, r, out);
        return;
    }
    for (size_t i = 0; i < sizeof read_methods / sizeof read_methods[0]; i++) {
        if (strcmp(r->method, read_methods[i].method) == 0) {
            read_method(ctx, read_methods[i].path, r, out);
            return;
        }
    }
    char msg[128];
    snprintf(msg, sizeof msg, "method not found: '%.60s'", r->method);
    rpc_write_error(out, r->id, RPC_METHOD_NOT_FOUND, msg);
}

void api_rpc_message(struct api_ctx *ctx, struct stream_client *c, const char *text, size_t len)
{
    struct rpc_message msg;
    char err[256];
    struct catch_up *cu = vigil_calloc(1, sizeof *cu);
    struct buf out;
    if (!cu) {
        static const char oom[] =
            "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,\"message\":"
            "\"out of memory\"}}";
        streams_client_reply(c, oom, sizeof oom - 1);
        return;
    }
    buf_init(&out, RPC_REPLY_MAX);
    int code = rpc_decode(text, len, &msg, err, sizeof err);
    if (code) {
        rpc_write_error(&out, "null", code, err);
    } else {
        if (msg.batch)
            buf_addc(&out, '[');
        size_t start = out.len;
        for (unsigned i = 0; i < msg.n; i++) {
            if (!msg.req[i].has_id && msg.req[i].valid) {
                /* A notification: do it, answer nothing. */
                struct buf sink;
                buf_init(&sink, RPC_REPLY_MAX);
                one(ctx, c, &msg.req[i], &sink, cu);
                buf_release(&sink);
                continue;
            }
            if (out.len > start)
                buf_addc(&out, ',');
            one(ctx, c, &msg.req[i], &out, cu);
        }
        if (msg.batch)
            buf_addc(&out, ']');
        bool empty = out.len == start + (msg.batch ? 1 : 0);
        rpc_message_release(&msg);
        if (empty)
            buf_reset(&out);
    }
    if (out.len)
        streams_client_reply(c, out.data, out.len);
    buf_release(&out);
    for (unsigned i = 0; i < cu->n; i++)
        streams_client_catch_up(c, cu->pattern[i]);
    free(cu);
}
