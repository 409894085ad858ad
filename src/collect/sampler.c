/*
 * sampler: host collection thread (see sampler.h). Series ids are cached per entity so a
 * cycle does no name lookups once every device has been seen; the cache is bounded, and a
 * device beyond it is still shown live, just not kept in history.
 */
#include "collect/sampler.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/ticker.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"
#include "encode/host_encode.h"
#include "encode/prom.h"

/* ---- the set of collectors ------------------------------------------------------------ */

static const struct collector_ops *const all_collectors[] = {
    &collector_cpu, &collector_memory, &collector_disk, &collector_network, &collector_load,
};
#define N_COLLECTORS (sizeof all_collectors / sizeof all_collectors[0])

struct collector_slot {
    const struct collector_ops *ops;
    void *state;
    bool ran;
    bool ok;
    char error[256];
    int64_t last_ok_ms;
    struct log_latch latch;
};

struct host_collectors {
    struct collector_slot slot[N_COLLECTORS];
};

struct host_collectors *host_collectors_new(const struct collector_env *env)
{
    struct host_collectors *hc = vigil_calloc(1, sizeof *hc);
    if (!hc)
        return NULL;
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        hc->slot[i].ops = all_collectors[i];
        if (all_collectors[i]->version != COLLECTOR_OPS_VERSION) {
            log_error("sampler", "collector '%s' has interface version %d, expected %d",
                      all_collectors[i]->name, all_collectors[i]->version, COLLECTOR_OPS_VERSION);
            host_collectors_free(hc);
            return NULL;
        }
        hc->slot[i].state = all_collectors[i]->create(env);
        if (!hc->slot[i].state) {
            host_collectors_free(hc);
            return NULL;
        }
    }
    return hc;
}

void host_collectors_free(struct host_collectors *hc)
{
    if (!hc)
        return;
    for (size_t i = 0; i < N_COLLECTORS; i++)
        if (hc->slot[i].state)
            hc->slot[i].ops->destroy(hc->slot[i].state);
    free(hc);
}

void host_collectors_run(struct host_collectors *hc, struct host_sample *out)
{
    out->mono_ns = clock_mono_ns();
    out->ts_ms = clock_real_ms();
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        struct collector_slot *s = &hc->slot[i];
        char err[sizeof s->error] = "";
        int rc = s->ops->collect(s->state, out->mono_ns, out, err, sizeof err);
        s->ran = true;
        if (rc == 0) {
            s->ok = true;
            s->error[0] = '\0';
            s->last_ok_ms = out->ts_ms;
            log_latch_clear(&s->latch, s->ops->name, "collector recovered");
            continue;
        }
        s->ok = false;
        if (!err[0])
            snprintf(err, sizeof err, "%s", vigil_strerror(rc));
        memcpy(s->error, err, sizeof s->error);
        log_latch_set(&s->latch, LOG_WARN, s->ops->name, s->error);
    }
}

