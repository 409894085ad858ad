/*
 * evaluator: the alert thread (see evaluator.h). A cycle is: evaluate (the engine), tell
 * (notifier queue, stream posts, log), publish (one snap). Everything it hands on is a
 * copy, so nothing it owns is ever read by another thread.
 */
#include "alert/evaluator.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert/alert_encode.h"
#include "alert/notify_format.h"
#include "core/clock.h"
#include "core/ticker.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"
#include "core/log.h"

/* 4 MiB per document holds the API document for thousands of instances; the cap is there
 * so a bug cannot grow a snap without bound. */
#define ALERT_DOC_MAX (4u << 20)
#define POST_MAX      (64u << 10)

struct alert_evaluator {
    struct alert_evaluator_opts opts;
    char hostname[64];
    struct alert_engine *engine;
    struct store *store;   /* borrowed */
    struct board *board;   /* borrowed */
    struct notifier *nt;   /* borrowed, may be NULL */
    uint64_t seq;
    double last_eval_s;
    struct buf post;       /* one stream notification, reused */
    struct buf rules;      /* the rules' JSON, encoded once */
    _Atomic uint64_t cycles;

    struct ticker ticker;
};

struct alert_evaluator *alert_evaluator_new(const struct alert_rule *rules, unsigned n_rules,
                                            struct store *store, struct board *board,
                                            struct notifier *nt,
                                            const struct alert_evaluator_opts *opts)
{
    struct alert_evaluator *ev = vigil_calloc(1, sizeof *ev);
    if (!ev)
        return NULL;
    ev->opts = *opts;
    snprintf(ev->hostname, sizeof ev->hostname, "%s", opts->hostname ? opts->hostname : "");
    ev->opts.hostname = ev->hostname;
    if (ev->opts.interval_ms <= 0)
        ev->opts.interval_ms = 1000;
    int64_t repeat[ALERT_MAX_NOTIFIERS] = {0};
    unsigned n_notifiers = nt ? notifier_count(nt) : 0;
    for (unsigned i = 0; i < n_notifiers; i++)
        repeat[i] = notifier_def(nt, i)->repeat_ms;
    struct alert_engine_opts eo = {
        .default_stale_ms = opts->stale_ms > 0 ? opts->stale_ms : 3 * ev->opts.interval_ms,
        .max_instances = opts->max_instances ? opts->max_instances : 4096,
        .recent = opts->recent ? opts->recent : 100,
        .repeat_ms = repeat,
        .n_notifiers = n_notifiers,
    };
    ev->engine = alert_engine_new(rules, n_rules, store, &eo);
    if (!ev->engine) {
        free(ev);
        return NULL;
    }
    ev->store = store;
    ev->board = board;
    ev->nt = nt;
    buf_init(&ev->post, POST_MAX);
    buf_init(&ev->rules, ALERT_DOC_MAX);
    struct jsonw w;
    jw_init(&w, &ev->rules);
    alert_encode_rules(&w, ev->engine, nt);
    if (w.err)
        buf_release(&ev->rules); /* encoded each cycle instead */
    atomic_init(&ev->cycles, 0);
    return ev;
}

void alert_evaluator_free(struct alert_evaluator *ev)
{
    if (!ev)
        return;
    alert_evaluator_stop(ev);
    alert_engine_free(ev->engine);
    buf_release(&ev->post);
    buf_release(&ev->rules);
    free(ev);
}

/* --- one cycle ------------------------------------------------------------------------- */

static void tell_change(struct alert_evaluator *ev, const struct alert_change *c)
{
    const struct alert_instance *in = alert_engine_instance(ev->engine, c->inst);
    char val[48];
    if (in->has_value)
        alert_value_format(in->value, alert_engine_unit(ev->engine, c->inst), val, sizeof val);
    else
        snprintf(val, sizeof val, "no data");
    enum log_level level = c->to == ALERT_FIRING || c->from == ALERT_FIRING ? LOG_INFO : LOG_DEBUG;
    log_msg(level, "alert", "%s on %s: %s -> %s (%s)", in->rule, in->series,
            alert_state_name(c->from), alert_state_name(c->to), val);
    if (!ev->opts.post)
        return;
    buf_reset(&ev->post);
    struct jsonw w;
    jw_init(&w, &ev->post);
    jw_obj_begin(&w);
    jw_kstr(&w, "previous_state", alert_state_name(c->from));
    jw_key(&w, "alert");
    alert_encode_instance(&w, ev->engine, c->inst);
    jw_obj_end(&w);
    if (!w.err)
        ev->opts.post(ev->opts.post_arg, ALERT_CHANNEL, "alert", ev->post.data, ev->post.len);
}

static void tell_notifiers(struct alert_evaluator *ev, const struct alert_note *n, int64_t now)
{
    if (!ev->nt || !n->mask)
        return;
    struct alert_message m;
    alert_message_fill(&m, n->msg, alert_engine_rule_of(ev->engine, n->inst),
                       alert_engine_instance(ev->engine, n->inst),
                       alert_engine_unit(ev->engine, n->inst), ev->hostname, now);
    for (unsigned i = 0; i < ALERT_MAX_NOTIFIERS; i++) {
        if (!(n->mask & (1u << i)))
            continue;
        if (notifier_send(ev->nt, i, &m) == -VIGIL_EFULL)
            log_debug("alert", "notification queue full: dropped %s for %s on %s",
                      alert_msg_name(n->msg), m.rule, m.series);
    }
}

