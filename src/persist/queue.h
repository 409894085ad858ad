/*
 * queue: records on their way to the history writer. Producers (the event loop, the alert
 * evaluator) push copies and never wait: a push takes a mutex held only for a few pointer
 * moves, and a queue at its bound drops the record and counts it rather than blocking. The
 * writer takes everything queued at once and, when a write fails, puts what it took back in
 * front, so records stay in order across a retry.
 *
 * Bounded by records and by bytes: through a long outage the queue keeps the oldest
 * records, in order, and drops (and counts) what arrives while it is full.
 */
#ifndef VIGIL_PERSIST_QUEUE_H
#define VIGIL_PERSIST_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PQ_STRS 6

/* One record: numbers and strings whose meaning is the kind's (persist.c says). */
struct pq_item {
    struct pq_item *next;
    unsigned kind;
    size_t size; /* bytes allocated, counted against the byte bound */
    int64_t n[8];
    double d[2];
    const char *s[PQ_STRS]; /* inside this allocation; "" when not given */
    const void *blob;       /* inside this allocation; NULL when none */
    size_t blob_len;
};

/* Returns a new item of kind with copies of strs[0..nstr) (NULL counts as "") and of blob,
 * or NULL when out of memory. Numbers are zero; the caller fills them. */
struct pq_item *pq_item_new(unsigned kind, const char *const *strs, unsigned nstr, const void *blob,
                            size_t blob_len);
void pq_item_free_list(struct pq_item *list);

struct pqueue {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* signalled at wake_at records, and by pq_stop() */
    struct pq_item *head, *tail;
    size_t items, bytes;
    size_t max_items, max_bytes, wake_at;
    uint64_t pushed, dropped;
    bool stop;
};

/* Sets up an empty queue of at most max_items records and max_bytes bytes; a push that
 * brings it to wake_at records wakes the writer early. 0 or a negative code. */
int pq_init(struct pqueue *q, size_t max_items, size_t max_bytes, size_t wake_at);
/* Frees whatever is still queued. */
void pq_release(struct pqueue *q);

/* Any thread: queues it (ownership passes to the queue) or, when full, frees it, counts it
 * as dropped and returns -VIGIL_EFULL. */
int pq_push(struct pqueue *q, struct pq_item *it);
/* Writer: takes every record queued, oldest first (NULL when none); *n gets how many. */
struct pq_item *pq_take(struct pqueue *q, size_t *n);
/* Writer: puts back a list taken earlier, in front of what came since. What no longer fits
 * the bounds is dropped from the end of the whole queue (the newest) and counted. */
void pq_put_back(struct pqueue *q, struct pq_item *list);
/*
 * Writer: waits until pq_stop() is called, the monotonic clock reaches deadline_ns, or (when
 * for_records) wake_at records are queued. Returns true when stopped. A writer that cannot
 * write waits without for_records, so a full queue does not spin it.
 */
bool pq_wait(struct pqueue *q, int64_t deadline_ns, bool for_records);
void pq_stop(struct pqueue *q);

/* Counters, any thread. */
void pq_counts(struct pqueue *q, size_t *items, uint64_t *dropped);

#endif