void host_collectors_encode(const struct host_collectors *hc, struct jsonw *w)
{
    jw_obj_begin(w);
    for (size_t i = 0; i < N_COLLECTORS; i++) {
        const struct collector_slot *s = &hc->slot[i];
        jw_key(w, s->ops->name);
        jw_obj_begin(w);
        jw_kstr(w, "state", !s->ran ? "starting" : s->ok ? "ok" : "failed");
        if (s->ok || !s->ran)
            jw_knull(w, "error");
        else
            jw_kstr(w, "error", s->error);
        if (s->last_ok_ms) {
            char iso[32];
            jw_kstr(w, "last_ok", clock_iso8601(s->last_ok_ms, iso, sizeof iso));
        } else {
            jw_knull(w, "last_ok");
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

int host_collectors_prom(const struct host_collectors *hc, struct buf *b)
{
    int rc = prom_family(b, "vigil_collector_up", "gauge",
                         "1 when the collector's last reading succeeded, 0 when it failed.");
    for (size_t i = 0; !rc && i < N_COLLECTORS; i++) {
        const char *labels[] = {"collector", hc->slot[i].ops->name, NULL};
        rc = prom_sample(b, "vigil_collector_up", labels, hc->slot[i].ok ? 1 : 0);
    }
    return rc;
}

unsigned host_collectors_count(const struct host_collectors *hc)
{
    (void)hc;
    return N_COLLECTORS;
}

const char *host_collectors_name(const struct host_collectors *hc, unsigned i)
{
    return i < N_COLLECTORS ? hc->slot[i].ops->name : NULL;
}

const char *host_collectors_error(const struct host_collectors *hc, unsigned i)
{
    if (i >= N_COLLECTORS || hc->slot[i].ok)
        return NULL;
    return hc->slot[i].ran ? hc->slot[i].error : "not run yet";
}

/* ---- series ids ----------------------------------------------------------------------- */

#define ENTITY_CACHE 256

/* The two series of one disk or interface. */
struct entity_ids {
    char name[HOST_NAME_LEN];
    int a, b;
};

struct sampler {
    struct sampler_opts opts;
    struct store *store; /* borrowed */
    struct board *board; /* borrowed */
    struct host_collectors *hc;
    struct host_sample sample;
    size_t slots;
    uint64_t seq;
    _Atomic uint64_t cycles;

    int cpu_overall, cpu_core[HOST_MAX_CPUS];
    int mem[4];
    int disk_total[2], net_total[2];
    int load[3];
    struct entity_ids disks[ENTITY_CACHE], ifaces[ENTITY_CACHE];
    unsigned n_disks, n_ifaces;
    bool store_full_said;

    struct ticker ticker;
};

/* Registers a series, remembering failure as -1 so it is not retried every cycle. */
static int series(struct sampler *s, const char *name, const char *unit, const char *help)
{
    int id = store_series(s->store, name, unit, help, s->slots);
    if (id == -VIGIL_EFULL && !s->store_full_said) {
        s->store_full_said = true;
        log_warn("sampler",
                 "history is full at its series limit: '%s' and later series "
                 "are shown live but not kept",
                 name);
    }
    return id;
}

/* Series name parts allow [A-Za-z0-9_:-]; anything else in a device name becomes '_'. */
static void name_part(char *out, size_t n, const char *in)
{
    size_t i = 0;
    for (; in[i] && i + 1 < n; i++) {
        char c = in[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == ':' || c == '-';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

static struct entity_ids *entity(struct sampler *s, struct entity_ids *table, unsigned *n,
                                 const char *kind, const char *name, const char *fa, const char *fb,
                                 const char *help_a, const char *help_b)
{
    for (unsigned i = 0; i < *n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    if (*n >= ENTITY_CACHE)
        return NULL;
    struct entity_ids *e = &table[(*n)++];
    snprintf(e->name, sizeof e->name, "%s", name);
    char part[HOST_NAME_LEN], full[STORE_NAME_MAX];
    name_part(part, sizeof part, name);
    snprintf(full, sizeof full, "%s.%s.%s", kind, part, fa);
    e->a = series(s, full, "MiB/s", help_a);
    snprintf(full, sizeof full, "%s.%s.%s", kind, part, fb);
    e->b = series(s, full, "MiB/s", help_b);
    return e;
}

static void register_fixed(struct sampler *s)
{
    s->cpu_overall = series(s, "cpu.overall_utilization", "percent",
                            "CPU utilisation of all cores over the last interval");
    for (unsigned i = 0; i < HOST_MAX_CPUS; i++)
        s->cpu_core[i] = -1;
    static const char *const mem_names[4][2] = {
        {"memory.ram_used", "RAM in use (MemTotal - MemAvailable)"},
        {"memory.ram_total", "installed RAM (MemTotal)"},
        {"memory.swap_used", "swap in use (SwapTotal - SwapFree)"},
        {"memory.swap_total", "swap space (SwapTotal)"},
    };
    for (int i = 0; i < 4; i++)
        s->mem[i] = series(s, mem_names[i][0], "bytes", mem_names[i][1]);
    s->disk_total[0] = series(s, "disk.read_rate_mbps", "MiB/s", "bytes read from all disks");
    s->disk_total[1] = series(s, "disk.write_rate_mbps", "MiB/s", "bytes written to all disks");
    s->net_total[0] =
        series(s, "net.upload_rate_mbps", "MiB/s", "bytes sent on all interfaces but loopback");
    s->net_total[1] = series(s, "net.download_rate_mbps", "MiB/s",
                             "bytes received on all interfaces but loopback");
    s->load[0] = series(s, "load.load1", "", "load average over 1 minute");
    s->load[1] = series(s, "load.load5", "", "load average over 5 minutes");
    s->load[2] = series(s, "load.load15", "", "load average over 15 minutes");
}

struct sampler *sampler_new(const struct sampler_opts *opts, struct store *store,
                            struct board *board)
{
    struct sampler *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->opts = *opts;
    s->store = store;
    s->board = board;
    int64_t interval = opts->interval_ms > 0 ? opts->interval_ms : 1000;
    s->slots = (size_t)(opts->history_ms / interval) + 1;
    s->hc = host_collectors_new(&opts->env);
    if (!s->hc) {
        free(s);
        return NULL;
    }
    atomic_init(&s->cycles, 0);
    register_fixed(s);
    return s;
}

static void push(struct sampler *s, int id, bool valid, double v)
{
    if (id >= 0 && valid && !isnan(v))
        store_push(s->store, id, s->sample.ts_ms, v);
}

static void store_sample(struct sampler *s)
{
    const struct host_sample *h = &s->sample;
    push(s, s->cpu_overall, h->cpu.valid, h->cpu.overall_utilization);
    for (unsigned i = 0; h->cpu.valid && i < h->cpu.n_cores && i < HOST_MAX_CPUS; i++) {
        if (s->cpu_core[i] == -1) {
            char name[STORE_NAME_MAX];
            snprintf(name, sizeof name, "cpu.%u.utilization", i);
            s->cpu_core[i] = series(s, name, "percent", "utilisation of one core");
            if (s->cpu_core[i] < 0)
                s->cpu_core[i] = -2; /* do not retry */
        }
        push(s, s->cpu_core[i], true, h->cpu.per_core_utilization[i]);
    }
    const double mem[4] = {(double)h->mem.ram_used, (double)h->mem.ram_total,
                           (double)h->mem.swap_used, (double)h->mem.swap_total};
    for (int i = 0; i < 4; i++)
        push(s, s->mem[i], h->mem.valid, mem[i]);
    bool drv = h->disk.valid && h->disk.rate_valid;
    push(s, s->disk_total[0], drv, h->disk.read_rate_mbps);
    push(s, s->disk_total[1], drv, h->disk.write_rate_mbps);
    for (unsigned i = 0; h->disk.valid && i < h->disk.n_devices; i++) {
        const struct disk_device *d = &h->disk.devices[i];
        struct entity_ids *e =
            entity(s, s->disks, &s->n_disks, "disk", d->name, "read_rate_mbps", "write_rate_mbps",
                   "bytes read from the disk", "bytes written to the disk");
        if (e) {
            push(s, e->a, d->rate_valid, d->read_rate_mbps);
            push(s, e->b, d->rate_valid, d->write_rate_mbps);
        }
    }
    bool nrv = h->net.valid && h->net.rate_valid;
    push(s, s->net_total[0], nrv, h->net.upload_rate_mbps);
    push(s, s->net_total[1], nrv, h->net.download_rate_mbps);
    for (unsigned i = 0; h->net.valid && i < h->net.n_ifaces; i++) {
        const struct net_iface *f = &h->net.ifaces[i];
        struct entity_ids *e = entity(
            s, s->ifaces, &s->n_ifaces, "net", f->name, "upload_rate_mbps", "download_rate_mbps",
            "bytes sent on the interface", "bytes received on the interface");
        if (e) {
            push(s, e->a, f->rate_valid, f->upload_rate_mbps);
            push(s, e->b, f->rate_valid, f->download_rate_mbps);
        }
    }
    push(s, s->load[0], h->load.valid, h->load.load1);
    push(s, s->load[1], h->load.valid, h->load.load5);
    push(s, s->load[2], h->load.valid, h->load.load15);
}

/* 1 MiB per document is far above what any host part needs (a 1024-core per-core array
 * is about 10 KiB); the cap is there so a bug cannot grow a snap without bound. */
#define HOST_DOC_MAX (1u << 20)

static struct snap *encode(struct sampler *s)
{
    struct snap *snap = snap_new(BOARD_HOST, HOST_DOC_MAX);
    if (!snap)
        return NULL;
    snap->seq = ++s->seq;
    snap->ts_ms = s->sample.ts_ms;
    static const struct {
        const char *name;
        void (*encode)(const struct host_sample *, struct jsonw *);
    } parts[HOST_NCHAN] = {
        [HOST_CHAN_CPU] = {"system/cpu", host_encode_cpu},
        [HOST_CHAN_MEMORY] = {"system/memory", host_encode_memory},
        [HOST_CHAN_DISK] = {"system/disk", host_encode_disk},
        [HOST_CHAN_NETWORK] = {"system/network", host_encode_network},
        [HOST_CHAN_LOAD] = {"system/load", host_encode_load},
    };
    int err = 0;
    for (int i = 0; i < HOST_NCHAN && !err; i++) {
        struct buf *b = snap_add_channel(snap, parts[i].name);
        if (!b) {
            err = -VIGIL_ENOMEM;
            break;
        }
        struct jsonw w;
        jw_init(&w, b);
        parts[i].encode(&s->sample, &w);
        err = w.err;
    }
    if (!err)
        err = host_encode_prom(&s->sample, &snap->doc[HOST_DOC_PROM]);
    if (!err)
        err = host_collectors_prom(s->hc, &snap->doc[HOST_DOC_PROM]);
    if (!err) {
        struct jsonw w;
        jw_init(&w, &snap->doc[HOST_DOC_COLLECTORS]);
        host_collectors_encode(s->hc, &w);
        err = w.err;
    }
    if (err) {
        log_warn("sampler", "cannot encode host metrics: %s", vigil_strerror(err));
        snap_free(snap);
        return NULL;
    }
    return snap;
}

void sampler_cycle(struct sampler *s)
{
    host_collectors_run(s->hc, &s->sample);
    store_sample(s);
    struct snap *snap = encode(s);
    if (snap)
        board_publish(s->board, snap);
    atomic_fetch_add_explicit(&s->cycles, 1, memory_order_relaxed);
}

uint64_t sampler_cycles(const struct sampler *s)
{
    return atomic_load_explicit(&s->cycles, memory_order_relaxed);
}

static void tick(void *arg)
{
    sampler_cycle(arg);
}

int sampler_start(struct sampler *s)
{
    /* A cycle run before the thread started (the daemon does one so that the first request
     * has data) counts: the next is due one interval later, so rates cover a whole one. */
    ticker_init(&s->ticker, s->opts.interval_ms, sampler_cycles(s) ? s->opts.interval_ms : 0,
                tick, s);
    return ticker_start(&s->ticker);
}

void sampler_stop(struct sampler *s)
{
    if (s && s->ticker.started)
        ticker_release(&s->ticker);
}

void sampler_free(struct sampler *s)
{
    if (!s)
        return;
    sampler_stop(s);
    host_collectors_free(s->hc);
    free(s);
}
