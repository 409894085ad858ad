/* proc_stat: /proc/stat cpu lines to jiffy counters. A malformed cpuN line costs that core
 * only (counted in n_bad); a malformed "cpu" line fails the parse, since without it there
 * is no overall figure. Sums wrap modulo 2^64 rather than trap: callers compare deltas. */
#include "parse/proc_stat.h"

#include <string.h>

#include "core/err.h"
#include "parse/proc_lex.h"

uint64_t proc_stat_total(const struct proc_stat_times *t)
{
    uint64_t sum = 0;
    for (int i = PROC_STAT_USER; i <= PROC_STAT_STEAL; i++)
        sum += t->v[i];
    return sum;
}

uint64_t proc_stat_idle(const struct proc_stat_times *t)
{
    return t->v[PROC_STAT_IDLE] + t->v[PROC_STAT_IOWAIT];
}

/* Reads the numbers after the label. Columns past the tenth (a future kernel's) are
 * ignored; fewer than four is not a cpu line we understand. */
static int parse_times(struct proc_lex *line, struct proc_stat_times *t)
{
    struct proc_lex tok;
    int n = 0;
    memset(t, 0, sizeof *t);
    while (proc_lex_token(line, &tok)) {
        uint64_t v;
        if (proc_lex_u64(&tok, &v) != 0)
            return -VIGIL_EINVAL;
        if (n < PROC_STAT_NFIELDS)
            t->v[n] = v;
        n++;
    }
    return n >= 4 ? 0 : -VIGIL_EINVAL;
}

static void take_core(struct proc_stat *out, const struct proc_lex *id, struct proc_lex *rest)
{
    uint64_t n;
    struct proc_stat_times t;
    if (proc_lex_u64(id, &n) != 0 || n >= HOST_MAX_CPUS || out->present[n] ||
        parse_times(rest, &t) != 0) {
        out->n_bad++;
        return;
    }
    out->cpu[n] = t;
    out->present[n] = true;
    out->n_present++;
    if (n + 1 > out->n_ids)
        out->n_ids = (unsigned)n + 1;
}

int proc_stat_parse(const char *data, size_t len, struct proc_stat *out)
{
    struct proc_lex lx, line, label;
    bool have_all = false, in_cpu = false;

    /* Only the flags are cleared: times are read where present[] says so. */
    memset(out->present, 0, sizeof out->present);
    memset(&out->all, 0, sizeof out->all);
    out->n_ids = out->n_present = out->n_bad = 0;

    proc_lex_init(&lx, data, len);
    while (proc_lex_line(&lx, &line)) {
        if (!proc_lex_token(&line, &label) || proc_lex_len(&label) < 3 ||
            memcmp(label.p, "cpu", 3) != 0) {
            if (in_cpu)
                break;
            continue;
        }
        in_cpu = true;
        struct proc_lex id = {label.p + 3, label.end};
        if (proc_lex_len(&id) > 0) {
            take_core(out, &id, &line);
        } else if (!have_all) {
            if (parse_times(&line, &out->all) != 0)
                return -VIGIL_EINVAL;
            have_all = true;
        }
    }
    return have_all ? 0 : -VIGIL_EINVAL;
}
