/* sessions: start, end, ages, expiry after idle time and eviction when full. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "agents/sessions.h"
#include "agents/text.h"
#include "core/err.h"

#define MIN 60000LL
#define T0  1767261600000LL

Test(sessions, start_end_and_counts)
{
    struct sessions s;
    cr_assert_eq(sessions_init(&s, 16), 0);
    cr_assert_eq(sessions_start(&s, "s1", "planner", "alpha", T0, T0), 0);
    cr_assert_eq(sessions_start(&s, "s2", NULL, NULL, T0 + 1000, T0 + 1000), 0);
    cr_assert_eq(sessions_count(&s), 2);
    const struct session *se = sessions_find(&s, "s1");
    cr_assert_not_null(se);
    cr_assert_str_eq(se->agent, "planner");
    cr_assert_str_eq(se->project, "alpha");
    cr_assert_str_eq(sessions_find(&s, "s2")->agent, "");
    cr_assert_eq(sessions_end(&s, "s1"), 0);
    cr_assert_eq(sessions_end(&s, "s1"), -VIGIL_ENOENT);
    cr_assert_eq(sessions_count(&s), 1);
    cr_assert_eq(s.started, 2);
    cr_assert_eq(s.ended, 1);
    sessions_release(&s);
}

Test(sessions, retried_start_keeps_age_and_updates_names)
{
    struct sessions s;
    cr_assert_eq(sessions_init(&s, 4), 0);
    cr_assert_eq(sessions_start(&s, "s1", "planner", NULL, T0, T0), 0);
    cr_assert_eq(sessions_start(&s, "s1", "coder", "beta", T0 + 5000, T0 + 5000), 0);
    const struct session *se = sessions_find(&s, "s1");
    cr_assert_eq(se->started_ms, T0);
    cr_assert_str_eq(se->agent, "coder");
    cr_assert_str_eq(se->project, "beta");
    cr_assert_eq(s.started, 1);
    sessions_release(&s);
}

Test(sessions, oldest_is_by_start_time)
{
    struct sessions s;
    int64_t t;
    cr_assert_eq(sessions_init(&s, 4), 0);
    cr_assert_not(sessions_oldest_start(&s, &t));
    /* Heard of in one order, started (by the agents' clocks) in another. */
    sessions_start(&s, "late", NULL, NULL, T0 + 9000, T0 + 9000);
    sessions_start(&s, "early", NULL, NULL, T0 + 1000, T0 + 9500);
    cr_assert(sessions_oldest_start(&s, &t));
    cr_assert_eq(t, T0 + 1000);
    sessions_end(&s, "early");
    cr_assert(sessions_oldest_start(&s, &t));
    cr_assert_eq(t, T0 + 9000);
    sessions_release(&s);
}

/* Default idle time, 30 minutes: activity postpones expiry; exactly 30 idle minutes expire. */
Test(sessions, expire_after_idle_time)
{
    struct sessions s;
    int64_t idle = 30 * MIN;
    cr_assert_eq(sessions_init(&s, 8), 0);
    sessions_start(&s, "a", NULL, NULL, T0, T0);
    sessions_start(&s, "b", NULL, NULL, T0, T0);
    cr_assert(sessions_touch(&s, "a", T0 + 20 * MIN));
    cr_assert_not(sessions_touch(&s, "nope", T0 + 20 * MIN));
    cr_assert_eq(sessions_expire(&s, T0 + 30 * MIN - 1, idle), 0);
    cr_assert_eq(sessions_expire(&s, T0 + 30 * MIN, idle), 1);
    cr_assert_null(sessions_find(&s, "b"));
    cr_assert_not_null(sessions_find(&s, "a"));
    cr_assert_eq(sessions_expire(&s, T0 + 49 * MIN, idle), 0);
    cr_assert_eq(sessions_expire(&s, T0 + 50 * MIN, idle), 1);
    cr_assert_eq(sessions_count(&s), 0);
    cr_assert_eq(s.expired, 2);
    cr_assert_eq(s.evicted, 0);
    sessions_release(&s);
}

Test(sessions, full_table_evicts_the_longest_idle)
{
    struct sessions s;
    cr_assert_eq(sessions_init(&s, 3), 0);
    sessions_start(&s, "s1", NULL, NULL, T0, T0);
    sessions_start(&s, "s2", NULL, NULL, T0 + 1, T0 + 1);
    sessions_start(&s, "s3", NULL, NULL, T0 + 2, T0 + 2);
    sessions_touch(&s, "s1", T0 + 3);
    cr_assert_eq(sessions_start(&s, "s4", NULL, NULL, T0 + 4, T0 + 4), 0);
    cr_assert_eq(sessions_count(&s), 3);
    cr_assert_null(sessions_find(&s, "s2"));
    cr_assert_not_null(sessions_find(&s, "s1"));
    cr_assert_not_null(sessions_find(&s, "s4"));
    cr_assert_eq(s.evicted, 1);
    /* A flood of new sessions keeps the table at its bound. */
    char id[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "f%d", i);
        cr_assert_eq(sessions_start(&s, id, NULL, NULL, T0 + 10 + i, T0 + 10 + i), 0);
    }
    cr_assert_eq(sessions_count(&s), 3);
    cr_assert_eq(s.evicted, 1001);
    cr_assert_not_null(sessions_find(&s, "f999"));
    sessions_release(&s);
}

Test(sessions, long_ids_are_refused_and_long_names_cut_whole)
{
    struct sessions s;
    cr_assert_eq(sessions_init(&s, 2), 0);
    char id[SESSION_KEY_SIZE + 1];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    cr_assert_eq(sessions_start(&s, id, NULL, NULL, T0, T0), -VIGIL_E2BIG);
    cr_assert_eq(sessions_count(&s), 0);
    /* 100 two-byte characters: 200 bytes, cut at 128 bytes = 64 whole characters. */
    char agent[201];
    for (int i = 0; i < 100; i++)
        memcpy(agent + 2 * i, "\xc3\xa9", 2);
    agent[200] = '\0';
    cr_assert_eq(sessions_start(&s, "s", agent, NULL, T0, T0), 0);
    cr_assert_eq(strlen(sessions_find(&s, "s")->agent), 128);
    sessions_release(&s);
}

Test(text, copies_cut_at_character_boundaries)
{
    char out[4];
    cr_assert_str_eq(text_copy(out, sizeof out, "ab\xe2\x82\xac"), "ab");
    cr_assert_str_eq(text_copy(out, sizeof out, "abc"), "abc");
    cr_assert_str_eq(text_copy(out, sizeof out, NULL), "");
    char big[8];
    cr_assert_str_eq(text_printf(big, sizeof big, "%s", "12345\xf0\x9f\x98\x80"), "12345");
    cr_assert_str_eq(text_printf(big, sizeof big, "%s", "1234\xe2\x82\xac"), "1234\xe2\x82\xac");
    cr_assert_str_eq(text_printf(big, sizeof big, "%d", 42), "42");
}
