/* host_encode: JSON and Prometheus text for a host_sample (see host_encode.h for units). */
#include "encode/host_encode.h"

#include <math.h>
#include <stdio.h>

#include "encode/prom.h"

static void kdouble_if(struct jsonw *w, const char *key, bool valid, double v)
{
    if (valid)
        jw_kdouble(w, key, v);
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

void host_encode_cpu(const struct host_sample *h, struct jsonw *w)
{
    const struct cpu_sample *c = &h->cpu;
    jw_obj_begin(w);
    kdouble_if(w, "overall_utilization", c->valid, c->overall_utilization);
    jw_key(w, "per_core_utilization");
    jw_arr_begin(w);
    for (unsigned i = 0; i < c->n_cores && i < HOST_MAX_CPUS; i++) {
        if (c->valid)
            jw_double(w, c->per_core_utilization[i]); /* NaN (offline) becomes null */
        else
            jw_null(w);
    }
    jw_arr_end(w);
    jw_kuint(w, "cores", c->n_cores);
    jw_obj_end(w);
}

void host_encode_memory(const struct host_sample *h, struct jsonw *w)
{
    const struct mem_sample *m = &h->mem;
    jw_obj_begin(w);
    kuint_if(w, "ram_used", m->valid, m->ram_used);
    kuint_if(w, "ram_total", m->valid, m->ram_total);
    kuint_if(w, "ram_available", m->valid, m->ram_available);
    kuint_if(w, "swap_used", m->valid, m->swap_used);
    kuint_if(w, "swap_total", m->valid, m->swap_total);
    jw_obj_end(w);
}

void host_encode_disk(const struct host_sample *h, struct jsonw *w)
{
    const struct disk_sample *d = &h->disk;
    bool rv = d->valid && d->rate_valid;
    jw_obj_begin(w);
    kdouble_if(w, "read_rate_mbps", rv, d->read_rate_mbps);
    kdouble_if(w, "write_rate_mbps", rv, d->write_rate_mbps);
    jw_key(w, "devices");
    jw_arr_begin(w);
    for (unsigned i = 0; d->valid && i < d->n_devices && i < HOST_MAX_DISKS; i++) {
        const struct disk_device *dev = &d->devices[i];
        jw_obj_begin(w);
        jw_kstr(w, "name", dev->name);
        kdouble_if(w, "read_rate_mbps", dev->rate_valid, dev->read_rate_mbps);
        kdouble_if(w, "write_rate_mbps", dev->rate_valid, dev->write_rate_mbps);
        jw_kuint(w, "read_bytes", dev->read_bytes);
        jw_kuint(w, "write_bytes", dev->write_bytes);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void host_encode_network(const struct host_sample *h, struct jsonw *w)
{
    const struct net_sample *n = &h->net;
    bool rv = n->valid && n->rate_valid;
    jw_obj_begin(w);
    kdouble_if(w, "upload_rate_mbps", rv, n->upload_rate_mbps);
    kdouble_if(w, "download_rate_mbps", rv, n->download_rate_mbps);
    jw_key(w, "interfaces");
    jw_arr_begin(w);
    for (unsigned i = 0; n->valid && i < n->n_ifaces && i < HOST_MAX_IFACES; i++) {
        const struct net_iface *f = &n->ifaces[i];
        jw_obj_begin(w);
        jw_kstr(w, "name", f->name);
        kdouble_if(w, "upload_rate_mbps", f->rate_valid, f->upload_rate_mbps);
        kdouble_if(w, "download_rate_mbps", f->rate_valid, f->download_rate_mbps);
        jw_kuint(w, "tx_bytes", f->tx_bytes);
        jw_kuint(w, "rx_bytes", f->rx_bytes);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

void host_encode_load(const struct host_sample *h, struct jsonw *w)
{
    const struct load_sample *l = &h->load;
    jw_obj_begin(w);
    kdouble_if(w, "load1", l->valid, l->load1);
    kdouble_if(w, "load5", l->valid, l->load5);
    kdouble_if(w, "load15", l->valid, l->load15);
    kuint_if(w, "procs_running", l->valid, l->procs_running);
    kuint_if(w, "procs_total", l->valid, l->procs_total);
    jw_obj_end(w);
}

static int prom_cpu(const struct cpu_sample *c, struct buf *b)
{
    int rc = prom_family(b, "vigil_cpu_utilization_ratio", "gauge",
                         "Share of time all CPUs were busy over the last interval (0-1).");
    if (!rc)
        rc = prom_sample(b, "vigil_cpu_utilization_ratio", NULL, c->overall_utilization / 100);
    if (!rc)
        rc = prom_family(b, "vigil_cpu_core_utilization_ratio", "gauge",
                         "Share of time one CPU was busy over the last interval (0-1).");
    for (unsigned i = 0; !rc && i < c->n_cores && i < HOST_MAX_CPUS; i++) {
        if (isnan(c->per_core_utilization[i]))
            continue;
        char id[16];
        snprintf(id, sizeof id, "%u", i);
        const char *labels[] = {"cpu", id, NULL};
        rc = prom_sample(b, "vigil_cpu_core_utilization_ratio", labels,
                         c->per_core_utilization[i] / 100);
    }
    return rc;
}

static int prom_gauge_u64(struct buf *b, const char *name, const char *help, uint64_t v)
{
    int rc = prom_family(b, name, "gauge", help);
    return rc ? rc : prom_sample_u64(b, name, NULL, v);
}

static int prom_memory(const struct mem_sample *m, struct buf *b)
{
    int rc = prom_gauge_u64(b, "vigil_memory_ram_total_bytes", "Installed RAM (MemTotal).",
                            m->ram_total);
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_memory_ram_used_bytes",
                            "RAM in use: MemTotal minus MemAvailable.", m->ram_used);
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_memory_ram_available_bytes",
                            "RAM available for new work (MemAvailable).", m->ram_available);
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_memory_swap_total_bytes", "Swap space (SwapTotal).",
                            m->swap_total);
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_memory_swap_used_bytes",
                            "Swap in use: SwapTotal minus SwapFree.", m->swap_used);
    return rc;
}

/* A per-entity family: a counter of bytes and a gauge of its rate over the last interval. */
struct io_family {
    const char *counter, *counter_help, *gauge, *gauge_help, *label;
};

typedef uint64_t (*io_counter_fn)(const void *entity);
typedef bool (*io_rate_fn)(const void *entity, double *per_sec);

static int prom_io(struct buf *b, const struct io_family *f, const void *entities, size_t size,
                   unsigned n, const char *(*name)(const void *), io_counter_fn counter,
                   io_rate_fn rate)
{
    int rc = prom_family(b, f->counter, "counter", f->counter_help);
    for (unsigned i = 0; !rc && i < n; i++) {
        const void *e = (const char *)entities + i * size;
        const char *labels[] = {f->label, name(e), NULL};
        rc = prom_sample_u64(b, f->counter, labels, counter(e));
    }
    if (!rc)
        rc = prom_family(b, f->gauge, "gauge", f->gauge_help);
    for (unsigned i = 0; !rc && i < n; i++) {
        const void *e = (const char *)entities + i * size;
        double v;
        if (!rate(e, &v))
            continue;
        const char *labels[] = {f->label, name(e), NULL};
        rc = prom_sample(b, f->gauge, labels, v);
    }
    return rc;
}

static const char *disk_name(const void *e)
{
    return ((const struct disk_device *)e)->name;
}
static uint64_t disk_read_bytes(const void *e)
{
    return ((const struct disk_device *)e)->read_bytes;
}
static uint64_t disk_write_bytes(const void *e)
{
    return ((const struct disk_device *)e)->write_bytes;
}
static bool disk_read_rate(const void *e, double *v)
{
    const struct disk_device *d = e;
    *v = d->read_rate_mbps * HOST_MIB;
    return d->rate_valid;
}
static bool disk_write_rate(const void *e, double *v)
{
    const struct disk_device *d = e;
    *v = d->write_rate_mbps * HOST_MIB;
    return d->rate_valid;
}
static const char *iface_name(const void *e)
{
    return ((const struct net_iface *)e)->name;
}
static uint64_t iface_rx(const void *e)
{
    return ((const struct net_iface *)e)->rx_bytes;
}
static uint64_t iface_tx(const void *e)
{
    return ((const struct net_iface *)e)->tx_bytes;
}
static bool iface_rx_rate(const void *e, double *v)
{
    const struct net_iface *f = e;
    *v = f->download_rate_mbps * HOST_MIB;
    return f->rate_valid;
}
static bool iface_tx_rate(const void *e, double *v)
{
    const struct net_iface *f = e;
    *v = f->upload_rate_mbps * HOST_MIB;
    return f->rate_valid;
}

static const struct io_family disk_read = {
    "vigil_disk_read_bytes_total", "Bytes read from the disk since boot.",
    "vigil_disk_read_bytes_per_second", "Bytes read per second over the last interval.", "device"};
static const struct io_family disk_write = {
    "vigil_disk_written_bytes_total", "Bytes written to the disk since boot.",
    "vigil_disk_write_bytes_per_second", "Bytes written per second over the last interval.",
    "device"};
static const struct io_family net_rx = {
    "vigil_network_receive_bytes_total", "Bytes received on the interface since boot.",
    "vigil_network_receive_bytes_per_second", "Bytes received per second over the last interval.",
    "interface"};
static const struct io_family net_tx = {
    "vigil_network_transmit_bytes_total", "Bytes sent on the interface since boot.",
    "vigil_network_transmit_bytes_per_second", "Bytes sent per second over the last interval.",
    "interface"};

static int prom_load(const struct load_sample *l, struct buf *b)
{
    static const char *const names[] = {"vigil_load1", "vigil_load5", "vigil_load15"};
    static const char *const helps[] = {"Load average over 1 minute.",
                                        "Load average over 5 minutes.",
                                        "Load average over 15 minutes."};
    const double values[] = {l->load1, l->load5, l->load15};
    int rc = 0;
    for (int i = 0; !rc && i < 3; i++) {
        rc = prom_family(b, names[i], "gauge", helps[i]);
        if (!rc)
            rc = prom_sample(b, names[i], NULL, values[i]);
    }
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_procs_running", "Tasks runnable now (/proc/loadavg).",
                            l->procs_running);
    if (!rc)
        rc = prom_gauge_u64(b, "vigil_procs", "Tasks (processes and threads) that exist.",
                            l->procs_total);
    return rc;
}

int host_encode_prom(const struct host_sample *h, struct buf *b)
{
    int rc = 0;
    if (h->cpu.valid)
        rc = prom_cpu(&h->cpu, b);
    if (!rc && h->mem.valid)
        rc = prom_memory(&h->mem, b);
    if (!rc && h->disk.valid) {
        rc = prom_io(b, &disk_read, h->disk.devices, sizeof h->disk.devices[0], h->disk.n_devices,
                     disk_name, disk_read_bytes, disk_read_rate);
        if (!rc)
            rc = prom_io(b, &disk_write, h->disk.devices, sizeof h->disk.devices[0],
                         h->disk.n_devices, disk_name, disk_write_bytes, disk_write_rate);
    }
    if (!rc && h->net.valid) {
        rc = prom_io(b, &net_rx, h->net.ifaces, sizeof h->net.ifaces[0], h->net.n_ifaces,
                     iface_name, iface_rx, iface_rx_rate);
        if (!rc)
            rc = prom_io(b, &net_tx, h->net.ifaces, sizeof h->net.ifaces[0], h->net.n_ifaces,
                         iface_name, iface_tx, iface_tx_rate);
    }
    if (!rc && h->load.valid)
        rc = prom_load(&h->load, b);
    return rc;
}
