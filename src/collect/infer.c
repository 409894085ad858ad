/*
 * infer: recognition and derived figures (see infer.h). One pass over the exposition folds
 * every sample into per-role sums (a role is "requests running", "prompt tokens", "TTFT
 * histogram"...); the figures are computed from the sums once the pass is done. Most lines
 * of a vLLM exposition are histogram buckets, so the name lookup remembers the last name it
 * resolved and a bucket finds its slot from where the previous one went.
 */
#include "collect/infer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/fault.h"
#include "parse/prom_text.h"

enum role {
    R_NONE,
    R_RUNNING,
    R_WAITING,
    R_KV,
    R_PROMPT,
    R_GEN,
    R_FINISHED, /* a counter split by finished_reason */
    R_SUCCESS,
    R_FAILURE,
    R_TOTAL,
    R_ABORTED,
    R_HTTP, /* http_requests_total{status} */
    R_TTFT,
    R_E2E,
    R_ITL,
    R_NROLES
};

enum how {
    M_GAUGE,    /* the sample's name is the entry's */
    M_COUNTER,  /* the entry's name, or it with _total */
    M_HIST,     /* name_bucket{le} */
    M_HIST_SUM, /* name_sum: a histogram of per-request counts whose sum is a counter */
};

struct known {
    const char *name;
    enum infer_kind kind; /* INFER_NONE: recognised, but says nothing about the server */
    enum role role;
    enum how how;
};

/* Where a role has two names (a renamed metric), the first one seen in a scrape is used and
 * the other ignored, so that a server exposing both does not count twice. */
static const struct known known[] = {
    {"vllm:num_requests_running", INFER_VLLM, R_RUNNING, M_GAUGE},
    {"vllm:num_requests_waiting", INFER_VLLM, R_WAITING, M_GAUGE},
    {"vllm:kv_cache_usage_perc", INFER_VLLM, R_KV, M_GAUGE},
    {"vllm:gpu_cache_usage_perc", INFER_VLLM, R_KV, M_GAUGE},
    {"vllm:prompt_tokens", INFER_VLLM, R_PROMPT, M_COUNTER},
    {"vllm:generation_tokens", INFER_VLLM, R_GEN, M_COUNTER},
    {"vllm:request_success", INFER_VLLM, R_FINISHED, M_COUNTER},
    {"vllm:time_to_first_token_seconds", INFER_VLLM, R_TTFT, M_HIST},
    {"vllm:e2e_request_latency_seconds", INFER_VLLM, R_E2E, M_HIST},
    {"vllm:inter_token_latency_seconds", INFER_VLLM, R_ITL, M_HIST},
    {"vllm:time_per_output_token_seconds", INFER_VLLM, R_ITL, M_HIST},
    {"sglang:num_running_reqs", INFER_SGLANG, R_RUNNING, M_GAUGE},
    {"sglang:num_queue_reqs", INFER_SGLANG, R_WAITING, M_GAUGE},
    {"sglang:token_usage", INFER_SGLANG, R_KV, M_GAUGE},
    {"sglang:prompt_tokens", INFER_SGLANG, R_PROMPT, M_COUNTER},
    {"sglang:generation_tokens", INFER_SGLANG, R_GEN, M_COUNTER},
    {"sglang:num_requests", INFER_SGLANG, R_TOTAL, M_COUNTER},
    {"sglang:num_aborted_requests", INFER_SGLANG, R_ABORTED, M_COUNTER},
    {"sglang:time_to_first_token_seconds", INFER_SGLANG, R_TTFT, M_HIST},
    {"sglang:e2e_request_latency_seconds", INFER_SGLANG, R_E2E, M_HIST},
    {"sglang:inter_token_latency_seconds", INFER_SGLANG, R_ITL, M_HIST},
    {"sglang:time_per_output_token_seconds", INFER_SGLANG, R_ITL, M_HIST},
    {"llamacpp:requests_processing", INFER_LLAMACPP, R_RUNNING, M_GAUGE},
    {"llamacpp:requests_deferred", INFER_LLAMACPP, R_WAITING, M_GAUGE},
    {"llamacpp:kv_cache_usage_ratio", INFER_LLAMACPP, R_KV, M_GAUGE},
    {"llamacpp:prompt_tokens", INFER_LLAMACPP, R_PROMPT, M_COUNTER},
    {"llamacpp:tokens_predicted", INFER_LLAMACPP, R_GEN, M_COUNTER},
    {"tgi_batch_current_size", INFER_TGI, R_RUNNING, M_GAUGE},
    {"tgi_queue_size", INFER_TGI, R_WAITING, M_GAUGE},
    {"tgi_request_input_length", INFER_TGI, R_PROMPT, M_HIST_SUM},
    {"tgi_request_generated_tokens", INFER_TGI, R_GEN, M_HIST_SUM},
    {"tgi_request_success", INFER_TGI, R_SUCCESS, M_COUNTER},
    {"tgi_request_failure", INFER_TGI, R_FAILURE, M_COUNTER},
    {"tgi_request_count", INFER_TGI, R_TOTAL, M_COUNTER},
    {"tgi_request_duration", INFER_TGI, R_E2E, M_HIST},
    {"tgi_request_mean_time_per_token_duration", INFER_TGI, R_ITL, M_HIST},
    /* prometheus-fastapi-instrumentator, as vLLM serves it: {status="2xx"} */
    {"http_requests", INFER_NONE, R_HTTP, M_COUNTER},
};
#define N_KNOWN (sizeof known / sizeof known[0])

