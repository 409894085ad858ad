/*
 * collector_load: the load averages and process counts of /proc/loadavg, as the kernel
 * gives them (no rate, no state beyond the open file).
 */
#include <stdio.h>
#include <stdlib.h>

#include "collect/collector.h"
#include "collect/procfile.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_loadavg.h"

#define LOAD_BUF_SIZE 256 /* one line of five short fields */

struct load_state {
    struct procfile file;
};

static void load_destroy(void *state)
{
    struct load_state *s = state;
    if (!s)
        return;
    procfile_release(&s->file);
    free(s);
}

static void *load_create(const struct collector_env *env)
{
    struct load_state *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (procfile_init(&s->file, env->procfs, "loadavg", LOAD_BUF_SIZE) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static int load_collect(void *state, int64_t mono_ns, struct host_sample *out, char *err,
                        size_t errlen)
{
    struct load_state *s = state;
    struct proc_loadavg l;
    size_t len;
    (void)mono_ns;

    out->load.valid = false;
    int rc = procfile_read(&s->file, &len, err, errlen);
    if (rc != 0)
        return rc;
    rc = proc_loadavg_parse(s->file.buf, len, &l);
    if (rc != 0) {
        snprintf(err, errlen, "cannot parse '%s': %s", s->file.path, vigil_strerror(rc));
        return rc;
    }
    out->load.load1 = l.load1;
    out->load.load5 = l.load5;
    out->load.load15 = l.load15;
    out->load.procs_running = l.procs_running;
    out->load.procs_total = l.procs_total;
    out->load.valid = true;
    return 0;
}

const struct collector_ops collector_load = {
    .version = COLLECTOR_OPS_VERSION,
    .name = "load",
    .create = load_create,
    .destroy = load_destroy,
    .collect = load_collect,
};
