/*
 * collector_memory: RAM and swap from /proc/meminfo, in bytes. ram_used is MemTotal minus
 * MemAvailable (the kernel's estimate of what can be had without swapping), so page cache
 * does not count as used.
 */
#include <stdio.h>
#include <stdlib.h>

#include "collect/collector.h"
#include "collect/procfile.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_meminfo.h"

#define MEM_BUF_SIZE ((size_t)16 * 1024) /* the file is under 2 KiB even with every option */

struct mem_state {
    struct procfile file;
};

static void mem_destroy(void *state)
{
    struct mem_state *s = state;
    if (!s)
        return;
    procfile_release(&s->file);
    free(s);
}

static void *mem_create(const struct collector_env *env)
{
    struct mem_state *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (procfile_init(&s->file, env->procfs, "meminfo", MEM_BUF_SIZE) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static int mem_collect(void *state, int64_t mono_ns, struct host_sample *out, char *err,
                       size_t errlen)
{
    struct mem_state *s = state;
    struct proc_meminfo m;
    size_t len;
    (void)mono_ns;

    out->mem.valid = false;
    int rc = procfile_read(&s->file, &len, err, errlen);
    if (rc != 0)
        return rc;
    rc = proc_meminfo_parse(s->file.buf, len, &m);
    if (rc != 0) {
        snprintf(err, errlen, "cannot parse '%s': %s", s->file.path, vigil_strerror(rc));
        return rc;
    }
    out->mem.ram_total = m.mem_total;
    out->mem.ram_available = m.mem_available;
    out->mem.ram_used = proc_meminfo_ram_used(&m);
    out->mem.swap_total = m.swap_total;
    out->mem.swap_used = proc_meminfo_swap_used(&m);
    out->mem.valid = true;
    return 0;
}

const struct collector_ops collector_memory = {
    .version = COLLECTOR_OPS_VERSION,
    .name = "memory",
    .create = mem_create,
    .destroy = mem_destroy,
    .collect = mem_collect,
};
