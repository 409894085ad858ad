/* ticker: a steady periodic thread (see ticker.h). The wait is a condition variable on the
 * monotonic clock, so stopping never waits out an interval. */
#include "core/ticker.h"

#include <errno.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"

void ticker_init(struct ticker *t, int64_t interval_ms, int64_t first_delay_ms,
                 void (*tick)(void *), void *arg)
{
    t->tick = tick;
    t->arg = arg;
    t->interval_ns = (interval_ms > 0 ? interval_ms : 1) * 1000000;
    t->first_delay_ns = first_delay_ms > 0 ? first_delay_ms * 1000000 : 0;
    t->stop = false;
    t->started = false;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &ca);
    pthread_condattr_destroy(&ca);
}

static void *run(void *arg)
{
    struct ticker *t = arg;
    int64_t next = clock_mono_ns() + t->first_delay_ns;
    pthread_mutex_lock(&t->lock);
    for (;;) {
        struct timespec due = {.tv_sec = next / 1000000000, .tv_nsec = next % 1000000000};
        while (!t->stop && pthread_cond_timedwait(&t->wake, &t->lock, &due) != ETIMEDOUT)
            ;
        if (t->stop)
            break;
        pthread_mutex_unlock(&t->lock);
        t->tick(t->arg);
        next += t->interval_ns;
        int64_t now = clock_mono_ns();
        if (next < now)
            next = now + t->interval_ns - (now - next) % t->interval_ns;
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

int ticker_start(struct ticker *t)
{
    t->stop = false;
    int rc = pthread_create(&t->thread, NULL, run, t);
    if (rc)
        return vigil_errno(rc);
    t->started = true;
    return 0;
}

void ticker_stop(struct ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    t->started = false;
}

void ticker_release(struct ticker *t)
{
    ticker_stop(t);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
}
