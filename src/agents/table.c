/*
 * table: records in one array, a doubly linked activity list through table_link, and a
 * linear-probing index at most half full. Removal from the index shifts later entries
 * back instead of leaving tombstones, so a long-running table never degrades.
 */
#include "agents/table.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"

/* FNV-1a over the key, started from a per-table seed so that nobody outside can choose
 * keys that all land in one place. */
static uint64_t hash_key(const struct table *t, const char *key)
{
    uint64_t h = 14695981039346656037ULL ^ t->seed;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    /* Final mix: FNV's low bits are weak, and the index uses the low bits. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static unsigned char *rec_at(const struct table *t, uint32_t i)
{
    return t->recs + (size_t)i * t->rec_size;
}

static uint32_t rec_no(const struct table *t, const void *rec)
{
    return (uint32_t)(((const unsigned char *)rec - t->recs) / t->rec_size);
}

int table_init(struct table *t, uint32_t cap, size_t rec_size, size_t key_size)
{
    memset(t, 0, sizeof *t);
    if (cap == 0 || cap > (1u << 24) || key_size < 2 || rec_size < key_size)
        return -VIGIL_EINVAL;
    size_t places = 4;
    while (places < (size_t)cap * 2)
        places *= 2;
    t->recs = vigil_calloc(cap, rec_size);
    t->links = vigil_calloc(cap, sizeof *t->links);
    t->index = vigil_calloc(places, sizeof *t->index);
    if (!t->recs || !t->links || !t->index) {
        table_release(t);
        return -VIGIL_ENOMEM;
    }
    t->index_mask = places - 1;
    t->rec_size = rec_size;
    t->key_size = key_size;
    t->cap = cap;
    t->seed = (uint64_t)clock_mono_ns() ^ (uint64_t)(uintptr_t)t;
    table_clear(t);
    return 0;
}

void table_release(struct table *t)
{
    free(t->recs);
    free(t->links);
    free(t->index);
    memset(t, 0, sizeof *t);
}

void table_clear(struct table *t)
{
    memset(t->index, 0, (t->index_mask + 1) * sizeof *t->index);
    for (uint32_t i = 0; i < t->cap; i++) {
        t->links[i].used = 0;
        t->links[i].newer = i + 1 < t->cap ? i + 1 : TABLE_NONE;
    }
    t->free_head = 0;
    t->count = 0;
    t->newest = t->oldest = TABLE_NONE;
}

/* The index place holding key, or the empty place where it would go. */
static size_t probe(const struct table *t, const char *key, uint64_t h, int *found)
{
    size_t pos = (size_t)h & t->index_mask;
    for (;;) {
        uint32_t e = t->index[pos];
        if (e == 0) {
            *found = 0;
            return pos;
        }
        uint32_t i = e - 1;
        if (t->links[i].hash == h && strcmp((const char *)rec_at(t, i), key) == 0) {
            *found = 1;
            return pos;
        }
        pos = (pos + 1) & t->index_mask;
    }
}

void *table_find(const struct table *t, const char *key)
{
    int found;
    size_t pos = probe(t, key, hash_key(t, key), &found);
    return found ? rec_at(t, t->index[pos] - 1) : NULL;
}

static void list_unlink(struct table *t, uint32_t i)
{
    struct table_link *l = &t->links[i];
    if (l->newer != TABLE_NONE)
        t->links[l->newer].older = l->older;
    else
        t->newest = l->older;
    if (l->older != TABLE_NONE)
        t->links[l->older].newer = l->newer;
    else
        t->oldest = l->newer;
}

static void list_push_newest(struct table *t, uint32_t i)
{
    struct table_link *l = &t->links[i];
    l->newer = TABLE_NONE;
    l->older = t->newest;
    if (t->newest != TABLE_NONE)
        t->links[t->newest].newer = i;
    t->newest = i;
    if (t->oldest == TABLE_NONE)
        t->oldest = i;
}

int table_insert(struct table *t, const char *key, int64_t now_ms, void **rec)
{
    size_t klen = strlen(key);
    if (klen >= t->key_size)
        return -VIGIL_E2BIG;
    uint64_t h = hash_key(t, key);
    int found;
    size_t pos = probe(t, key, h, &found);
    if (found)
        return -VIGIL_EEXIST;
    if (t->free_head == TABLE_NONE)
        return -VIGIL_EFULL;
    uint32_t i = t->free_head;
    t->free_head = t->links[i].newer;
    unsigned char *r = rec_at(t, i);
    memset(r, 0, t->rec_size);
    memcpy(r, key, klen + 1);
    t->links[i].hash = h;
    t->links[i].seen_ms = now_ms;
    t->links[i].used = 1;
    list_push_newest(t, i);
    t->index[pos] = i + 1;
    t->count++;
    *rec = r;
    return 0;
}

void table_touch(struct table *t, void *rec, int64_t now_ms)
{
    uint32_t i = rec_no(t, rec);
    t->links[i].seen_ms = now_ms;
    if (t->newest == i)
        return;
    list_unlink(t, i);
    list_push_newest(t, i);
}

/* Empties index place pos and moves back the entries after it that would otherwise be
 * cut off from their home place (Knuth's algorithm R for linear probing). */
static void index_delete(struct table *t, size_t pos)
{
    size_t hole = pos;
    size_t j = pos;
    for (;;) {
        j = (j + 1) & t->index_mask;
        uint32_t e = t->index[j];
        if (e == 0)
            break;
        size_t home = (size_t)t->links[e - 1].hash & t->index_mask;
        /* The entry at j may fill the hole unless its home lies cyclically in (hole, j]. */
        int home_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_between) {
            t->index[hole] = e;
            hole = j;
        }
    }
    t->index[hole] = 0;
}

void table_remove(struct table *t, void *rec)
{
    uint32_t i = rec_no(t, rec);
    if (!t->links[i].used)
        return;
    int found;
    size_t pos = probe(t, (const char *)rec, t->links[i].hash, &found);
    if (found)
        index_delete(t, pos);
    list_unlink(t, i);
    t->links[i].used = 0;
    t->links[i].newer = t->free_head;
    t->free_head = i;
    t->count--;
}

void *table_oldest(const struct table *t)
{
    return t->oldest == TABLE_NONE ? NULL : rec_at(t, t->oldest);
}

void *table_newer(const struct table *t, const void *rec)
{
    uint32_t n = t->links[rec_no(t, rec)].newer;
    return n == TABLE_NONE ? NULL : rec_at(t, n);
}

int64_t table_seen(const struct table *t, const void *rec)
{
    return t->links[rec_no(t, rec)].seen_ms;
}
