/*
 * run_usage: one scan of every <procfs>/<pid>/stat per period, shared by every run. A run's
 * processes are its pid and everything below it by parent links; the scan is sorted by
 * parent so each process's children are one binary search away.
 *
 * CPU is the growth of the tree's utime+stime plus the cutime+cstime of children it reaped
 * (so a short-lived child's time is not lost when it exits), over the period: a tree that
 * loses ticks (a child exited unreaped, or was reparented away) reads 0 for that period
 * rather than a negative figure. Memory is the sum of resident sets, so pages shared
 * between the processes count once per process, as psutil and top add them up.
 *
 * The road not taken: /proc/<pid>/task/<tid>/children lists children without a scan of
 * every process, but needs CONFIG_PROC_CHILDREN and one read per thread (an inference
 * server has hundreds), and misses children of threads that exited.
 */
#include "collect/run_usage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agents/text.h"
#include "core/clock.h"
#include "core/ticker.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_meminfo.h"
#include "parse/proc_pid.h"

#define PROCS_MAX (1u << 22) /* processes read in one scan at most */

struct proc_rec {
    uint32_t pid, ppid;
    uint64_t ticks; /* utime + stime + cutime + cstime */
    uint64_t starttime;
    uint64_t rss_pages;
};

/* CPU needs the previous reading of the same run: same project, same pid, same process. */
struct tracker {
    char project[PROJECT_KEY_SIZE];
    int64_t pid;
    uint64_t starttime;
    uint64_t ticks;
    int64_t mono_ns;
};

struct run_usage {
    char procfs[512];
    int64_t period_ms;
    unsigned max_runs;
    struct gpu_pids *gpus;
    long ticks_per_sec;
    long page_size;

    pthread_mutex_t lock; /* guards want and results */
    struct ticker ticker;
    struct project_pid *want;
    size_t n_want;
    struct run_usage_result *results;
    size_t n_results;

    /* the measuring thread's own */
    struct project_pid *runs;
    size_t n_runs;
    struct tracker *trackers, *next_trackers;
    size_t n_trackers;
    struct proc_rec *procs;
    size_t n_procs, cap_procs;
    uint32_t *tree; /* indices into procs */
    uint32_t *pids; /* the tree's pids, sorted */
    struct run_usage_result *out;
    char buf[1024];
    char meminfo[8192];
};

struct run_usage *run_usage_new(const struct run_usage_opts *opts)
{
    if (!opts || !opts->procfs || opts->period_ms <= 0 || opts->max_runs == 0 ||
        opts->max_runs > (1u << 16) || strlen(opts->procfs) >= 512)
        return NULL;
    struct run_usage *u = vigil_calloc(1, sizeof *u);
    if (!u)
        return NULL;
    snprintf(u->procfs, sizeof u->procfs, "%s", opts->procfs);
    u->period_ms = opts->period_ms;
    u->max_runs = opts->max_runs;
    u->gpus = opts->gpus;
    u->ticks_per_sec = sysconf(_SC_CLK_TCK);
    u->page_size = sysconf(_SC_PAGESIZE);
    if (u->ticks_per_sec <= 0)
        u->ticks_per_sec = 100;
    if (u->page_size <= 0)
        u->page_size = 4096;
    size_t m = opts->max_runs;
    u->want = vigil_calloc(m, sizeof *u->want);
    u->runs = vigil_calloc(m, sizeof *u->runs);
    u->results = vigil_calloc(m, sizeof *u->results);
    u->out = vigil_calloc(m, sizeof *u->out);
    u->trackers = vigil_calloc(m, sizeof *u->trackers);
    u->next_trackers = vigil_calloc(m, sizeof *u->next_trackers);
    u->tree = vigil_calloc(RUN_USAGE_MAX_TREE, sizeof *u->tree);
    u->pids = vigil_calloc(RUN_USAGE_MAX_TREE, sizeof *u->pids);
    if (!u->want || !u->runs || !u->results || !u->out || !u->trackers || !u->next_trackers ||
        !u->tree || !u->pids) {
        run_usage_free(u);
        return NULL;
    }
    pthread_mutex_init(&u->lock, NULL);
    return u;
}

static void tick(void *arg)
{
    run_usage_cycle(arg, clock_mono_ns(), clock_real_ms());
}

