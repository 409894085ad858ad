/*
 * notifier: delivers notifications over HTTP on a thread of its own (libcurl's multi
 * interface, so a hung endpoint delays nobody but itself). notifier_send() never blocks
 * on the network: it copies the message into a bounded table of jobs and wakes the
 * thread; when the table is full the notification is dropped and counted.
 *
 * Each attempt has the notifier's timeout. A network error, a timeout, 408, 425, 429 or
 * any 5xx is retried after base * 2^(n-1) (capped, and never sooner than a Retry-After the
 * server sent), up to `retries` times; any other answer outside 2xx is final, since a bad
 * URL or payload will not get better. Two messages about the same alert to the same
 * notifier go out in the order they were queued (a resolve never overtakes its firing).
 */
#ifndef VIGIL_NOTIFIER_H
#define VIGIL_NOTIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/notify_format.h"
#include "alert/rules.h"

#define NOTIFY_BACKOFF_MAX_MS (5LL * 60 * 1000)

struct notifier_opts {
    unsigned queue;         /* jobs waiting or in flight, every notifier together (256) */
    unsigned max_transfers; /* attempts in flight at once (16) */
    const char *user_agent; /* copied; NULL: "vigil/VERSION" */
};

struct notifier_stats {
    uint64_t sent;    /* delivered (2xx) */
    uint64_t failed;  /* given up: out of retries, or a final answer */
    uint64_t dropped; /* refused because the queue was full, or left at shutdown */
    uint64_t retries; /* attempts after a first one failed */
    unsigned queued;  /* waiting or in flight now */
    char last_error[160]; /* "" when the last attempt succeeded */
};

struct notifier;

/* Returns a notifier for n notifier definitions (copied), or NULL. Initialises libcurl
 * (curl_global_init): call it before starting other threads. */
struct notifier *notifier_new(const struct alert_notifier *defs, unsigned n,
                              const struct notifier_opts *opts);
/* Starts the delivery thread. 0 or a negative error. */
int notifier_start(struct notifier *nt);
/* Stops and joins the thread; what is still queued is dropped and counted. */
void notifier_stop(struct notifier *nt);
void notifier_free(struct notifier *nt);

/* Any thread: queues m for notifier idx. 0, -VIGIL_EFULL (dropped, counted), or
 * -VIGIL_EINVAL for a bad index. */
int notifier_send(struct notifier *nt, unsigned idx, const struct alert_message *m);

/* Any thread: notifier idx's counters. */
void notifier_stats(struct notifier *nt, unsigned idx, struct notifier_stats *out);
unsigned notifier_count(const struct notifier *nt);
const struct alert_notifier *notifier_def(const struct notifier *nt, unsigned idx);

/* The delay before retry number attempt (1 for the first retry): base * 2^(attempt-1),
 * at most max_ms, and at least retry_after_ms when the server asked for that (0: no). */
int64_t notify_backoff_ms(int64_t base_ms, unsigned attempt, int64_t max_ms,
                          int64_t retry_after_ms);

enum notify_verdict { NOTIFY_SENT, NOTIFY_RETRY, NOTIFY_GIVE_UP };
/* What to do after an attempt: transport_ok is false for a network error or timeout
 * (then status is ignored), else status is the HTTP status. */
enum notify_verdict notify_classify(bool transport_ok, long status);

#endif
