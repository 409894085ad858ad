/* fuzz_proc_net_tcp: the listening-socket reader on arbitrary bytes, given exactly `size`
 * bytes with nothing readable after them. It traps when it writes past the room it was
 * given or reports an inode of 0, which it promises to leave out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_net_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    uint64_t inodes[4 + 1];
    inodes[4] = 0xfeedface;
    uint16_t port = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 8000;
    unsigned n = proc_net_tcp_listeners(copy, size, port, inodes, 4);
    for (unsigned i = 0; i < n && i < 4; i++)
        if (inodes[i] == 0)
            __builtin_trap();
    if (inodes[4] != 0xfeedface)
        __builtin_trap();
    n = proc_net_tcp_listeners(copy, size, 8000, inodes, 4);
    (void)n;
    free(copy);
    return 0;
}
