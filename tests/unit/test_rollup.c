/* rollup: periods on the epoch grid, min/mean/max/count, merges, and which periods are due
 * at a given time (an injected clock). */
#include <criterion/criterion.h>
#include <math.h>

#include "persist/rollup.h"

#define SEC 1000LL
#define MIN (60 * SEC)
/* 2026-01-01T10:00:00Z */
#define T10 1767261600000LL

Test(rollup, periods_sit_on_the_epoch_grid)
{
    cr_assert_eq(rollup_floor(T10 + 59999, MIN), T10);
    cr_assert_eq(rollup_floor(T10 + 60000, MIN), T10 + MIN);
    cr_assert_eq(rollup_floor(T10, MIN), T10);
    cr_assert_eq(rollup_ceil(T10, MIN), T10);
    cr_assert_eq(rollup_ceil(T10 + 1, MIN), T10 + MIN);
    /* before the epoch, floor still rounds down */
    cr_assert_eq(rollup_floor(-1, 10), -10);
    cr_assert_eq(rollup_floor(-10, 10), -10);
    cr_assert_eq(rollup_ceil(-1, 10), 0);
}

Test(rollup, min_mean_max_count)
{
    struct rollup r;
    rollup_init(&r, T10);
    cr_assert_eq(r.n, 0);
    double v[] = {3, 1, 4, 1, 5, 9, 2, 6};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        rollup_add(&r, v[i]);
    cr_assert_eq(r.n, 8);
    cr_assert_eq(r.min, 1);
    cr_assert_eq(r.max, 9);
    cr_assert_float_eq(r.avg, 31.0 / 8, 1e-12);
    cr_assert_eq(r.ts_ms, T10);
}

Test(rollup, nan_and_infinities_are_left_out)
{
    struct rollup r;
    rollup_init(&r, 0);
    rollup_add(&r, NAN);
    rollup_add(&r, INFINITY);
    cr_assert_eq(r.n, 0);
    rollup_add(&r, -2);
    rollup_add(&r, -INFINITY);
    rollup_add(&r, 4);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.min, -2);
    cr_assert_eq(r.max, 4);
    cr_assert_float_eq(r.avg, 1, 1e-12);
}

Test(rollup, samples_are_taken_from_the_half_open_period)
{
    struct sample s[] = {
        {T10 - 1, 100},       /* the period before */
        {T10, 1},             /* the first millisecond: in */
        {T10 + 30 * SEC, 2},  /* in */
        {T10 + MIN - 1, 3},   /* the last millisecond: in */
        {T10 + MIN, 100},     /* the next period */
        {T10 + 40 * SEC, NAN} /* in range but not a number */
    };
    struct rollup r;
    rollup_init(&r, T10);
    cr_assert_eq(rollup_add_samples(&r, s, 6, T10, T10 + MIN), 3);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.min, 1);
    cr_assert_eq(r.max, 3);
    cr_assert_float_eq(r.avg, 2, 1e-12);
}

Test(rollup, merging_weights_by_count)
{
    /* a period cut by a restart: 30 samples of 10 before, 10 samples of 50 after */
    struct rollup a, b, all;
    rollup_init(&a, T10);
    rollup_init(&b, T10 + 5); /* b's stamp does not matter: a keeps its own */
    rollup_init(&all, T10);
    for (int i = 0; i < 30; i++) {
        rollup_add(&a, 10);
        rollup_add(&all, 10);
    }
    for (int i = 0; i < 10; i++) {
        rollup_add(&b, 50);
        rollup_add(&all, 50);
    }
    rollup_merge(&a, &b);
    cr_assert_eq(a.ts_ms, T10);
    cr_assert_eq(a.n, 40);
    cr_assert_eq(a.min, 10);
    cr_assert_eq(a.max, 50);
    cr_assert_float_eq(a.avg, 20, 1e-12);
    cr_assert_float_eq(a.avg, all.avg, 1e-12);

    /* merging an empty one changes nothing; merging into an empty one copies */
    struct rollup e;
    rollup_init(&e, T10 + MIN);
    rollup_merge(&a, &e);
    cr_assert_eq(a.n, 40);
    rollup_merge(&e, &a);
    cr_assert_eq(e.n, 40);
    cr_assert_eq(e.ts_ms, T10 + MIN);
    cr_assert_float_eq(e.avg, 20, 1e-12);
}

Test(rollup, sixty_minutes_merge_into_the_hour)
{
    struct rollup hour, minute;
    rollup_init(&hour, T10);
    double sum = 0;
    int n = 0;
    for (int m = 0; m < 60; m++) {
        rollup_init(&minute, T10 + m * MIN);
        for (int k = 0; k <= m % 7; k++) { /* uneven counts */
            double v = m * 1.5 + k;
            rollup_add(&minute, v);
            sum += v;
            n++;
        }
        rollup_merge(&hour, &minute);
    }
    cr_assert_eq(hour.n, (uint64_t)n);
    cr_assert_float_eq(hour.avg, sum / n, 1e-9);
    cr_assert_eq(hour.min, 0);
}

Test(rollup, due_periods_follow_the_clock)
{
    int64_t first, end;
    int64_t grace = 2 * SEC, oldest = T10 - 3600 * SEC;
    /* 10:00:30: the 10:00 period is not over */
    cr_assert_eq(rollup_due(T10, T10 + 30 * SEC, MIN, grace, oldest, &first, &end), 0);
    /* 10:01:01: over, but within the grace for samples stamped late */
    cr_assert_eq(rollup_due(T10, T10 + MIN + SEC, MIN, grace, oldest, &first, &end), 0);
    /* 10:01:02: due */
    cr_assert_eq(rollup_due(T10, T10 + MIN + grace, MIN, grace, oldest, &first, &end), 1);
    cr_assert_eq(first, T10);
    cr_assert_eq(end, T10 + MIN);
    /* the writer was held up for five minutes: five are due at once */
    cr_assert_eq(rollup_due(T10, T10 + 5 * MIN + grace, MIN, grace, oldest, &first, &end), 5);
    cr_assert_eq(end, T10 + 5 * MIN);
    /* an outage longer than memory: periods memory no longer holds are skipped */
    oldest = T10 + 90 * MIN + 30 * SEC;
    cr_assert_eq(rollup_due(T10, T10 + 120 * MIN + grace, MIN, grace, oldest, &first, &end), 30);
    cr_assert_eq(first, T10 + 90 * MIN);
    cr_assert_eq(end, T10 + 120 * MIN);
}

Test(rollup, second_periods_for_tests)
{
    int64_t first, end;
    cr_assert_eq(rollup_due(T10, T10 + 3 * SEC + 500, SEC, 500, 0, &first, &end), 3);
    cr_assert_eq(first, T10);
    cr_assert_eq(end, T10 + 3 * SEC);
}
