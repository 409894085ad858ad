/*
 * bench_prom_text: the exposition reader's throughput on one core, on a large vLLM-shaped
 * exposition built in memory (the V1 families: gauges, counters with _created, and three
 * histograms of 20-odd buckets, repeated for many engines as a big data-parallel server
 * would show them). Prints the best of several passes in MB/s (10^6 bytes per second of
 * CPU time).
 *   usage: bench_prom_text [MiB]   (default 64)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "parse/prom_text.h"

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char model[] = "meta-llama/Llama-3.1-8B-Instruct";

static void hist(struct buf *b, const char *name, const char *const *les, int n, int engine)
{
    buf_printf(b, "# HELP %s Histogram of %s.\n# TYPE %s histogram\n", name, name, name);
    double c = 0;
    for (int i = 0; i < n; i++) {
        c += (double)((i * 37 + engine) % 91);
        buf_printf(b, "%s_bucket{engine=\"%d\",le=\"%s\",model_name=\"%s\"} %.1f\n", name, engine,
                   les[i], model, c);
    }
    buf_printf(b, "%s_count{engine=\"%d\",model_name=\"%s\"} %.1f\n", name, engine, model, c);
    buf_printf(b, "%s_sum{engine=\"%d\",model_name=\"%s\"} %.6f\n", name, engine, model, c * 0.137);
}

static void engine_block(struct buf *b, int e)
{
    static const char *const gauges[] = {"vllm:num_requests_running", "vllm:num_requests_waiting",
                                         "vllm:kv_cache_usage_perc"};
    static const char *const counters[] = {"vllm:prompt_tokens", "vllm:generation_tokens",
                                           "vllm:prefix_cache_queries", "vllm:prefix_cache_hits",
                                           "vllm:num_preemptions"};
    for (size_t i = 0; i < 3; i++)
        buf_printf(
            b, "# HELP %s A gauge.\n# TYPE %s gauge\n%s{engine=\"%d\",model_name=\"%s\"} %d.0\n",
            gauges[i], gauges[i], gauges[i], e, model, (e * 7 + (int)i) % 50);
    for (size_t i = 0; i < 5; i++) {
        buf_printf(b,
                   "# HELP %s_total A counter.\n# TYPE %s_total counter\n"
                   "%s_total{engine=\"%d\",model_name=\"%s\"} %d.0\n",
                   counters[i], counters[i], counters[i], e, model, e * 1000 + (int)i * 77);
        buf_printf(b,
                   "# HELP %s_created A counter.\n# TYPE %s_created gauge\n"
                   "%s_created{engine=\"%d\",model_name=\"%s\"} 1.7402016113e+09\n",
                   counters[i], counters[i], counters[i], e, model);
    }
    static const char *const reasons[] = {"stop", "length", "abort"};
    buf_printf(b, "# HELP vllm:request_success_total Count of successfully processed requests.\n"
                  "# TYPE vllm:request_success_total counter\n");
    for (size_t i = 0; i < 3; i++)
        buf_printf(b,
                   "vllm:request_success_total{engine=\"%d\",finished_reason=\"%s\","
                   "model_name=\"%s\"} %d.0\n",
                   e, reasons[i], model, e * 31 + (int)i);
    static const char *const ttft[] = {"0.001", "0.005", "0.01",  "0.02",   "0.04", "0.06",
                                       "0.08",  "0.1",   "0.25",  "0.5",    "0.75", "1.0",
                                       "2.5",   "5.0",   "7.5",   "10.0",   "20.0", "40.0",
                                       "80.0",  "160.0", "640.0", "2560.0", "+Inf"};
    static const char *const e2e[] = {"0.3",   "0.5",    "0.8",    "1.0",   "1.5",   "2.0",
                                      "2.5",   "5.0",    "10.0",   "15.0",  "20.0",  "30.0",
                                      "40.0",  "50.0",   "60.0",   "120.0", "240.0", "480.0",
                                      "960.0", "1920.0", "7680.0", "+Inf"};
    static const char *const itl[] = {"0.01", "0.025", "0.05", "0.075", "0.1",  "0.15", "0.2",
                                      "0.3",  "0.4",   "0.5",  "0.75",  "1.0",  "2.5",  "5.0",
                                      "7.5",  "10.0",  "20.0", "40.0",  "80.0", "+Inf"};
    hist(b, "vllm:time_to_first_token_seconds", ttft, 23, e);
    hist(b, "vllm:e2e_request_latency_seconds", e2e, 22, e);
    hist(b, "vllm:inter_token_latency_seconds", itl, 20, e);
}

int main(int argc, char **argv)
{
    long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
    if (mib < 1)
        mib = 1;
    size_t want = (size_t)mib << 20;
    struct buf b;
    buf_init(&b, want + (1u << 20));
    for (int e = 0; b.len < want; e++) {
        if (b.len + 32768 > b.max)
            break;
        engine_block(&b, e);
    }
    unsigned samples = 0;
    int64_t best = INT64_MAX;
    for (int pass = 0; pass < 7; pass++) {
        int64_t t0 = cpu_ns();
        struct prom_text t;
        struct prom_sample s;
        prom_text_init(&t, b.data, b.len);
        double sink = 0;
        enum prom_event ev;
        while ((ev = prom_text_next(&t, &s)) != PROM_END)
            if (ev == PROM_SAMPLE)
                sink += s.value;
        int64_t dt = cpu_ns() - t0;
        if (t.n_errors) {
            fprintf(stderr, "bench_prom_text: %u bad lines\n", t.n_errors);
            return 1;
        }
        samples = t.n_samples;
        if (dt < best)
            best = dt;
        if (sink < 0)
            puts("");
    }
    double mbs = (double)b.len / 1e6 / ((double)best / 1e9);
    printf("prom_text parser: %.0f MB/s on one core (%.1f MB vLLM-shaped exposition, %u samples, "
           "%.0f ns per sample; best of 7)\n",
           mbs, (double)b.len / 1e6, samples, (double)best / samples);
    buf_release(&b);
    return 0;
}
