/*
 * rpc: JSON-RPC 2.0 messages as vigil's WebSocket carries them. Decoding is separate from
 * what the methods do (api/api_rpc.c), so the decoder can be fuzzed alone. A message is one
 * request or a batch (an array) of at most RPC_MAX_BATCH; nesting deeper than
 * RPC_MAX_DEPTH is refused before jansson sees it.
 */
#ifndef VIGIL_RPC_H
#define VIGIL_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define RPC_MAX_BATCH 16
#define RPC_MAX_DEPTH 16
#define RPC_ID_MAX    128

enum rpc_code {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
};

struct rpc_request {
    bool valid; /* false: answer error_code with error (invalid request) */
    int error_code;
    char error[128];
    const char *method;  /* borrowed from the message */
    json_t *params;      /* borrowed; NULL when absent */
    bool has_id;         /* false: a notification, which gets no answer */
    char id[RPC_ID_MAX]; /* the id as JSON text ("7", "\"a\"", "null") */
};

struct rpc_message {
    json_t *root; /* owned */
    bool batch;
    unsigned n;
    struct rpc_request req[RPC_MAX_BATCH];
};

/* Decodes text. 0 with msg filled (release it), or RPC_PARSE_ERROR / RPC_INVALID_REQUEST
 * with a message in err (the whole message is unusable: answer with id null). */
int rpc_decode(const char *text, size_t len, struct rpc_message *msg, char *err, size_t errlen);
void rpc_message_release(struct rpc_message *msg);

/* Appends a response. result is one JSON value (len bytes). */
int rpc_write_result(struct buf *b, const char *id, const char *result, size_t len);
int rpc_write_error(struct buf *b, const char *id, int code, const char *message);

#endif
