/* infer: recognition of each server from its real-shaped exposition, the derived figures
 * (rates from two scrapes, percentiles from bucket deltas as histogram_quantile computes
 * them), resets, the latency window, raw series of an unrecognised target, and garbage. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/infer.h"
#include "core/buf.h"
#include "core/err.h"

#define SEC 1000000000LL

static char *slurp(const char *name, size_t *len)
{
    const char *dir = getenv("VIGIL_FIXTURES");
    char path[512];
    snprintf(path, sizeof path, "%s/prom/%s", dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* The fixture with one string replaced (the first occurrence, which must exist). */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "no '%s'", from);
    size_t head = (size_t)(at - text), nto = strlen(to);
    const char *tail = at + strlen(from);
    size_t ntail = strlen(tail);
    char *out = malloc(head + nto + ntail + 1);
    memcpy(out, text, head);
    memcpy(out + head, to, nto);
    memcpy(out + head + nto, tail, ntail + 1);
    return out;
}

static void near(double got, double want, const char *what)
{
    cr_expect(fabs(got - want) < 1e-9 * (1 + fabs(want)), "%s: got %.17g, want %.17g", what, got,
              want);
}

static struct infer *scrape_fixture(const char *name, enum infer_kind kind)
{
    size_t len;
    char *text = slurp(name, &len);
    struct infer *in = infer_new();
    cr_assert_not_null(in);
    cr_assert_eq(infer_update(in, text, len, 10 * SEC), 0, "%s: %s", name, in->error);
    cr_expect_eq(in->kind, kind, "%s: kind %s", name, infer_kind_name(in->kind));
    cr_expect_eq(in->bad_lines, 0);
    free(text);
    return in;
}

Test(infer, vllm_v1_gauges_model_and_no_rates_yet)
{
    struct infer *in = scrape_fixture("vllm_v1.prom", INFER_VLLM);
    cr_expect_str_eq(in->model, "meta-llama/Llama-3.1-8B-Instruct");
    near(in->fig[INFER_RUNNING], 3, "running");
    near(in->fig[INFER_WAITING], 2, "waiting");
    near(in->fig[INFER_KV], 0.4213, "kv");
    for (int f = INFER_GEN_TPS; f < INFER_NFIGS; f++) {
        if (f == INFER_RUNNING || f == INFER_WAITING || f == INFER_KV)
            continue;
        cr_expect(isnan(in->fig[f]), "%s is known after one scrape", infer_fig_name(f));
    }
    cr_expect_eq(in->n_raw, 0, "a recognised target keeps no raw series");
    infer_free(in);
}

Test(infer, vllm_v1_rates_and_percentiles_from_two_scrapes)
{
    size_t len;
    char *a = slurp("vllm_v1.prom", &len);
    /* Two seconds later: 400 more prompt tokens, 1000 more generated, 20 more stops, 2
     * aborts and 2 HTTP 5xx; the histograms have not moved. */
    char *b1 = edit(a,
                    "vllm:prompt_tokens_total{engine=\"0\",model_name=\"meta-llama/"
                    "Llama-3.1-8B-Instruct\"} 812345.0",
                    "vllm:prompt_tokens_total{engine=\"0\",model_name=\"meta-llama/"
                    "Llama-3.1-8B-Instruct\"} 812745.0");
    char *b2 = edit(b1, "456789.0", "457789.0");
    char *b3 = edit(b2,
                    "finished_reason=\"stop\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} "
                    "950.0",
                    "finished_reason=\"stop\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} "
                    "970.0");
    char *b4 = edit(b3,
                    "finished_reason=\"abort\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} "
                    "10.0",
                    "finished_reason=\"abort\",model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} "
                    "12.0");
    char *b = edit(b4, "status=\"5xx\"} 3.0", "status=\"5xx\"} 5.0");
    struct infer *in = infer_new();
    cr_assert_eq(infer_update(in, a, len, 100 * SEC), 0);
    cr_assert_eq(infer_update(in, b, strlen(b), 102 * SEC), 0);
    near(in->fig[INFER_PROMPT_TPS], 200, "prompt tokens/s");
    near(in->fig[INFER_GEN_TPS], 500, "generation tokens/s");
    near(in->fig[INFER_SUCCESS_PS], 10, "successes/s (stop and length)");
    near(in->fig[INFER_ERROR_PS], 2, "errors/s (aborts and HTTP 5xx)");
    /* no new observations in the window: no percentile */
    cr_expect(isnan(in->fig[INFER_TTFT_P50]));
    free(a);
    free(b1);
    free(b2);
    free(b3);
    free(b4);
    free(b);
    infer_free(in);
}

