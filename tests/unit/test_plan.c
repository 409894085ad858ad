/* plan: which tier answers which part of a history range, at each step, around restarts
 * and outages. Times are made up: "now" is 12:00 on a day, memory holds the last hour. */
#include <criterion/criterion.h>

#include "persist/plan.h"

#define SEC  1000LL
#define MIN  (60 * SEC)
#define HOUR (60 * MIN)
#define T0   1767261600000LL /* 10:00:00Z */
#define NOW  (T0 + 2 * HOUR) /* 12:00:00 */

/* Memory from 11:00:00.500 (a sample every second since), rollups written up to 11:59,
 * coarse rollups up to 11:00. */
static struct plan_input base(int64_t from, int64_t to, int64_t step)
{
    return (struct plan_input){
        .from_ms = from,
        .to_ms = to,
        .step_ms = step,
        .ring_has = true,
        .ring_oldest_ms = NOW - HOUR + 500,
        .disk = true,
        .rollup_ms = MIN,
        .rollup_end_ms = NOW - MIN,
        .coarse_ms = HOUR,
        .coarse_end_ms = NOW - HOUR,
    };
}

static void seg_is(const struct plan *p, unsigned i, enum plan_tier t, int64_t from, int64_t to)
{
    cr_assert_lt(i, p->n, "segment %u missing", i);
    cr_assert_eq(p->seg[i].tier, t, "segment %u: tier %d, not %d", i, p->seg[i].tier, t);
    cr_assert_eq(p->seg[i].from_ms, from, "segment %u: from %lld, not %lld", i,
                 (long long)(p->seg[i].from_ms - T0), (long long)(from - T0));
    cr_assert_eq(p->seg[i].to_ms, to, "segment %u: to %lld, not %lld", i,
                 (long long)(p->seg[i].to_ms - T0), (long long)(to - T0));
}

Test(plan, memory_alone_answers_what_it_covers)
{
    struct plan_input in = base(NOW - 15 * MIN, NOW, 0);
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 1);
    seg_is(&p, 0, PLAN_RING, NOW - 15 * MIN, NOW);
}

Test(plan, before_memory_rollups_answer_up_to_a_period_edge)
{
    /* 10:30 to now: the ring starts at 11:00:00.500, inside the 11:00 period, which is
     * read from disk whole; the ring answers from 11:01 */
    struct plan_input in = base(T0 + 30 * MIN, NOW, 0);
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 2);
    seg_is(&p, 0, PLAN_ROLLUP, T0 + 30 * MIN, NOW - HOUR + MIN);
    seg_is(&p, 1, PLAN_RING, NOW - HOUR + MIN, NOW);
}

Test(plan, a_range_before_memory_reads_disk_only)
{
    struct plan_input in = base(T0, T0 + 30 * MIN, 0);
    in.ring_has = false; /* no sample of the ring in the range */
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 1);
    seg_is(&p, 0, PLAN_ROLLUP, T0, T0 + 30 * MIN + 1);
}

Test(plan, an_unaligned_start_takes_its_whole_period)
{
    struct plan_input in = base(T0 + 30 * MIN + 20 * SEC, T0 + 40 * MIN, 0);
    in.ring_has = false;
    struct plan p;
    plan_range(&in, &p);
    seg_is(&p, 0, PLAN_ROLLUP, T0 + 30 * MIN, T0 + 40 * MIN + 1);
}

Test(plan, a_step_of_whole_periods_reads_rollups_as_far_as_they_go)
{
    /* the last 30 minutes at a 1-minute step: rollups to 11:59, the ring for the minute
     * not rolled up yet */
    struct plan_input in = base(NOW - 30 * MIN, NOW, MIN);
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 2);
    seg_is(&p, 0, PLAN_ROLLUP, NOW - 30 * MIN, NOW - MIN);
    seg_is(&p, 1, PLAN_RING, NOW - MIN, NOW);
    /* a 5-minute step too; a 90-second one is not a whole number of periods: the ring */
    in.step_ms = 5 * MIN;
    plan_range(&in, &p);
    seg_is(&p, 0, PLAN_ROLLUP, NOW - 30 * MIN, NOW - MIN);
    in.step_ms = 90 * SEC;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 1);
    seg_is(&p, 0, PLAN_RING, NOW - 30 * MIN, NOW);
}

Test(plan, a_step_of_hours_reads_coarse_rollups_then_minutes_then_memory)
{
    /* a day at 1 h: coarse to 11:00, minutes 11:00-11:59, the ring after */
    struct plan_input in = base(NOW - 24 * HOUR, NOW, HOUR);
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 3);
    seg_is(&p, 0, PLAN_COARSE, NOW - 24 * HOUR, NOW - HOUR);
    seg_is(&p, 1, PLAN_ROLLUP, NOW - HOUR, NOW - MIN);
    seg_is(&p, 2, PLAN_RING, NOW - MIN, NOW);
}

