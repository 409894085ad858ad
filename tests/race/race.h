/*
 * race: the ThreadSanitizer tier's drivers. Criterion's sandbox cannot start under TSan
 * (its shared arena needs an address TSan reserves), so the code that runs on several
 * threads is exercised here by plain programs: each runs a scenario with real threads and
 * exits non-zero when a check fails; TSan makes any data race fail the run as well.
 */
#ifndef VIGIL_RACE_H
#define VIGIL_RACE_H

#include <stdio.h>
#include <stdlib.h>

#define RACE_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#endif
