/*
 * store: the in-memory history. One fixed-size ring per series, allocated (and touched)
 * once when the series is registered, holding the history window at its interval.
 *
 * Threads: each series has exactly one writer thread (the collector that registered it);
 * registration is serialised by a mutex that readers never take. Readers on any thread
 * read without locks and never block a writer: each slot carries its timestamp as a
 * version, written last with release order, and a reader keeps a sample only when the
 * timestamp it read before and after the value agree, so it never sees a half-written
 * sample. A series, once registered, stays until store_free() (its name and unit are
 * immutable).
 *
 * Names use dots with per-entity parts in the middle: "cpu.0.utilization",
 * "disk.sda.read_rate_mbps". A pattern may use '*' for one whole part: "cpu.*.utilization".
 */
#ifndef VIGIL_STORE_H
#define VIGIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_NAME_MAX 128 /* bytes, NUL included */

struct store;

struct sample {
    int64_t ts_ms; /* unix ms */
    double value;
};

/* Returns a new store that holds at most max_series series, or NULL. */
struct store *store_new(size_t max_series);
void store_free(struct store *s);

/* Finds the series called name, or registers it with a ring of `slots` samples. unit and
 * help are copied. Returns its id (>= 0), -VIGIL_EFULL when max_series are registered,
 * -VIGIL_EINVAL for a bad name, -VIGIL_ENOMEM. Writers only. */
int store_series(struct store *s, const char *name, const char *unit, const char *help,
                 size_t slots);

/* Appends a sample to series id. ts_ms must not go backwards for a series (a sample older
 * than the newest is dropped). Only the series' writer thread may call this. */
void store_push(struct store *s, int id, int64_t ts_ms, double value);

/* Readers, any thread. */
size_t store_count(const struct store *s);
int store_find(const struct store *s, const char *name);
const char *store_name(const struct store *s, int id);
const char *store_unit(const struct store *s, int id);
const char *store_help(const struct store *s, int id);
/* Copies the samples of series id with from_ms <= ts <= to_ms, oldest first, into out
 * (room for n; when more are in range, the newest n). Returns how many were copied. */
size_t store_read(const struct store *s, int id, int64_t from_ms, int64_t to_ms, struct sample *out,
                  size_t n);
/* The newest sample; false when the series has none. */
bool store_latest(const struct store *s, int id, struct sample *out);
/* Bytes allocated for rings and names. */
size_t store_bytes(const struct store *s);

/* True when name matches pattern ('*' stands for one whole dot-separated part, or for
 * everything when the pattern is just "*"). */
bool series_match(const char *pattern, const char *name);
/* True when name is a valid series name: parts of [A-Za-z0-9_:-], joined by dots. */
bool series_name_valid(const char *name);

#endif
