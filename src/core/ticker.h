/*
 * ticker: a thread that calls one function on a steady monotonic schedule. The next call is
 * due one interval after the last one was due, not after it finished, so a slow call does
 * not drift the schedule; a call that overran whole intervals (a suspended machine, a
 * driver that blocked for seconds) skips the missed ones instead of running a burst.
 * ticker_stop() wakes the thread at once, whatever it is waiting for, and joins it.
 */
#ifndef VIGIL_TICKER_H
#define VIGIL_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct ticker {
    void (*tick)(void *arg);
    void *arg;
    int64_t interval_ns;
    int64_t first_delay_ns;
    pthread_t thread;
    pthread_mutex_t lock; /* guards stop, with wake */
    pthread_cond_t wake;
    bool stop;
    bool started;
};

/* Prepares t to call tick(arg) every interval_ms, the first call after first_delay_ms
 * (0: at once). Starts nothing. */
void ticker_init(struct ticker *t, int64_t interval_ms, int64_t first_delay_ms,
                 void (*tick)(void *), void *arg);
/* Starts the thread. 0, or a negative error. */
int ticker_start(struct ticker *t);
/* Stops and joins the thread; safe when it was never started. */
void ticker_stop(struct ticker *t);
/* Stops it if needed and frees what ticker_init set up. */
void ticker_release(struct ticker *t);

#endif