int run_usage_start(struct run_usage *u)
{
    ticker_init(&u->ticker, u->period_ms, 0, tick, u);
    return ticker_start(&u->ticker);
}

void run_usage_free(struct run_usage *u)
{
    if (!u)
        return;
    if (u->ticker.started)
        ticker_release(&u->ticker);
    if (u->want) /* the lock exists once new() got past its allocations */
        pthread_mutex_destroy(&u->lock);
    free(u->want);
    free(u->runs);
    free(u->results);
    free(u->out);
    free(u->trackers);
    free(u->next_trackers);
    free(u->tree);
    free(u->pids);
    free(u->procs);
    free(u);
}

void run_usage_set_runs(struct run_usage *u, const struct project_pid *runs, size_t n)
{
    if (n > u->max_runs)
        n = u->max_runs;
    pthread_mutex_lock(&u->lock);
    if (n)
        memcpy(u->want, runs, n * sizeof *runs);
    u->n_want = n;
    pthread_mutex_unlock(&u->lock);
}

size_t run_usage_take(struct run_usage *u, struct run_usage_result *out, size_t max)
{
    pthread_mutex_lock(&u->lock);
    size_t n = u->n_results < max ? u->n_results : max;
    memcpy(out, u->results, n * sizeof *out);
    u->n_results = 0;
    pthread_mutex_unlock(&u->lock);
    return n;
}

/* --- one scan ------------------------------------------------------------------------ */

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int push_proc(struct run_usage *u, const struct proc_pid_stat *st)
{
    if (u->n_procs == u->cap_procs) {
        if (u->cap_procs >= PROCS_MAX)
            return -VIGIL_EFULL;
        size_t cap = u->cap_procs ? u->cap_procs * 2 : 1024;
        struct proc_rec *p = vigil_realloc(u->procs, cap * sizeof *p);
        if (!p)
            return -VIGIL_ENOMEM;
        u->procs = p;
        u->cap_procs = cap;
    }
    u->procs[u->n_procs++] = (struct proc_rec){
        .pid = st->pid,
        .ppid = st->ppid,
        .ticks = st->utime + st->stime + st->cutime + st->cstime,
        .starttime = st->starttime,
        .rss_pages = st->rss_pages,
    };
    return 0;
}

static int by_ppid(const void *a, const void *b)
{
    const struct proc_rec *x = a, *y = b;
    if (x->ppid != y->ppid)
        return x->ppid < y->ppid ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Reads every process's stat. A process that exits during the scan is simply not there. */
static void scan(struct run_usage *u)
{
    u->n_procs = 0;
    DIR *d = opendir(u->procfs);
    if (!d)
        return;
    char path[600];
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!all_digits(e->d_name))
            continue;
        int w = snprintf(path, sizeof path, "%s/%s/stat", u->procfs, e->d_name);
        if (w < 0 || (size_t)w >= sizeof path)
            continue;
        ssize_t n = read_small(path, u->buf, sizeof u->buf);
        struct proc_pid_stat st;
        if (n <= 0 || proc_pid_stat_parse(u->buf, (size_t)n, &st) < 0)
            continue;
        if (push_proc(u, &st) < 0)
            break;
    }
    closedir(d);
    qsort(u->procs, u->n_procs, sizeof *u->procs, by_ppid);
}