/* A small vLLM exposition with every moving part a parameter. */
static char *vllm(struct buf *b, double prompt, double stop, const double ttft[4])
{
    buf_reset(b);
    buf_printf(b,
               "# TYPE vllm:prompt_tokens_total counter\n"
               "vllm:prompt_tokens_total{model_name=\"m\"} %.1f\n"
               "# TYPE vllm:request_success_total counter\n"
               "vllm:request_success_total{finished_reason=\"stop\",model_name=\"m\"} %.1f\n"
               "# TYPE vllm:time_to_first_token_seconds histogram\n"
               "vllm:time_to_first_token_seconds_bucket{le=\"0.1\",model_name=\"m\"} %.1f\n"
               "vllm:time_to_first_token_seconds_bucket{le=\"0.2\",model_name=\"m\"} %.1f\n"
               "vllm:time_to_first_token_seconds_bucket{le=\"0.4\",model_name=\"m\"} %.1f\n"
               "vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"m\"} %.1f\n"
               "vllm:time_to_first_token_seconds_count{model_name=\"m\"} %.1f\n",
               prompt, stop, ttft[0], ttft[1], ttft[2], ttft[3], ttft[3]);
    return b->data;
}

/* Scrapes the small exposition (the length is read after it is written). */
static int upd(struct infer *in, struct buf *b, double prompt, double stop, const double ttft[4],
               int64_t now_ns)
{
    const char *text = vllm(b, prompt, stop, ttft);
    return infer_update(in, text, b->len, now_ns);
}

Test(infer, percentiles_from_bucket_deltas)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct infer *in = infer_new();
    const double zero[4] = {5, 5, 5, 5}, then[4] = {15, 35, 45, 45};
    cr_assert_eq(upd(in, &b, 0, 0, zero, 1 * SEC), 0);
    cr_assert_eq(upd(in, &b, 0, 0, then, 3 * SEC), 0);
    /* deltas 10, 30, 40, 40: p50 at rank 20 in (0.1, 0.2], p90 at 36 and p99 at 39.6 in
     * (0.2, 0.4] */
    near(in->fig[INFER_TTFT_P50], 0.15, "p50");
    near(in->fig[INFER_TTFT_P90], 0.32, "p90");
    near(in->fig[INFER_TTFT_P99], 0.392, "p99");
    cr_expect(isnan(in->fig[INFER_E2E_P50]), "no e2e histogram, no e2e figure");
    buf_release(&b);
    infer_free(in);
}

Test(infer, the_window_forgets_observations_older_than_a_minute)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct infer *in = infer_new();
    const double t0[4] = {0, 0, 0, 0}, t10[4] = {100, 100, 100, 100}, t80[4] = {100, 100, 200, 200};
    upd(in, &b, 0, 0, t0, 0);
    upd(in, &b, 0, 0, t10, 10 * SEC);
    near(in->fig[INFER_TTFT_P50], 0.05, "the first 100 were all under 0.1 s");
    upd(in, &b, 0, 0, t80, 80 * SEC);
    /* both earlier snapshots are over a minute old; the base is the newest, at 10 s */
    near(in->fig[INFER_TTFT_P50], 0.3, "the last 100 were all in (0.2, 0.4]");
    buf_release(&b);
    infer_free(in);
}

Test(infer, a_counter_that_goes_back_is_a_reset)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct infer *in = infer_new();
    const double h[4] = {10, 10, 10, 10}, h2[4] = {1, 1, 1, 1};
    upd(in, &b, 5000, 50, h, 1 * SEC);
    upd(in, &b, 6000, 60, h, 2 * SEC);
    near(in->fig[INFER_PROMPT_TPS], 1000, "before the restart");
    upd(in, &b, 100, 1, h2, 3 * SEC);
    near(in->fig[INFER_PROMPT_TPS], 0, "the restart's interval");
    near(in->fig[INFER_SUCCESS_PS], 0, "successes over the restart");
    cr_expect(isnan(in->fig[INFER_TTFT_P50]), "histogram reset: no percentile");
    upd(in, &b, 300, 5, h2, 4 * SEC);
    near(in->fig[INFER_PROMPT_TPS], 200, "after the restart");
    near(in->fig[INFER_SUCCESS_PS], 4, "successes after the restart");
    buf_release(&b);
    infer_free(in);
}

