/*
 * queue: a mutex-protected list. The condition variable runs on the monotonic clock, so a
 * change of the wall clock neither wakes the writer early nor holds it back.
 */
#include "persist/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/fault.h"

struct pq_item *pq_item_new(unsigned kind, const char *const *strs, unsigned nstr, const void *blob,
                            size_t blob_len)
{
    if (nstr > PQ_STRS)
        return NULL;
    size_t lens[PQ_STRS] = {0}, extra = blob_len;
    for (unsigned i = 0; i < nstr; i++) {
        lens[i] = strs[i] ? strlen(strs[i]) : 0;
        extra += lens[i] + 1;
    }
    size_t size = sizeof(struct pq_item) + extra + nstr;
    struct pq_item *it = vigil_calloc(1, size);
    if (!it)
        return NULL;
    it->kind = kind;
    it->size = size;
    char *p = (char *)(it + 1);
    if (blob_len) {
        memcpy(p, blob, blob_len);
        it->blob = p;
        it->blob_len = blob_len;
        p += blob_len;
    }
    for (unsigned i = 0; i < PQ_STRS; i++) {
        if (i >= nstr) {
            it->s[i] = "";
            continue;
        }
        if (lens[i])
            memcpy(p, strs[i], lens[i]);
        p[lens[i]] = '\0';
        it->s[i] = p;
        p += lens[i] + 1;
    }
    return it;
}

void pq_item_free_list(struct pq_item *list)
{
    while (list) {
        struct pq_item *next = list->next;
        free(list);
        list = next;
    }
}

int pq_init(struct pqueue *q, size_t max_items, size_t max_bytes, size_t wake_at)
{
    memset(q, 0, sizeof *q);
    q->max_items = max_items;
    q->max_bytes = max_bytes;
    q->wake_at = wake_at ? wake_at : 1;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca))
        return -VIGIL_ENOMEM;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc)
        return -VIGIL_ENOMEM;
    if (pthread_mutex_init(&q->lock, NULL)) {
        pthread_cond_destroy(&q->cond);
        return -VIGIL_ENOMEM;
    }
    return 0;
}

void pq_release(struct pqueue *q)
{
    pq_item_free_list(q->head);
    q->head = q->tail = NULL;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

int pq_push(struct pqueue *q, struct pq_item *it)
{
    it->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->items >= q->max_items || q->bytes + it->size > q->max_bytes) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        free(it);
        return -VIGIL_EFULL;
    }
    if (q->tail)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->items++;
    q->bytes += it->size;
    q->pushed++;
    bool wake = q->items == q->wake_at;
    pthread_mutex_unlock(&q->lock);
    if (wake)
        pthread_cond_signal(&q->cond);
    return 0;
}

struct pq_item *pq_take(struct pqueue *q, size_t *n)
{
    pthread_mutex_lock(&q->lock);
    struct pq_item *list = q->head;
    if (n)
        *n = q->items;
    q->head = q->tail = NULL;
    q->items = q->bytes = 0;
    pthread_mutex_unlock(&q->lock);
    return list;
}

void pq_put_back(struct pqueue *q, struct pq_item *list)
{
    if (!list)
        return;
    pthread_mutex_lock(&q->lock);
    struct pq_item *last = list;
    size_t items = 1, bytes = list->size;
    while (last->next) {
        last = last->next;
        items++;
        bytes += last->size;
    }
    last->next = q->head;
    if (!q->head)
        q->tail = last;
    q->head = list;
    q->items += items;
    q->bytes += bytes;
    /* over the bounds: keep the oldest, drop from the newest end */
    if (q->items > q->max_items || q->bytes > q->max_bytes) {
        size_t keep_items = 0, keep_bytes = 0;
        struct pq_item *prev = NULL, *it = q->head;
        while (it && keep_items < q->max_items && keep_bytes + it->size <= q->max_bytes) {
            keep_items++;
            keep_bytes += it->size;
            prev = it;
            it = it->next;
        }
        q->dropped += q->items - keep_items;
        pq_item_free_list(it);
        if (prev)
            prev->next = NULL;
        else
            q->head = NULL;
        q->tail = prev;
        q->items = keep_items;
        q->bytes = keep_bytes;
    }
    pthread_mutex_unlock(&q->lock);
}

bool pq_wait(struct pqueue *q, int64_t deadline_ns, bool for_records)
{
    struct timespec ts = {.tv_sec = deadline_ns / 1000000000, .tv_nsec = deadline_ns % 1000000000};
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    while (!q->stop && !(for_records && q->items >= q->wake_at) && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&q->cond, &q->lock, &ts);
    bool stop = q->stop;
    pthread_mutex_unlock(&q->lock);
    return stop;
}

void pq_stop(struct pqueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_mutex_unlock(&q->lock);
    pthread_cond_broadcast(&q->cond);
}

void pq_counts(struct pqueue *q, size_t *items, uint64_t *dropped)
{
    pthread_mutex_lock(&q->lock);
    if (items)
        *items = q->items;
    if (dropped)
        *dropped = q->dropped;
    pthread_mutex_unlock(&q->lock);
}
