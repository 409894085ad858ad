/* snapshot_targets: inference servers and clusters in `vigil snapshot` (see the header). */
#include "cli/snapshot_targets.h"

#include <math.h>
#include <string.h>

#include "encode/target_encode.h"

void snapshot_targets_json(const struct scraper *s, struct jsonw *w)
{
    for (int cluster = 0; cluster < 2; cluster++) {
        jw_key(w, cluster ? "cluster" : "inference");
        jw_arr_begin(w);
        for (unsigned i = 0; i < scraper_count(s); i++) {
            const struct target_result *t = scraper_result(s, i);
            if (t->cluster != (cluster == 1))
                continue;
            if (cluster)
                target_encode_cluster(t, w);
            else
                target_encode_inference(t, w);
        }
        jw_arr_end(w);
    }
}

/* A number in a column, or "-" when it is not known. */
static const char *num(char *out, size_t n, double v, const char *fmt)
{
    if (isnan(v))
        snprintf(out, n, "-");
    else
        snprintf(out, n, fmt, v);
    return out;
}

static void inference_row(const struct target_result *t, FILE *out)
{
    if (t->state != TARGET_UP || !t->infer) {
        fprintf(out, "%-16.16s %-10s %-6s %s\n", t->name, "-", target_state_name(t->state),
                t->error[0] ? t->error : "");
        return;
    }
    const double *f = t->infer->fig;
    char a[16], b[16], c[16], d[16], e[16], g[16], h[16];
    fprintf(
        out, "%-16.16s %-10s %-6s %10s %10s %5s %5s %5s %9s %9s  %s\n", t->name,
        infer_kind_name(t->infer->kind), "up", num(a, sizeof a, f[INFER_GEN_TPS], "%.1f"),
        num(b, sizeof b, f[INFER_PROMPT_TPS], "%.1f"), num(c, sizeof c, f[INFER_RUNNING], "%.0f"),
        num(d, sizeof d, f[INFER_WAITING], "%.0f"), num(e, sizeof e, f[INFER_KV] * 100, "%.0f%%"),
        num(g, sizeof g, f[INFER_TTFT_P50], "%.3f s"), num(h, sizeof h, f[INFER_E2E_P50], "%.2f s"),
        t->infer->model[0] ? t->infer->model : "-");
}

static void cluster_row(const struct target_result *t, FILE *out)
{
    const struct cluster_status *st = t->status;
    if (t->state != TARGET_UP || !st) {
        fprintf(out, "%-16.16s %-6s %s\n", t->name, target_state_name(t->state),
                t->error[0] ? t->error : "");
        return;
    }
    fprintf(out, "%-16.16s %-6s ", t->name, "up");
    if (!st->proxy) {
        fprintf(out, "a status document vigil does not recognise (see --json)\n");
        return;
    }
    if (st->health_known)
        fprintf(out, "%u/%u nodes up", st->nodes_up, st->nodes_total);
    else
        fprintf(out, "%u nodes", st->nodes_total);
    if (!isnan(st->gpus_active))
        fprintf(out, ", %.0f GPU%s active", st->gpus_active, st->gpus_active == 1 ? "" : "s");
    if (st->failover_ready >= 0)
        fprintf(out, ", failover %s", st->failover_ready ? "ready" : "not ready");
    fputc('\n', out);
}

void snapshot_targets_table(const struct scraper *s, FILE *out)
{
    bool any[2] = {false, false};
    for (unsigned i = 0; i < scraper_count(s); i++)
        any[scraper_result(s, i)->cluster] = true;
    if (any[0]) {
        fprintf(out, "\n%-16s %-10s %-6s %10s %10s %5s %5s %5s %9s %9s  %s\n", "Inference", "kind",
                "state", "gen tok/s", "prompt t/s", "run", "wait", "kv", "ttft p50", "e2e p50",
                "model");
        for (unsigned i = 0; i < scraper_count(s); i++)
            if (!scraper_result(s, i)->cluster)
                inference_row(scraper_result(s, i), out);
    }
    if (any[1]) {
        fprintf(out, "\n%-16s %-6s\n", "Cluster", "state");
        for (unsigned i = 0; i < scraper_count(s); i++)
            if (scraper_result(s, i)->cluster)
                cluster_row(scraper_result(s, i), out);
    }
}
