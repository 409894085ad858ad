/* gpu_encode: JSON and Prometheus text for a gpu_sample (see gpu_encode.h for units). */
#include "encode/gpu_encode.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "encode/prom.h"

static void kstr_or_null(struct jsonw *w, const char *key, bool valid, const char *s)
{
    if (valid && s[0])
        jw_kstr(w, key, s);
    else
        jw_knull(w, key);
}

static void kuint_if(struct jsonw *w, const char *key, bool valid, uint64_t v)
{
    if (valid)
        jw_kuint(w, key, v);
    else
        jw_knull(w, key);
}

static void kdouble_if(struct jsonw *w, const char *key, bool valid, double v)
{
    if (valid)
        jw_kdouble(w, key, v);
    else
        jw_knull(w, key);
}

static void encode_processes(const struct gpu_device *d, struct jsonw *w)
{
    jw_key(w, "processes");
    if (!gpu_device_has(d, GPU_F_PROCESSES)) {
        jw_null(w);
        return;
    }
    jw_arr_begin(w);
    for (unsigned i = 0; i < d->n_procs && i < GPU_MAX_PROCS; i++) {
        const struct gpu_process *p = &d->procs[i];
        jw_obj_begin(w);
        jw_kuint(w, "pid", p->pid);
        kstr_or_null(w, "name", true, p->comm);
        kuint_if(w, "memory_used", p->memory_valid, p->memory_used);
        kstr_or_null(w, "model", true, p->model);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* The models served on the GPU, each once, in the order of the process list (largest
 * memory first). A quadratic scan: at most GPU_MAX_PROCS entries. */
static void encode_models(const struct gpu_device *d, struct jsonw *w)
{
    jw_key(w, "models");
    jw_arr_begin(w);
    for (unsigned i = 0; gpu_device_has(d, GPU_F_PROCESSES) && i < d->n_procs; i++) {
        const char *m = d->procs[i].model;
        bool seen = !m[0];
        for (unsigned j = 0; !seen && j < i; j++)
            seen = strcmp(d->procs[j].model, m) == 0;
        if (!seen)
            jw_str(w, m);
    }
    jw_arr_end(w);
}

void gpu_encode_device(const struct gpu_sample *s, const struct gpu_device *d, struct jsonw *w)
{
    jw_obj_begin(w);
    jw_kuint(w, "gpu_index", d->index);
    kstr_or_null(w, "name", gpu_device_has(d, GPU_F_NAME), d->name);
    kstr_or_null(w, "uuid", gpu_device_has(d, GPU_F_UUID), d->uuid);
    kstr_or_null(w, "pci_bus_id", gpu_device_has(d, GPU_F_PCI_BUS_ID), d->pci_bus_id);
    jw_kstr(w, "vendor", gpu_vendor_name(d->vendor));
    kuint_if(w, "utilization", gpu_device_has(d, GPU_F_UTILIZATION), d->utilization);
    kuint_if(w, "memory_utilization", gpu_device_has(d, GPU_F_MEMORY_UTILIZATION),
             d->memory_utilization);
    kuint_if(w, "memory_used", gpu_device_has(d, GPU_F_MEMORY_USED), d->memory_used);
    kuint_if(w, "memory_total", gpu_device_has(d, GPU_F_MEMORY_TOTAL), d->memory_total);
    kdouble_if(w, "temperature", gpu_device_has(d, GPU_F_TEMPERATURE), d->temperature);
    kdouble_if(w, "power_draw", gpu_device_has(d, GPU_F_POWER_DRAW), d->power_draw);
    kdouble_if(w, "power_limit", gpu_device_has(d, GPU_F_POWER_LIMIT), d->power_limit);
    kuint_if(w, "clock_graphics", gpu_device_has(d, GPU_F_CLOCK_GRAPHICS), d->clock_graphics);
    kuint_if(w, "clock_memory", gpu_device_has(d, GPU_F_CLOCK_MEMORY), d->clock_memory);
    kuint_if(w, "fan", gpu_device_has(d, GPU_F_FAN), d->fan);
    jw_key(w, "throttle_reasons");
    if (gpu_device_has(d, GPU_F_THROTTLE)) {
        const char *words[GPU_THROTTLE_WORDS_MAX];
        unsigned n = gpu_throttle_words(d->throttle_reasons, words, GPU_THROTTLE_WORDS_MAX);
        jw_arr_begin(w);
        for (unsigned i = 0; i < n; i++)
            jw_str(w, words[i]);
        jw_arr_end(w);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "lost", d->lost);
    kstr_or_null(w, "error", true, d->error);
    encode_processes(d, w);
    jw_kbool(w, "processes_truncated", d->procs_truncated);
    encode_models(d, w);
    char iso[32];
    jw_kstr(w, "timestamp", clock_iso8601(s->ts_ms, iso, sizeof iso));
    jw_kint(w, "timestamp_ms", s->ts_ms);
    jw_obj_end(w);
}

void gpu_encode_summary(const struct gpu_sample *s, struct jsonw *w)
{
    jw_kbool(w, "available", s->available);
    jw_kstr(w, "state", gpu_state_name(s->state));
    kstr_or_null(w, "reason", true, s->reason);
    kstr_or_null(w, "backends", true, s->backends);
    kstr_or_null(w, "driver_version", true, s->driver_version);
    kstr_or_null(w, "nvml_version", true, s->nvml_version);
    kstr_or_null(w, "cuda_version", true, s->cuda_version);
    jw_kuint(w, "count", s->n_devices);
}

void gpu_encode_state(const struct gpu_sample *s, int64_t last_ok_ms, struct jsonw *w)
{
    jw_obj_begin(w);
    jw_kstr(w, "state", gpu_state_name(s->state));
    kstr_or_null(w, "error", s->state == GPU_STATE_DEGRADED, s->reason);
    kstr_or_null(w, "reason", true, s->reason);
    if (last_ok_ms) {
        char iso[32];
        jw_kstr(w, "last_ok", clock_iso8601(last_ok_ms, iso, sizeof iso));
    } else {
        jw_knull(w, "last_ok");
    }
    jw_kbool(w, "available", s->available);
    jw_kuint(w, "devices", s->n_devices);
    kstr_or_null(w, "backends", true, s->backends);
    jw_obj_end(w);
}

/* --- Prometheus ------------------------------------------------------------------------ */

/* The per-GPU gauges, one family each. Names follow dcgm-exporter's figures (GPU_UTIL,
 * MEM_COPY_UTIL, FB_USED, GPU_TEMP, POWER_USAGE, POWER_MGMT_LIMIT, SM_CLOCK, MEM_CLOCK,
 * FAN_SPEED) in vigil's words and Prometheus base units. */
enum gauge {
    G_UTIL,
    G_MEMUTIL,
    G_MEM_USED,
    G_MEM_TOTAL,
    G_TEMP,
    G_POWER,
    G_LIMIT,
    G_CLOCK_GFX,
    G_CLOCK_MEM,
    G_FAN,
};

static const struct {
    const char *name;
    const char *help;
    enum gpu_field bit;
} gauges[] = {
    [G_UTIL] = {"vigil_gpu_utilization_ratio",
                "Share of time a kernel ran on the GPU over the driver's last period (0-1).",
                GPU_F_UTILIZATION},
    [G_MEMUTIL] = {"vigil_gpu_memory_utilization_ratio",
                   "Share of time the GPU memory was read or written (0-1).",
                   GPU_F_MEMORY_UTILIZATION},
    [G_MEM_USED] = {"vigil_gpu_memory_used_bytes", "GPU memory in use.", GPU_F_MEMORY_USED},
    [G_MEM_TOTAL] = {"vigil_gpu_memory_total_bytes", "GPU memory installed.",
                     GPU_F_MEMORY_TOTAL},
    [G_TEMP] = {"vigil_gpu_temperature_celsius", "GPU core temperature.", GPU_F_TEMPERATURE},
    [G_POWER] = {"vigil_gpu_power_draw_watts", "Power the GPU draws.", GPU_F_POWER_DRAW},
    [G_LIMIT] = {"vigil_gpu_power_limit_watts", "Power limit the GPU enforces.",
                 GPU_F_POWER_LIMIT},
    [G_CLOCK_GFX] = {"vigil_gpu_graphics_clock_hertz", "Graphics (shader) clock.",
                     GPU_F_CLOCK_GRAPHICS},
    [G_CLOCK_MEM] = {"vigil_gpu_memory_clock_hertz", "Memory clock.", GPU_F_CLOCK_MEMORY},
    [G_FAN] = {"vigil_gpu_fan_speed_ratio", "Fan speed as a share of its maximum (0-1).",
               GPU_F_FAN},
};

static int gauge_sample(struct buf *b, enum gauge g, const struct gpu_device *d,
                        const char *const *labels)
{
    const char *n = gauges[g].name;
    switch (g) {
    case G_UTIL:
        return prom_sample(b, n, labels, d->utilization / 100.0);
    case G_MEMUTIL:
        return prom_sample(b, n, labels, d->memory_utilization / 100.0);
    case G_MEM_USED:
        return prom_sample_u64(b, n, labels, d->memory_used);
    case G_MEM_TOTAL:
        return prom_sample_u64(b, n, labels, d->memory_total);
    case G_TEMP:
        return prom_sample(b, n, labels, d->temperature);
    case G_POWER:
        return prom_sample(b, n, labels, d->power_draw);
    case G_LIMIT:
        return prom_sample(b, n, labels, d->power_limit);
    case G_CLOCK_GFX:
        return prom_sample_u64(b, n, labels, (uint64_t)d->clock_graphics * 1000000);
    case G_CLOCK_MEM:
        return prom_sample_u64(b, n, labels, (uint64_t)d->clock_memory * 1000000);
    case G_FAN:
        return prom_sample(b, n, labels, d->fan / 100.0);
    }
    return 0;
}

/* The labels every per-GPU sample carries, with room for extra pairs after them. */
struct gpu_labels {
    char index[16];
    const char *kv[16];
};

static void labels_init(struct gpu_labels *l, const struct gpu_device *d)
{
    snprintf(l->index, sizeof l->index, "%u", d->index);
    const char *kv[] = {"gpu", l->index, "uuid", gpu_device_has(d, GPU_F_UUID) ? d->uuid : "",
                        "name", gpu_device_has(d, GPU_F_NAME) ? d->name : "", NULL};
    memcpy(l->kv, kv, sizeof kv);
}

#define BASE_LABELS 6 /* entries of kv before the extra pairs */

static int prom_info(const struct gpu_sample *s, struct buf *b)
{
    int rc = prom_family(b, "vigil_gpu_info", "gauge",
                         "A GPU found on this host, with its vendor and bus id; always 1.");
    for (unsigned i = 0; !rc && i < s->n_devices; i++) {
        const struct gpu_device *d = &s->devices[i];
        struct gpu_labels l;
        labels_init(&l, d);
        l.kv[BASE_LABELS] = "vendor";
        l.kv[BASE_LABELS + 1] = gpu_vendor_name(d->vendor);
        l.kv[BASE_LABELS + 2] = "pci_bus_id";
        l.kv[BASE_LABELS + 3] = gpu_device_has(d, GPU_F_PCI_BUS_ID) ? d->pci_bus_id : "";
        l.kv[BASE_LABELS + 4] = "driver_version";
        l.kv[BASE_LABELS + 5] = d->vendor == GPU_VENDOR_NVIDIA ? s->driver_version : "";
        l.kv[BASE_LABELS + 6] = NULL;
        rc = prom_sample(b, "vigil_gpu_info", l.kv, 1);
    }
    if (!rc)
        rc = prom_family(b, "vigil_gpu_lost", "gauge",
                         "1 when the driver says the GPU fell off the bus, else 0.");
    for (unsigned i = 0; !rc && i < s->n_devices; i++) {
        struct gpu_labels l;
        labels_init(&l, &s->devices[i]);
        rc = prom_sample(b, "vigil_gpu_lost", l.kv, s->devices[i].lost ? 1 : 0);
    }
    return rc;
}

static int prom_gauges(const struct gpu_sample *s, struct buf *b)
{
    int rc = 0;
    for (size_t g = 0; !rc && g < sizeof gauges / sizeof gauges[0]; g++) {
        rc = prom_family(b, gauges[g].name, "gauge", gauges[g].help);
        for (unsigned i = 0; !rc && i < s->n_devices; i++) {
            const struct gpu_device *d = &s->devices[i];
            if (!gpu_device_has(d, gauges[g].bit))
                continue;
            struct gpu_labels l;
            labels_init(&l, d);
            rc = gauge_sample(b, (enum gauge)g, d, l.kv);
        }
    }
    return rc;
}

/* One sample per known reason and GPU, 1 when active: a fixed set of series, so a reason
 * that clears shows as 0 rather than vanishing. */
static int prom_throttle(const struct gpu_sample *s, struct buf *b)
{
    int rc = prom_family(b, "vigil_gpu_throttle_reason", "gauge",
                         "1 when the reason is holding the GPU's clocks down, else 0.");
    for (unsigned i = 0; !rc && i < s->n_devices; i++) {
        const struct gpu_device *d = &s->devices[i];
        if (!gpu_device_has(d, GPU_F_THROTTLE))
            continue;
        struct gpu_labels l;
        labels_init(&l, d);
        for (unsigned bit = 0; !rc && bit < GPU_THROTTLE_WORDS_MAX - 1; bit++) {
            const char *word;
            if (gpu_throttle_words(1ULL << bit, &word, 1) != 1)
                continue;
            l.kv[BASE_LABELS] = "reason";
            l.kv[BASE_LABELS + 1] = word;
            l.kv[BASE_LABELS + 2] = NULL;
            rc = prom_sample(b, "vigil_gpu_throttle_reason", l.kv,
                             (d->throttle_reasons >> bit) & 1 ? 1 : 0);
        }
    }
    return rc;
}

/* Bounded by GPU_MAX_PROCS per GPU; pid, comm and model are what the JSON shows too. Processes
 * NVML cannot name (pid 0: another pid namespace) may be several, so they are left out rather
 * than written as duplicate series; their memory still counts in vigil_gpu_memory_used_bytes. */
static int prom_processes(const struct gpu_sample *s, struct buf *b)
{
    int rc = prom_family(b, "vigil_gpu_process_memory_used_bytes", "gauge",
                         "GPU memory a process uses, with the model it serves (\"\" if none).");
    for (unsigned i = 0; !rc && i < s->n_devices; i++) {
        const struct gpu_device *d = &s->devices[i];
        if (!gpu_device_has(d, GPU_F_PROCESSES))
            continue;
        struct gpu_labels l;
        labels_init(&l, d);
        for (unsigned k = 0; !rc && k < d->n_procs && k < GPU_MAX_PROCS; k++) {
            const struct gpu_process *p = &d->procs[k];
            if (!p->memory_valid || p->pid == 0)
                continue;
            char pid[16];
            snprintf(pid, sizeof pid, "%u", p->pid);
            l.kv[BASE_LABELS] = "pid";
            l.kv[BASE_LABELS + 1] = pid;
            l.kv[BASE_LABELS + 2] = "comm";
            l.kv[BASE_LABELS + 3] = p->comm;
            l.kv[BASE_LABELS + 4] = "model";
            l.kv[BASE_LABELS + 5] = p->model;
            l.kv[BASE_LABELS + 6] = NULL;
            rc = prom_sample_u64(b, "vigil_gpu_process_memory_used_bytes", l.kv,
                                 p->memory_used);
        }
    }
    return rc;
}

int gpu_encode_prom(const struct gpu_sample *s, struct buf *b)
{
    int rc = prom_family(b, "vigil_gpu_available", "gauge",
                         "1 when at least one GPU was found, 0 when none (a normal state).");
    if (!rc)
        rc = prom_sample(b, "vigil_gpu_available", NULL, s->available ? 1 : 0);
    if (rc || s->n_devices == 0)
        return rc;
    rc = prom_info(s, b);
    if (!rc)
        rc = prom_gauges(s, b);
    if (!rc)
        rc = prom_throttle(s, b);
    if (!rc)
        rc = prom_processes(s, b);
    return rc;
}
