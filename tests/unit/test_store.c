/* store: registration, ring order and bounds, range reads, patterns, concurrent reads. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>

#include "core/err.h"
#include "core/fault.h"
#include "store/store.h"

Test(store, registers_once_and_finds_by_name)
{
    struct store *s = store_new(4);
    int a = store_series(s, "cpu.overall_utilization", "percent", "all cores", 10);
    cr_assert_geq(a, 0);
    cr_assert_eq(store_series(s, "cpu.overall_utilization", "x", "y", 99), a);
    cr_assert_eq(store_count(s), 1);
    cr_assert_str_eq(store_unit(s, a), "percent");
    cr_assert_str_eq(store_help(s, a), "all cores");
    cr_assert_eq(store_find(s, "cpu.overall_utilization"), a);
    cr_assert_eq(store_find(s, "nope"), -VIGIL_ENOENT);
    cr_assert_null(store_name(s, 7));
    store_free(s);
}

Test(store, refuses_bad_names_and_a_full_table)
{
    struct store *s = store_new(2);
    cr_assert_eq(store_series(s, "", "", "", 1), -VIGIL_EINVAL);
    cr_assert_eq(store_series(s, "a..b", "", "", 1), -VIGIL_EINVAL);
    cr_assert_eq(store_series(s, ".a", "", "", 1), -VIGIL_EINVAL);
    cr_assert_eq(store_series(s, "a b", "", "", 1), -VIGIL_EINVAL);
    cr_assert_geq(store_series(s, "a", "", "", 1), 0);
    cr_assert_geq(store_series(s, "b", "", "", 1), 0);
    cr_assert_eq(store_series(s, "c", "", "", 1), -VIGIL_EFULL);
    store_free(s);
}

Test(store, ring_keeps_the_newest_in_order)
{
    struct store *s = store_new(1);
    int id = store_series(s, "x", "", "", 5);
    for (int i = 1; i <= 12; i++)
        store_push(s, id, i * 1000, i * 10.0);
    struct sample out[16];
    size_t n = store_read(s, id, 0, INT64_MAX, out, 16);
    cr_assert_eq(n, 5);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(out[i].ts_ms, (int64_t)(8 + i) * 1000);
        cr_assert_float_eq(out[i].value, (8 + i) * 10.0, 1e-9);
    }
    struct sample last;
    cr_assert(store_latest(s, id, &last));
    cr_assert_eq(last.ts_ms, 12000);
    store_free(s);
}

Test(store, range_reads_and_limits)
{
    struct store *s = store_new(1);
    int id = store_series(s, "x", "", "", 100);
    for (int i = 1; i <= 10; i++)
        store_push(s, id, i * 1000, i);
    struct sample out[3];
    /* four in range, room for three: the newest three, oldest first */
    cr_assert_eq(store_read(s, id, 3000, 6000, out, 3), 3);
    cr_assert_eq(out[0].ts_ms, 4000);
    cr_assert_eq(out[2].ts_ms, 6000);
    cr_assert_eq(store_read(s, id, 20000, 30000, out, 3), 0);
    cr_assert_eq(store_read(s, 99, 0, INT64_MAX, out, 3), 0);
    store_free(s);
}

Test(store, drops_samples_that_go_back_in_time)
{
    struct store *s = store_new(1);
    int id = store_series(s, "x", "", "", 10);
    store_push(s, id, 5000, 1);
    store_push(s, id, 4000, 2);
    store_push(s, id, 0, 3);
    struct sample out[4];
    cr_assert_eq(store_read(s, id, 0, INT64_MAX, out, 4), 1);
    cr_assert_float_eq(out[0].value, 1, 1e-9);
    store_free(s);
}

Test(store, patterns_match_whole_parts)
{
    cr_assert(series_match("cpu.*.utilization", "cpu.0.utilization"));
    cr_assert(series_match("cpu.*.utilization", "cpu.127.utilization"));
    cr_assert_not(series_match("cpu.*.utilization", "cpu.overall_utilization"));
    cr_assert_not(series_match("cpu.*", "cpu.0.utilization"));
    cr_assert(series_match("*", "anything.at.all"));
    cr_assert(series_match("disk.sda.read_rate_mbps", "disk.sda.read_rate_mbps"));
    cr_assert_not(series_match("disk.sda", "disk.sdab"));
    cr_assert_not(series_match("disk.sd*", "disk.sda"));
}

Test(store, allocation_failure_is_an_error_not_a_crash)
{
    struct store *s = store_new(4);
    for (long k = 0; k < 4; k++) {
        fault_fail_alloc_after(k);
        int id = store_series(s, "f", "u", "h", 10);
        fault_fail_alloc_after(-1);
        if (id >= 0) {
            store_push(s, id, 1, 1);
            break;
        }
        cr_assert_eq(id, -VIGIL_ENOMEM);
        cr_assert_eq(store_count(s), 0);
    }
    store_free(s);
    fault_fail_alloc_after(0);
    cr_assert_null(store_new(4));
    fault_fail_alloc_after(-1);
}

struct race {
    struct store *s;
    int id;
    atomic_bool done;
    atomic_long torn;
};

static void *reader(void *arg)
{
    struct race *r = arg;
    struct sample out[64];
    while (!atomic_load(&r->done)) {
        size_t n = store_read(r->s, r->id, 0, INT64_MAX, out, 64);
        for (size_t i = 0; i < n; i++) {
            /* the writer stores value = ts * 2: any mix of two samples breaks it */
            if (out[i].value != (double)out[i].ts_ms * 2)
                atomic_fetch_add(&r->torn, 1);
            if (i && out[i].ts_ms <= out[i - 1].ts_ms)
                atomic_fetch_add(&r->torn, 1);
        }
    }
    return NULL;
}

Test(store, readers_never_see_a_half_written_sample)
{
    struct race r = {.s = store_new(1)};
    r.id = store_series(r.s, "x", "", "", 16);
    atomic_init(&r.done, false);
    atomic_init(&r.torn, 0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, reader, &r);
    for (int64_t ts = 1; ts <= 200000; ts++)
        store_push(r.s, r.id, ts, (double)ts * 2);
    atomic_store(&r.done, true);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(atomic_load(&r.torn), 0);
    store_free(r.s);
}
