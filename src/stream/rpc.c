/* rpc: JSON-RPC 2.0 decoding and response writing (see rpc.h). */
#include "stream/rpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jsonw.h"
#include "parse/json_guard.h"

static void invalid(struct rpc_request *r, const char *why)
{
    r->valid = false;
    r->error_code = RPC_INVALID_REQUEST;
    snprintf(r->error, sizeof r->error, "%s", why);
}

static void decode_one(json_t *o, struct rpc_request *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "null");
    if (!json_is_object(o)) {
        invalid(r, "a request must be an object");
        r->has_id = true;
        return;
    }
    json_t *id = json_object_get(o, "id");
    if (id) {
        r->has_id = true;
        if (json_is_string(id) || json_is_integer(id) || json_is_null(id)) {
            char *text = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
            if (text && strlen(text) < sizeof r->id)
                snprintf(r->id, sizeof r->id, "%s", text);
            else {
                free(text);
                invalid(r, "'id' is too long");
                return;
            }
            free(text);
        } else {
            invalid(r, "'id' must be a string, an integer or null");
            return;
        }
    }
    json_t *v = json_object_get(o, "jsonrpc");
    if (!json_is_string(v) || strcmp(json_string_value(v), "2.0") != 0) {
        invalid(r, "'jsonrpc' must be \"2.0\"");
        return;
    }
    json_t *m = json_object_get(o, "method");
    if (!json_is_string(m)) {
        invalid(r, "'method' must be a string");
        return;
    }
    json_t *p = json_object_get(o, "params");
    if (p && !json_is_object(p) && !json_is_array(p)) {
        invalid(r, "'params' must be an object or an array");
        return;
    }
    r->valid = true;
    r->method = json_string_value(m);
    r->params = p;
}

int rpc_decode(const char *text, size_t len, struct rpc_message *msg, char *err, size_t errlen)
{
    memset(msg, 0, sizeof *msg);
    if (json_max_depth(text, len) > RPC_MAX_DEPTH) {
        snprintf(err, errlen, "nested deeper than %d levels", RPC_MAX_DEPTH);
        return RPC_PARSE_ERROR;
    }
    json_error_t je;
    msg->root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!msg->root) {
        snprintf(err, errlen, "parse error at line %d, column %d: %s", je.line, je.column, je.text);
        return RPC_PARSE_ERROR;
    }
    if (json_is_array(msg->root)) {
        size_t n = json_array_size(msg->root);
        if (n == 0 || n > RPC_MAX_BATCH) {
            snprintf(err, errlen, "a batch holds 1 to %d requests", RPC_MAX_BATCH);
            rpc_message_release(msg);
            return RPC_INVALID_REQUEST;
        }
        msg->batch = true;
        msg->n = (unsigned)n;
        for (size_t i = 0; i < n; i++)
            decode_one(json_array_get(msg->root, i), &msg->req[i]);
        return 0;
    }
    msg->n = 1;
    decode_one(msg->root, &msg->req[0]);
    return 0;
}

void rpc_message_release(struct rpc_message *msg)
{
    json_decref(msg->root);
    msg->root = NULL;
    msg->n = 0;
}

int rpc_write_result(struct buf *b, const char *id, const char *result, size_t len)
{
    int rc = buf_adds(b, "{\"jsonrpc\":\"2.0\",\"id\":");
    if (!rc)
        rc = buf_adds(b, id);
    if (!rc)
        rc = buf_adds(b, ",\"result\":");
    if (!rc)
        rc = buf_add(b, result, len);
    return rc ? rc : buf_addc(b, '}');
}

int rpc_write_error(struct buf *b, const char *id, int code, const char *message)
{
    int rc = buf_adds(b, "{\"jsonrpc\":\"2.0\",\"id\":");
    if (!rc)
        rc = buf_adds(b, id);
    if (!rc)
        rc = buf_printf(b, ",\"error\":{\"code\":%d,\"message\":\"", code);
    if (!rc)
        rc = json_escape(b, message, strlen(message));
    return rc ? rc : buf_adds(b, "\"}}");
}
