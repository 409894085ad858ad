/*
 * cli_snapshot: `vigil snapshot`, the host and GPU metrics once, like nvidia-smi: a readable
 * table by default, or with --json the same document GET /api/v1/system answers. Rates need
 * two readings, so it reads, waits --sample (default 1s) and reads again; the GPUs are read
 * once, in between.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/snapshot_agents.h"
#include "cli/snapshot_targets.h"
#include "collect/gpu.h"
#include "collect/sampler.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "core/log.h"
#include "encode/gpu_encode.h"
#include "encode/host_encode.h"

static const char usage[] = "Prints the host's current metrics once: GPUs with their processes "
                            "and models, CPU, memory, disks, network and load, the inference "
                            "servers and clusters it polls itself, and the agents' figures from "
                            "the running daemon (when one is there).";

static void print_json(const struct host_sample *h, const struct gpu_sample *g,
                       const struct scraper *sc, const struct snapshot_agents *sa, FILE *out)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    struct jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "gpus");
    jw_arr_begin(&w);
    for (unsigned i = 0; i < g->n_devices; i++)
        gpu_encode_device(g, &g->devices[i], &w);
    jw_arr_end(&w);
    static void (*const parts[])(const struct host_sample *, struct jsonw *) = {
        host_encode_cpu, host_encode_memory, host_encode_disk, host_encode_network,
        host_encode_load};
    static const char *const keys[] = {"cpu", "memory", "disk", "network", "load"};
    for (int i = 0; i < 5; i++) {
        jw_key(&w, keys[i]);
        parts[i](h, &w);
    }
    if (sc)
        snapshot_targets_json(sc, &w);
    snapshot_agents_json(sa, &w);
    char iso[32];
    jw_kstr(&w, "timestamp", clock_iso8601(h->ts_ms, iso, sizeof iso));
    jw_kint(&w, "timestamp_ms", h->ts_ms);
    jw_obj_end(&w);
    if (!w.err)
        fprintf(out, "%s\n", b.data);
    buf_release(&b);
}

static void gib(char *out, size_t n, bool valid, uint64_t bytes)
{
    if (valid)
        snprintf(out, n, "%.1f GiB", (double)bytes / (1024.0 * 1024 * 1024));
    else
        snprintf(out, n, "n/a");
}

static void pct(char *out, size_t n, bool valid, double v)
{
    if (valid && !isnan(v))
        snprintf(out, n, "%5.1f %%", v);
    else
        snprintf(out, n, "  n/a");
}

static void rate(char *out, size_t n, bool valid, double mbps)
{
    if (valid)
        snprintf(out, n, "%8.2f MiB/s", mbps);
    else
        snprintf(out, n, "     n/a");
}

/* Up to 10 GPU columns "a / b unit", or "n/a" for a part that is not valid. */
static void pair(char *out, size_t n, bool va, double a, bool vb, double b, const char *unit)
{
    char x[24] = "n/a", y[24] = "n/a";
    if (va)
        snprintf(x, sizeof x, "%.0f", a);
    if (vb)
        snprintf(y, sizeof y, "%.0f", b);
    snprintf(out, n, "%s / %s %s", x, y, unit);
}

static void print_gpu_row(const struct gpu_device *d, FILE *out)
{
    char util[16] = "n/a", mutil[16] = "n/a", temp[16] = "n/a", fan[16] = "n/a";
    char mem[48] = "n/a", power[48], clocks[48], throttle[160] = "-";
    const double gib = 1024.0 * 1024 * 1024;
    if (gpu_device_has(d, GPU_F_UTILIZATION))
        snprintf(util, sizeof util, "%u %%", d->utilization);
    if (gpu_device_has(d, GPU_F_MEMORY_UTILIZATION))
        snprintf(mutil, sizeof mutil, "%u %%", d->memory_utilization);
    if (gpu_device_has(d, GPU_F_MEMORY_USED) || gpu_device_has(d, GPU_F_MEMORY_TOTAL)) {
        char u[16] = "n/a", t[16] = "n/a";
        if (gpu_device_has(d, GPU_F_MEMORY_USED))
            snprintf(u, sizeof u, "%.1f", (double)d->memory_used / gib);
        if (gpu_device_has(d, GPU_F_MEMORY_TOTAL))
            snprintf(t, sizeof t, "%.1f", (double)d->memory_total / gib);
        snprintf(mem, sizeof mem, "%s / %s GiB", u, t);
    }
    if (gpu_device_has(d, GPU_F_TEMPERATURE))
        snprintf(temp, sizeof temp, "%.0f C", d->temperature);
    if (gpu_device_has(d, GPU_F_FAN))
        snprintf(fan, sizeof fan, "%u %%", d->fan);
    pair(power, sizeof power, gpu_device_has(d, GPU_F_POWER_DRAW), d->power_draw,
         gpu_device_has(d, GPU_F_POWER_LIMIT), d->power_limit, "W");
    pair(clocks, sizeof clocks, gpu_device_has(d, GPU_F_CLOCK_GRAPHICS), d->clock_graphics,
         gpu_device_has(d, GPU_F_CLOCK_MEMORY), d->clock_memory, "MHz");
    if (gpu_device_has(d, GPU_F_THROTTLE) && d->throttle_reasons)
        gpu_throttle_format(d->throttle_reasons, ",", throttle, sizeof throttle);
    fprintf(out, "%3u  %-26.26s %5s %6s %20s %6s %15s %17s %5s  %s\n", d->index,
            gpu_device_has(d, GPU_F_NAME) ? d->name : gpu_vendor_name(d->vendor), util, mutil,
            mem, temp, power, clocks, fan, d->lost ? "LOST" : throttle);
}

