/*
 * gpu_procs: pid -> (comm, model) with a two-table cache. Each cycle the table of the
 * previous cycle becomes "prev"; a lookup moves its entry into "cur". Whatever was not
 * looked up stays behind in prev and is overwritten a cycle later, so eviction costs
 * nothing and needs no tombstones. Slots are stamped with the cycle's generation, so
 * clearing a table is incrementing a counter.
 */
#include "collect/gpu_procs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/gpu_backend.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/cmdline_model.h"

#define CMDLINE_CAP 16384 /* the model is among the first arguments; longer lines are cut */

struct slot {
    uint32_t pid;
    uint32_t gen;    /* the cycle the slot was written in; other values mean empty */
    int64_t read_ns; /* when the names were read */
    char comm[GPU_COMM_LEN];
    char model[GPU_MODEL_LEN];
};

struct gpu_procs {
    char *procfs;
    uint32_t gen; /* this cycle; prev holds gen - 1 */
    int64_t now_ns;
    struct slot *cur;
    struct slot *prev;
    struct target_models *models; /* borrowed, may be NULL */
    char cmdline[CMDLINE_CAP];
};

struct gpu_procs *gpu_procs_new(const char *procfs)
{
    struct gpu_procs *p = vigil_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->procfs = vigil_strdup(procfs);
    p->cur = vigil_calloc(GPU_PROCS_SLOTS, sizeof *p->cur);
    p->prev = vigil_calloc(GPU_PROCS_SLOTS, sizeof *p->prev);
    if (!p->procfs || !p->cur || !p->prev) {
        gpu_procs_free(p);
        return NULL;
    }
    p->gen = 2; /* zeroed slots (gen 0) are empty in both tables */
    return p;
}

void gpu_procs_free(struct gpu_procs *p)
{
    if (!p)
        return;
    free(p->procfs);
    free(p->cur);
    free(p->prev);
    free(p);
}

void gpu_procs_set_models(struct gpu_procs *p, struct target_models *tm)
{
    p->models = tm;
}

void gpu_procs_begin(struct gpu_procs *p, int64_t now_ns)
{
    struct slot *t = p->prev;
    p->prev = p->cur;
    p->cur = t;
    p->gen++;
    p->now_ns = now_ns;
}

static ssize_t read_pid_file(struct gpu_procs *p, uint32_t pid, const char *name, char *buf,
                             size_t cap)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/%u/%s", p->procfs, pid, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return -VIGIL_E2BIG;
    return gpu_read_file(path, buf, cap);
}

/* The ppid from /proc/<pid>/stat: "pid (comm) state ppid ...", where comm may itself hold
 * spaces and parentheses, so the fields start after the last ')'. */
static uint32_t parent_of(struct gpu_procs *p, uint32_t pid)
{
    char buf[512];
    ssize_t n = read_pid_file(p, pid, "stat", buf, sizeof buf);
    if (n <= 0)
        return 0;
    char *close = strrchr(buf, ')');
    if (!close)
        return 0;
    char *s = close + 1;
    while (*s == ' ')
        s++;
    if (*s == '\0')
        return 0;
    s++; /* the state letter */
    char *end;
    unsigned long ppid = strtoul(s, &end, 10);
    if (end == s || ppid > UINT32_MAX)
        return 0;
    return (uint32_t)ppid;
}

static void find_model(struct gpu_procs *p, uint32_t pid, char *model, size_t n)
{
    model[0] = '\0';
    uint32_t cur = pid;
    for (int depth = 0; depth <= GPU_PROCS_MAX_DEPTH && cur > 0; depth++) {
        /* the server the scraper found listening: its own word for the model wins */
        if (target_models_find(p->models, cur, model, n))
            return;
        ssize_t len = read_pid_file(p, cur, "cmdline", p->cmdline, sizeof p->cmdline);
        if (len > 0 && cmdline_model(p->cmdline, (size_t)len, model, n) > 0)
            return;
        if (cur == 1)
            return; /* init has no parent worth reading */
        uint32_t parent = parent_of(p, cur);
        if (parent == cur)
            return;
        cur = parent;
    }
}

int gpu_procs_read(struct gpu_procs *p, uint32_t pid, struct gpu_process *proc)
{
    proc->comm[0] = '\0';
    proc->model[0] = '\0';
    if (pid == 0)
        return -VIGIL_ENOENT;
    char comm[64];
    ssize_t n = read_pid_file(p, pid, "comm", comm, sizeof comm);
    if (n < 0)
        return -VIGIL_ENOENT;
    gpu_copy(proc->comm, sizeof proc->comm, comm, (size_t)n);
    find_model(p, pid, proc->model, sizeof proc->model);
    return 0;
}

static size_t hash_pid(uint32_t pid)
{
    return (size_t)((pid * 2654435761u) % GPU_PROCS_SLOTS);
}

/* The slot for pid in t stamped gen, or the first empty slot where it would go, or NULL
 * when t is full. */
static struct slot *probe(struct slot *t, uint32_t gen, uint32_t pid)
{
    size_t h = hash_pid(pid);
    for (size_t i = 0; i < GPU_PROCS_SLOTS; i++) {
        struct slot *s = &t[(h + i) % GPU_PROCS_SLOTS];
        if (s->gen != gen || s->pid == pid)
            return s;
    }
    return NULL;
}

static void copy_out(const struct slot *s, struct gpu_process *proc)
{
    memcpy(proc->comm, s->comm, sizeof proc->comm);
    memcpy(proc->model, s->model, sizeof proc->model);
}

/* A process the scraper found listening for an inference target serves that target's
 * model, whatever the cache remembers (its ancestors are looked at when the entry is read
 * again, within GPU_PROCS_TTL_NS). */
static void served(struct gpu_procs *p, struct gpu_process *proc)
{
    target_models_find(p->models, proc->pid, proc->model, sizeof proc->model);
}

void gpu_procs_fill(struct gpu_procs *p, struct gpu_process *proc)
{
    if (proc->pid == 0) {
        proc->comm[0] = '\0';
        proc->model[0] = '\0';
        return;
    }
    struct slot *s = probe(p->cur, p->gen, proc->pid);
    if (s && s->gen == p->gen) {
        copy_out(s, proc); /* already seen this cycle, on another GPU */
        served(p, proc);
        return;
    }
    struct slot *old = probe(p->prev, p->gen - 1, proc->pid);
    if (old && old->gen == p->gen - 1 && p->now_ns - old->read_ns < GPU_PROCS_TTL_NS) {
        copy_out(old, proc);
        if (s) {
            *s = *old;
            s->gen = p->gen;
        }
        served(p, proc);
        return;
    }
    gpu_procs_read(p, proc->pid, proc);
    if (s) {
        s->pid = proc->pid;
        s->gen = p->gen;
        s->read_ns = p->now_ns;
        memcpy(s->comm, proc->comm, sizeof s->comm);
        memcpy(s->model, proc->model, sizeof s->model);
    }
}
