/*
 * table: a fixed-capacity table of fixed-size records keyed by a string, with the records
 * kept in order of activity. Sessions, requests, tools and projects are each one table.
 *
 * Each record starts with its key, a NUL-terminated string of at most key_size - 1 bytes
 * that the table writes at insert and the caller must not change. Lookups go through an
 * open-addressing hash index; the activity order (a list through the records) gives the
 * least recently active record in O(1), for eviction when full and for idle expiry. All
 * memory is allocated at init. Single owner: not thread-safe. Record pointers stay valid
 * until the record is removed.
 */
#ifndef VIGIL_TABLE_H
#define VIGIL_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct table_link {
    uint32_t newer; /* toward the most recently active; TABLE_NONE at the end */
    uint32_t older;
    uint64_t hash;
    int64_t seen_ms; /* the time of the last insert or touch */
    int used;
};

#define TABLE_NONE UINT32_MAX

struct table {
    unsigned char *recs; /* owned; cap * rec_size bytes */
    struct table_link *links;
    uint32_t *index; /* owned; record number + 1, or 0 for an empty place */
    size_t index_mask;
    size_t rec_size;
    size_t key_size;
    uint32_t cap;
    uint32_t count;
    uint32_t newest, oldest; /* TABLE_NONE when empty */
    uint32_t free_head;      /* unused records, through links[].newer */
    uint64_t seed;
};

/* Sets up room for cap records (1..2^24) of rec_size bytes whose first key_size bytes hold
 * the key. 0, -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int table_init(struct table *t, uint32_t cap, size_t rec_size, size_t key_size);
void table_release(struct table *t);
/* Removes every record. */
void table_clear(struct table *t);

/* The record for key, or NULL. */
void *table_find(const struct table *t, const char *key);

/*
 * Adds a zero-filled record for key (absent from the table) as the most recently active
 * at now_ms, and returns it in *rec. -VIGIL_EFULL when the table is full (the caller may
 * remove table_oldest() and try again), -VIGIL_E2BIG when key is longer than key_size - 1
 * (keys are never cut: two keys cut alike would merge), -VIGIL_EEXIST when present.
 */
int table_insert(struct table *t, const char *key, int64_t now_ms, void **rec);

/* Makes rec the most recently active, at now_ms. */
void table_touch(struct table *t, void *rec, int64_t now_ms);
/* Removes rec; the pointer is dead afterwards. */
void table_remove(struct table *t, void *rec);

/* The least recently active record, or NULL when empty. */
void *table_oldest(const struct table *t);
/* The record active just after rec, or NULL when rec is the most recent. To remove records
 * while walking, fetch the next one before removing the current one. */
void *table_newer(const struct table *t, const void *rec);
/* When rec was last inserted or touched. */
int64_t table_seen(const struct table *t, const void *rec);

static inline uint32_t table_count(const struct table *t)
{
    return t->count;
}

static inline int table_full(const struct table *t)
{
    return t->count == t->cap;
}

#endif