Test(infer, vllm_v0_older_names)
{
    struct infer *in = scrape_fixture("vllm_v0.prom", INFER_VLLM);
    near(in->fig[INFER_RUNNING], 5, "running");
    near(in->fig[INFER_WAITING], 7, "waiting");
    near(in->fig[INFER_KV], 0.875, "gpu_cache_usage_perc");
    cr_expect_str_eq(in->model, "meta-llama/Llama-3.1-8B-Instruct");
    infer_free(in);
}

Test(infer, sglang)
{
    struct infer *in = scrape_fixture("sglang.prom", INFER_SGLANG);
    near(in->fig[INFER_RUNNING], 162, "running");
    near(in->fig[INFER_WAITING], 2826, "queue");
    near(in->fig[INFER_KV], 0.28, "token_usage");
    cr_expect_str_eq(in->model, "meta-llama/Llama-3.1-8B-Instruct");
    infer_free(in);
}

Test(infer, llamacpp)
{
    size_t len;
    char *a = slurp("llamacpp.prom", &len);
    char *b =
        edit(a, "llamacpp:tokens_predicted_total 3469", "llamacpp:tokens_predicted_total 3569");
    struct infer *in = infer_new();
    cr_assert_eq(infer_update(in, a, len, 1 * SEC), 0);
    cr_expect_eq(in->kind, INFER_LLAMACPP);
    near(in->fig[INFER_RUNNING], 1, "processing");
    near(in->fig[INFER_WAITING], 4, "deferred");
    near(in->fig[INFER_KV], 0.125, "kv ratio");
    cr_expect_str_eq(in->model, "", "llama.cpp names no model");
    cr_assert_eq(infer_update(in, b, strlen(b), 5 * SEC), 0);
    near(in->fig[INFER_GEN_TPS], 25, "tokens predicted per second");
    near(in->fig[INFER_PROMPT_TPS], 0, "no new prompt tokens");
    cr_expect(isnan(in->fig[INFER_SUCCESS_PS]), "llama.cpp counts no requests");
    free(a);
    free(b);
    infer_free(in);
}

Test(infer, tgi)
{
    size_t len;
    char *a = slurp("tgi.prom", &len);
    char *b1 = edit(a, "tgi_request_generated_tokens_sum 230000",
                    "tgi_request_generated_tokens_sum 230400");
    char *b2 = edit(b1, "tgi_request_success 1480", "tgi_request_success 1484");
    char *b3 = edit(b2, "tgi_request_failure{err=\"generation\"} 5",
                    "tgi_request_failure{err=\"generation\"} 7");
    char *b = edit(b3, "tgi_request_duration_bucket{le=\"2\"} 1180",
                   "tgi_request_duration_bucket{le=\"2\"} 1184");
    struct infer *in = infer_new();
    cr_assert_eq(infer_update(in, a, len, 1 * SEC), 0);
    cr_expect_eq(in->kind, INFER_TGI);
    near(in->fig[INFER_RUNNING], 24, "batch size");
    near(in->fig[INFER_WAITING], 6, "queue");
    cr_expect(isnan(in->fig[INFER_KV]), "TGI shows no KV-cache usage");
    cr_assert_eq(infer_update(in, b, strlen(b), 3 * SEC), 0, "%s", in->error);
    near(in->fig[INFER_GEN_TPS], 200, "generated tokens from the histogram's sum");
    near(in->fig[INFER_SUCCESS_PS], 2, "successes");
    near(in->fig[INFER_ERROR_PS], 1, "failures");
    free(a);
    free(b1);
    free(b2);
    free(b3);
    free(b);
    infer_free(in);
}

