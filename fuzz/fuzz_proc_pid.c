/* fuzz_proc_pid: the /proc/<pid>/stat parser on arbitrary bytes, given exactly `size` bytes
 * with no NUL after them; traps on a result that breaks its contract (pid 0, or a state
 * letter that is not in the input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/proc_pid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    struct proc_pid_stat st;
    if (proc_pid_stat_parse(copy, size, &st) == 0) {
        if (st.pid == 0 || memchr(copy, st.state, size) == NULL)
            __builtin_trap();
    }
    free(copy);
    return 0;
}