/* The first process whose parent is ppid, or n_procs. */
static size_t first_child(const struct run_usage *u, uint32_t ppid)
{
    size_t lo = 0, hi = u->n_procs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u->procs[mid].ppid < ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Collects the tree under the process at index root into u->tree; returns its size. */
static size_t walk(struct run_usage *u, size_t root)
{
    size_t n = 0;
    u->tree[n++] = (uint32_t)root;
    for (size_t i = 0; i < n; i++) {
        uint32_t pid = u->procs[u->tree[i]].pid;
        for (size_t c = first_child(u, pid); c < u->n_procs && u->procs[c].ppid == pid; c++) {
            if (n == RUN_USAGE_MAX_TREE)
                return n;
            if (u->procs[c].pid != pid)
                u->tree[n++] = (uint32_t)c;
        }
    }
    return n;
}

static const struct tracker *tracker_find(const struct run_usage *u, const char *project,
                                          int64_t pid, uint64_t starttime)
{
    for (size_t i = 0; i < u->n_trackers; i++) {
        const struct tracker *t = &u->trackers[i];
        if (t->pid == pid && t->starttime == starttime && strcmp(t->project, project) == 0)
            return t;
    }
    return NULL;
}

static void measure(struct run_usage *u, const struct project_pid *r, uint64_t mem_total,
                    int64_t mono_ns, struct run_usage_result *res, size_t *n_next)
{
    size_t root = u->n_procs;
    for (size_t i = 0; i < u->n_procs; i++) {
        if ((int64_t)u->procs[i].pid == r->pid) {
            root = i;
            break;
        }
    }
    if (root == u->n_procs)
        return; /* found stays false */
    size_t n = walk(u, root);
    uint64_t ticks = 0, rss = 0;
    for (size_t i = 0; i < n; i++) {
        const struct proc_rec *p = &u->procs[u->tree[i]];
        ticks += p->ticks;
        rss += p->rss_pages;
        u->pids[i] = p->pid;
    }
    res->found = true;
    res->n_pids = (unsigned)n;
    struct project_usage *pu = &res->usage;
    uint64_t start = u->procs[root].starttime;
    const struct tracker *prev = tracker_find(u, r->name, r->pid, start);
    if (prev && mono_ns > prev->mono_ns) {
        double secs = (double)(mono_ns - prev->mono_ns) / 1e9;
        uint64_t used = ticks > prev->ticks ? ticks - prev->ticks : 0;
        pu->has_cpu = true;
        pu->cpu_percent = (double)used / (double)u->ticks_per_sec / secs * 100.0;
    }
    struct tracker *t = &u->next_trackers[(*n_next)++];
    text_copy(t->project, sizeof t->project, r->name);
    t->pid = r->pid;
    t->starttime = start;
    t->ticks = ticks;
    t->mono_ns = mono_ns;
    pu->has_memory = true;
    pu->mem_used_bytes = rss * (uint64_t)u->page_size;
    pu->mem_total_bytes = mem_total;
    if (u->gpus) {
        qsort(u->pids, n, sizeof *u->pids, by_value);
        struct gpu_pids_usage g;
        gpu_pids_usage(u->gpus, u->pids, n, &g);
        pu->gpu_available = g.gpus > 0;
        pu->has_gpu_percent = g.has_util;
        pu->gpu_percent = g.util_percent;
        pu->has_vram = g.has_memory;
        pu->vram_used_bytes = g.memory_used;
        pu->vram_total_bytes = g.has_total ? g.memory_total : 0;
    }
}

static uint64_t host_memory(struct run_usage *u)
{
    char path[600];
    snprintf(path, sizeof path, "%s/meminfo", u->procfs);
    ssize_t n = read_small(path, u->meminfo, sizeof u->meminfo);
    struct proc_meminfo m;
    if (n <= 0 || proc_meminfo_parse(u->meminfo, (size_t)n, &m) < 0)
        return 0;
    return m.mem_total;
}

void run_usage_cycle(struct run_usage *u, int64_t mono_ns, int64_t now_ms)
{
    pthread_mutex_lock(&u->lock);
    memcpy(u->runs, u->want, u->n_want * sizeof *u->runs);
    u->n_runs = u->n_want;
    pthread_mutex_unlock(&u->lock);
    size_t n_next = 0;
    if (u->n_runs) {
        scan(u);
        uint64_t mem_total = host_memory(u);
        for (size_t i = 0; i < u->n_runs; i++) {
            struct run_usage_result *res = &u->out[i];
            memset(res, 0, sizeof *res);
            text_copy(res->project, sizeof res->project, u->runs[i].name);
            res->pid = u->runs[i].pid;
            res->ts_ms = now_ms;
            measure(u, &u->runs[i], mem_total, mono_ns, res, &n_next);
        }
    }
    /* trackers of runs no longer measured are dropped */
    struct tracker *swap = u->trackers;
    u->trackers = u->next_trackers;
    u->next_trackers = swap;
    u->n_trackers = n_next;
    pthread_mutex_lock(&u->lock);
    memcpy(u->results, u->out, u->n_runs * sizeof *u->out);
    u->n_results = u->n_runs;
    pthread_mutex_unlock(&u->lock);
}

