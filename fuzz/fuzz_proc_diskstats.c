/* fuzz_proc_diskstats: the /proc/diskstats reader on arbitrary bytes, given exactly `size`
 * bytes with no NUL after them; traps on a name that is empty, unterminated or holds a
 * control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_diskstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proc_diskstats_iter it;
    struct proc_diskstats_dev dev;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    proc_diskstats_begin(&it, copy, size);
    while (proc_diskstats_next(&it, &dev)) {
        size_t n = strnlen(dev.name, sizeof dev.name);
        if (n == 0 || n == sizeof dev.name)
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)dev.name[i] < 0x20 || dev.name[i] == 0x7f)
                __builtin_trap();
        (void)proc_diskstats_bytes(dev.sectors_read);
    }
    free(copy);
    return 0;
}