struct hist_acc {
    double le[INFER_HIST_BUCKETS];
    double count[INFER_HIST_BUCKETS];
    unsigned n, hint;
    bool overflow; /* more distinct le values than fit: the histogram is not used */
};

struct infer_fold {
    unsigned votes[INFER_TGI + 1];
    bool has[R_NROLES];
    int src[R_NROLES]; /* the known[] entry that feeds the role this scrape */
    double sum[R_NROLES];
    double fin_ok, fin_bad;
    double http_ok, http_err;
    struct hist_acc hist[INFER_NHIST];
    bool collect_raw;

    /* the last name looked up, and what it was */
    const char *last_p;
    size_t last_n;
    int last_entry; /* -1: not a known name */
};

struct infer *infer_new(void)
{
    struct infer *in = vigil_calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->fold = vigil_calloc(1, sizeof *in->fold);
    if (!in->fold) {
        free(in);
        return NULL;
    }
    for (int i = 0; i < 4; i++) {
        rate_init(&in->rate[i]);
        in->rate_src[i] = -1;
    }
    for (int i = 0; i < INFER_NFIGS; i++)
        in->fig[i] = NAN;
    return in;
}

void infer_free(struct infer *in)
{
    if (!in)
        return;
    free(in->fold);
    free(in);
}

void infer_forget(struct infer *in)
{
    for (int i = 0; i < 4; i++) {
        rate_init(&in->rate[i]);
        in->rate_src[i] = -1;
    }
    for (int h = 0; h < INFER_NHIST; h++) {
        in->window[h].n = 0;
        in->window[h].count = 0;
        in->window[h].head = 0;
    }
    for (unsigned i = 0; i < in->n_raw; i++) {
        rate_init(&in->raw[i].rate);
        in->raw[i].has_value = false;
    }
    for (int i = 0; i < INFER_NFIGS; i++)
        in->fig[i] = NAN;
}

const char *infer_kind_name(enum infer_kind k)
{
    switch (k) {
    case INFER_PROMETHEUS:
        return "prometheus";
    case INFER_VLLM:
        return "vllm";
    case INFER_SGLANG:
        return "sglang";
    case INFER_LLAMACPP:
        return "llamacpp";
    case INFER_TGI:
        return "tgi";
    case INFER_NONE:
        break;
    }
    return NULL;
}

