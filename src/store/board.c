/* board: single-slot mailboxes from producer threads to the loop (see board.h). */
#include "store/board.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

struct snap *snap_new(enum board_slot slot, size_t doc_max)
{
    struct snap *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->refs = 1;
    s->slot = slot;
    s->doc_max = doc_max;
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
    for (unsigned i = 0; i < s->n_chan; i++)
        buf_release(&s->chan[i].data);
    free(s->chan);
    free(s);
}

struct buf *snap_add_channel(struct snap *s, const char *name)
{
    if (strlen(name) >= SNAP_CHANNEL_NAME)
        return NULL;
    if (s->n_chan == s->cap_chan) {
        unsigned cap = s->cap_chan ? s->cap_chan * 2 : 8;
        struct snap_channel *c = vigil_realloc(s->chan, cap * sizeof *c);
        if (!c)
            return NULL;
        s->chan = c;
        s->cap_chan = cap;
    }
    struct snap_channel *c = &s->chan[s->n_chan++];
    snprintf(c->name, sizeof c->name, "%s", name);
    buf_init(&c->data, s->doc_max);
    return &c->data;
}

const struct buf *snap_channel_data(const struct snap *s, unsigned i)
{
    return s && i < s->n_chan ? &s->chan[i].data : NULL;
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
