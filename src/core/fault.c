/* fault: allocation wrappers with a countdown that tests can arm. Atomic so that threads
 * may allocate while a test arms it. */
#include "core/fault.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic long countdown = -1;
static _Atomic long made;

static int should_fail(void)
{
    atomic_fetch_add_explicit(&made, 1, memory_order_relaxed);
    long c = atomic_load_explicit(&countdown, memory_order_relaxed);
    if (c < 0)
        return 0;
    c = atomic_fetch_sub_explicit(&countdown, 1, memory_order_relaxed);
    if (c == 0) {
        atomic_store_explicit(&countdown, -1, memory_order_relaxed);
        return 1;
    }
    return 0;
}

long fault_fail_alloc_after(long n)
{
    atomic_store(&countdown, n < 0 ? -1 : n);
    return atomic_exchange(&made, 0);
}

void *vigil_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n ? n : 1);
}

void *vigil_calloc(size_t count, size_t n)
{
    return should_fail() ? NULL : calloc(count ? count : 1, n ? n : 1);
}

void *vigil_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n ? n : 1);
}

char *vigil_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = vigil_malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

char *vigil_strdup(const char *s)
{
    return vigil_strndup(s, strlen(s));
}
