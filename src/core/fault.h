/*
 * fault: the one allocation hook. Every allocation in vigil goes through these wrappers so
 * that a test can make the n-th allocation from now fail and check that the failure is
 * handled (SQLite's and curl's torture-test idea). Off unless fault_fail_alloc_after() arms it.
 */
#ifndef VIGIL_FAULT_H
#define VIGIL_FAULT_H

#include <stddef.h>

void *vigil_malloc(size_t n);
void *vigil_calloc(size_t count, size_t n);
void *vigil_realloc(void *p, size_t n);
char *vigil_strdup(const char *s);
char *vigil_strndup(const char *s, size_t n);

/* Arms the hook: the allocation after n more succeed fails (n = 0: the next one). A negative
 * n disarms it. Returns how many allocations were made since the last call. */
long fault_fail_alloc_after(long n);

#endif
