/* ring: fixed ring. The slots are one array indexed modulo cap; head moves forward. */
#include "agents/ring.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"

int ring_init(struct ring *r, size_t cap, size_t elem_size)
{
    memset(r, 0, sizeof *r);
    if (cap == 0 || elem_size == 0 || cap > SIZE_MAX / elem_size)
        return -VIGIL_EINVAL;
    r->slots = vigil_calloc(cap, elem_size);
    if (!r->slots)
        return -VIGIL_ENOMEM;
    r->cap = cap;
    r->elem_size = elem_size;
    return 0;
}

void ring_release(struct ring *r)
{
    free(r->slots);
    r->slots = NULL;
    r->cap = 0;
    r->len = 0;
    r->head = 0;
}

void ring_clear(struct ring *r)
{
    r->len = 0;
    r->head = 0;
}

void *ring_push(struct ring *r)
{
    unsigned char *slot = r->slots + r->head * r->elem_size;
    memset(slot, 0, r->elem_size);
    r->head = (r->head + 1) % r->cap;
    if (r->len < r->cap)
        r->len++;
    r->pushed++;
    return slot;
}

const void *ring_at(const struct ring *r, size_t i)
{
    if (i >= r->len)
        return NULL;
    /* head - 1 is the newest; add cap before subtracting to stay unsigned. */
    size_t slot = (r->head + r->cap - 1 - i) % r->cap;
    return r->slots + slot * r->elem_size;
}

size_t ring_walk(const struct ring *r, size_t limit, bool (*keep)(const void *rec, void *arg),
                 void (*visit)(const void *rec, void *arg), void *arg)
{
    size_t n = 0;
    for (size_t i = 0; i < r->len && (limit == 0 || n < limit); i++) {
        const void *rec = ring_at(r, i);
        if (keep && !keep(rec, arg))
            continue;
        if (visit)
            visit(rec, arg);
        n++;
    }
    return n;
}
