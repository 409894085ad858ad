/*
 * window: counters over a sliding time window, in fixed-width buckets (one minute for the
 * task figures, one second for tokens/s...). Each bucket holds nvals sums and the number
 * of the period it covers, so a bucket left over from an earlier period is recognised and
 * reset when its slot is reused: nothing has to run at a minute or hour boundary, and a
 * quiet hour needs no work. Memory is fixed at init: nbuckets * (nvals + 1) numbers.
 *
 * "The last N buckets" at time now means the bucket holding now and the N - 1 before it,
 * so a one-hour sum over one-minute buckets covers between 59 and 60 minutes of history.
 * Single owner: not thread-safe. Times are unix ms (any clock will do, if it is the same
 * for adds and sums).
 */
#ifndef VIGIL_WINDOW_H
#define VIGIL_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WINDOW_MAX_VALS 8

struct window {
    int64_t width_ms;  /* bucket width */
    unsigned nbuckets; /* history kept: nbuckets * width_ms */
    unsigned nvals;    /* sums per bucket */
    int64_t *period;   /* owned; per bucket, floor(t / width_ms) of what it holds */
    double *vals;      /* owned; nbuckets * nvals sums */
};

/* Sets up nbuckets buckets of width_ms, each with nvals sums (1..WINDOW_MAX_VALS). 0,
 * -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int window_init(struct window *w, int64_t width_ms, unsigned nbuckets, unsigned nvals);
void window_release(struct window *w);

/*
 * Adds v to sum k of the bucket that holds time t_ms. Returns false, adding nothing, when
 * that bucket has already been reused for a later period (t_ms is older than the window
 * reaches back from the newest time added). Callers clamp future times themselves.
 */
bool window_add(struct window *w, int64_t t_ms, unsigned k, double v);

/* Sum k over the last `last` buckets at now_ms (clamped to nbuckets). */
double window_sum(const struct window *w, int64_t now_ms, unsigned last, unsigned k);

/* Every sum over the last `last` buckets at now_ms, into out[0..nvals). */
void window_sums(const struct window *w, int64_t now_ms, unsigned last, double *out);

#endif
