/* tools: a table of per-tool counters. Tools never expire: their number is small and their
 * counts are totals since start. */
#include "agents/tools.h"

#include <string.h>

#include "core/err.h"
#include "core/jsonw.h"

int tools_init(struct tools *t, unsigned max)
{
    memset(t, 0, sizeof *t);
    return table_init(&t->t, max, sizeof(struct tool_stats), TOOL_KEY_SIZE);
}

void tools_release(struct tools *t)
{
    table_release(&t->t);
}

int tools_record(struct tools *t, const char *name, bool failed, double duration_ms, int64_t now_ms)
{
    struct tool_stats *ts = table_find(&t->t, name);
    if (!ts) {
        void *rec;
        int rc = table_insert(&t->t, name, now_ms, &rec);
        if (rc) {
            t->untracked++;
            return rc;
        }
        ts = rec;
    }
    /* No table_touch: tools are never evicted, so their order stays first-seen. */
    ts->calls++;
    if (failed)
        ts->errors++;
    if (duration_ms >= 0) {
        ts->duration_sum_ms += duration_ms;
        ts->durations++;
    }
    return 0;
}

const struct tool_stats *tools_find(const struct tools *t, const char *name)
{
    return table_find(&t->t, name);
}

void tools_encode(const struct tools *t, struct jsonw *w)
{
    jw_obj_begin(w);
    for (const struct tool_stats *ts = table_oldest(&t->t); ts; ts = table_newer(&t->t, ts)) {
        jw_key(w, ts->name);
        jw_obj_begin(w);
        jw_kuint(w, "calls", ts->calls);
        jw_kuint(w, "errors", ts->errors);
        if (ts->durations)
            jw_kdouble(w, "avg_duration_ms", ts->duration_sum_ms / (double)ts->durations);
        else
            jw_knull(w, "avg_duration_ms");
        jw_obj_end(w);
    }
    jw_obj_end(w);
}