const char *infer_fig_name(enum infer_fig f)
{
    static const char *const names[INFER_NFIGS] = {
        [INFER_GEN_TPS] = "generation_tokens_per_sec",
        [INFER_PROMPT_TPS] = "prompt_tokens_per_sec",
        [INFER_RUNNING] = "requests_running",
        [INFER_WAITING] = "requests_waiting",
        [INFER_KV] = "kv_cache_usage",
        [INFER_SUCCESS_PS] = "request_success_per_sec",
        [INFER_ERROR_PS] = "request_error_per_sec",
        [INFER_TTFT_P50] = "ttft_seconds_p50",
        [INFER_TTFT_P90] = "ttft_seconds_p90",
        [INFER_TTFT_P99] = "ttft_seconds_p99",
        [INFER_E2E_P50] = "e2e_latency_seconds_p50",
        [INFER_E2E_P90] = "e2e_latency_seconds_p90",
        [INFER_E2E_P99] = "e2e_latency_seconds_p99",
        [INFER_ITL_P50] = "itl_seconds_p50",
        [INFER_ITL_P90] = "itl_seconds_p90",
        [INFER_ITL_P99] = "itl_seconds_p99",
    };
    return (unsigned)f < INFER_NFIGS ? names[f] : NULL;
}

/* ---- histogram_quantile --------------------------------------------------------------- */

double infer_quantile(double q, const double *le, const double *count, unsigned n)
{
    if (n < 2 || !isinf(le[n - 1]) || le[n - 1] < 0 || isnan(q))
        return NAN;
    /* Prometheus forces the counts monotonic before it interpolates (a bucket scraped a
     * moment apart from the next can be a little off); so does this, on a copy. */
    double c[INFER_HIST_BUCKETS];
    double max = 0;
    for (unsigned i = 0; i < n; i++) {
        double v = isnan(count[i]) ? 0 : count[i];
        max = v > max ? v : max;
        c[i] = max;
    }
    double total = c[n - 1];
    if (total <= 0)
        return NAN;
    double rank = q * total;
    unsigned b = 0;
    while (b < n - 1 && c[b] < rank)
        b++;
    if (b == n - 1)
        return le[n - 2];
    if (b == 0 && le[0] <= 0)
        return le[0];
    double start = 0, end = le[b], in = c[b];
    if (b > 0) {
        start = le[b - 1];
        in -= c[b - 1];
        rank -= c[b - 1];
    }
    if (in <= 0)
        return end;
    return start + (end - start) * (rank / in);
}

/* ---- recognition ---------------------------------------------------------------------- */

static bool str_is(const char *p, size_t n, const char *s)
{
    return strncmp(p, s, n) == 0 && s[n] == '\0';
}

/* The known[] entry that sample s feeds, or -1. */
static int lookup(const struct prom_sample *s)
{
    const char *p = s->name.p;
    size_t n = s->name.n;
    switch (p[0]) {
    case 'v':
    case 's':
    case 'l':
    case 't':
    case 'h':
        break;
    default:
        return -1;
    }
    static const struct {
        const char *text;
        size_t len;
        enum prom_part part;
    } suffixes[] = {{"_total", 6, PROM_PART_TOTAL},
                    {"_bucket", 7, PROM_PART_BUCKET},
                    {"_sum", 4, PROM_PART_SUM}};
    size_t base = n;
    enum prom_part part = PROM_PART_VALUE;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t l = suffixes[i].len;
        if (n > l && memcmp(p + n - l, suffixes[i].text, l) == 0) {
            base = n - l;
            part = suffixes[i].part;
            break;
        }
    }
    for (size_t i = 0; i < N_KNOWN; i++) {
        const struct known *k = &known[i];
        if (k->name[0] != p[0])
            continue;
        switch (k->how) {
        case M_GAUGE:
            if (str_is(p, n, k->name))
                return (int)i;
            break;
        case M_COUNTER:
            if (str_is(p, n, k->name) || (part == PROM_PART_TOTAL && str_is(p, base, k->name)))
                return (int)i;
            break;
        case M_HIST:
            if (part == PROM_PART_BUCKET && str_is(p, base, k->name))
                return (int)i;
            break;
        case M_HIST_SUM:
            if (part == PROM_PART_SUM && str_is(p, base, k->name))
                return (int)i;
            break;
        }
    }
    return -1;
}

static bool label_is(const struct prom_sample *s, const char *name, struct prom_str *v)
{
    struct prom_label l;
    if (!prom_sample_label(s, name, &l))
        return false;
    *v = l.value;
    return true;
}

/* A local path in model_name (vLLM names a model loaded from disk by its path) becomes its
 * last component: paths do not leave the host. */
