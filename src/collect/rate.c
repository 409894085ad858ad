/* rate: guarded counter rates (see rate.h for the rules). */
#include "collect/rate.h"

void rate_init(struct rate *r)
{
    r->prev = 0;
    r->prev_ns = 0;
    r->last = 0;
    r->primed = false;
    r->has_last = false;
}

bool rate_update(struct rate *r, uint64_t value, int64_t now_ns, double *per_sec)
{
    if (!r->primed) {
        r->prev = value;
        r->prev_ns = now_ns;
        r->primed = true;
        return false;
    }
    int64_t elapsed = now_ns - r->prev_ns;
    if (elapsed <= 0) {
        /* Keep the previous reading as the base, so the next good interval is measured
         * from a time we trust. */
        if (r->has_last)
            *per_sec = r->last;
        return r->has_last;
    }
    double rate = 0;
    if (value >= r->prev)
        rate = (double)(value - r->prev) * 1e9 / (double)elapsed;
    r->prev = value;
    r->prev_ns = now_ns;
    r->last = rate;
    r->has_last = true;
    *per_sec = rate;
    return true;
}
