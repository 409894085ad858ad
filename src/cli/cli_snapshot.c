/*
 * cli_snapshot: `vigil snapshot`, the host metrics once, like nvidia-smi: a readable table
 * by default, or with --json the same document GET /api/v1/system answers. Rates need two
 * readings, so it reads, waits --sample (default 1s) and reads again.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "collect/sampler.h"
#include "core/clock.h"
#include "core/jsonw.h"
#include "encode/host_encode.h"

static const char usage[] = "Prints the host's current metrics once: CPU, memory, disks, "
                            "network and load.";

static void print_json(const struct host_sample *h, FILE *out)
{
    struct buf b;
    buf_init(&b, 16u << 20);
    struct jsonw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "gpus");
    jw_raw(&w, "[]", 2);
    static void (*const parts[])(const struct host_sample *, struct jsonw *) = {
        host_encode_cpu, host_encode_memory, host_encode_disk, host_encode_network,
        host_encode_load};
    static const char *const keys[] = {"cpu", "memory", "disk", "network", "load"};
    for (int i = 0; i < 5; i++) {
        jw_key(&w, keys[i]);
        parts[i](h, &w);
    }
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

static void print_table(const struct host_sample *h, const struct host_collectors *hc,
                        FILE *out)
{
    char a[48], b[48], c[48];
    char iso[32];
    fprintf(out, "vigil snapshot  %s\n\n", clock_iso8601(h->ts_ms, iso, sizeof iso));
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
    int status = 1;
    if (!cfg || !h) {
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
    if (!hc) {
        fprintf(stderr, "vigil: out of memory\n");
        goto out;
    }
    host_collectors_run(hc, h);
    struct timespec ts = {.tv_sec = sample_ms / 1000, .tv_nsec = (sample_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
    host_collectors_run(hc, h);
    if (extra[0].value)
        print_json(h, stdout);
    else
        print_table(h, hc, stdout);
    host_collectors_free(hc);
    status = 0;
out:
    free(h);
    free(cfg);
    return status;
}