static void model_set(char *out, size_t n, const struct prom_label *l)
{
    char v[512];
    size_t len = prom_label_value(l, v, sizeof v);
    if (len >= sizeof v)
        len = sizeof v - 1;
    const char *p = v;
    if (len > 0 && (v[0] == '/' || v[0] == '.' || v[0] == '~')) {
        while (len > 1 && v[len - 1] == '/')
            v[--len] = '\0';
        const char *slash = strrchr(v, '/');
        if (slash && slash[1])
            p = slash + 1;
    }
    size_t keep = strlen(p);
    if (keep >= n)
        keep = n - 1;
    memcpy(out, p, keep);
    out[keep] = '\0';
}

static void hist_add(struct hist_acc *h, const struct prom_sample *s)
{
    struct prom_str le_text;
    double le;
    if (h->overflow || !label_is(s, "le", &le_text) ||
        prom_parse_float(le_text.p, le_text.n, &le) < 0 || isnan(le))
        return;
    double v = isnan(s->value) ? 0 : s->value;
    unsigned i = h->hint;
    if (i >= h->n || h->le[i] != le) {
        for (i = 0; i < h->n && h->le[i] < le; i++)
            ;
        if (i == h->n || h->le[i] != le) {
            if (h->n == INFER_HIST_BUCKETS) {
                h->overflow = true;
                return;
            }
            memmove(&h->le[i + 1], &h->le[i], (h->n - i) * sizeof h->le[0]);
            memmove(&h->count[i + 1], &h->count[i], (h->n - i) * sizeof h->count[0]);
            h->le[i] = le;
            h->count[i] = 0;
            h->n++;
        }
    }
    h->count[i] += v;
    h->hint = i + 1;
}

static enum infer_hist hist_of(enum role r)
{
    return r == R_TTFT ? INFER_H_TTFT : r == R_E2E ? INFER_H_E2E : INFER_H_ITL;
}

static void fold_known(struct infer *in, struct infer_fold *f, int e, const struct prom_sample *s)
{
    const struct known *k = &known[e];
    if (f->has[k->role] && f->src[k->role] != e)
        return; /* another name already feeds this role: a renamed metric exposed twice */
    f->has[k->role] = true;
    f->src[k->role] = e;
    if (k->kind != INFER_NONE)
        f->votes[k->kind]++;
    if (!in->model[0]) {
        struct prom_label l;
        if (prom_sample_label(s, "model_name", &l))
            model_set(in->model, sizeof in->model, &l);
    }
    double v = s->value;
    switch (k->role) {
    case R_TTFT:
    case R_E2E:
    case R_ITL:
        hist_add(&f->hist[hist_of(k->role)], s);
        return;
    case R_KV:
        if (!isnan(v) && (isnan(f->sum[R_KV]) || v > f->sum[R_KV]))
            f->sum[R_KV] = v;
        return;
    case R_FINISHED: {
        struct prom_str why;
        bool bad = label_is(s, "finished_reason", &why) &&
                   (str_is(why.p, why.n, "abort") || str_is(why.p, why.n, "error"));
        if (!isnan(v))
            *(bad ? &f->fin_bad : &f->fin_ok) += v;
        return;
    }
    case R_HTTP: {
        struct prom_str st;
        if (!label_is(s, "status", &st) && !label_is(s, "code", &st))
            return;
        if (st.n > 0 && st.p[0] == '2' && !isnan(v))
            f->http_ok += v;
        else if (st.n > 0 && st.p[0] == '5' && !isnan(v))
            f->http_err += v;
        return;
    }
    default:
        if (!isnan(v))
            f->sum[k->role] += v;
        return;
    }
}

/* ---- raw series of an unrecognised target --------------------------------------------- */

static uint32_t key_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void raw_index_rebuild(struct infer *in)
{
    memset(in->raw_index, 0, sizeof in->raw_index);
    for (unsigned i = 0; i < in->n_raw; i++) {
        uint32_t slot = key_hash(in->raw[i].key) % sizeof in->raw_index;
        while (in->raw_index[slot])
            slot = (slot + 1) % sizeof in->raw_index;
        in->raw_index[slot] = (unsigned char)(i + 1);
    }
}

