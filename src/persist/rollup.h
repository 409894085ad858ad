/*
 * rollup: the maths of history on disk, apart from any database. A rollup is the min, mean,
 * max and count of one series over one period [ts, ts + width), periods aligned to the
 * epoch so that every process and every restart cuts time at the same edges. Rollups of
 * one period merge (a period split by a restart, minutes into an hour) into the rollup of
 * all their samples: the mean is weighted by the counts, so merging never drifts.
 *
 * Pure: no clock, no I/O; every function is given the time.
 */
#ifndef VIGIL_PERSIST_ROLLUP_H
#define VIGIL_PERSIST_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct rollup {
    int64_t ts_ms; /* the period's start */
    double min, avg, max;
    uint64_t n; /* samples; 0: the rollup is empty and its other fields mean nothing */
};

/* The start of the period of width_ms (> 0) that holds t_ms, for any t_ms (floor, also
 * before the epoch). */
int64_t rollup_floor(int64_t t_ms, int64_t width_ms);
/* The first period edge at or after t_ms. */
int64_t rollup_ceil(int64_t t_ms, int64_t width_ms);

/* Makes r the empty rollup of the period starting at ts_ms. */
void rollup_init(struct rollup *r, int64_t ts_ms);
/* Adds one sample; NaN and infinities are left out (they would poison the mean). */
void rollup_add(struct rollup *r, double v);
/* Adds the samples of s[0..n) whose ts_ms is in [from_ms, to_ms); returns how many. */
size_t rollup_add_samples(struct rollup *r, const struct sample *s, size_t n, int64_t from_ms,
                          int64_t to_ms);
/* Merges b into a as if a had seen b's samples too (a keeps its ts_ms). */
void rollup_merge(struct rollup *a, const struct rollup *b);

/*
 * The periods a writer should roll up at now_ms, given that every period before next_ms is
 * done: [*first, *end) in steps of width_ms, each period complete (its end plus grace_ms at
 * or before now_ms). Periods that end before oldest_ms (what memory still holds) are
 * skipped, since nothing is left to roll up. Returns how many; 0 when none is due.
 */
int64_t rollup_due(int64_t next_ms, int64_t now_ms, int64_t width_ms, int64_t grace_ms,
                   int64_t oldest_ms, int64_t *first, int64_t *end);

#endif
