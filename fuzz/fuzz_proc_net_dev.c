/* fuzz_proc_net_dev: the /proc/net/dev reader on arbitrary bytes, given exactly `size`
 * bytes with no NUL after them; traps on a name that is empty, unterminated, padded or
 * holds a control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_net_dev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface iface;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    proc_net_dev_begin(&it, copy, size);
    while (proc_net_dev_next(&it, &iface)) {
        size_t n = strnlen(iface.name, sizeof iface.name);
        if (n == 0 || n == sizeof iface.name || iface.name[0] == ' ' || iface.name[n - 1] == ' ')
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)iface.name[i] < 0x20 || iface.name[i] == 0x7f)
                __builtin_trap();
    }
    free(copy);
    return 0;
}
