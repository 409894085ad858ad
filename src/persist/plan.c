/*
 * plan: the cut between memory and disk. The ring wins wherever it covers the range at the
 * resolution asked for; disk answers before that. The cut is a period edge whenever disk
 * reaches it, so a rollup period is read from one tier only.
 */
#include "persist/plan.h"

#include "persist/rollup.h"

static int64_t max64(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void add(struct plan *p, enum plan_tier t, int64_t from, int64_t to)
{
    if (from < to)
        p->seg[p->n++] = (struct plan_seg){t, from, to};
}

/* Where disk stops and the ring starts: disk answers the periods starting before it, the
 * ring the samples at or after it. */
static int64_t split_at(const struct plan_input *in, bool by_rollups)
{
    int64_t past_end = in->to_ms + 1;
    if (by_rollups) /* a step of whole periods: rollups as far as they go */
        return min64(in->rollup_end_ms, past_end);
    if (!in->ring_has)
        return past_end;
    int64_t ring = in->ring_oldest_ms;
    if (ring <= in->from_ms)
        return in->from_ms;
    /* the period holding the ring's oldest sample is read from disk when disk has it:
     * the ring may lack its beginning (a restart, a ring that wrapped) */
    return max64(ring, min64(rollup_ceil(ring, in->rollup_ms), in->rollup_end_ms));
}

void plan_range(const struct plan_input *in, struct plan *out)
{
    out->n = 0;
    bool disk = in->disk && in->rollup_ms > 0;
    int64_t step = in->step_ms;
    bool coarse = disk && in->coarse_ms > 0 && in->coarse_end_ms > 0;
    bool by_coarse =
        coarse && (in->coarse_only || (step >= in->coarse_ms && step % in->coarse_ms == 0));
    bool by_rollups = by_coarse || (disk && step >= in->rollup_ms && step % in->rollup_ms == 0);
    int64_t split = disk ? split_at(in, by_rollups) : in->from_ms;
    if (split > in->from_ms) {
        int64_t rollups_from = rollup_floor(in->from_ms, in->rollup_ms);
        if (by_coarse) {
            int64_t cf = rollup_floor(in->from_ms, in->coarse_ms);
            int64_t ce = min64(in->coarse_end_ms, rollup_floor(split, in->coarse_ms));
            if (ce > cf) {
                add(out, PLAN_COARSE, cf, ce);
                rollups_from = ce;
            }
        }
        add(out, PLAN_ROLLUP, rollups_from, min64(split, in->rollup_end_ms));
    }
    int64_t ring_from = max64(in->from_ms, split);
    if (in->ring_has && ring_from <= in->to_ms)
        out->seg[out->n++] = (struct plan_seg){PLAN_RING, ring_from, in->to_ms};
}
