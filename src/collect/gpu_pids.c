/* gpu_pids: the GPU processes of the last GPU cycle, copied under a mutex. The table is
 * allocated once (GPU_MAX_DEVICES x GPU_MAX_PROCS entries, about 40 KiB); a cycle copies
 * into it and a lookup walks it, each a few microseconds under the lock. */
#include "collect/gpu_pids.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/fault.h"

struct entry {
    uint32_t pid;
    unsigned gpu; /* its place in the sample */
    bool memory_valid;
    uint64_t memory_used;
};

struct device {
    bool has_util, has_total;
    unsigned util;
    uint64_t total;
};

struct gpu_pids {
    pthread_mutex_t lock;
    bool available;
    unsigned n_devices;
    struct device devices[GPU_MAX_DEVICES];
    size_t n;
    struct entry entries[GPU_MAX_DEVICES * GPU_MAX_PROCS];
};

struct gpu_pids *gpu_pids_new(void)
{
    struct gpu_pids *t = vigil_calloc(1, sizeof *t);
    if (t)
        pthread_mutex_init(&t->lock, NULL);
    return t;
}

void gpu_pids_free(struct gpu_pids *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void gpu_pids_set(struct gpu_pids *t, const struct gpu_sample *s)
{
    pthread_mutex_lock(&t->lock);
    t->available = s->available;
    t->n_devices = s->n_devices < GPU_MAX_DEVICES ? s->n_devices : GPU_MAX_DEVICES;
    t->n = 0;
    for (unsigned i = 0; i < t->n_devices; i++) {
        const struct gpu_device *d = &s->devices[i];
        t->devices[i].has_util = gpu_device_has(d, GPU_F_UTILIZATION);
        t->devices[i].util = d->utilization;
        t->devices[i].has_total = gpu_device_has(d, GPU_F_MEMORY_TOTAL);
        t->devices[i].total = d->memory_total;
        unsigned np = d->n_procs < GPU_MAX_PROCS ? d->n_procs : GPU_MAX_PROCS;
        for (unsigned k = 0; k < np; k++) {
            const struct gpu_process *p = &d->procs[k];
            if (p->pid == 0)
                continue; /* another pid namespace: not one of ours */
            t->entries[t->n++] = (struct entry){p->pid, i, p->memory_valid, p->memory_used};
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static bool member(const uint32_t *pids, size_t n, uint32_t pid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pids[mid] == pid)
            return true;
        if (pids[mid] < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void gpu_pids_usage(struct gpu_pids *t, const uint32_t *pids, size_t n, struct gpu_pids_usage *out)
{
    *out = (struct gpu_pids_usage){0};
    bool used[GPU_MAX_DEVICES] = {false};
    bool memory_known = true;
    pthread_mutex_lock(&t->lock);
    out->available = t->available;
    for (size_t i = 0; i < t->n; i++) {
        const struct entry *e = &t->entries[i];
        if (!member(pids, n, e->pid))
            continue;
        used[e->gpu] = true;
        if (e->memory_valid)
            out->memory_used += e->memory_used;
        else
            memory_known = false;
    }
    bool util_known = true, total_known = true;
    double util_sum = 0;
    for (unsigned g = 0; g < t->n_devices; g++) {
        if (!used[g])
            continue;
        out->gpus++;
        util_known = util_known && t->devices[g].has_util;
        util_sum += t->devices[g].util;
        total_known = total_known && t->devices[g].has_total;
        out->memory_total += t->devices[g].total;
    }
    pthread_mutex_unlock(&t->lock);
    if (out->gpus) {
        out->has_util = util_known;
        out->util_percent = util_known ? util_sum / out->gpus : 0;
        out->has_memory = memory_known;
        out->has_total = total_known;
    }
}
