/* The sampler thread on the real /proc while this thread reads the store and the board,
 * as the event loop does; then a clean stop. */
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "collect/sampler.h"
#include "race.h"

static void woke(void *arg)
{
    atomic_fetch_add((_Atomic int *)arg, 1);
}

int main(void)
{
    _Atomic int wakes = 0;
    struct store *store = store_new(512);
    struct board board;
    board_init(&board);
    board_set_wake(&board, woke, (void *)&wakes);
    struct sampler_opts o = {
        .env = {.procfs = "/proc", .sysfs = "/sys"}, .interval_ms = 10, .history_ms = 1000};
    struct sampler *s = sampler_new(&o, store, &board);
    RACE_CHECK(s);
    RACE_CHECK(sampler_start(s) == 0);
    struct sample out[128];
    uint64_t last = 0;
    while (sampler_cycles(s) < 30) {
        board_collect(&board);
        struct snap *snap = board_get(&board, BOARD_HOST);
        if (snap) {
            RACE_CHECK(snap->seq >= last);
            last = snap->seq;
            RACE_CHECK(snap->n_chan == HOST_NCHAN && snap->chan[HOST_CHAN_CPU].data.len > 0);
        }
        int id = store_find(store, "cpu.overall_utilization");
        if (id >= 0)
            store_read(store, id, 0, INT64_MAX, out, 128);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    sampler_stop(s);
    sampler_free(s);
    RACE_CHECK(atomic_load(&wakes) >= 30);
    board_release(&board);
    store_free(store);
    printf("race_sampler: ok\n");
    return 0;
}