/* Runtime families every exporter carries; they say nothing about the service. */
static bool runtime_noise(const struct prom_str *name)
{
    static const char *const prefixes[] = {"go_", "process_", "python_", "promhttp_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t l = strlen(prefixes[i]);
        if (name->n >= l && memcmp(name->p, prefixes[i], l) == 0)
            return true;
    }
    return name->n >= 8 && memcmp(name->p + name->n - 8, "_created", 8) == 0;
}

static void fold_raw(struct infer *in, const struct prom_sample *s, int64_t now_ns)
{
    if (s->part != PROM_PART_VALUE && s->part != PROM_PART_TOTAL)
        return;
    if (s->type == PROM_HISTOGRAM || s->type == PROM_SUMMARY || runtime_noise(&s->name))
        return;
    char key[INFER_RAW_KEY];
    size_t k = 0;
    if (s->name.n >= sizeof key)
        return;
    memcpy(key, s->name.p, s->name.n);
    k = s->name.n;
    for (unsigned i = 0; i < s->n_labels; i++) {
        const struct prom_label *l = &s->labels[i];
        size_t need = l->name.n + l->value.n + 5;
        if (k + need >= sizeof key)
            return;
        key[k++] = i == 0 ? '{' : ',';
        memcpy(key + k, l->name.p, l->name.n);
        k += l->name.n;
        key[k++] = '=';
        key[k++] = '"';
        memcpy(key + k, l->value.p, l->value.n);
        k += l->value.n;
        key[k++] = '"';
    }
    if (s->n_labels)
        key[k++] = '}';
    key[k] = '\0';

    uint32_t slot = key_hash(key) % sizeof in->raw_index;
    struct infer_raw *r = NULL;
    while (in->raw_index[slot]) {
        struct infer_raw *c = &in->raw[in->raw_index[slot] - 1];
        if (strcmp(c->key, key) == 0) {
            r = c;
            break;
        }
        slot = (slot + 1) % sizeof in->raw_index;
    }
    if (!r) {
        if (in->n_raw == INFER_RAW_MAX)
            return;
        r = &in->raw[in->n_raw++];
        memcpy(r->key, key, k + 1);
        r->counter = s->type == PROM_COUNTER;
        r->has_value = false;
        rate_init(&r->rate);
        in->raw_index[slot] = (unsigned char)in->n_raw;
    }
    r->seen = true;
    if (!r->counter) {
        r->value = s->value;
        r->has_value = true;
    } else if (s->value >= 0 && s->value < 1.8e19) {
        double per_sec;
        r->has_value = rate_update(&r->rate, (uint64_t)s->value, now_ns, &per_sec);
        if (r->has_value)
            r->value = per_sec;
    }
}

/* Drops the series the latest scrape no longer has, keeping the order of the others. */
static void raw_sweep(struct infer *in)
{
    unsigned j = 0;
    for (unsigned i = 0; i < in->n_raw; i++) {
        if (!in->raw[i].seen)
            continue;
        if (i != j)
            in->raw[j] = in->raw[i];
        in->raw[j].seen = false;
        j++;
    }
    bool changed = j != in->n_raw;
    in->n_raw = j;
    if (changed)
        raw_index_rebuild(in);
}

/* ---- figures -------------------------------------------------------------------------- */

/* Feeds rate i with a counter reading from source src; a new source starts over. */
static double counter_rate(struct infer *in, int i, int src, double value, int64_t now_ns)
{
    if (in->rate_src[i] != src) {
        rate_init(&in->rate[i]);
        in->rate_src[i] = src;
    }
    if (isnan(value) || value < 0 || value >= 1.8e19)
        return NAN;
    double per_sec;
    return rate_update(&in->rate[i], (uint64_t)llround(value), now_ns, &per_sec) ? per_sec : NAN;
}