Test(infer, an_unrecognised_target_shows_raw_gauges_and_counter_rates)
{
    size_t len;
    char *a = slurp("generic.prom", &len);
    char *b = edit(a, "jobs_processed_total{queue=\"low\"} 5000",
                   "jobs_processed_total{queue=\"low\"} 5100");
    struct infer *in = infer_new();
    cr_assert_eq(infer_update(in, a, len, 1 * SEC), 0);
    cr_assert_eq(infer_update(in, b, strlen(b), 3 * SEC), 0);
    cr_expect_eq(in->kind, INFER_PROMETHEUS);
    cr_expect_str_eq(infer_kind_name(in->kind), "prometheus");
    bool high = false, low = false, untyped = false;
    for (unsigned i = 0; i < in->n_raw; i++) {
        const struct infer_raw *r = &in->raw[i];
        cr_expect(strncmp(r->key, "go_", 3) != 0, "runtime family %s kept", r->key);
        if (strcmp(r->key, "queue_depth{queue=\"high\"}") == 0) {
            high = true;
            cr_expect(!r->counter && r->has_value && r->value == 3);
        }
        if (strcmp(r->key, "jobs_processed_total{queue=\"low\"}") == 0) {
            low = true;
            cr_expect(r->counter && r->has_value);
            near(r->value, 50, "jobs/s");
        }
        if (strcmp(r->key, "untyped_thing") == 0)
            untyped = r->value == 1.5;
    }
    cr_expect(high && low && untyped, "raw series: %u", in->n_raw);
    cr_expect_eq(in->n_raw, 5, "two queues, two job counters, one untyped");
    free(a);
    free(b);
    infer_free(in);
}

Test(infer, garbage_is_an_error_with_its_line)
{
    static const char html[] = "<html>\n<body>502 Bad Gateway</body>\n</html>\n";
    struct infer *in = infer_new();
    cr_expect_eq(infer_update(in, html, sizeof html - 1, SEC), -VIGIL_EINVAL);
    cr_expect_str_eq(in->error, "line 1: bad metric name '<html>'");
    cr_expect_eq(in->kind, INFER_NONE);
    cr_expect_eq(infer_update(in, "", 0, 2 * SEC), -VIGIL_EINVAL);
    cr_expect_str_eq(in->error, "empty response");
    /* some good lines: read, with the bad ones counted */
    static const char mixed[] = "vllm:num_requests_running 4\nvllm:num_requests_waiting x\n";
    cr_expect_eq(infer_update(in, mixed, sizeof mixed - 1, 3 * SEC), 0);
    cr_expect_eq(in->bad_lines, 1);
    cr_expect_str_eq(in->error, "line 2: bad value 'x'");
    near(in->fig[INFER_RUNNING], 4, "running");
    infer_free(in);
}

Test(infer, model_paths_become_names_and_renamed_metrics_count_once)
{
    static const char text[] =
        "vllm:num_requests_running{model_name=\"/srv/models/llama-2-7b/\"} 1\n"
        "vllm:num_requests_running{model_name=\"/srv/models/llama-2-7b/\",engine=\"1\"} 2\n"
        "vllm:kv_cache_usage_perc{engine=\"0\"} 0.5\n"
        "vllm:kv_cache_usage_perc{engine=\"1\"} 0.7\n"
        "vllm:gpu_cache_usage_perc 0.9\n";
    struct infer *in = infer_new();
    cr_assert_eq(infer_update(in, text, sizeof text - 1, SEC), 0);
    cr_expect_str_eq(in->model, "llama-2-7b");
    near(in->fig[INFER_RUNNING], 3, "summed over engines");
    near(in->fig[INFER_KV], 0.7, "the fullest engine, from the first name only");
    infer_free(in);
}

Test(infer, quantile_matches_histogram_quantile)
{
    const double inf = INFINITY;
    const double le[3] = {0.1, 0.2, inf}, c[3] = {10, 20, 20};
    near(infer_quantile(0.5, le, c, 3), 0.1, "q0.5");
    near(infer_quantile(0.75, le, c, 3), 0.15, "q0.75");
    near(infer_quantile(1, le, c, 3), 0.2, "q1");
    const double top[3] = {0, 0, 5};
    near(infer_quantile(0.5, le, top, 3), 0.2, "all in +Inf: the highest finite bound");
    const double none[3] = {0, 0, 0};
    cr_expect(isnan(infer_quantile(0.5, le, none, 3)));
    const double no_inf[2] = {0.1, 0.2}, c2[2] = {1, 2};
    cr_expect(isnan(infer_quantile(0.5, no_inf, c2, 2)), "no +Inf bucket");
    const double neg[3] = {-1, 0.2, inf}, cn[3] = {10, 20, 20};
    near(infer_quantile(0.25, neg, cn, 3), -1, "first bucket at or below zero");
    const double bumpy[3] = {10, 8, 20};
    near(infer_quantile(0.5, le, bumpy, 3), 0.1, "counts made monotonic first");
}
