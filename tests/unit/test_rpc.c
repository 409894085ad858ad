/* rpc: JSON-RPC 2.0 decoding of requests, batches, notifications and every error. */
#include <criterion/criterion.h>
#include <string.h>

#include "stream/rpc.h"

static int decode(const char *text, struct rpc_message *m, char *err)
{
    return rpc_decode(text, strlen(text), m, err, 256);
}

Test(rpc, a_request_with_params)
{
    struct rpc_message m;
    char err[256];
    cr_assert_eq(decode("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"subscribe\","
                        "\"params\":{\"channels\":[\"system/cpu\"]}}",
                        &m, err),
                 0);
    cr_assert_eq(m.n, 1);
    cr_assert(m.req[0].valid);
    cr_assert_str_eq(m.req[0].method, "subscribe");
    cr_assert_str_eq(m.req[0].id, "7");
    cr_assert(json_is_object(m.req[0].params));
    rpc_message_release(&m);
}

Test(rpc, notifications_and_string_ids)
{
    struct rpc_message m;
    char err[256];
    decode("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", &m, err);
    cr_assert_not(m.req[0].has_id);
    rpc_message_release(&m);
    decode("{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"x\"}", &m, err);
    cr_assert_str_eq(m.req[0].id, "\"a\\\"b\"");
    rpc_message_release(&m);
}

Test(rpc, invalid_requests_are_answered_each)
{
    const char *bad[] = {
        "{\"id\":1,\"method\":\"x\"}",                     /* no jsonrpc */
        "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"x\"}", /* wrong version */
        "{\"jsonrpc\":\"2.0\",\"id\":1}",                  /* no method */
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":3}",     /* method not a string */
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}",
        "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", /* id not allowed */
        "7",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rpc_message m;
        char err[256];
        cr_assert_eq(decode(bad[i], &m, err), 0, "%s", bad[i]);
        cr_assert_not(m.req[0].valid, "%s", bad[i]);
        cr_assert_eq(m.req[0].error_code, RPC_INVALID_REQUEST);
        rpc_message_release(&m);
    }
}

Test(rpc, parse_errors_and_limits)
{
    struct rpc_message m;
    char err[256];
    cr_assert_eq(decode("{\"jsonrpc\":", &m, err), RPC_PARSE_ERROR);
    cr_assert_eq(decode("{\"a\":1,\"a\":2}", &m, err), RPC_PARSE_ERROR, "duplicate keys");
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    cr_assert_eq(decode(deep, &m, err), RPC_PARSE_ERROR);
    cr_assert(strstr(err, "nested deeper"));
    cr_assert_eq(decode("[]", &m, err), RPC_INVALID_REQUEST);
    char batch[4096] = "[";
    for (int i = 0; i < RPC_MAX_BATCH + 1; i++)
        strcat(batch, i ? ",{}" : "{}");
    strcat(batch, "]");
    cr_assert_eq(decode(batch, &m, err), RPC_INVALID_REQUEST);
}

Test(rpc, batches_mix_good_and_bad)
{
    struct rpc_message m;
    char err[256];
    cr_assert_eq(decode("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\"},5]", &m, err), 0);
    cr_assert(m.batch);
    cr_assert_eq(m.n, 2);
    cr_assert(m.req[0].valid);
    cr_assert_not(m.req[1].valid);
    rpc_message_release(&m);
}

Test(rpc, responses)
{
    struct buf b;
    buf_init(&b, 1024);
    rpc_write_result(&b, "3", "{\"ok\":true}", 11);
    cr_assert_str_eq(b.data, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"ok\":true}}");
    buf_reset(&b);
    rpc_write_error(&b, "null", RPC_METHOD_NOT_FOUND, "no \"x\"");
    cr_assert_str_eq(b.data, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
                             "\"message\":\"no \\\"x\\\"\"}}");
    buf_release(&b);
}
