/*
 * infer: what one inference server's exposition says, turned into the figures vigil shows.
 * Pure: it takes the bytes of one scrape and the time it was taken, and keeps across
 * scrapes only what rates and latency windows need; no I/O, no threads, and no allocation
 * after infer_new().
 *
 * Recognition goes by metric names: vLLM (V1, and the older gpu_cache_usage_perc and
 * time_per_output_token_seconds), SGLang (sglang:), llama.cpp server (llamacpp:) and TGI
 * (tgi_). Series of one family are summed across their label sets (engines, models), as
 * sum() would; KV-cache usage takes the largest. Rates use the reset guard of rate.h.
 * Latency percentiles come from histogram bucket deltas over the last INFER_WINDOW_NS, the
 * way histogram_quantile(q, rate(x_bucket[1m])) computes them. A target none of these
 * recognise keeps its first INFER_RAW_MAX gauges and counters (as rates) instead.
 */
#ifndef VIGIL_INFER_H
#define VIGIL_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/rate.h"

enum infer_kind {
    INFER_NONE,       /* nothing read yet */
    INFER_PROMETHEUS, /* an exposition none of the servers below */
    INFER_VLLM,
    INFER_SGLANG,
    INFER_LLAMACPP,
    INFER_TGI,
};

/* The figures, each NaN when it cannot be known (not exposed, or no rate yet). */
enum infer_fig {
    INFER_GEN_TPS,    /* generation tokens per second */
    INFER_PROMPT_TPS, /* prompt (prefill) tokens per second */
    INFER_RUNNING,    /* requests running */
    INFER_WAITING,    /* requests waiting: the queue depth */
    INFER_KV,         /* KV-cache usage, 0 to 1 */
    INFER_SUCCESS_PS, /* requests finished well, per second */
    INFER_ERROR_PS,   /* requests failed or aborted, per second */
    INFER_TTFT_P50,   /* time to first token, seconds */
    INFER_TTFT_P90,
    INFER_TTFT_P99,
    INFER_E2E_P50, /* end-to-end request latency, seconds */
    INFER_E2E_P90,
    INFER_E2E_P99,
    INFER_ITL_P50, /* inter-token latency (time per output token), seconds */
    INFER_ITL_P90,
    INFER_ITL_P99,
    INFER_NFIGS
};

/* The three latency histograms. */
enum infer_hist { INFER_H_TTFT, INFER_H_E2E, INFER_H_ITL, INFER_NHIST };

#define INFER_WINDOW_NS    (60LL * 1000000000) /* the latency percentiles' window */
#define INFER_HIST_BUCKETS 64                  /* distinct le values kept per histogram */
#define INFER_HIST_RING    16                  /* bucket snapshots kept across the window */
#define INFER_RAW_MAX      64  /* gauges and counters kept for an unrecognised target */
#define INFER_RAW_KEY      160 /* name{labels} of one, NUL included; longer ones are left out */
#define INFER_MODEL_MAX    128 /* NUL included */
#define INFER_ERR_MAX      192

struct infer_hist_snap {
    int64_t ns;
    double count[INFER_HIST_BUCKETS];
};

/* A histogram's recent cumulative bucket counts (summed across label sets). */
struct infer_window {
    double le[INFER_HIST_BUCKETS];
    unsigned n;     /* buckets, sorted by le */
    unsigned head;  /* next ring slot to write */
    unsigned count; /* snapshots in the ring */
    struct infer_hist_snap ring[INFER_HIST_RING];
};

struct infer_raw {
    char key[INFER_RAW_KEY]; /* name, or name{labels} as the target wrote them */
    bool counter;
    bool seen; /* in the latest scrape */
    bool has_value;
    double value; /* a gauge's value or a counter's rate per second */
    struct rate rate;
};

/* One scrape's sums, before they become figures; internal to infer.c. */
struct infer_fold;

struct infer {
    enum infer_kind kind;
    char model[INFER_MODEL_MAX]; /* "" when the target names none */
    double fig[INFER_NFIGS];
    unsigned samples;          /* in the latest scrape */
    unsigned bad_lines;        /* lines rejected in the latest scrape */
    char error[INFER_ERR_MAX]; /* the first bad line ("line 3: bad value 'x'"), or "" */

    /* across scrapes */
    struct rate rate[4]; /* prompt, generation, success, error */
    int rate_src[4];     /* which source fed each rate, so a change re-primes it */
    struct infer_window window[INFER_NHIST];
    struct infer_raw raw[INFER_RAW_MAX];
    unsigned n_raw;
    unsigned char raw_index[INFER_RAW_MAX * 2]; /* open addressing by key hash: i + 1, 0 empty */
    struct infer_fold *fold; /* scratch for one scrape, allocated by infer_new() */
};

/* Returns a new state with every figure unknown, or NULL. Free with infer_free(). */
struct infer *infer_new(void);
void infer_free(struct infer *in);

/* Reads one scrape's exposition (len bytes at body, borrowed) taken at now_ns (monotonic)
 * and updates the figures. Returns 0 when it read at least one sample (bad lines are
 * counted in bad_lines, the first in error), or -VIGIL_EINVAL when it read none: the body
 * is not an exposition, and error says why; the figures are then all unknown. */
int infer_update(struct infer *in, const char *body, size_t len, int64_t now_ns);

/* Forgets rates and latency windows (after a failed scrape: the next good one primes them
 * again rather than averaging over the gap) and marks every figure unknown. */
void infer_forget(struct infer *in);

/* "vllm", "sglang", "llamacpp", "tgi", "prometheus", or NULL for INFER_NONE. */
const char *infer_kind_name(enum infer_kind k);
/* The figure's name in JSON and series ("generation_tokens_per_sec", "ttft_seconds_p50"). */
const char *infer_fig_name(enum infer_fig f);

/* histogram_quantile's estimate of quantile q (0..1) from n cumulative buckets with upper
 * bounds le (sorted, the last +Inf) and counts; NaN without observations or +Inf bucket. */
double infer_quantile(double q, const double *le, const double *count, unsigned n);

#endif
