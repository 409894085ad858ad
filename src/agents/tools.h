/*
 * tools: per tool name, how many calls, how many failed (status error or timeout) and their
 * average duration. The number of tools is bounded; once the table is full, calls of a
 * tool not seen before are counted in `untracked` rather than evicting one whose figures
 * someone may be watching. Single owner: not thread-safe.
 */
#ifndef VIGIL_TOOLS_H
#define VIGIL_TOOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "agents/table.h"
#include "parse/ingest.h"

struct jsonw;

#define TOOL_KEY_SIZE (INGEST_ID_CEIL + 1)

struct tool_stats {
    char name[TOOL_KEY_SIZE]; /* the table's key: first */
    uint64_t calls;
    uint64_t errors;
    double duration_sum_ms; /* over the calls that gave a duration */
    uint64_t durations;
};

struct tools {
    struct table t;
    uint64_t untracked; /* calls not counted per tool because the table was full */
};

/* Room for max tools (1..2^24). 0, -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int tools_init(struct tools *t, unsigned max);
void tools_release(struct tools *t);

/* Counts one call of tool name. 0; -VIGIL_EFULL when the tool is new and the table full
 * (counted in untracked); -VIGIL_E2BIG for a name longer than the record holds (likewise
 * counted). duration_ms < 0 means the call gave none. */
int tools_record(struct tools *t, const char *name, bool failed, double duration_ms,
                 int64_t now_ms);

/* The figures for name, borrowed, or NULL. */
const struct tool_stats *tools_find(const struct tools *t, const char *name);

/* Distinct tools tracked. */
static inline unsigned tools_count(const struct tools *t)
{
    return table_count(&t->t);
}

/* Writes {"name":{"calls":N,"errors":N,"avg_duration_ms":x|null},...} in the order the
 * tools were first seen. */
void tools_encode(const struct tools *t, struct jsonw *w);

#endif
