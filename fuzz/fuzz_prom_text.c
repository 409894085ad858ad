/* fuzz_prom_text: the exposition reader on arbitrary bytes, given exactly `size` bytes with
 * nothing readable after them. Besides memory errors, it traps when a slice it hands out
 * leaves the input or a label set breaks its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/prom_text.h"

static void inside(const char *base, size_t size, struct prom_str s)
{
    if (s.n > 0 && (s.p < base || s.p + s.n > base + size))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    struct prom_text t;
    struct prom_sample s;
    prom_text_init(&t, copy, size);
    enum prom_event ev;
    unsigned events = 0;
    while ((ev = prom_text_next(&t, &s)) != PROM_END) {
        if (++events > size + 1)
            __builtin_trap(); /* every event consumes at least one line */
        if (ev == PROM_SAMPLE) {
            inside(copy, size, s.name);
            inside(copy, size, s.family);
            if (s.n_labels > PROM_MAX_LABELS)
                __builtin_trap();
            for (unsigned i = 0; i < s.n_labels; i++) {
                inside(copy, size, s.labels[i].name);
                inside(copy, size, s.labels[i].value);
                char v[64];
                if (prom_label_value(&s.labels[i], v, sizeof v) > s.labels[i].value.n)
                    __builtin_trap();
            }
        } else if (ev == PROM_HELP || ev == PROM_TYPE) {
            inside(copy, size, t.meta_name);
            if (ev == PROM_HELP)
                inside(copy, size, t.help);
        } else if (ev == PROM_ERROR && memchr(t.err, '\0', sizeof t.err) == NULL) {
            __builtin_trap();
        }
    }
    free(copy);
    return 0;
}
