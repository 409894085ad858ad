/* ring: bounds, eviction order (oldest first), newest-first reads, filtered walks. */
#include <criterion/criterion.h>
#include <string.h>

#include "agents/ring.h"
#include "core/err.h"
#include "core/fault.h"

struct rec {
    int n;
    int level;
};

static void push_n(struct ring *r, int from, int to)
{
    for (int i = from; i <= to; i++) {
        struct rec *x = ring_push(r);
        x->n = i;
        x->level = i % 3;
    }
}

Test(ring, refuses_empty_shapes)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 0, sizeof(struct rec)), -VIGIL_EINVAL);
    cr_assert_eq(ring_init(&r, 4, 0), -VIGIL_EINVAL);
    cr_assert_eq(ring_init(&r, SIZE_MAX / 2, 16), -VIGIL_EINVAL);
}

Test(ring, allocation_failure_is_reported)
{
    struct ring r;
    fault_fail_alloc_after(0);
    cr_assert_eq(ring_init(&r, 4, sizeof(struct rec)), -VIGIL_ENOMEM);
    fault_fail_alloc_after(-1);
    ring_release(&r);
}

Test(ring, empty_ring_reads_nothing)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 3, sizeof(struct rec)), 0);
    cr_assert_eq(ring_len(&r), 0);
    cr_assert_null(ring_at(&r, 0));
    cr_assert_eq(ring_walk(&r, 0, NULL, NULL, NULL), 0);
    ring_release(&r);
}

Test(ring, newest_first_below_capacity)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 5, sizeof(struct rec)), 0);
    push_n(&r, 1, 3);
    cr_assert_eq(ring_len(&r), 3);
    cr_assert_eq(((const struct rec *)ring_at(&r, 0))->n, 3);
    cr_assert_eq(((const struct rec *)ring_at(&r, 1))->n, 2);
    cr_assert_eq(((const struct rec *)ring_at(&r, 2))->n, 1);
    cr_assert_null(ring_at(&r, 3));
    cr_assert_eq(ring_evicted(&r), 0);
    ring_release(&r);
}

/* The model-call ring's size: 250 pushes keep 51..250, and the 50 oldest went first. */
Test(ring, evicts_oldest_first_at_200)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 200, sizeof(struct rec)), 0);
    push_n(&r, 1, 250);
    cr_assert_eq(ring_len(&r), 200);
    cr_assert_eq(r.pushed, 250);
    cr_assert_eq(ring_evicted(&r), 50);
    for (size_t i = 0; i < 200; i++)
        cr_assert_eq(((const struct rec *)ring_at(&r, i))->n, 250 - (int)i, "at %zu", i);
    cr_assert_null(ring_at(&r, 200));
    ring_release(&r);
}

Test(ring, event_ring_of_500_stays_bounded)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 500, sizeof(struct rec)), 0);
    push_n(&r, 1, 100000);
    cr_assert_eq(ring_len(&r), 500);
    cr_assert_eq(((const struct rec *)ring_at(&r, 0))->n, 100000);
    cr_assert_eq(((const struct rec *)ring_at(&r, 499))->n, 99501);
    ring_release(&r);
}

Test(ring, push_hands_out_a_zeroed_slot)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 2, sizeof(struct rec)), 0);
    push_n(&r, 7, 9); /* wraps: the slot of 7 is reused for 9 */
    struct rec *x = ring_push(&r);
    cr_assert_eq(x->n, 0);
    cr_assert_eq(x->level, 0);
    ring_release(&r);
}

static bool keep_level(const void *rec, void *arg)
{
    const int *min = arg;
    return ((const struct rec *)rec)->level >= *min;
}

struct seen {
    int min;
    int n[16];
    size_t count;
};

static bool keep_seen(const void *rec, void *arg)
{
    return keep_level(rec, &((struct seen *)arg)->min);
}

static void visit(const void *rec, void *arg)
{
    struct seen *s = arg;
    s->n[s->count++] = ((const struct rec *)rec)->n;
}

Test(ring, walk_filters_and_limits_newest_first)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 10, sizeof(struct rec)), 0);
    push_n(&r, 1, 14); /* holds 5..14; level = n % 3 */
    struct seen s = {.min = 2};
    /* level 2: 14, 11, 8, 5 -> the newest three */
    cr_assert_eq(ring_walk(&r, 3, keep_seen, visit, &s), 3);
    cr_assert_eq(s.n[0], 14);
    cr_assert_eq(s.n[1], 11);
    cr_assert_eq(s.n[2], 8);

    struct seen all = {.min = 2};
    cr_assert_eq(ring_walk(&r, 0, keep_seen, visit, &all), 4);
    cr_assert_eq(all.n[3], 5);

    struct seen none = {.min = 0};
    cr_assert_eq(ring_walk(&r, 0, NULL, visit, &none), 10);
    cr_assert_eq(none.n[0], 14);
    cr_assert_eq(none.n[9], 5);
    ring_release(&r);
}

Test(ring, clear_forgets_records_but_counts_pushes)
{
    struct ring r;
    cr_assert_eq(ring_init(&r, 4, sizeof(struct rec)), 0);
    push_n(&r, 1, 6);
    ring_clear(&r);
    cr_assert_eq(ring_len(&r), 0);
    cr_assert_null(ring_at(&r, 0));
    push_n(&r, 7, 7);
    cr_assert_eq(((const struct rec *)ring_at(&r, 0))->n, 7);
    cr_assert_eq(r.pushed, 7);
    ring_release(&r);
}
