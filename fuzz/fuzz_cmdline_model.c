/* fuzz_cmdline_model: the command-line model finder on arbitrary bytes, given exactly `size`
 * bytes with no NUL after them; traps on a result that is too long, not NUL-terminated at
 * its length, or holds a byte outside printable ASCII. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cmdline_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    char out[CMDLINE_MODEL_MAX + 1];
    memset(out, 'Z', sizeof out);
    size_t n = cmdline_model(copy, size, out, sizeof out);
    if (n > CMDLINE_MODEL_MAX || out[n] != '\0' || strlen(out) != n)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if (out[i] < 0x20 || out[i] > 0x7e)
            __builtin_trap();
    /* A smaller buffer yields a prefix of the same name. */
    char small[8];
    size_t m = cmdline_model(copy, size, small, sizeof small);
    if (m > 7 || (n < 7 ? m != n : m != 7) || strncmp(small, out, m) != 0)
        __builtin_trap();
    free(copy);
    return 0;
}
