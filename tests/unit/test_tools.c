/* tools: per-tool calls, errors and average duration; the bound on distinct tools. */
#include <criterion/criterion.h>
#include <string.h>

#include "agents/tools.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"

Test(tools, counts_and_average)
{
    struct tools t;
    cr_assert_eq(tools_init(&t, 8), 0);
    cr_assert_eq(tools_record(&t, "web_search", false, 400, 0), 0);
    cr_assert_eq(tools_record(&t, "web_search", true, 500, 0), 0);
    cr_assert_eq(tools_record(&t, "web_search", false, -1, 0), 0); /* no duration */
    cr_assert_eq(tools_record(&t, "shell", false, 10.5, 0), 0);
    const struct tool_stats *ts = tools_find(&t, "web_search");
    cr_assert_eq(ts->calls, 3);
    cr_assert_eq(ts->errors, 1);
    cr_assert_eq(ts->durations, 2);
    cr_assert_eq(ts->duration_sum_ms, 900);
    cr_assert_eq(tools_count(&t), 2);

    struct buf b;
    struct jsonw w;
    buf_init(&b, 4096);
    jw_init(&w, &b);
    tools_encode(&t, &w);
    cr_assert_str_eq(b.data, "{\"web_search\":{\"calls\":3,\"errors\":1,\"avg_duration_ms\":450},"
                             "\"shell\":{\"calls\":1,\"errors\":0,\"avg_duration_ms\":10.5}}");
    buf_release(&b);
    tools_release(&t);
}

Test(tools, no_duration_gives_null_average)
{
    struct tools t;
    struct buf b;
    struct jsonw w;
    cr_assert_eq(tools_init(&t, 2), 0);
    tools_record(&t, "x", true, -1, 0);
    buf_init(&b, 4096);
    jw_init(&w, &b);
    tools_encode(&t, &w);
    cr_assert_str_eq(b.data, "{\"x\":{\"calls\":1,\"errors\":1,\"avg_duration_ms\":null}}");
    buf_release(&b);
    tools_release(&t);
}

Test(tools, bound_on_distinct_tools)
{
    struct tools t;
    cr_assert_eq(tools_init(&t, 2), 0);
    cr_assert_eq(tools_record(&t, "a", false, 1, 0), 0);
    cr_assert_eq(tools_record(&t, "b", false, 1, 0), 0);
    cr_assert_eq(tools_record(&t, "c", false, 1, 0), -VIGIL_EFULL);
    cr_assert_eq(tools_record(&t, "c", true, 1, 0), -VIGIL_EFULL);
    cr_assert_eq(tools_record(&t, "a", false, 1, 0), 0); /* known tools still count */
    cr_assert_eq(tools_count(&t), 2);
    cr_assert_eq(t.untracked, 2);
    cr_assert_null(tools_find(&t, "c"));
    cr_assert_eq(tools_find(&t, "a")->calls, 2);
    char name[TOOL_KEY_SIZE + 1];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    struct tools u;
    cr_assert_eq(tools_init(&u, 2), 0);
    cr_assert_eq(tools_record(&u, name, false, 1, 0), -VIGIL_E2BIG);
    cr_assert_eq(u.untracked, 1);
    tools_release(&u);
    tools_release(&t);
}