static struct snap *encode(struct alert_evaluator *ev, int64_t now)
{
    struct snap *snap = snap_new(BOARD_ALERTS, ALERT_DOC_MAX);
    if (!snap)
        return NULL;
    snap->seq = ++ev->seq;
    snap->ts_ms = now;
    struct buf *chan = snap_add_channel(snap, ALERT_CHANNEL);
    int err = chan ? 0 : -VIGIL_ENOMEM;
    struct jsonw w;
    if (!err) {
        jw_init(&w, chan);
        alert_encode_active(&w, ev->engine);
        err = w.err;
    }
    if (!err) {
        jw_init(&w, &snap->doc[ALERT_DOC_API]);
        alert_encode_api(&w, ev->engine, ev->nt, chan, &ev->rules, now);
        err = w.err;
    }
    if (!err) {
        jw_init(&w, &snap->doc[ALERT_DOC_HEALTH]);
        alert_encode_health(&w, ev->engine, ev->nt);
        err = w.err;
    }
    if (!err)
        err = alert_encode_prom(&snap->doc[ALERT_DOC_PROM], ev->engine, ev->nt, ev->last_eval_s);
    if (err) {
        log_warn("alert", "cannot encode alerts: %s", vigil_strerror(err));
        snap_free(snap);
        return NULL;
    }
    return snap;
}

/* Each instance that changed or was notified, and its history entry when it started or
 * stopped firing. */
static void save(struct alert_evaluator *ev, const struct alert_change *changes, unsigned nc,
                 const struct alert_note *notes, unsigned nn, int64_t now_ms)
{
    for (unsigned i = 0; i < nc; i++) {
        const struct alert_instance *in = alert_engine_instance(ev->engine, changes[i].inst);
        struct alert_event e, *ep = NULL;
        if (in->state == ALERT_FIRING || in->state == ALERT_RESOLVED) {
            memset(&e, 0, sizeof e);
            memcpy(e.rule, in->rule, sizeof e.rule);
            memcpy(e.series, in->series, sizeof e.series);
            e.severity = alert_engine_rule_of(ev->engine, changes[i].inst)->severity;
            e.state = in->state;
            e.has_value = in->has_value;
            e.value = in->value;
            e.at_ms = now_ms;
            e.fired_at_ms = in->fired_at_ms;
            ep = &e;
        }
        ev->opts.save(ev->opts.save_arg, in, ep);
    }
    for (unsigned i = 0; i < nn; i++)
        ev->opts.save(ev->opts.save_arg, alert_engine_instance(ev->engine, notes[i].inst), NULL);
}

int alert_evaluator_restore(struct alert_evaluator *ev, const struct alert_instance *in)
{
    return alert_engine_restore(ev->engine, in);
}

void alert_evaluator_restore_recent(struct alert_evaluator *ev, const struct alert_event *e)
{
    alert_engine_restore_recent(ev->engine, e);
}

void alert_evaluator_cycle(struct alert_evaluator *ev, int64_t now_ms)
{
    int64_t t0 = clock_mono_ns();
    uint64_t dropped = alert_engine_dropped(ev->engine);
    alert_engine_eval(ev->engine, now_ms);
    ev->last_eval_s = (double)(clock_mono_ns() - t0) / 1e9;
    if (alert_engine_dropped(ev->engine) > dropped && dropped == 0)
        log_warn("alert", "more series match the rules than the %u alert instances kept; "
                          "later matches are not evaluated",
                 alert_engine_count(ev->engine));
    const struct alert_change *changes;
    unsigned nc = alert_engine_changes(ev->engine, &changes);
    for (unsigned i = 0; i < nc; i++)
        tell_change(ev, &changes[i]);
    const struct alert_note *notes;
    unsigned nn = alert_engine_notes(ev->engine, &notes);
    for (unsigned i = 0; i < nn; i++)
        tell_notifiers(ev, &notes[i], now_ms);
    if (ev->opts.save)
        save(ev, changes, nc, notes, nn, now_ms);
    struct snap *snap = encode(ev, now_ms);
    if (snap)
        board_publish(ev->board, snap);
    atomic_fetch_add_explicit(&ev->cycles, 1, memory_order_relaxed);
}

uint64_t alert_evaluator_cycles(const struct alert_evaluator *ev)
{
    return atomic_load_explicit(&ev->cycles, memory_order_relaxed);
}

const struct alert_engine *alert_evaluator_engine(const struct alert_evaluator *ev)
{
    return ev->engine;
}

/* --- the thread ------------------------------------------------------------------------ */

static void tick(void *arg)
{
    alert_evaluator_cycle(arg, clock_real_ms());
}

int alert_evaluator_start(struct alert_evaluator *ev)
{
    ticker_init(&ev->ticker, ev->opts.interval_ms, ev->opts.interval_ms, tick, ev);
    return ticker_start(&ev->ticker);
}

void alert_evaluator_stop(struct alert_evaluator *ev)
{
    if (ev && ev->ticker.started)
        ticker_release(&ev->ticker);
}