static void requests(struct infer *in, const struct infer_fold *f, int64_t now_ns)
{
    /* The best source a server offers, in order: vLLM's finished_reason, explicit success
     * and failure counters (TGI), a total with an abort count (SGLang), HTTP statuses.
     * HTTP 5xx answers add to the errors of any of them. */
    double ok = NAN, bad = NAN;
    int src;
    if (f->has[R_FINISHED]) {
        ok = f->fin_ok;
        bad = f->fin_bad;
        src = 1;
    } else if (f->has[R_SUCCESS] || f->has[R_FAILURE]) {
        ok = f->has[R_SUCCESS] ? f->sum[R_SUCCESS] : NAN;
        bad = f->has[R_FAILURE] ? f->sum[R_FAILURE] : NAN;
        src = 2;
    } else if (f->has[R_TOTAL]) {
        double aborted = f->has[R_ABORTED] ? f->sum[R_ABORTED] : 0;
        ok = f->sum[R_TOTAL] - aborted;
        bad = f->has[R_ABORTED] ? aborted : NAN;
        src = 3;
    } else if (f->has[R_HTTP]) {
        ok = f->http_ok;
        src = 4;
    } else {
        src = 0;
    }
    if (f->has[R_HTTP]) {
        bad = isnan(bad) ? f->http_err : bad + f->http_err;
        src += 8;
    }
    in->fig[INFER_SUCCESS_PS] = counter_rate(in, 2, src, ok, now_ns);
    in->fig[INFER_ERROR_PS] = counter_rate(in, 3, src, bad, now_ns);
}

static void window_reset(struct infer_window *w, const struct hist_acc *h)
{
    memcpy(w->le, h->le, h->n * sizeof h->le[0]);
    w->n = h->n;
    w->head = 0;
    w->count = 0;
}

/* The latency percentiles of one histogram over the window, then the window moves on. */
static void latency(struct infer *in, enum infer_hist which, const struct hist_acc *h,
                    int64_t now_ns, double *p50, double *p90, double *p99)
{
    struct infer_window *w = &in->window[which];
    *p50 = *p90 = *p99 = NAN;
    if (h->n == 0 || h->overflow) {
        w->n = 0;
        w->count = 0;
        return;
    }
    if (w->n != h->n || memcmp(w->le, h->le, h->n * sizeof h->le[0]) != 0)
        window_reset(w, h);
    /* the base: the oldest snapshot still inside the window, else the newest one */
    const struct infer_hist_snap *base = NULL;
    for (unsigned k = 0; k < w->count; k++) {
        unsigned idx = (w->head + INFER_HIST_RING - w->count + k) % INFER_HIST_RING;
        if (now_ns - w->ring[idx].ns <= INFER_WINDOW_NS) {
            base = &w->ring[idx];
            break;
        }
    }
    if (!base && w->count)
        base = &w->ring[(w->head + INFER_HIST_RING - 1) % INFER_HIST_RING];
    if (base) {
        double delta[INFER_HIST_BUCKETS];
        bool reset = false;
        for (unsigned i = 0; i < h->n; i++) {
            delta[i] = h->count[i] - base->count[i];
            reset |= delta[i] < 0;
        }
        if (reset) {
            w->count = 0; /* the server restarted: start a new window from here */
        } else {
            *p50 = infer_quantile(0.5, h->le, delta, h->n);
            *p90 = infer_quantile(0.9, h->le, delta, h->n);
            *p99 = infer_quantile(0.99, h->le, delta, h->n);
        }
    }
    /* Snapshots at least window/15 apart, so the ring of 16 spans the whole window. */
    const struct infer_hist_snap *newest =
        w->count ? &w->ring[(w->head + INFER_HIST_RING - 1) % INFER_HIST_RING] : NULL;
    if (!newest || now_ns - newest->ns >= INFER_WINDOW_NS / (INFER_HIST_RING - 1) ||
        now_ns < newest->ns) {
        struct infer_hist_snap *s = &w->ring[w->head];
        s->ns = now_ns;
        memcpy(s->count, h->count, h->n * sizeof h->count[0]);
        w->head = (w->head + 1) % INFER_HIST_RING;
        if (w->count < INFER_HIST_RING)
            w->count++;
    }
}

