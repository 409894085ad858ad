/* board: single-slot mailboxes from producer threads to the loop (see board.h). */
#include "store/board.h"

#include <stdlib.h>

#include "core/fault.h"

struct snap *snap_new(enum board_slot slot, size_t doc_max)
{
    struct snap *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->refs = 1;
    s->slot = slot;
    for (int i = 0; i < SNAP_MAX_DOCS; i++)
        buf_init(&s->doc[i], doc_max);
    return s;
}

void snap_free(struct snap *s)
{
    if (!s)
        return;
    for (int i = 0; i < SNAP_MAX_DOCS; i++)
        buf_release(&s->doc[i]);
    free(s);
}

void snap_ref(struct snap *s)
{
    s->refs++;
}

void snap_unref(struct snap *s)
{
    if (s && --s->refs <= 0)
        snap_free(s);
}

void board_init(struct board *b)
{
    for (int i = 0; i < BOARD_NSLOTS; i++) {
        atomic_init(&b->mailbox[i], NULL);
        atomic_init(&b->published[i], 0);
        b->current[i] = NULL;
    }
    b->wake = NULL;
    atomic_init(&b->wake_arg, NULL);
}

void board_release(struct board *b)
{
    for (int i = 0; i < BOARD_NSLOTS; i++) {
        snap_free(atomic_exchange(&b->mailbox[i], NULL));
        snap_unref(b->current[i]);
        b->current[i] = NULL;
    }
}

void board_set_wake(struct board *b, void (*wake)(void *), void *arg)
{
    b->wake = wake;
    atomic_store(&b->wake_arg, arg);
}

void board_publish(struct board *b, struct snap *s)
{
    if ((unsigned)s->slot >= BOARD_NSLOTS) {
        snap_free(s);
        return;
    }
    struct snap *old = atomic_exchange_explicit(&b->mailbox[s->slot], s, memory_order_acq_rel);
    /* The loop never saw `old`, so no reference to it exists anywhere. */
    snap_free(old);
    atomic_fetch_add_explicit(&b->published[s->slot], 1, memory_order_relaxed);
    void *arg = atomic_load(&b->wake_arg);
    if (b->wake)
        b->wake(arg);
}

unsigned board_collect(struct board *b)
{
    unsigned changed = 0;
    for (int i = 0; i < BOARD_NSLOTS; i++) {
        struct snap *s = atomic_exchange_explicit(&b->mailbox[i], NULL, memory_order_acq_rel);
        if (!s)
            continue;
        snap_unref(b->current[i]);
        b->current[i] = s;
        changed |= 1u << i;
    }
    return changed;
}

struct snap *board_get(struct board *b, enum board_slot slot)
{
    return (unsigned)slot < BOARD_NSLOTS ? b->current[slot] : NULL;
}