static void print_gpus(const struct gpu_sample *g, FILE *out)
{
    if (!g->available) {
        fprintf(out, "GPUs     none (%s)\n", g->reason);
        return;
    }
    fprintf(out, "GPUs     %u through %s", g->n_devices, g->backends);
    if (g->driver_version[0])
        fprintf(out, ", driver %s", g->driver_version);
    if (g->cuda_version[0])
        fprintf(out, ", CUDA %s", g->cuda_version);
    fprintf(out, "\n\n%3s  %-26s %5s %6s %20s %6s %15s %17s %5s  %s\n", "GPU", "Name", "Util",
            "Mem", "Memory used / total", "Temp", "Power / limit", "Clocks gfx / mem", "Fan",
            "Throttle");
    for (unsigned i = 0; i < g->n_devices; i++)
        print_gpu_row(&g->devices[i], out);
    bool header = false;
    for (unsigned i = 0; i < g->n_devices; i++) {
        const struct gpu_device *d = &g->devices[i];
        for (unsigned k = 0; k < d->n_procs; k++) {
            const struct gpu_process *p = &d->procs[k];
            if (!header)
                fprintf(out, "\n%3s %8s  %-16s %10s  %s\n", "GPU", "PID", "Process",
                        "GPU memory", "Model");
            header = true;
            char mem[24] = "n/a";
            if (p->memory_valid)
                snprintf(mem, sizeof mem, "%.1f GiB",
                         (double)p->memory_used / (1024.0 * 1024 * 1024));
            fprintf(out, "%3u %8u  %-16s %10s  %s\n", d->index, p->pid,
                    p->comm[0] ? p->comm : "?", mem, p->model[0] ? p->model : "-");
        }
    }
    if (!header)
        fprintf(out, "\nNo GPU processes.\n");
    if (g->state == GPU_STATE_DEGRADED)
        fprintf(out, "\nGPU problem: %s\n", g->reason);
}

static void print_table(const struct host_sample *h, const struct host_collectors *hc,
                        const struct gpu_sample *g, FILE *out)
{
    char a[48], b[48], c[48];
    char iso[32];
    fprintf(out, "vigil snapshot  %s\n\n", clock_iso8601(h->ts_ms, iso, sizeof iso));
    print_gpus(g, out);
    fputc('\n', out);
    pct(a, sizeof a, h->cpu.valid, h->cpu.overall_utilization);
    fprintf(out, "CPU      %s overall, %u cores\n", a, h->cpu.n_cores);
    for (unsigned i = 0; h->cpu.valid && i < h->cpu.n_cores; i++) {
        pct(a, sizeof a, true, h->cpu.per_core_utilization[i]);
        fprintf(out, "%s  cpu%-3u %s", i % 4 == 0 ? "        " : "", i, a);
        if (i % 4 == 3 || i + 1 == h->cpu.n_cores)
            fputc('\n', out);
    }
    gib(a, sizeof a, h->mem.valid, h->mem.ram_used);
    gib(b, sizeof b, h->mem.valid, h->mem.ram_total);
    fprintf(out, "Memory   %s used of %s\n", a, b);
    gib(a, sizeof a, h->mem.valid, h->mem.swap_used);
    gib(b, sizeof b, h->mem.valid, h->mem.swap_total);
    fprintf(out, "Swap     %s used of %s\n", a, b);
    if (h->load.valid)
        fprintf(out, "Load     %.2f %.2f %.2f\n", h->load.load1, h->load.load5, h->load.load15);
    else
        fprintf(out, "Load     n/a\n");

    fprintf(out, "\n%-16s %16s %16s\n", "Disk", "read", "write");
    rate(a, sizeof a, h->disk.valid && h->disk.rate_valid, h->disk.read_rate_mbps);
    rate(b, sizeof b, h->disk.valid && h->disk.rate_valid, h->disk.write_rate_mbps);
    fprintf(out, "%-16s %16s %16s\n", "(all)", a, b);
    for (unsigned i = 0; h->disk.valid && i < h->disk.n_devices; i++) {
        const struct disk_device *d = &h->disk.devices[i];
        rate(a, sizeof a, d->rate_valid, d->read_rate_mbps);
        rate(b, sizeof b, d->rate_valid, d->write_rate_mbps);
        fprintf(out, "%-16s %16s %16s\n", d->name, a, b);
    }
    fprintf(out, "\n%-16s %16s %16s\n", "Network", "upload", "download");
    rate(a, sizeof a, h->net.valid && h->net.rate_valid, h->net.upload_rate_mbps);
    rate(b, sizeof b, h->net.valid && h->net.rate_valid, h->net.download_rate_mbps);
    fprintf(out, "%-16s %16s %16s\n", "(all)", a, b);
    for (unsigned i = 0; h->net.valid && i < h->net.n_ifaces; i++) {
        const struct net_iface *f = &h->net.ifaces[i];
        rate(a, sizeof a, f->rate_valid, f->upload_rate_mbps);
        rate(b, sizeof b, f->rate_valid, f->download_rate_mbps);
        fprintf(out, "%-16s %16s %16s\n", f->name, a, b);
    }
    bool header = false;
    for (unsigned i = 0; i < host_collectors_count(hc); i++) {
        const char *e = host_collectors_error(hc, i);
        if (!e)
            continue;
        if (!header)
            fprintf(out, "\nProblems\n");
        header = true;
        snprintf(c, sizeof c, "%s:", host_collectors_name(hc, i));
        fprintf(out, "  %-10s %s\n", c, e);
    }
}

