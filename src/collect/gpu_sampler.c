/*
 * gpu_sampler: the GPU thread (see gpu_sampler.h). Series are registered the first time a
 * GPU gives the figure, so a field a GPU never reports (a fan on a passively cooled card)
 * costs no ring; ids are cached per GPU index and field, so a cycle does no name lookups.
 */
#include "collect/gpu_sampler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/ticker.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "encode/gpu_encode.h"

/* 1 MiB per document: 16 GPUs with 64 processes each need about 150 KiB. The cap is there
 * so a bug cannot grow a snap without bound. */
#define GPU_DOC_MAX (1u << 20)

#define ID_UNSET  (-1) /* not registered yet */
#define ID_FAILED (-2) /* registration failed (store full): not retried */

static const struct {
    const char *field;
    const char *unit;
    const char *help;
    enum gpu_field bit;
} fields[] = {
    {"utilization", "percent", "share of time a kernel ran on the GPU", GPU_F_UTILIZATION},
    {"memory_utilization", "percent", "share of time the GPU memory was read or written",
     GPU_F_MEMORY_UTILIZATION},
    {"memory_used", "bytes", "GPU memory in use", GPU_F_MEMORY_USED},
    {"memory_total", "bytes", "GPU memory installed", GPU_F_MEMORY_TOTAL},
    {"temperature", "celsius", "GPU core temperature", GPU_F_TEMPERATURE},
    {"power_draw", "W", "power the GPU draws", GPU_F_POWER_DRAW},
    {"power_limit", "W", "power limit the GPU enforces", GPU_F_POWER_LIMIT},
    {"clock_graphics", "MHz", "graphics (shader) clock", GPU_F_CLOCK_GRAPHICS},
    {"clock_memory", "MHz", "memory clock", GPU_F_CLOCK_MEMORY},
    {"fan", "percent", "fan speed as a share of its maximum", GPU_F_FAN},
};
#define N_FIELDS (sizeof fields / sizeof fields[0])

static double field_value(const struct gpu_device *d, size_t f)
{
    switch (fields[f].bit) {
    case GPU_F_UTILIZATION:
        return d->utilization;
    case GPU_F_MEMORY_UTILIZATION:
        return d->memory_utilization;
    case GPU_F_MEMORY_USED:
        return (double)d->memory_used;
    case GPU_F_MEMORY_TOTAL:
        return (double)d->memory_total;
    case GPU_F_TEMPERATURE:
        return d->temperature;
    case GPU_F_POWER_DRAW:
        return d->power_draw;
    case GPU_F_POWER_LIMIT:
        return d->power_limit;
    case GPU_F_CLOCK_GRAPHICS:
        return d->clock_graphics;
    case GPU_F_CLOCK_MEMORY:
        return d->clock_memory;
    case GPU_F_FAN:
        return d->fan;
    default:
        return 0;
    }
}

struct gpu_sampler {
    struct gpu_sampler_opts opts;
    struct store *store; /* borrowed */
    struct board *board; /* borrowed */
    struct gpu_collector *collector;
    struct gpu_sample *sample; /* about 175 KiB: allocated once */
    size_t slots;
    uint64_t seq;
    int64_t last_ok_ms;
    _Atomic uint64_t cycles;

    int ids[GPU_MAX_DEVICES][N_FIELDS];
    bool store_full_said;

    struct ticker ticker;
};

struct gpu_sampler *gpu_sampler_new(const struct gpu_sampler_opts *opts, struct store *store,
                                    struct board *board)
{
    struct gpu_sampler *g = vigil_calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->opts = *opts;
    g->opts.nvml_path = NULL; /* borrowed for this call only; the collector copies it */
    g->store = store;
    g->board = board;
    int64_t interval = opts->interval_ms > 0 ? opts->interval_ms : 1000;
    g->slots = (size_t)(opts->history_ms / interval) + 1;
    g->sample = vigil_calloc(1, sizeof *g->sample);
    g->collector = gpu_collector_new(&opts->env, opts->nvml_path);
    if (!g->sample || !g->collector) {
        gpu_collector_free(g->collector);
        free(g->sample);
        free(g);
        return NULL;
    }
    gpu_collector_set_models(g->collector, opts->models);
    for (size_t i = 0; i < GPU_MAX_DEVICES; i++)
        for (size_t f = 0; f < N_FIELDS; f++)
            g->ids[i][f] = ID_UNSET;
    atomic_init(&g->cycles, 0);
    return g;
}

static int series_id(struct gpu_sampler *g, unsigned gpu, size_t f)
{
    int *id = &g->ids[gpu][f];
    if (*id != ID_UNSET)
        return *id;
    char name[STORE_NAME_MAX];
    snprintf(name, sizeof name, "gpu.%u.%s", gpu, fields[f].field);
    int rc = store_series(g->store, name, fields[f].unit, fields[f].help, g->slots);
    if (rc == -VIGIL_EFULL && !g->store_full_said) {
        g->store_full_said = true;
        log_warn("gpu", "history is full at its series limit: '%s' and later series are "
                        "shown live but not kept",
                 name);
    }
    *id = rc >= 0 ? rc : ID_FAILED;
    return *id;
}

