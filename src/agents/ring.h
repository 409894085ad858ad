/*
 * ring: a fixed ring of fixed-size records, for the recent model calls and the recent
 * events. Memory is allocated once at init; a push when full overwrites the oldest record,
 * so the ring holds the last `cap` records pushed, whatever the rate. Reads go newest
 * first. Single owner: not thread-safe.
 */
#ifndef VIGIL_RING_H
#define VIGIL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
    unsigned char *slots; /* owned; cap * elem_size bytes */
    size_t elem_size;
    size_t cap;
    size_t head;     /* index of the slot the next push fills */
    size_t len;      /* records held, <= cap */
    uint64_t pushed; /* records pushed since init; pushed - len were evicted */
};

/* Allocates room for cap records of elem_size bytes (both > 0). 0, -VIGIL_EINVAL or
 * -VIGIL_ENOMEM. */
int ring_init(struct ring *r, size_t cap, size_t elem_size);
/* Frees the slots; the ring must be initialised again before use. */
void ring_release(struct ring *r);
/* Forgets every record (pushed is kept). */
void ring_clear(struct ring *r);

/* Makes room for a new newest record and returns its slot, zero-filled, for the caller to
 * fill. The oldest record is overwritten when the ring is full. Never fails. */
void *ring_push(struct ring *r);

/* The i-th newest record (0 is the newest), borrowed until the next push; NULL when
 * i >= ring_len(). */
const void *ring_at(const struct ring *r, size_t i);

static inline size_t ring_len(const struct ring *r)
{
    return r->len;
}

static inline uint64_t ring_evicted(const struct ring *r)
{
    return r->pushed - r->len;
}

/*
 * Visits records newest first: those for which keep() is true (every record when keep is
 * NULL), at most limit of them (0: no limit). Returns how many were visited. Neither
 * callback may push to the ring.
 */
size_t ring_walk(const struct ring *r, size_t limit, bool (*keep)(const void *rec, void *arg),
                 void (*visit)(const void *rec, void *arg), void *arg);

#endif
