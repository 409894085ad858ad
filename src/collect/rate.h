/*
 * rate: per-second rate of a monotonically increasing counter, with the guards every rate
 * in vigil uses. The first reading primes and yields no rate; elapsed time <= 0 yields the
 * last rate again; a counter that goes backwards (wrap, reset, hot-plug) is taken as a
 * reset: the reading rebases and the rate for that interval is 0, never negative or huge.
 */
#ifndef VIGIL_RATE_H
#define VIGIL_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct rate {
    uint64_t prev;
    int64_t prev_ns;
    double last;   /* last rate returned */
    bool primed;   /* a previous reading exists */
    bool has_last; /* last is meaningful */
};

void rate_init(struct rate *r);
/* Feeds a reading taken at now_ns (monotonic). Returns true and sets *per_sec when a rate
 * is known. */
bool rate_update(struct rate *r, uint64_t value, int64_t now_ns, double *per_sec);

#endif