static void store_sample(struct gpu_sampler *g)
{
    const struct gpu_sample *s = g->sample;
    for (unsigned i = 0; i < s->n_devices && i < GPU_MAX_DEVICES; i++) {
        const struct gpu_device *d = &s->devices[i];
        if (d->index >= GPU_MAX_DEVICES)
            continue;
        for (size_t f = 0; f < N_FIELDS; f++) {
            if (!gpu_device_has(d, fields[f].bit))
                continue;
            int id = series_id(g, d->index, f);
            if (id >= 0)
                store_push(g->store, id, s->ts_ms, field_value(d, f));
        }
    }
}

/* The channels, then the documents built from them: the `gpus` array copies the channels'
 * bytes rather than encoding each GPU again. */
static int encode_channels(struct gpu_sampler *g, struct snap *snap)
{
    const struct gpu_sample *s = g->sample;
    struct buf *arr = &snap->doc[GPU_DOC_SYSTEM];
    int err = buf_addc(arr, '[');
    for (unsigned i = 0; !err && i < s->n_devices; i++) {
        char name[SNAP_CHANNEL_NAME];
        snprintf(name, sizeof name, "system/gpu/%u", s->devices[i].index);
        struct buf *b = snap_add_channel(snap, name);
        if (!b)
            return -VIGIL_ENOMEM;
        struct jsonw w;
        jw_init(&w, b);
        gpu_encode_device(s, &s->devices[i], &w);
        err = w.err;
        if (!err && i > 0)
            err = buf_addc(arr, ',');
        if (!err)
            err = buf_add(arr, b->data, b->len);
    }
    return err ? err : buf_addc(arr, ']');
}

static struct snap *encode(struct gpu_sampler *g)
{
    const struct gpu_sample *s = g->sample;
    struct snap *snap = snap_new(BOARD_GPU, GPU_DOC_MAX);
    if (!snap)
        return NULL;
    snap->seq = ++g->seq;
    snap->ts_ms = s->ts_ms;
    int err = encode_channels(g, snap);
    if (!err) {
        struct jsonw w;
        jw_init(&w, &snap->doc[GPU_DOC_GPUS]);
        jw_obj_begin(&w);
        gpu_encode_summary(s, &w);
        jw_key(&w, "gpus");
        jw_raw(&w, snap->doc[GPU_DOC_SYSTEM].data, snap->doc[GPU_DOC_SYSTEM].len);
        char iso[32];
        jw_kstr(&w, "timestamp", clock_iso8601(s->ts_ms, iso, sizeof iso));
        jw_kint(&w, "timestamp_ms", s->ts_ms);
        jw_obj_end(&w);
        err = w.err;
    }
    if (!err)
        err = gpu_encode_prom(s, &snap->doc[GPU_DOC_PROM]);
    if (!err) {
        struct jsonw w;
        jw_init(&w, &snap->doc[GPU_DOC_STATE]);
        gpu_encode_state(s, g->last_ok_ms, &w);
        err = w.err;
    }
    if (err) {
        log_warn("gpu", "cannot encode GPU metrics: %s", vigil_strerror(err));
        snap_free(snap);
        return NULL;
    }
    return snap;
}

void gpu_sampler_cycle(struct gpu_sampler *g)
{
    gpu_collector_collect(g->collector, g->sample);
    if (g->sample->state == GPU_STATE_OK)
        g->last_ok_ms = g->sample->ts_ms;
    store_sample(g);
    if (g->opts.pids)
        gpu_pids_set(g->opts.pids, g->sample);
    struct snap *snap = encode(g);
    if (snap)
        board_publish(g->board, snap);
    atomic_fetch_add_explicit(&g->cycles, 1, memory_order_relaxed);
}

uint64_t gpu_sampler_cycles(const struct gpu_sampler *g)
{
    return atomic_load_explicit(&g->cycles, memory_order_relaxed);
}

enum gpu_state gpu_sampler_state(struct gpu_sampler *g, char *reason, size_t n)
{
    return gpu_collector_state(g->collector, reason, n);
}

static void tick(void *arg)
{
    gpu_sampler_cycle(arg);
}

int gpu_sampler_start(struct gpu_sampler *g)
{
    if (g->opts.interval_ms <= 0)
        return -VIGIL_EINVAL;
    /* Steady, as the host sampler; a cycle run before the thread started counts. A cycle
     * that overran (a driver call that took seconds) skips the missed ones. */
    ticker_init(&g->ticker, g->opts.interval_ms,
                gpu_sampler_cycles(g) ? g->opts.interval_ms : 0, tick, g);
    return ticker_start(&g->ticker);
}

void gpu_sampler_stop(struct gpu_sampler *g)
{
    if (g && g->ticker.started)
        ticker_release(&g->ticker);
}

void gpu_sampler_free(struct gpu_sampler *g)
{
    if (!g)
        return;
    gpu_sampler_stop(g);
    gpu_collector_free(g->collector);
    free(g->sample);
    free(g);
}
