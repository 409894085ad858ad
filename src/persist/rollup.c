/*
 * rollup: periods and their min/mean/max/count. The mean is kept as a sum while samples
 * are added (exact for the few thousand samples of a period) and as a mean on disk, with
 * the count beside it, so merges weight each side by what it saw.
 */
#include "persist/rollup.h"

#include <math.h>

int64_t rollup_floor(int64_t t_ms, int64_t width_ms)
{
    int64_t r = t_ms % width_ms;
    return r < 0 ? t_ms - r - width_ms : t_ms - r;
}

int64_t rollup_ceil(int64_t t_ms, int64_t width_ms)
{
    int64_t f = rollup_floor(t_ms, width_ms);
    return f == t_ms ? f : f + width_ms;
}

void rollup_init(struct rollup *r, int64_t ts_ms)
{
    r->ts_ms = ts_ms;
    r->min = r->avg = r->max = 0;
    r->n = 0;
}

void rollup_add(struct rollup *r, double v)
{
    if (!isfinite(v))
        return;
    if (r->n == 0 || v < r->min)
        r->min = v;
    if (r->n == 0 || v > r->max)
        r->max = v;
    /* a running mean, not a sum, so a rollup is always readable as it stands */
    r->n++;
    r->avg += (v - r->avg) / (double)r->n;
}

size_t rollup_add_samples(struct rollup *r, const struct sample *s, size_t n, int64_t from_ms,
                          int64_t to_ms)
{
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].ts_ms < from_ms || s[i].ts_ms >= to_ms || !isfinite(s[i].value))
            continue;
        rollup_add(r, s[i].value);
        added++;
    }
    return added;
}

void rollup_merge(struct rollup *a, const struct rollup *b)
{
    if (b->n == 0)
        return;
    if (a->n == 0) {
        int64_t ts = a->ts_ms;
        *a = *b;
        a->ts_ms = ts;
        return;
    }
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
    double na = (double)a->n, nb = (double)b->n;
    a->avg = a->avg * (na / (na + nb)) + b->avg * (nb / (na + nb));
    a->n += b->n;
}

int64_t rollup_due(int64_t next_ms, int64_t now_ms, int64_t width_ms, int64_t grace_ms,
                   int64_t oldest_ms, int64_t *first, int64_t *end)
{
    int64_t start = rollup_floor(next_ms, width_ms);
    /* a period that ended before memory's oldest sample has nothing left to read */
    int64_t reach = rollup_floor(oldest_ms, width_ms);
    if (start < reach)
        start = reach;
    int64_t stop = rollup_floor(now_ms - grace_ms, width_ms); /* the first period not done */
    *first = start;
    *end = stop > start ? stop : start;
    return stop > start ? (stop - start) / width_ms : 0;
}