Test(plan, coarse_never_overlaps_what_follows)
{
    /* the range ends at 10:30: the 10:00 hour would reach past it, so 10:00-10:30 comes
     * from minutes */
    struct plan_input in = base(NOW - 5 * HOUR, T0 + 30 * MIN, HOUR);
    in.ring_has = false;
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 2);
    seg_is(&p, 0, PLAN_COARSE, NOW - 5 * HOUR, T0);
    seg_is(&p, 1, PLAN_ROLLUP, T0, T0 + 30 * MIN + 1);
}

Test(plan, after_a_restart_memory_is_short_and_disk_has_a_gap)
{
    /* killed at 11:42:10 (rollups to 11:42), started at 11:50:03 */
    struct plan_input in = base(NOW - HOUR, NOW, 0);
    in.ring_oldest_ms = NOW - 10 * MIN + 3 * SEC;
    in.rollup_end_ms = NOW - 18 * MIN;
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 2);
    /* disk stops where it stops; memory from its first sample, nothing counted twice */
    seg_is(&p, 0, PLAN_ROLLUP, NOW - HOUR, NOW - 18 * MIN);
    seg_is(&p, 1, PLAN_RING, NOW - 10 * MIN + 3 * SEC, NOW);

    /* two minutes later the writer has rolled up 11:50 and 11:51 (memory's own samples):
     * disk now takes the period memory starts in */
    in.rollup_end_ms = NOW - 8 * MIN;
    plan_range(&in, &p);
    seg_is(&p, 0, PLAN_ROLLUP, NOW - HOUR, NOW - 9 * MIN);
    seg_is(&p, 1, PLAN_RING, NOW - 9 * MIN, NOW);
}

Test(plan, without_disk_memory_answers_alone)
{
    struct plan_input in = base(T0, NOW, MIN);
    in.disk = false;
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 1);
    seg_is(&p, 0, PLAN_RING, T0, NOW);
}

Test(plan, nothing_anywhere_plans_nothing_useless)
{
    struct plan_input in = base(T0, T0 + MIN, 0);
    in.ring_has = false;
    in.rollup_end_ms = 0; /* a new database */
    in.coarse_end_ms = 0;
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 0);
}

/* Rollups a little after memory's start, as after a restart a few minutes ago. */
static int64_t rollup_end_for(int64_t ring)
{
    int64_t e = ring + 5 * MIN;
    return e - e % MIN;
}

Test(plan, segments_are_ordered_and_disjoint_for_any_input)
{
    /* a sweep over ranges, steps and edges: whatever the plan, segments go forward and
     * disk segments end where the next begins or before */
    const int64_t steps[] = {0, SEC, MIN, 2 * MIN, 90 * SEC, HOUR, 3 * HOUR};
    for (int64_t from = T0; from < NOW; from += 7 * MIN + 13 * SEC) {
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            for (int64_t ring = T0 - MIN; ring <= NOW; ring += 17 * MIN + 1) {
                struct plan_input in = base(from, NOW, steps[s]);
                in.ring_oldest_ms = ring;
                in.rollup_end_ms = rollup_end_for(ring);
                struct plan p;
                plan_range(&in, &p);
                for (unsigned i = 0; i < p.n; i++) {
                    cr_assert_lt(p.seg[i].from_ms, p.seg[i].to_ms + (p.seg[i].tier == PLAN_RING));
                    if (i)
                        cr_assert_geq(p.seg[i].from_ms, p.seg[i - 1].to_ms);
                    if (p.seg[i].tier == PLAN_RING)
                        cr_assert_geq(p.seg[i].from_ms, from);
                }
            }
        }
    }
}

Test(plan, coarse_only_reads_hours_whatever_the_step)
{
    /* a week at an 11-minute step is too much to read by the minute: hours instead */
    struct plan_input in = base(NOW - 7 * 24 * HOUR, NOW, 11 * MIN);
    in.coarse_only = true;
    struct plan p;
    plan_range(&in, &p);
    cr_assert_eq(p.n, 3);
    seg_is(&p, 0, PLAN_COARSE, NOW - 7 * 24 * HOUR, NOW - HOUR);
    seg_is(&p, 1, PLAN_ROLLUP, NOW - HOUR, NOW - MIN);
    seg_is(&p, 2, PLAN_RING, NOW - MIN, NOW);
    /* without coarse rollups on disk it changes nothing */
    in.coarse_end_ms = 0;
    in.step_ms = 0;
    plan_range(&in, &p);
    seg_is(&p, 0, PLAN_ROLLUP, NOW - 7 * 24 * HOUR, NOW - HOUR + MIN);
}
