/* libFuzzer target: the JSON-RPC decoder of the WebSocket, on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct rpc_message m;
    char err[256];
    if (rpc_decode(copy, size, &m, err, sizeof err) == 0) {
        struct buf b;
        buf_init(&b, 1 << 16);
        for (unsigned i = 0; i < m.n; i++) {
            if (m.req[i].valid)
                rpc_write_result(&b, m.req[i].id, "null", 4);
            else
                rpc_write_error(&b, m.req[i].id, m.req[i].error_code, m.req[i].error);
        }
        buf_release(&b);
        rpc_message_release(&m);
    }
    free(copy);
    return 0;
}
