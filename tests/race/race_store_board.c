/* Store rings and board mailboxes with a writer, readers and the loop on real threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "race.h"
#include "store/board.h"
#include "store/store.h"

struct shared {
    struct store *store;
    struct board board;
    int id;
    atomic_bool done;
};

static void *writer(void *arg)
{
    struct shared *s = arg;
    for (int64_t ts = 1; ts <= 100000; ts++) {
        store_push(s->store, s->id, ts, (double)ts * 2);
        if (ts % 100 == 0) {
            struct snap *snap = snap_new(BOARD_HOST, 256);
            RACE_CHECK(snap);
            snap->seq = (uint64_t)ts;
            buf_printf(&snap->doc[0], "%lld", (long long)ts);
            board_publish(&s->board, snap);
        }
        if (ts % 1000 == 0) {
            char name[32];
            snprintf(name, sizeof name, "late.%lld", (long long)ts);
            RACE_CHECK(store_series(s->store, name, "", "", 8) >= 0);
        }
    }
    atomic_store(&s->done, true);
    return NULL;
}

static void *reader(void *arg)
{
    struct shared *s = arg;
    struct sample out[64];
    while (!atomic_load(&s->done)) {
        size_t n = store_read(s->store, s->id, 0, INT64_MAX, out, 64);
        for (size_t i = 0; i < n; i++)
            RACE_CHECK(out[i].value == (double)out[i].ts_ms * 2);
        size_t count = store_count(s->store);
        for (size_t i = 0; i < count; i++)
            RACE_CHECK(store_name(s->store, (int)i) != NULL);
    }
    return NULL;
}

int main(void)
{
    struct shared s;
    s.store = store_new(256);
    board_init(&s.board);
    s.id = store_series(s.store, "x", "", "", 32);
    atomic_init(&s.done, false);
    pthread_t w, r;
    pthread_create(&w, NULL, writer, &s);
    pthread_create(&r, NULL, reader, &s);
    uint64_t last = 0;
    while (!atomic_load(&s.done)) {
        board_collect(&s.board);
        struct snap *snap = board_get(&s.board, BOARD_HOST);
        if (snap) {
            RACE_CHECK(snap->seq >= last);
            RACE_CHECK(snap->doc[0].data != NULL);
            last = snap->seq;
        }
    }
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    board_release(&s.board);
    store_free(s.store);
    printf("race_store_board: ok\n");
    return 0;
}