int cli_snapshot(int argc, char **argv)
{
    struct cli_flag extra[] = {
        {"json", false, "print JSON (the /api/v1/system document) instead of a table", NULL},
        {"sample", true, "time between the two readings that rates need (default 1s)", NULL},
        {NULL, false, NULL, NULL},
    };
    struct config *cfg = calloc(1, sizeof *cfg);
    struct host_sample *h = calloc(1, sizeof *h);
    struct gpu_sample *g = calloc(1, sizeof *g);
    struct gpu_collector *gc = NULL;
    struct scraper *sc = NULL;
    int status = 1;
    if (!cfg || !h || !g) {
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    int rc = cli_load_config("snapshot", usage, argc, argv, cfg, extra);
    if (rc) {
        status = rc < 0 ? 0 : rc;
        goto out;
    }
    int64_t sample_ms = 1000;
    if (extra[1].value && config_parse_duration_ms(extra[1].value, &sample_ms) < 0) {
        fprintf(stderr, "vigil: --sample: bad duration '%s' (use e.g. 500ms, 1s)\n",
                extra[1].value);
        status = 2;
        goto out;
    }
    struct collector_env env = {.procfs = cfg->procfs, .sysfs = cfg->sysfs};
    struct host_collectors *hc = host_collectors_new(&env);
    gc = gpu_collector_new(&env, cfg->nvml_path[0] ? cfg->nvml_path : NULL);
    /* inference servers and clusters, polled here: no daemon needed */
    sc = scraper_new(cfg, NULL, NULL);
    if (!hc || !gc || !sc) {
        host_collectors_free(hc);
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    /* What the table says anyway ("no GPU available") need not go to stderr as well. */
    if (cfg->log_level < LOG_WARN)
        log_set_level(LOG_WARN);
    host_collectors_run(hc, h);
    /* The GPUs are read, and the targets polled, while the rates' interval runs. */
    int64_t start = clock_mono_ns();
    gpu_collector_collect(gc, g);
    scraper_cycle(sc);
    int64_t left_ns = sample_ms * 1000000 - (clock_mono_ns() - start);
    if (left_ns > 0) {
        struct timespec ts = {.tv_sec = left_ns / 1000000000, .tv_nsec = left_ns % 1000000000};
        nanosleep(&ts, NULL);
    }
    host_collectors_run(hc, h);
    scraper_cycle(sc); /* the second poll gives the rates */
    /* the agents' figures are the daemon's: asked of it, if one is running */
    struct snapshot_agents *sa = snapshot_agents_fetch(cfg);
    if (extra[0].value) {
        print_json(h, g, sc, sa, stdout);
    } else {
        print_table(h, hc, g, stdout);
        snapshot_targets_table(sc, stdout);
        snapshot_agents_table(sa, stdout);
    }
    snapshot_agents_free(sa);
    host_collectors_free(hc);
    status = 0;
out:
    scraper_free(sc);
    gpu_collector_free(gc);
    free(g);
    free(h);
    free(cfg);
    return status;
}
