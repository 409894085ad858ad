/*
 * bench_alerts: the cost of one alert evaluation cycle with 1,000 rules over 500 series
 * (target: under 1 ms). The series are 50 hosts x 10 GPUs ("host7.gpu.3.temp"), each with
 * a minute of samples at 1 s; the rules are 950 on one series each (every tenth reading an
 * average over 30 s instead of the last value) and 50 wildcard rules, one per host
 * ("host7.gpu.*.temp"), so 1,450 instances, a few dozen pending or firing. The store is
 * written between cycles as the collectors would, so each cycle reads fresh samples.
 * Reported: the median of the engine's evaluation alone, and of the evaluator's whole cycle
 * (evaluate, encode the API document, the active list, /metrics and /health, publish).
 *   usage: bench_alerts [cycles]   (default 500)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/engine.h"
#include "alert/evaluator.h"
#include "core/clock.h"
#include "core/log.h"
#include "store/board.h"
#include "store/store.h"

#define HOSTS  50
#define GPUS   10
#define SERIES (HOSTS * GPUS)
#define RULES  1000
#define WILD   HOSTS
#define T0     1800000000000LL

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double temp(int s, int t)
{
    return 40 + (s * 7 + t) % 50; /* 40..89: a few series above 85 at any time */
}

static void push_all(struct store *st, const int *ids, int t)
{
    for (int s = 0; s < SERIES; s++)
        store_push(st, ids[s], T0 + (int64_t)t * 1000, temp(s, t));
}

static void rules_make(struct alert_rule *rules)
{
    char name[64], series[128];
    for (int r = 0; r < RULES - WILD; r++) {
        int s = r % SERIES;
        snprintf(name, sizeof name, "rule%d", r);
        snprintf(series, sizeof series, "host%d.gpu.%d.temp", s / GPUS, s % GPUS);
        alert_rule_init(&rules[r], name, series);
        rules[r].threshold = rules[r].clear = 85 + r % 3;
        rules[r].for_ms = (r % 4) * 1000;
        if (r % 10 == 0) {
            rules[r].agg = ALERT_AGG_AVG;
            rules[r].over_ms = 30000;
        }
    }
    for (int h = 0; h < WILD; h++) {
        struct alert_rule *r = &rules[RULES - WILD + h];
        snprintf(name, sizeof name, "hot%d", h);
        snprintf(series, sizeof series, "host%d.gpu.*.temp", h);
        alert_rule_init(r, name, series);
        r->threshold = 85;
        r->clear = 80;
        r->has_clear = true;
        r->for_ms = 5000;
    }
}

static void report(const char *what, int64_t *ns, int n)
{
    qsort(ns, (size_t)n, sizeof *ns, cmp);
    printf("%s: median %.1f us per cycle, p99 %.1f us (%d cycles)\n", what,
           (double)ns[n / 2] / 1000, (double)ns[n * 99 / 100] / 1000, n);
}

int main(int argc, char **argv)
{
    int cycles = argc > 1 ? atoi(argv[1]) : 500;
    if (cycles < 10)
        cycles = 10;
    log_set_level(LOG_ERROR);
    struct store *st = store_new(SERIES);
    struct alert_rule *rules = calloc(RULES, sizeof *rules);
    int64_t *ns = calloc((size_t)cycles, sizeof *ns);
    int ids[SERIES];
    if (!st || !rules || !ns)
        return 1;
    for (int s = 0; s < SERIES; s++) {
        char name[64];
        snprintf(name, sizeof name, "host%d.gpu.%d.temp", s / GPUS, s % GPUS);
        ids[s] = store_series(st, name, "celsius", "bench", 3600);
        if (ids[s] < 0)
            return 1;
    }
    for (int t = 0; t < 60; t++)
        push_all(st, ids, t);
    rules_make(rules);

    /* the engine alone */
    const int64_t repeat[ALERT_MAX_NOTIFIERS] = {0};
    struct alert_engine_opts eo = {.default_stale_ms = 3000,
                                   .max_instances = 4096,
                                   .recent = 100,
                                   .repeat_ms = repeat,
                                   .n_notifiers = 0};
    struct alert_engine *e = alert_engine_new(rules, RULES, st, &eo);
    if (!e)
        return 1;
    alert_engine_eval(e, T0 + 59000); /* matching happens once, when series first appear */
    int t = 60;
    for (int c = 0; c < cycles; c++, t++) {
        push_all(st, ids, t);
        int64_t a = clock_mono_ns();
        alert_engine_eval(e, T0 + (int64_t)t * 1000);
        ns[c] = clock_mono_ns() - a;
    }
    unsigned firing = 0, pending = 0;
    for (unsigned i = 0; i < alert_engine_count(e); i++) {
        firing += alert_engine_instance(e, i)->state == ALERT_FIRING;
        pending += alert_engine_instance(e, i)->state == ALERT_PENDING;
    }
    printf("alert evaluation, %d rules over %d series (%u instances; at the end %u firing, %u "
           "pending):\n",
           RULES, SERIES, alert_engine_count(e), firing, pending);
    report("  engine", ns, cycles);
    alert_engine_free(e);

    /* the evaluator's whole cycle, with its snap published to a board */
    struct board board;
    board_init(&board);
    struct alert_evaluator_opts vo = {.interval_ms = 1000, .stale_ms = 3000, .hostname = "b"};
    struct alert_evaluator *ev = alert_evaluator_new(rules, RULES, st, &board, NULL, &vo);
    if (!ev)
        return 1;
    alert_evaluator_cycle(ev, T0 + (int64_t)t * 1000);
    for (int c = 0; c < cycles; c++, t++) {
        push_all(st, ids, t);
        int64_t a = clock_mono_ns();
        alert_evaluator_cycle(ev, T0 + (int64_t)t * 1000);
        ns[c] = clock_mono_ns() - a;
        board_collect(&board); /* the loop's side: frees the older snap */
    }
    report("  whole cycle (evaluate, encode, publish)", ns, cycles);
    alert_evaluator_free(ev);
    board_release(&board);
    store_free(st);
    free(rules);
    free(ns);
    return 0;
}
