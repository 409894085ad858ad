/* window: bucketed sliding sums. A bucket is found by period modulo nbuckets and trusted
 * only when its period tag matches; a read checks the tag of every bucket it adds up. */
#include "agents/window.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"

/* floor(t / w) for negative t as well, so periods before 1970 stay distinct. */
static int64_t period_of(const struct window *w, int64_t t)
{
    int64_t q = t / w->width_ms;
    if (t % w->width_ms < 0)
        q--;
    return q;
}

static size_t slot_of(const struct window *w, int64_t period)
{
    int64_t m = period % (int64_t)w->nbuckets;
    return (size_t)(m < 0 ? m + w->nbuckets : m);
}

int window_init(struct window *w, int64_t width_ms, unsigned nbuckets, unsigned nvals)
{
    memset(w, 0, sizeof *w);
    if (width_ms <= 0 || nbuckets == 0 || nvals == 0 || nvals > WINDOW_MAX_VALS)
        return -VIGIL_EINVAL;
    w->period = vigil_calloc(nbuckets, sizeof *w->period);
    w->vals = vigil_calloc((size_t)nbuckets * nvals, sizeof *w->vals);
    if (!w->period || !w->vals) {
        window_release(w);
        return -VIGIL_ENOMEM;
    }
    /* No real period is INT64_MIN, so every bucket starts out as belonging to none. */
    for (unsigned i = 0; i < nbuckets; i++)
        w->period[i] = INT64_MIN;
    w->width_ms = width_ms;
    w->nbuckets = nbuckets;
    w->nvals = nvals;
    return 0;
}

void window_release(struct window *w)
{
    free(w->period);
    free(w->vals);
    w->period = NULL;
    w->vals = NULL;
    w->nbuckets = 0;
}

bool window_add(struct window *w, int64_t t_ms, unsigned k, double v)
{
    if (k >= w->nvals)
        return false;
    int64_t p = period_of(w, t_ms);
    size_t s = slot_of(w, p);
    double *vals = w->vals + s * w->nvals;
    if (w->period[s] > p)
        return false;
    if (w->period[s] < p) {
        w->period[s] = p;
        memset(vals, 0, w->nvals * sizeof *vals);
    }
    vals[k] += v;
    return true;
}

void window_sums(const struct window *w, int64_t now_ms, unsigned last, double *out)
{
    memset(out, 0, w->nvals * sizeof *out);
    if (last > w->nbuckets)
        last = w->nbuckets;
    int64_t now_p = period_of(w, now_ms);
    /* Keeps now_p - i from overflowing for absurd times: they have nothing to sum. */
    if (now_p < INT64_MIN + (int64_t)w->nbuckets)
        return;
    for (unsigned i = 0; i < last; i++) {
        int64_t p = now_p - i;
        size_t s = slot_of(w, p);
        if (w->period[s] != p)
            continue;
        const double *vals = w->vals + s * w->nvals;
        for (unsigned k = 0; k < w->nvals; k++)
            out[k] += vals[k];
    }
}

double window_sum(const struct window *w, int64_t now_ms, unsigned last, unsigned k)
{
    double out[WINDOW_MAX_VALS];
    if (k >= w->nvals)
        return 0;
    window_sums(w, now_ms, last, out);
    return out[k];
}
