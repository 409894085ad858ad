/* test_rate: the guards every counter rate in vigil relies on. */
#include <criterion/criterion.h>

#include "collect/rate.h"

#define SEC 1000000000LL

Test(rate, first_reading_gives_none)
{
    struct rate r;
    double v = -1;
    rate_init(&r);
    cr_assert_not(rate_update(&r, 1000, 5 * SEC, &v));
    cr_assert_eq(v, -1, "the output must be left alone without a rate");
}

Test(rate, steady_counter_gives_exact_rate)
{
    struct rate r;
    double v;
    rate_init(&r);
    rate_update(&r, 1000, 1 * SEC, &v);
    cr_assert(rate_update(&r, 5000, 3 * SEC, &v));
    cr_assert_float_eq(v, 2000.0, 1e-9);
    cr_assert(rate_update(&r, 5000 + 750, 3 * SEC + SEC / 2, &v));
    cr_assert_float_eq(v, 1500.0, 1e-9);
}

Test(rate, zero_elapsed_keeps_last_value)
{
    struct rate r;
    double v;
    rate_init(&r);
    rate_update(&r, 0, SEC, &v);
    rate_update(&r, 300, 2 * SEC, &v);
    cr_assert_float_eq(v, 300.0, 1e-9);
    v = -1;
    cr_assert(rate_update(&r, 900000, 2 * SEC, &v));
    cr_assert_float_eq(v, 300.0, 1e-9, "elapsed 0 must repeat the last rate, got %f", v);
    /* The base stayed at (300, 2 s): the next interval is measured from there. */
    cr_assert(rate_update(&r, 500, 4 * SEC, &v));
    cr_assert_float_eq(v, 100.0, 1e-9);
}

Test(rate, zero_elapsed_before_any_rate_gives_none)
{
    struct rate r;
    double v = -1;
    rate_init(&r);
    rate_update(&r, 10, SEC, &v);
    cr_assert_not(rate_update(&r, 20, SEC, &v));
    cr_assert_eq(v, -1);
}

Test(rate, clock_going_backwards_keeps_last_value)
{
    struct rate r;
    double v;
    rate_init(&r);
    rate_update(&r, 0, 10 * SEC, &v);
    rate_update(&r, 1000, 11 * SEC, &v);
    cr_assert(rate_update(&r, 2000, 9 * SEC, &v));
    cr_assert_float_eq(v, 1000.0, 1e-9);
}

Test(rate, backwards_counter_gives_zero_then_normal_rate)
{
    struct rate r;
    double v;
    rate_init(&r);
    rate_update(&r, UINT64_C(4294967000), SEC, &v);
    cr_assert(rate_update(&r, UINT64_C(4294967200), 2 * SEC, &v));
    cr_assert_float_eq(v, 200.0, 1e-9);
    /* Wrapped at 2^32: never negative, never 2^64-sized. */
    cr_assert(rate_update(&r, 100, 3 * SEC, &v));
    cr_assert_eq(v, 0.0);
    cr_assert(rate_update(&r, 100 + 4096, 5 * SEC, &v));
    cr_assert_float_eq(v, 2048.0, 1e-9);
}

Test(rate, huge_counters_do_not_lose_the_delta)
{
    struct rate r;
    double v;
    rate_init(&r);
    rate_update(&r, UINT64_MAX - 4096, SEC, &v);
    cr_assert(rate_update(&r, UINT64_MAX, 2 * SEC, &v));
    cr_assert_float_eq(v, 4096.0, 1e-9);
}
