/*
 * store: series rings with lock-free reads. The per-slot protocol (writer: ts=0, value,
 * ts=t, the last two with release; reader: ts, value, ts with acquire) is a seqlock whose
 * sequence number is the timestamp itself, so it costs no extra memory and needs no
 * fences, which ThreadSanitizer understands.
 */
#include "store/store.h"

#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"

struct slot {
    _Atomic int64_t ts_ms; /* 0 while empty or being written */
    _Atomic double value;
};

struct series {
    char name[STORE_NAME_MAX];
    char *unit; /* owned */
    char *help; /* owned */
    size_t cap;
    struct slot *ring;        /* owned, cap slots */
    _Atomic uint64_t written; /* samples ever pushed; next slot is written % cap */
    int64_t newest_ts;        /* writer's own copy */
};

struct store {
    pthread_mutex_t reg_lock; /* serialises registration only */
    size_t max;
    _Atomic size_t count;  /* published with release after the entry is complete */
    _Atomic size_t bytes;  /* written under reg_lock */
    struct series **table; /* max entries; each allocated at registration */
};

struct store *store_new(size_t max_series)
{
    struct store *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->table = vigil_calloc(max_series ? max_series : 1, sizeof(struct series *));
    if (!s->table) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->reg_lock, NULL);
    s->max = max_series;
    atomic_init(&s->count, 0);
    return s;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    size_t n = atomic_load(&s->count);
    for (size_t i = 0; i < n; i++) {
        free(s->table[i]->ring);
        free(s->table[i]->unit);
        free(s->table[i]->help);
        free(s->table[i]);
    }
    free(s->table);
    pthread_mutex_destroy(&s->reg_lock);
    free(s);
}

static bool part_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == ':' || c == '-';
}

bool series_name_valid(const char *name)
{
    size_t len = strnlen(name, STORE_NAME_MAX);
    if (len == 0 || len >= STORE_NAME_MAX)
        return false;
    bool part_empty = true;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (part_empty)
                return false;
            part_empty = true;
        } else if (part_char(name[i])) {
            part_empty = false;
        } else {
            return false;
        }
    }
    return !part_empty;
}

bool series_match(const char *pattern, const char *name)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    const char *p = pattern, *n = name;
    for (;;) {
        const char *pe = strchr(p, '.');
        const char *ne = strchr(n, '.');
        size_t plen = pe ? (size_t)(pe - p) : strlen(p);
        size_t nlen = ne ? (size_t)(ne - n) : strlen(n);
        bool star = plen == 1 && p[0] == '*';
        if (!star && (plen != nlen || memcmp(p, n, plen) != 0))
            return false;
        if (!pe || !ne)
            return !pe && !ne;
        p = pe + 1;
        n = ne + 1;
    }
}

static int find_locked(const struct store *s, const char *name, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->table[i]->name, name) == 0)
            return (int)i;
    return -VIGIL_ENOENT;
}

int store_find(const struct store *s, const char *name)
{
    return find_locked(s, name, atomic_load_explicit(&s->count, memory_order_acquire));
}

static struct series *series_new(const char *name, const char *unit, const char *help, size_t slots)
{
    struct series *se = vigil_calloc(1, sizeof *se);
    if (!se)
        return NULL;
    snprintf(se->name, sizeof se->name, "%s", name);
    se->unit = vigil_strdup(unit ? unit : "");
    se->help = vigil_strdup(help ? help : "");
    se->cap = slots ? slots : 1;
    se->ring = vigil_malloc(se->cap * sizeof *se->ring);
    if (!se->unit || !se->help || !se->ring) {
        free(se->unit);
        free(se->help);
        free(se->ring);
        free(se);
        return NULL;
    }
    /* Writing every slot now makes the ring resident at start-up: the daemon's memory
     * does not creep up over the first hour, and what it costs is visible at once. */
    for (size_t i = 0; i < se->cap; i++) {
        atomic_init(&se->ring[i].ts_ms, 0);
        atomic_init(&se->ring[i].value, 0.0);
    }
    atomic_init(&se->written, 0);
    return se;
}

