/* window: bucketed sums with an injected clock, across minute, hour and day boundaries. */
#include <criterion/criterion.h>

#include "agents/window.h"
#include "core/err.h"
#include "core/fault.h"

#define MIN  60000LL
#define HOUR (60 * MIN)
/* 2026-01-01T10:00:00Z */
#define T10 1767261600000LL

Test(window, refuses_bad_shapes)
{
    struct window w;
    cr_assert_eq(window_init(&w, 0, 60, 1), -VIGIL_EINVAL);
    cr_assert_eq(window_init(&w, MIN, 0, 1), -VIGIL_EINVAL);
    cr_assert_eq(window_init(&w, MIN, 60, 0), -VIGIL_EINVAL);
    cr_assert_eq(window_init(&w, MIN, 60, WINDOW_MAX_VALS + 1), -VIGIL_EINVAL);
    fault_fail_alloc_after(1); /* the second of its two allocations */
    cr_assert_eq(window_init(&w, MIN, 60, 1), -VIGIL_ENOMEM);
    fault_fail_alloc_after(-1);
    window_release(&w);
}

Test(window, minute_boundary_splits_buckets)
{
    struct window w;
    cr_assert_eq(window_init(&w, MIN, 60, 1), 0);
    int64_t edge = T10 + 30 * MIN;                   /* 10:30:00.000 */
    cr_assert(window_add(&w, edge - 1, 0, 1));       /* 10:29:59.999 */
    cr_assert(window_add(&w, edge, 0, 10));          /* 10:30:00.000 */
    cr_assert(window_add(&w, edge + 59999, 0, 100)); /* 10:30:59.999, same bucket */
    cr_assert_eq(window_sum(&w, edge + 59999, 1, 0), 110);
    cr_assert_eq(window_sum(&w, edge + 59999, 2, 0), 111);
    cr_assert_eq(window_sum(&w, edge + MIN, 1, 0), 0); /* 10:31: a new, empty bucket */
    cr_assert_eq(window_sum(&w, edge + MIN, 2, 0), 110);
    window_release(&w);
}

/* "The last hour" is the current minute and the 59 before it. */
Test(window, hour_boundary_rolls_over)
{
    struct window w;
    cr_assert_eq(window_init(&w, MIN, 1440, 2), 0);
    int64_t eleven = T10 + HOUR;
    cr_assert(window_add(&w, eleven - 1, 0, 1)); /* 10:59:59.999 */
    cr_assert(window_add(&w, eleven, 0, 2));     /* 11:00:00.000 */
    cr_assert(window_add(&w, eleven, 1, 5));

    cr_assert_eq(window_sum(&w, eleven, 60, 0), 3);
    cr_assert_eq(window_sum(&w, eleven + HOUR - 60001, 60, 0), 3); /* 11:58:59.999 */
    cr_assert_eq(window_sum(&w, eleven + HOUR - 1, 60, 0), 2);     /* 11:59:59.999 */
    cr_assert_eq(window_sum(&w, eleven + HOUR, 60, 0), 0);         /* 12:00:00.000 */
    /* ... and the day window still has both */
    cr_assert_eq(window_sum(&w, eleven + HOUR, 1440, 0), 3);
    double sums[2];
    window_sums(&w, eleven + HOUR - 1, 60, sums);
    cr_assert_eq(sums[0], 2);
    cr_assert_eq(sums[1], 5);
    window_release(&w);
}

Test(window, day_window_forgets_after_24h)
{
    struct window w;
    cr_assert_eq(window_init(&w, MIN, 1440, 1), 0);
    for (int m = 0; m < 1440; m++)
        cr_assert(window_add(&w, T10 + m * MIN, 0, 1));
    cr_assert_eq(window_sum(&w, T10 + 1439 * MIN, 1440, 0), 1440);
    cr_assert_eq(window_sum(&w, T10 + 1439 * MIN, 60, 0), 60);
    cr_assert_eq(window_sum(&w, T10 + 1440 * MIN, 1440, 0), 1439);
    cr_assert_eq(window_sum(&w, T10 + 2878 * MIN, 1440, 0), 1);
    cr_assert_eq(window_sum(&w, T10 + 2879 * MIN, 1440, 0), 0);
    window_release(&w);
}

Test(window, reused_bucket_is_reset_and_late_adds_are_dropped)
{
    struct window w;
    cr_assert_eq(window_init(&w, MIN, 60, 1), 0);
    cr_assert(window_add(&w, T10, 0, 7));
    /* An hour later the same slot serves 11:00: the 10:00 sum must not leak into it. */
    cr_assert(window_add(&w, T10 + HOUR, 0, 1));
    cr_assert_eq(window_sum(&w, T10 + HOUR, 60, 0), 1);
    /* A late add for 10:00 no longer has a bucket. */
    cr_assert_not(window_add(&w, T10, 0, 100));
    cr_assert_eq(window_sum(&w, T10 + HOUR, 60, 0), 1);
    /* Out-of-order adds within the window still land. */
    cr_assert(window_add(&w, T10 + HOUR - 5 * MIN, 0, 4));
    cr_assert_eq(window_sum(&w, T10 + HOUR, 60, 0), 5);
    window_release(&w);
}

Test(window, quiet_gap_needs_no_work)
{
    struct window w;
    cr_assert_eq(window_init(&w, 1000, 60, 1), 0);
    cr_assert(window_add(&w, T10, 0, 42));
    cr_assert_eq(window_sum(&w, T10 + 59999, 60, 0), 42);
    cr_assert_eq(window_sum(&w, T10 + 60000, 60, 0), 0);
    cr_assert_eq(window_sum(&w, T10 + 100 * HOUR, 60, 0), 0);
    window_release(&w);
}

Test(window, out_of_range_reads)
{
    struct window w;
    cr_assert_eq(window_init(&w, 5000, 60, 2), 0);
    cr_assert(window_add(&w, T10, 1, 3));
    cr_assert_not(window_add(&w, T10, 2, 3)); /* no third sum */
    cr_assert_eq(window_sum(&w, T10, 60, 2), 0);
    cr_assert_eq(window_sum(&w, T10, 1000, 1), 3); /* clamped to 60 buckets */
    /* Times before 1970 are periods like any other. */
    cr_assert(window_add(&w, -1, 0, 1));
    cr_assert(window_add(&w, -5000, 0, 1));
    cr_assert(window_add(&w, -5001, 0, 1));
    cr_assert_eq(window_sum(&w, -1, 1, 0), 2);
    cr_assert_eq(window_sum(&w, -1, 2, 0), 3);
    cr_assert_eq(window_sum(&w, INT64_MIN, 60, 0), 0);
    window_release(&w);
}
