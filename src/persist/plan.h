/*
 * plan: which tier answers which part of a history range. Three tiers hold a series: the
 * in-memory ring (every sample, since its oldest), rollups on disk (one per rollup
 * interval, up to the last period written) and coarse rollups on disk (one per coarse
 * width, by default an hour). A plan cuts [from, to] into at most three consecutive
 * segments, oldest first, each read from one tier:
 *
 *   coarse [from, coarse_end) | rollups [.., rollup_end) | ring [.., to]
 *
 * `step` chooses the resolution: a step that is a whole number of coarse widths reads
 * coarse rollups where they exist, a whole number of rollup intervals reads rollups, and
 * anything finer (or no step) reads the ring wherever it covers the range, rollups only
 * before it; coarse_only asks for coarse rollups whatever the step. The edge between
 * rollups and the ring is put on a period edge when rollups reach that far, so no period is
 * counted twice and none is left out.
 *
 * Pure: the caller says what each tier holds and when "now" is.
 */
#ifndef VIGIL_PERSIST_PLAN_H
#define VIGIL_PERSIST_PLAN_H

#include <stdbool.h>
#include <stdint.h>

enum plan_tier { PLAN_COARSE, PLAN_ROLLUP, PLAN_RING };

struct plan_input {
    int64_t from_ms, to_ms; /* the range asked for, both included */
    int64_t step_ms;        /* 0: every point at its tier's resolution */
    /* the ring: its oldest sample at or after from_ms, when it has one up to to_ms */
    bool ring_has;
    int64_t ring_oldest_ms;
    /* disk: false when it cannot be read (then only the ring answers) */
    bool disk;
    int64_t rollup_ms;     /* the rollup interval */
    int64_t rollup_end_ms; /* periods before this are on disk */
    int64_t coarse_ms;     /* the coarse width, a multiple of rollup_ms; 0: no coarse tier */
    int64_t coarse_end_ms; /* coarse periods before this are on disk */
    /* read coarse rollups wherever they exist, whatever the step: for a range too long to
     * read at the rollup interval */
    bool coarse_only;
};

struct plan_seg {
    enum plan_tier tier;
    int64_t from_ms, to_ms; /* [from, to): rollups whose period starts here; the ring's
                             * last segment includes to_ms itself */
};

struct plan {
    unsigned n;
    struct plan_seg seg[3];
};

/* Plans in. Segments are non-empty, ordered, and do not overlap; together they cover
 * [from, to] except where no tier holds anything. */
void plan_range(const struct plan_input *in, struct plan *out);

#endif
