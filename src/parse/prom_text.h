/*
 * prom_text: a reader for the Prometheus text exposition format (0.0.4), as Prometheus
 * itself reads it: HELP and TYPE lines, labels with escapes, NaN and +Inf/-Inf, optional
 * timestamps, histograms and summaries whose samples carry _bucket/_sum/_count/_created
 * suffixes, counters written with or without _total, and names with colons (vllm:...).
 *
 * It is a pull parser over bytes in memory: prom_text_next() hands out one event at a
 * time, every string a slice of the input (nothing is copied or allocated), and it never
 * reads past data + len; the input needs no terminating NUL. A line it cannot read is
 * reported as PROM_ERROR with its line number and skipped, and reading goes on with the
 * next line, so one bad line costs one line.
 */
#ifndef VIGIL_PROM_TEXT_H
#define VIGIL_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Samples with more labels than this are rejected as bad lines. */
#define PROM_MAX_LABELS 32

/* A slice of the input: p is not NUL-terminated. */
struct prom_str {
    const char *p;
    size_t n;
};

enum prom_type {
    PROM_UNTYPED,
    PROM_COUNTER,
    PROM_GAUGE,
    PROM_HISTOGRAM,
    PROM_SUMMARY,
};

/* Which sample of its family a sample is. */
enum prom_part {
    PROM_PART_VALUE,   /* the family's own name: a gauge, counter, summary quantile... */
    PROM_PART_TOTAL,   /* name_total of a family typed as counter under its bare name */
    PROM_PART_BUCKET,  /* histogram name_bucket{le=...} */
    PROM_PART_SUM,     /* histogram or summary name_sum */
    PROM_PART_COUNT,   /* histogram or summary name_count */
    PROM_PART_CREATED, /* name_created of a counter, histogram or summary */
};

struct prom_label {
    struct prom_str name;
    struct prom_str value; /* as written, escapes included; see prom_label_value() */
    bool escaped;          /* the value has a backslash escape */
};

struct prom_sample {
    struct prom_str name;
    /* The family from the TYPE line in force when the sample's name is that family's name
     * or the name with a suffix its type allows; otherwise the sample's own name, untyped. */
    struct prom_str family;
    enum prom_type type;
    enum prom_part part;
    struct prom_label labels[PROM_MAX_LABELS];
    unsigned n_labels;
    double value;
    bool has_timestamp;
    int64_t timestamp_ms;
};

enum prom_event {
    PROM_END,    /* no more input */
    PROM_SAMPLE, /* *out holds a sample */
    PROM_HELP,   /* meta_name and help hold the line (help as written, escapes included) */
    PROM_TYPE,   /* meta_name and meta_type hold the line; it is now the family in force */
    PROM_ERROR,  /* line `line` was bad: err says why; the next call goes on after it */
};

struct prom_text {
    const char *p, *end;
    unsigned line; /* the line of the event just returned, counted from 1 */

    struct prom_str meta_name; /* PROM_HELP, PROM_TYPE */
    struct prom_str help;      /* PROM_HELP */
    enum prom_type meta_type;  /* PROM_TYPE */

    struct prom_str fam; /* the family in force: the last TYPE line's name */
    enum prom_type fam_type;

    char err[160]; /* PROM_ERROR: "bad value 'abc'", without the line number */
    unsigned n_samples, n_errors;
};

/* Starts reading len bytes at data (borrowed: it must outlive the reader). */
void prom_text_init(struct prom_text *t, const char *data, size_t len);

/* The next event. Comments and blank lines are skipped. */
enum prom_event prom_text_next(struct prom_text *t, struct prom_sample *out);

/* The value of label `name` in s, or false when it has none (escapes left as written). */
bool prom_sample_label(const struct prom_sample *s, const char *name, struct prom_label *out);

/* Copies a label value into out with its escapes (\\, \", \n) undone; at most n - 1 bytes
 * and a NUL. Returns the unescaped length, which may exceed n - 1 when out was too small
 * (then out holds a cut copy). */
size_t prom_label_value(const struct prom_label *l, char *out, size_t n);

/* Parses a sample value as Prometheus does (Go's ParseFloat: decimal, exponent, NaN, Inf,
 * +Inf, -Inf, in any case). Exposed for labels such as le="0.5" and for tests.
 * Returns 0, or -VIGIL_EINVAL. Reads exactly n bytes of p. */
int prom_parse_float(const char *p, size_t n, double *out);

/* "counter", "gauge", "histogram", "summary", "untyped". */
const char *prom_type_name(enum prom_type t);

#endif
