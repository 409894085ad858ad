/* board: the newest snap wins, unpicked snaps are freed, references keep a snap alive. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "store/board.h"

static int wakes;
static void count_wake(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&wakes, 1, __ATOMIC_RELAXED);
}

static struct snap *make(enum board_slot slot, uint64_t seq)
{
    struct snap *s = snap_new(slot, 1024);
    cr_assert_not_null(s);
    s->seq = seq;
    buf_printf(&s->doc[0], "seq %llu", (unsigned long long)seq);
    return s;
}

Test(board, newest_snap_wins_and_wakes_the_loop)
{
    struct board b;
    board_init(&b);
    wakes = 0;
    board_set_wake(&b, count_wake, NULL);
    cr_assert_eq(board_collect(&b), 0);
    board_publish(&b, make(BOARD_HOST, 1));
    board_publish(&b, make(BOARD_HOST, 2)); /* replaces 1, which is freed (ASan checks) */
    cr_assert_eq(wakes, 2);
    cr_assert_eq(board_collect(&b), 1u << BOARD_HOST);
    cr_assert_eq(board_get(&b, BOARD_HOST)->seq, 2);
    cr_assert_null(board_get(&b, BOARD_GPU));
    cr_assert_eq(board_collect(&b), 0);
    board_release(&b);
}

Test(board, a_reference_outlives_replacement)
{
    struct board b;
    board_init(&b);
    board_publish(&b, make(BOARD_HOST, 1));
    board_collect(&b);
    struct snap *held = board_get(&b, BOARD_HOST);
    snap_ref(held);
    board_publish(&b, make(BOARD_HOST, 2));
    board_collect(&b);
    cr_assert_str_eq(held->doc[0].data, "seq 1"); /* still valid */
    snap_unref(held);
    cr_assert_eq(board_get(&b, BOARD_HOST)->seq, 2);
    board_release(&b);
}

struct producer {
    struct board *b;
    enum board_slot slot;
};

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (uint64_t i = 1; i <= 2000; i++)
        board_publish(p->b, make(p->slot, i));
    return NULL;
}

Test(board, producers_on_threads_and_the_loop_agree)
{
    struct board b;
    board_init(&b);
    struct producer ps[2] = {{&b, BOARD_HOST}, {&b, BOARD_GPU}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, produce, &ps[i]);
    uint64_t last[2] = {0, 0};
    for (int k = 0; k < 20000; k++) {
        board_collect(&b);
        for (int i = 0; i < 2; i++) {
            struct snap *s = board_get(&b, ps[i].slot);
            if (s) {
                cr_assert_geq(s->seq, last[i]); /* never goes back */
                last[i] = s->seq;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    board_collect(&b);
    cr_assert_eq(board_get(&b, BOARD_HOST)->seq, 2000);
    cr_assert_eq(board_get(&b, BOARD_GPU)->seq, 2000);
    board_release(&b);
}

Test(board, channels_belong_to_the_snap)
{
    struct snap *s = snap_new(BOARD_HOST, 64);
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "system/gpu/%d", i);
        struct buf *b = snap_add_channel(s, name);
        cr_assert_not_null(b);
        buf_printf(b, "{\"i\":%d}", i);
    }
    cr_assert_eq(s->n_chan, 20);
    cr_assert_str_eq(s->chan[19].name, "system/gpu/19");
    cr_assert_str_eq(snap_channel_data(s, 7)->data, "{\"i\":7}");
    cr_assert_null(snap_channel_data(s, 20));
    char longname[SNAP_CHANNEL_NAME + 1];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cr_assert_null(snap_add_channel(s, longname));
    snap_free(s); /* ASan checks that every channel buffer goes with it */
}
