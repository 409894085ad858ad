/* requests: in-flight requests, their end, expiry, eviction and the /requests listing. */
#include <criterion/criterion.h>
#include <string.h>

#include "agents/requests.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"

#define MIN 60000LL
#define T0  1767261600000LL /* 2026-01-01T10:00:00Z */

Test(requests, start_and_end)
{
    struct requests r;
    struct request out;
    cr_assert_eq(requests_init(&r, 8), 0);
    cr_assert_eq(requests_start(&r, "r1", "s1", "ws", T0, T0), 0);
    cr_assert_eq(requests_count(&r), 1);
    cr_assert_eq(requests_end(&r, "r1", &out), 0);
    cr_assert_str_eq(out.id, "r1");
    cr_assert_str_eq(out.session_id, "s1");
    cr_assert_str_eq(out.channel, "ws");
    cr_assert_eq(out.started_ms, T0);
    cr_assert_eq(requests_end(&r, "r1", &out), -VIGIL_ENOENT);
    cr_assert_eq(requests_end(&r, "never", NULL), -VIGIL_ENOENT);
    cr_assert_eq(requests_count(&r), 0);
    cr_assert_eq(r.started, 1);
    cr_assert_eq(r.ended, 1);
    requests_release(&r);
}

Test(requests, restart_replaces_details)
{
    struct requests r;
    struct request out;
    cr_assert_eq(requests_init(&r, 8), 0);
    requests_start(&r, "r1", "s1", "ws", T0, T0);
    requests_start(&r, "r1", NULL, "http", T0 + 10, T0 + 10);
    cr_assert_eq(requests_count(&r), 1);
    cr_assert_eq(requests_end(&r, "r1", &out), 0);
    cr_assert_str_eq(out.session_id, "");
    cr_assert_str_eq(out.channel, "http");
    cr_assert_eq(out.started_ms, T0 + 10);
    requests_release(&r);
}

Test(requests, expire_and_evict)
{
    struct requests r;
    cr_assert_eq(requests_init(&r, 2), 0);
    requests_start(&r, "r1", NULL, NULL, T0, T0);
    requests_start(&r, "r2", NULL, NULL, T0 + MIN, T0 + MIN);
    requests_start(&r, "r3", NULL, NULL, T0 + 2 * MIN, T0 + 2 * MIN); /* evicts r1 */
    cr_assert_eq(r.evicted, 1);
    cr_assert_eq(requests_end(&r, "r1", NULL), -VIGIL_ENOENT);
    cr_assert_eq(requests_expire(&r, T0 + 31 * MIN - 1, 30 * MIN), 0);
    cr_assert_eq(requests_expire(&r, T0 + 31 * MIN, 30 * MIN), 1);
    cr_assert_eq(requests_expire(&r, T0 + 32 * MIN, 30 * MIN), 1);
    cr_assert_eq(requests_count(&r), 0);
    cr_assert_eq(r.expired, 2);
    requests_release(&r);
}

Test(requests, listing_oldest_first_with_durations)
{
    struct requests r;
    struct buf b;
    struct jsonw w;
    cr_assert_eq(requests_init(&r, 8), 0);
    requests_start(&r, "r1", "s1", "ws", T0, T0);
    requests_start(&r, "r2", NULL, NULL, T0 + 1500, T0 + 1500);
    buf_init(&b, 1 << 16);
    jw_init(&w, &b);
    requests_encode(&r, T0 + 4000, &w);
    cr_assert_eq(w.err, 0);
    cr_assert_str_eq(b.data, "[{\"id\":\"r1\",\"session_id\":\"s1\",\"channel\":\"ws\","
                             "\"started_at\":\"2026-01-01T10:00:00.000Z\",\"started_at_ms\":"
                             "1767261600000,\"duration_ms\":4000},"
                             "{\"id\":\"r2\",\"session_id\":null,\"channel\":null,"
                             "\"started_at\":\"2026-01-01T10:00:01.500Z\",\"started_at_ms\":"
                             "1767261601500,\"duration_ms\":2500}]");
    /* A start stamped in the future by a skewed clock never shows a negative duration. */
    buf_reset(&b);
    jw_init(&w, &b);
    requests_encode(&r, T0 + 1000, &w);
    cr_assert(strstr(b.data, "\"duration_ms\":0}") != NULL);
    buf_release(&b);
    requests_release(&r);
}