int store_series(struct store *s, const char *name, const char *unit, const char *help,
                 size_t slots)
{
    if (!series_name_valid(name))
        return -VIGIL_EINVAL;
    pthread_mutex_lock(&s->reg_lock);
    size_t n = atomic_load_explicit(&s->count, memory_order_relaxed);
    int id = find_locked(s, name, n);
    if (id >= 0) {
        pthread_mutex_unlock(&s->reg_lock);
        return id;
    }
    if (n >= s->max) {
        pthread_mutex_unlock(&s->reg_lock);
        return -VIGIL_EFULL;
    }
    struct series *se = series_new(name, unit, help, slots);
    if (!se) {
        pthread_mutex_unlock(&s->reg_lock);
        return -VIGIL_ENOMEM;
    }
    s->table[n] = se;
    atomic_fetch_add(&s->bytes,
                     sizeof *se + se->cap * sizeof *se->ring + strlen(se->unit) + strlen(se->help));
    atomic_store_explicit(&s->count, n + 1, memory_order_release);
    pthread_mutex_unlock(&s->reg_lock);
    return (int)n;
}

static struct series *get(const struct store *s, int id)
{
    if (id < 0 || (size_t)id >= atomic_load_explicit(&s->count, memory_order_acquire))
        return NULL;
    return s->table[id];
}

void store_push(struct store *s, int id, int64_t ts_ms, double value)
{
    struct series *se = get(s, id);
    if (!se || ts_ms <= 0 || ts_ms < se->newest_ts)
        return;
    uint64_t w = atomic_load_explicit(&se->written, memory_order_relaxed);
    struct slot *sl = &se->ring[w % se->cap];
    atomic_store_explicit(&sl->ts_ms, 0, memory_order_relaxed);
    atomic_store_explicit(&sl->value, value, memory_order_release);
    atomic_store_explicit(&sl->ts_ms, ts_ms, memory_order_release);
    se->newest_ts = ts_ms;
    atomic_store_explicit(&se->written, w + 1, memory_order_release);
}

size_t store_count(const struct store *s)
{
    return atomic_load_explicit(&s->count, memory_order_acquire);
}

const char *store_name(const struct store *s, int id)
{
    struct series *se = get(s, id);
    return se ? se->name : NULL;
}

const char *store_unit(const struct store *s, int id)
{
    struct series *se = get(s, id);
    return se ? se->unit : NULL;
}

const char *store_help(const struct store *s, int id)
{
    struct series *se = get(s, id);
    return se ? se->help : NULL;
}

/* Reads one slot consistently; false if it is empty or was being overwritten. */
static bool slot_read(const struct slot *sl, struct sample *out)
{
    int64_t t1 = atomic_load_explicit(&sl->ts_ms, memory_order_acquire);
    if (t1 == 0)
        return false;
    double v = atomic_load_explicit(&sl->value, memory_order_acquire);
    int64_t t2 = atomic_load_explicit(&sl->ts_ms, memory_order_acquire);
    if (t1 != t2)
        return false;
    out->ts_ms = t1;
    out->value = v;
    return true;
}

size_t store_read(const struct store *s, int id, int64_t from_ms, int64_t to_ms, struct sample *out,
                  size_t n)
{
    struct series *se = get(s, id);
    if (!se || n == 0)
        return 0;
    uint64_t w = atomic_load_explicit(&se->written, memory_order_acquire);
    uint64_t avail = w < se->cap ? w : se->cap;
    /* Walk from the newest back. A slot the writer overwrote while we walked holds a sample
     * newer than the one after it, so the first time order breaks we have reached data
     * that is gone, and stop. The newest n samples in range are kept. */
    size_t got = 0;
    int64_t prev = INT64_MAX;
    for (uint64_t k = 0; k < avail && got < n; k++) {
        struct sample smp;
        if (!slot_read(&se->ring[(w - 1 - k) % se->cap], &smp) || smp.ts_ms >= prev)
            break;
        prev = smp.ts_ms;
        if (smp.ts_ms < from_ms)
            break;
        if (smp.ts_ms <= to_ms)
            out[got++] = smp;
    }
    for (size_t i = 0; i < got / 2; i++) {
        struct sample t = out[i];
        out[i] = out[got - 1 - i];
        out[got - 1 - i] = t;
    }
    return got;
}

bool store_latest(const struct store *s, int id, struct sample *out)
{
    struct series *se = get(s, id);
    if (!se)
        return false;
    uint64_t w = atomic_load_explicit(&se->written, memory_order_acquire);
    if (w == 0)
        return false;
    return slot_read(&se->ring[(w - 1) % se->cap], out);
}

size_t store_bytes(const struct store *s)
{
    return atomic_load_explicit(&s->bytes, memory_order_relaxed);
}
