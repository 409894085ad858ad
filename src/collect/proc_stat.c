/*
 * collector_cpu: CPU utilisation over the last interval, overall and per core, from the
 * jiffy counters of /proc/stat. Busy is total minus idle and iowait. A figure is only
 * given for an interval with two good readings: a core whose counters go backwards, or
 * that was missing at either end, is NaN, so a value is never below 0 or above 100.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "collect/collector.h"
#include "collect/procfile.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_stat.h"

/* Room for the cpu lines of HOST_MAX_CPUS cores (about 120 bytes each with real
 * counters); what follows them (the long intr line) may be cut off, which is harmless. */
#define CPU_BUF_SIZE ((size_t)256 * 1024)

struct cpu_state {
    struct procfile file;
    struct proc_stat *cur, *prev; /* swapped after each read: prev is the last reading */
    bool have_prev;
    unsigned n_cores; /* highest id ever seen + 1: a core that goes offline stays, as NaN */
    bool has_last_overall;
    double last_overall;
    double last_core[HOST_MAX_CPUS]; /* given again when no jiffy passed (NaN: none) */
};

static void cpu_destroy(void *state)
{
    struct cpu_state *s = state;
    if (!s)
        return;
    procfile_release(&s->file);
    free(s->cur);
    free(s->prev);
    free(s);
}

static void *cpu_create(const struct collector_env *env)
{
    struct cpu_state *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cur = vigil_malloc(sizeof *s->cur);
    s->prev = vigil_malloc(sizeof *s->prev);
    if (procfile_init(&s->file, env->procfs, "stat", CPU_BUF_SIZE) != 0 || !s->cur || !s->prev) {
        cpu_destroy(s);
        return NULL;
    }
    for (unsigned i = 0; i < HOST_MAX_CPUS; i++)
        s->last_core[i] = NAN;
    return s;
}

/* Percent busy between readings a and b; `last` when no jiffy passed; NaN when a counter
 * went backwards (or the figures contradict each other, idle above total). */
static double utilisation(const struct proc_stat_times *a, const struct proc_stat_times *b,
                          double last)
{
    uint64_t ta = proc_stat_total(a), tb = proc_stat_total(b);
    uint64_t ia = proc_stat_idle(a), ib = proc_stat_idle(b);
    if (ia > ta || ib > tb || tb < ta || ib < ia || tb - ib < ta - ia)
        return NAN;
    uint64_t dt = tb - ta;
    if (dt == 0)
        return last;
    return 100.0 * (double)((tb - ib) - (ta - ia)) / (double)dt;
}

static void fill_cores(struct cpu_state *s, struct cpu_sample *c)
{
    for (unsigned i = 0; i < s->n_cores; i++) {
        double u = NAN;
        if (s->have_prev && i < s->cur->n_ids && s->cur->present[i] && i < s->prev->n_ids &&
            s->prev->present[i])
            u = utilisation(&s->prev->cpu[i], &s->cur->cpu[i], s->last_core[i]);
        s->last_core[i] = u;
        c->per_core_utilization[i] = u;
    }
}

static void fill_overall(struct cpu_state *s, struct cpu_sample *c)
{
    double u = NAN;
    if (s->have_prev)
        u = utilisation(&s->prev->all, &s->cur->all, s->has_last_overall ? s->last_overall : NAN);
    /* No figure yet, or the sum went backwards: like a first cycle, this reading becomes
     * the base and the part waits for the next one. */
    c->valid = !isnan(u);
    c->overall_utilization = c->valid ? u : 0;
    s->has_last_overall = c->valid;
    s->last_overall = u;
}

static int cpu_collect(void *state, int64_t mono_ns, struct host_sample *out, char *err,
                       size_t errlen)
{
    struct cpu_state *s = state;
    struct cpu_sample *c = &out->cpu;
    size_t len;
    (void)mono_ns; /* jiffies are their own clock */

    c->valid = false;
    c->n_cores = 0;
    int rc = procfile_read(&s->file, &len, err, errlen);
    if (rc != 0)
        return rc;
    rc = proc_stat_parse(s->file.buf, len, s->cur);
    if (rc != 0) {
        snprintf(err, errlen, "cannot parse '%s': no well-formed cpu line", s->file.path);
        return rc;
    }
    if (s->cur->n_ids > s->n_cores)
        s->n_cores = s->cur->n_ids;
    c->n_cores = s->n_cores;
    fill_cores(s, c);
    fill_overall(s, c);

    struct proc_stat *t = s->prev;
    s->prev = s->cur;
    s->cur = t;
    s->have_prev = true;
    return 0;
}

const struct collector_ops collector_cpu = {
    .version = COLLECTOR_OPS_VERSION,
    .name = "cpu",
    .create = cpu_create,
    .destroy = cpu_destroy,
    .collect = cpu_collect,
};
