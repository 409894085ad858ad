/* fuzz_proc_loadavg: the /proc/loadavg parser on arbitrary bytes, given exactly `size`
 * bytes with no NUL after them; traps on a load that is negative or not a number. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_loadavg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proc_loadavg l;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    if (proc_loadavg_parse(copy, size, &l) == 0) {
        if (!(l.load1 >= 0) || !(l.load5 >= 0) || !(l.load15 >= 0))
            __builtin_trap();
    }
    free(copy);
    return 0;
}
