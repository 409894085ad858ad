/* fuzz_proc_meminfo: the /proc/meminfo parser on arbitrary bytes, given exactly `size`
 * bytes with no NUL after them; traps if a used figure could come out above its total. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_meminfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proc_meminfo m;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    if (proc_meminfo_parse(copy, size, &m) == 0) {
        if (m.mem_available > m.mem_total || m.swap_free > m.swap_total ||
            proc_meminfo_ram_used(&m) > m.mem_total || proc_meminfo_swap_used(&m) > m.swap_total)
            __builtin_trap();
    }
    free(copy);
    return 0;
}