static void figures(struct infer *in, const struct infer_fold *f, int64_t now_ns)
{
    in->fig[INFER_RUNNING] = f->has[R_RUNNING] ? f->sum[R_RUNNING] : NAN;
    in->fig[INFER_WAITING] = f->has[R_WAITING] ? f->sum[R_WAITING] : NAN;
    in->fig[INFER_KV] = f->has[R_KV] ? f->sum[R_KV] : NAN;
    in->fig[INFER_PROMPT_TPS] =
        f->has[R_PROMPT] ? counter_rate(in, 0, f->src[R_PROMPT], f->sum[R_PROMPT], now_ns) : NAN;
    in->fig[INFER_GEN_TPS] =
        f->has[R_GEN] ? counter_rate(in, 1, f->src[R_GEN], f->sum[R_GEN], now_ns) : NAN;
    if (!f->has[R_PROMPT])
        rate_init(&in->rate[0]);
    if (!f->has[R_GEN])
        rate_init(&in->rate[1]);
    requests(in, f, now_ns);
    latency(in, INFER_H_TTFT, &f->hist[INFER_H_TTFT], now_ns, &in->fig[INFER_TTFT_P50],
            &in->fig[INFER_TTFT_P90], &in->fig[INFER_TTFT_P99]);
    latency(in, INFER_H_E2E, &f->hist[INFER_H_E2E], now_ns, &in->fig[INFER_E2E_P50],
            &in->fig[INFER_E2E_P90], &in->fig[INFER_E2E_P99]);
    latency(in, INFER_H_ITL, &f->hist[INFER_H_ITL], now_ns, &in->fig[INFER_ITL_P50],
            &in->fig[INFER_ITL_P90], &in->fig[INFER_ITL_P99]);
}

static enum infer_kind vote(const struct infer_fold *f)
{
    enum infer_kind best = INFER_PROMETHEUS;
    unsigned most = 0;
    for (int k = INFER_VLLM; k <= INFER_TGI; k++) {
        if (f->votes[k] > most) {
            most = f->votes[k];
            best = (enum infer_kind)k;
        }
    }
    return best;
}

static void fold_init(struct infer_fold *f, bool collect_raw)
{
    memset(f->votes, 0, sizeof f->votes);
    memset(f->has, 0, sizeof f->has);
    for (int r = 0; r < R_NROLES; r++) {
        f->src[r] = -1;
        f->sum[r] = 0;
    }
    f->sum[R_KV] = NAN;
    f->fin_ok = f->fin_bad = f->http_ok = f->http_err = 0;
    for (int h = 0; h < INFER_NHIST; h++) {
        f->hist[h].n = 0;
        f->hist[h].hint = 0;
        f->hist[h].overflow = false;
    }
    f->collect_raw = collect_raw;
    f->last_p = NULL;
    f->last_n = 0;
    f->last_entry = -1;
}

int infer_update(struct infer *in, const char *body, size_t len, int64_t now_ns)
{
    struct infer_fold *f = in->fold;
    fold_init(f, in->kind == INFER_NONE || in->kind == INFER_PROMETHEUS);
    in->model[0] = '\0';
    in->error[0] = '\0';
    struct prom_text t;
    struct prom_sample s;
    prom_text_init(&t, body, len);
    enum prom_event ev;
    while ((ev = prom_text_next(&t, &s)) != PROM_END) {
        if (ev == PROM_ERROR) {
            if (!in->error[0])
                snprintf(in->error, sizeof in->error, "line %u: %s", t.line, t.err);
            continue;
        }
        if (ev != PROM_SAMPLE)
            continue;
        int e;
        if (f->last_p && s.name.n == f->last_n && memcmp(s.name.p, f->last_p, s.name.n) == 0) {
            e = f->last_entry;
        } else {
            e = lookup(&s);
            f->last_p = s.name.p;
            f->last_n = s.name.n;
            f->last_entry = e;
        }
        if (e >= 0)
            fold_known(in, f, e, &s);
        else if (f->collect_raw)
            fold_raw(in, &s, now_ns);
    }
    in->samples = t.n_samples;
    in->bad_lines = t.n_errors;
    if (t.n_samples == 0) {
        if (!in->error[0])
            snprintf(in->error, sizeof in->error, "%s",
                     len == 0 ? "empty response" : "no samples in the response");
        in->kind = INFER_NONE;
        infer_forget(in);
        return -VIGIL_EINVAL;
    }
    in->kind = vote(f);
    figures(in, f, now_ns);
    if (in->kind == INFER_PROMETHEUS && f->collect_raw) {
        raw_sweep(in);
    } else {
        in->n_raw = 0;
        memset(in->raw_index, 0, sizeof in->raw_index);
    }
    return 0;
}
