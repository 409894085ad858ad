/* target_models: the pid -> model table the scraper fills and the GPU thread reads. */
#include "collect/target_models.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fault.h"

struct entry {
    uint32_t pid; /* 0: empty */
    char model[129];
};

struct target_models {
    pthread_mutex_t lock;
    struct entry e[TARGET_MODELS_MAX];
};

struct target_models *target_models_new(void)
{
    struct target_models *tm = vigil_calloc(1, sizeof *tm);
    if (tm && pthread_mutex_init(&tm->lock, NULL) != 0) {
        free(tm);
        return NULL;
    }
    return tm;
}

void target_models_free(struct target_models *tm)
{
    if (!tm)
        return;
    pthread_mutex_destroy(&tm->lock);
    free(tm);
}

void target_models_set(struct target_models *tm, unsigned slot, uint32_t pid, const char *model)
{
    if (!tm || slot >= TARGET_MODELS_MAX)
        return;
    struct entry next = {0};
    if (pid && model && model[0]) {
        next.pid = pid;
        snprintf(next.model, sizeof next.model, "%.128s", model);
    }
    pthread_mutex_lock(&tm->lock);
    tm->e[slot] = next;
    pthread_mutex_unlock(&tm->lock);
}

bool target_models_find(struct target_models *tm, uint32_t pid, char *model, size_t n)
{
    if (!tm || pid == 0 || n == 0)
        return false;
    bool found = false;
    pthread_mutex_lock(&tm->lock);
    for (unsigned i = 0; i < TARGET_MODELS_MAX && !found; i++) {
        if (tm->e[i].pid == pid) {
            snprintf(model, n, "%s", tm->e[i].model);
            found = true;
        }
    }
    pthread_mutex_unlock(&tm->lock);
    return found;
}
