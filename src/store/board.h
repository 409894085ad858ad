/*
 * board: how producer threads hand finished documents to the event loop.
 *
 * A producer (the host sampler, later the GPU poller, the scraper...) builds a snap: an
 * immutable set of encoded documents (JSON fragments, Prometheus text). It publishes it
 * into its slot's mailbox with one atomic exchange and wakes the loop; a snap the loop had
 * not picked up yet is replaced and freed by the producer. The loop thread alone moves
 * mailboxes to `current`, hands snaps to responses with snap_ref(), and frees them when the
 * last reference goes. So producers never wait for readers, readers never see a snap
 * change under them, and the refcount needs no atomics: only the loop touches it.
 */
#ifndef VIGIL_BOARD_H
#define VIGIL_BOARD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum board_slot {
    BOARD_HOST,
    BOARD_GPU,
    BOARD_INFERENCE,
    BOARD_CLUSTER,
    BOARD_AGENTS,
    BOARD_ALERTS,
    BOARD_NSLOTS
};

#define SNAP_MAX_DOCS     12
#define SNAP_CHANNEL_NAME 64

/* One live-stream channel's payload ("system/cpu" -> {...}), encoded once by the producer
 * and sent as is to every subscriber. */
struct snap_channel {
    char name[SNAP_CHANNEL_NAME];
    struct buf data; /* one JSON value */
};

struct snap {
    int refs; /* loop thread only */
    enum board_slot slot;
    uint64_t seq;                  /* producer's counter, 1 for the first */
    int64_t ts_ms;                 /* when the data was read, unix ms */
    struct buf doc[SNAP_MAX_DOCS]; /* meaning of each index is the producer's (see its header) */
    struct snap_channel *chan;     /* owned; n_chan entries, in the producer's order */
    unsigned n_chan, cap_chan;
    size_t doc_max;
};

/* Returns a new snap with one reference and empty documents capped at doc_max bytes each,
 * or NULL. */
struct snap *snap_new(enum board_slot slot, size_t doc_max);
/* Adds a channel called name and returns its empty payload buffer (capped like the docs),
 * or NULL when out of memory or the name is too long. Producer side, before publishing. */
struct buf *snap_add_channel(struct snap *s, const char *name);
/* The payload of channel i, or NULL. */
const struct buf *snap_channel_data(const struct snap *s, unsigned i);
void snap_ref(struct snap *s);   /* loop thread only */
void snap_unref(struct snap *s); /* loop thread only; frees at zero */
/* Frees a snap that was never published (producer side). */
void snap_free(struct snap *s);

struct board {
    _Atomic(struct snap *) mailbox[BOARD_NSLOTS];
    struct snap *current[BOARD_NSLOTS]; /* loop thread only */
    _Atomic uint64_t published[BOARD_NSLOTS];
    void (*wake)(void *arg); /* called after each publish, from the producer's thread */
    _Atomic(void *) wake_arg;
};

void board_init(struct board *b);
/* Frees every snap. No producer may be running. */
void board_release(struct board *b);
/* Sets the function that wakes the loop (lws_cancel_service in the daemon). */
void board_set_wake(struct board *b, void (*wake)(void *), void *arg);

/* Any thread: takes ownership of s and makes it the slot's newest snap. */
void board_publish(struct board *b, struct snap *s);

/* Loop thread: moves newly published snaps to current. Returns a bit mask of the slots
 * that changed (1u << slot). */
unsigned board_collect(struct board *b);
/* Loop thread: the slot's current snap, borrowed (snap_ref() it to keep it), or NULL. */
struct snap *board_get(struct board *b, enum board_slot slot);

#endif
