/* fuzz_proc_stat: the /proc/stat parser on arbitrary bytes, given exactly `size` bytes with
 * no NUL after them. Besides memory errors, it traps on a broken promise of the header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_stat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct proc_stat st; /* about 90 KiB: not for the stack */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    if (proc_stat_parse(copy, size, &st) == 0) {
        if (st.n_ids > HOST_MAX_CPUS || st.n_present > st.n_ids)
            __builtin_trap();
        unsigned present = 0;
        for (unsigned i = 0; i < HOST_MAX_CPUS; i++) {
            if (!st.present[i])
                continue;
            if (i >= st.n_ids)
                __builtin_trap();
            present++;
        }
        if (present != st.n_present)
            __builtin_trap();
    }
    free(copy);
    return 0;
}
