/*
 * prom_text: the exposition-format reader (see prom_text.h). One pass over each line with a
 * character-class table; label values are found with memchr and only walked byte by byte
 * when they hold a backslash; numbers take an exact fast path (Clinger's: up to 19 digits
 * and a power of ten up to 22) and fall back to strtod() on a bounded copy, so nothing ever
 * reads past the input and the common sample costs no call into libc's slow paths.
 */
#include "parse/prom_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

enum {
    C_NAME0 = 1,  /* may start a metric name: [A-Za-z_:] */
    C_NAME = 2,   /* may continue one: [A-Za-z0-9_:] */
    C_LABEL0 = 4, /* may start a label name: [A-Za-z_] */
    C_LABEL = 8,  /* may continue one: [A-Za-z0-9_] */
    C_BLANK = 16, /* space or tab */
};

/* One row per class reads better than one line per character. */
/* clang-format off */
static const unsigned char cls[256] = {
    ['\t'] = C_BLANK, [' '] = C_BLANK, [':'] = C_NAME0 | C_NAME,
    ['_'] = C_NAME0 | C_NAME | C_LABEL0 | C_LABEL,
#define D(c) [c] = C_NAME | C_LABEL /* NOLINT(bugprone-macro-parentheses): a designator */
    D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'), D('9'),
#undef D
#define L(c) [c] = C_NAME0 | C_NAME | C_LABEL0 | C_LABEL /* NOLINT(bugprone-macro-parentheses) */
    L('a'), L('b'), L('c'), L('d'), L('e'), L('f'), L('g'), L('h'), L('i'), L('j'), L('k'),
    L('l'), L('m'), L('n'), L('o'), L('p'), L('q'), L('r'), L('s'), L('t'), L('u'), L('v'),
    L('w'), L('x'), L('y'), L('z'), L('A'), L('B'), L('C'), L('D'), L('E'), L('F'), L('G'),
    L('H'), L('I'), L('J'), L('K'), L('L'), L('M'), L('N'), L('O'), L('P'), L('Q'), L('R'),
    L('S'), L('T'), L('U'), L('V'), L('W'), L('X'), L('Y'), L('Z'),
#undef L
};
/* clang-format on */

void prom_text_init(struct prom_text *t, const char *data, size_t len)
{
    memset(t, 0, sizeof *t);
    t->p = data;
    t->end = data + len;
}

const char *prom_type_name(enum prom_type type)
{
    switch (type) {
    case PROM_COUNTER:
        return "counter";
    case PROM_GAUGE:
        return "gauge";
    case PROM_HISTOGRAM:
        return "histogram";
    case PROM_SUMMARY:
        return "summary";
    case PROM_UNTYPED:
        break;
    }
    return "untyped";
}

/* ---- numbers -------------------------------------------------------------------------- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool ieq(const char *p, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return false;
    }
    return i == n && word[i] == '\0';
}

/* strtod on a NUL-terminated copy; the whole text must be consumed. */
static int float_slow(const char *p, size_t n, double *out)
{
    char buf[128];
    if (n >= sizeof buf)
        return -VIGIL_EINVAL;
    memcpy(buf, p, n);
    buf[n] = '\0';
    char *end = NULL;
    double v = strtod(buf, &end);
    /* Go's ParseFloat refuses a number too large for a double (it would be Inf), and so
     * does Prometheus; one too small becomes 0, as here. */
    if (end != buf + n || isinf(v))
        return -VIGIL_EINVAL;
    *out = v;
    return 0;
}

int prom_parse_float(const char *p, size_t n, double *out)
{
    if (n == 0)
        return -VIGIL_EINVAL;
    size_t i = 0;
    bool neg = false;
    if (p[0] == '+' || p[0] == '-') {
        neg = p[0] == '-';
        i = 1;
    }
    if (i < n && ((p[i] | 0x20) == 'i' || (p[i] | 0x20) == 'n')) {
        if (ieq(p + i, n - i, "inf") || ieq(p + i, n - i, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return 0;
        }
        if (i == 0 && ieq(p, n, "nan")) {
            *out = NAN;
            return 0;
        }
        return -VIGIL_EINVAL;
    }
    if (i + 1 < n && p[i] == '0' && (p[i + 1] | 0x20) == 'x')
        return float_slow(p, n, out); /* Go reads hex floats too; rare enough for strtod */

    uint64_t mant = 0;
    int digits = 0, exp10 = 0;
    bool any = false, exact = true;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        any = true;
        if (mant == 0 && p[i] == '0')
            continue;
        if (digits < 19) {
            mant = mant * 10 + (uint64_t)(p[i] - '0');
            digits++;
        } else {
            exact = false;
            exp10++;
        }
    }
    if (i < n && p[i] == '.') {
        for (i++; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
            any = true;
            if (mant == 0 && p[i] == '0') {
                exp10--;
                continue;
            }
            if (digits < 19) {
                mant = mant * 10 + (uint64_t)(p[i] - '0');
                digits++;
                exp10--;
            } else if (p[i] != '0') {
                exact = false;
            }
        }
    }
    if (!any)
        return -VIGIL_EINVAL;
    if (i < n && (p[i] | 0x20) == 'e') {
        i++;
        bool eneg = false;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            eneg = p[i++] == '-';
        if (i >= n || p[i] < '0' || p[i] > '9')
            return -VIGIL_EINVAL;
        int e = 0;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
            if (e < 100000)
                e = e * 10 + (p[i] - '0');
        exp10 += eneg ? -e : e;
    }
    if (i != n)
        return -VIGIL_EINVAL;
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (exact && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
        *out = neg ? -v : v;
        return 0;
    }
    return float_slow(p, n, out);
}

static int parse_i64(const char *p, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (p[0] == '+' || p[0] == '-')) {
        neg = p[0] == '-';
        i = 1;
    }
    if (i >= n)
        return -VIGIL_EINVAL;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -VIGIL_EINVAL;
        uint64_t d = (uint64_t)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -VIGIL_ERANGE;
        v = v * 10 + d;
    }
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -VIGIL_ERANGE;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* ---- lines ---------------------------------------------------------------------------- */

/* The text of a bad token for a message: at most 24 bytes, unprintable bytes as '?'. */
static void fail(struct prom_text *t, const char *what, const char *p, size_t n)
{
    char shown[32];
    size_t k = 0;
    for (; k < n && k < 24; k++) {
        unsigned char c = (unsigned char)p[k];
        shown[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    shown[k] = '\0';
    if (p == NULL)
        snprintf(t->err, sizeof t->err, "%s", what);
    else
        snprintf(t->err, sizeof t->err, "%s '%s%s'", what, shown, n > 24 ? "..." : "");
}

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (cls[(unsigned char)*p] & C_BLANK))
        p++;
    return p;
}

static const char *token_end(const char *p, const char *end)
{
    while (p < end && !(cls[(unsigned char)*p] & C_BLANK))
        p++;
    return p;
}

static const char *metric_name_end(const char *p, const char *end)
{
    if (p >= end || !(cls[(unsigned char)*p] & C_NAME0))
        return p;
    p++;
    while (p < end && (cls[(unsigned char)*p] & C_NAME))
        p++;
    return p;
}

static int type_parse(const char *p, size_t n, enum prom_type *out)
{
    static const struct {
        const char *word;
        enum prom_type type;
    } words[] = {{"counter", PROM_COUNTER},
                 {"gauge", PROM_GAUGE},
                 {"histogram", PROM_HISTOGRAM},
                 {"summary", PROM_SUMMARY},
                 {"untyped", PROM_UNTYPED}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (ieq(p, n, words[i].word)) {
            *out = words[i].type;
            return 0;
        }
    }
    return -VIGIL_EINVAL;
}

/* "# HELP name text" or "# TYPE name type"; any other comment is skipped (PROM_END here
 * means "nothing to report for this line"). */
static enum prom_event comment_line(struct prom_text *t, const char *p, const char *end)
{
    p = skip_blank(p + 1, end);
    const char *w = p;
    p = token_end(p, end);
    bool help = p - w == 4 && memcmp(w, "HELP", 4) == 0;
    bool type = p - w == 4 && memcmp(w, "TYPE", 4) == 0;
    if (!help && !type)
        return PROM_END;
    if (p >= end || !(cls[(unsigned char)*p] & C_BLANK)) {
        fail(t, help ? "HELP without a metric name" : "TYPE without a metric name", NULL, 0);
        return PROM_ERROR;
    }
    p = skip_blank(p, end);
    const char *name = p;
    p = metric_name_end(p, end);
    if (p == name || (p < end && !(cls[(unsigned char)*p] & C_BLANK))) {
        fail(t, "bad metric name", name, (size_t)(token_end(name, end) - name));
        return PROM_ERROR;
    }
    t->meta_name = (struct prom_str){name, (size_t)(p - name)};
    p = skip_blank(p, end);
    if (help) {
        t->help = (struct prom_str){p, (size_t)(end - p)};
        return PROM_HELP;
    }
    const char *word = p;
    p = token_end(p, end);
    enum prom_type ty;
    if (type_parse(word, (size_t)(p - word), &ty) < 0) {
        fail(t, "unknown metric type", word, (size_t)(p - word));
        return PROM_ERROR;
    }
    p = skip_blank(p, end);
    if (p != end) {
        fail(t, "unexpected text after the type", p, (size_t)(end - p));
        return PROM_ERROR;
    }
    t->meta_type = ty;
    t->fam = t->meta_name;
    t->fam_type = ty;
    return PROM_TYPE;
}

/* The closing quote of a label value starting at p, or NULL. Sets *escaped. */
static const char *value_end(const char *p, const char *end, bool *escaped)
{
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL)
        return NULL;
    if (memchr(p, '\\', (size_t)(q - p)) == NULL) {
        *escaped = false;
        return q;
    }
    *escaped = true;
    for (const char *s = p; s < end; s++) {
        if (*s == '\\') {
            if (++s >= end)
                return NULL;
        } else if (*s == '"') {
            return s;
        }
    }
    return NULL;
}

/* Reads {name="value",...} starting at the '{'; returns the byte after '}' or NULL. */
static const char *labels_parse(struct prom_text *t, const char *p, const char *end,
                                struct prom_sample *s)
{
    p = skip_blank(p + 1, end);
    while (p < end && *p != '}') {
        const char *name = p;
        if (!(cls[(unsigned char)*p] & C_LABEL0)) {
            fail(t, "bad label name", name, (size_t)(token_end(name, end) - name));
            return NULL;
        }
        while (p < end && (cls[(unsigned char)*p] & C_LABEL))
            p++;
        size_t nlen = (size_t)(p - name);
        p = skip_blank(p, end);
        if (p >= end || *p != '=') {
            fail(t, "expected '=' after label", name, nlen);
            return NULL;
        }
        p = skip_blank(p + 1, end);
        if (p >= end || *p != '"') {
            fail(t, "expected '\"' to open the value of label", name, nlen);
            return NULL;
        }
        bool escaped = false;
        const char *close = value_end(p + 1, end, &escaped);
        if (close == NULL) {
            fail(t, "unterminated value of label", name, nlen);
            return NULL;
        }
        if (s->n_labels == PROM_MAX_LABELS) {
            fail(t, "too many labels (at most 32)", NULL, 0);
            return NULL;
        }
        for (unsigned i = 0; i < s->n_labels; i++) {
            if (s->labels[i].name.n == nlen && memcmp(s->labels[i].name.p, name, nlen) == 0) {
                fail(t, "duplicate label", name, nlen);
                return NULL;
            }
        }
        struct prom_label *l = &s->labels[s->n_labels++];
        l->name = (struct prom_str){name, nlen};
        l->value = (struct prom_str){p + 1, (size_t)(close - p - 1)};
        l->escaped = escaped;
        p = skip_blank(close + 1, end);
        if (p < end && *p == ',') {
            p = skip_blank(p + 1, end);
        } else if (p < end && *p != '}') {
            fail(t, "expected ',' or '}' after label", name, nlen);
            return NULL;
        }
    }
    if (p >= end) {
        fail(t, "unterminated label set", NULL, 0);
        return NULL;
    }
    return p + 1;
}

/* Which part of the family in force a sample named (p, n) is, if any. */
static bool family_part(const struct prom_text *t, const char *p, size_t n, enum prom_part *part)
{
    size_t f = t->fam.n;
    if (f == 0 || n < f || memcmp(p, t->fam.p, f) != 0)
        return false;
    const char *rest = p + f;
    size_t r = n - f;
    if (r == 0) {
        *part = PROM_PART_VALUE;
        return true;
    }
#define IS(s) (r == sizeof(s) - 1 && memcmp(rest, s, sizeof(s) - 1) == 0)
    bool counter = t->fam_type == PROM_COUNTER;
    bool hist = t->fam_type == PROM_HISTOGRAM;
    bool hist_or_sum = hist || t->fam_type == PROM_SUMMARY;
    if (counter && IS("_total"))
        *part = PROM_PART_TOTAL;
    else if (hist && IS("_bucket"))
        *part = PROM_PART_BUCKET;
    else if (hist_or_sum && IS("_sum"))
        *part = PROM_PART_SUM;
    else if (hist_or_sum && IS("_count"))
        *part = PROM_PART_COUNT;
    else if ((counter || hist_or_sum) && IS("_created"))
        *part = PROM_PART_CREATED;
    else
        return false;
#undef IS
    return true;
}

static enum prom_event sample_line(struct prom_text *t, const char *p, const char *end,
                                   struct prom_sample *s)
{
    const char *name = p;
    p = metric_name_end(p, end);
    if (p == name || (p < end && *p != '{' && !(cls[(unsigned char)*p] & C_BLANK))) {
        fail(t, "bad metric name", name, (size_t)(token_end(name, end) - name));
        return PROM_ERROR;
    }
    s->name = (struct prom_str){name, (size_t)(p - name)};
    s->n_labels = 0;
    p = skip_blank(p, end);
    if (p < end && *p == '{') {
        p = labels_parse(t, p, end, s);
        if (p == NULL)
            return PROM_ERROR;
        p = skip_blank(p, end);
    }
    const char *v = p;
    p = token_end(p, end);
    if (p == v) {
        fail(t, "missing value", NULL, 0);
        return PROM_ERROR;
    }
    if (prom_parse_float(v, (size_t)(p - v), &s->value) < 0) {
        fail(t, "bad value", v, (size_t)(p - v));
        return PROM_ERROR;
    }
    p = skip_blank(p, end);
    s->has_timestamp = false;
    if (p < end) {
        const char *ts = p;
        p = token_end(p, end);
        if (parse_i64(ts, (size_t)(p - ts), &s->timestamp_ms) < 0) {
            fail(t, "bad timestamp", ts, (size_t)(p - ts));
            return PROM_ERROR;
        }
        s->has_timestamp = true;
        p = skip_blank(p, end);
        if (p < end) {
            fail(t, "unexpected text after the timestamp", p, (size_t)(end - p));
            return PROM_ERROR;
        }
    }
    enum prom_part part;
    if (family_part(t, s->name.p, s->name.n, &part)) {
        s->family = t->fam;
        s->type = t->fam_type;
        s->part = part;
    } else {
        s->family = s->name;
        s->type = PROM_UNTYPED;
        s->part = PROM_PART_VALUE;
    }
    return PROM_SAMPLE;
}

enum prom_event prom_text_next(struct prom_text *t, struct prom_sample *out)
{
    while (t->p < t->end) {
        const char *line = t->p;
        const char *nl = memchr(line, '\n', (size_t)(t->end - line));
        const char *end = nl != NULL ? nl : t->end;
        t->p = nl != NULL ? nl + 1 : t->end;
        t->line++;
        if (end > line && end[-1] == '\r')
            end--; /* CRLF, as a file edited on Windows has */
        const char *p = skip_blank(line, end);
        enum prom_event ev;
        if (p == end)
            continue;
        if (*p == '#')
            ev = comment_line(t, p, end);
        else
            ev = sample_line(t, p, end, out);
        if (ev == PROM_END)
            continue;
        if (ev == PROM_ERROR)
            t->n_errors++;
        else if (ev == PROM_SAMPLE)
            t->n_samples++;
        return ev;
    }
    return PROM_END;
}

bool prom_sample_label(const struct prom_sample *s, const char *name, struct prom_label *out)
{
    size_t n = strlen(name);
    for (unsigned i = 0; i < s->n_labels; i++) {
        if (s->labels[i].name.n == n && memcmp(s->labels[i].name.p, name, n) == 0) {
            *out = s->labels[i];
            return true;
        }
    }
    return false;
}

size_t prom_label_value(const struct prom_label *l, char *out, size_t n)
{
    size_t len = 0;
    const char *p = l->value.p, *end = l->value.p + l->value.n;
    while (p < end) {
        char c = *p++;
        if (c == '\\' && p < end) {
            char e = *p++;
            if (e == 'n') {
                c = '\n';
            } else if (e == '\\' || e == '"') {
                c = e;
            } else {
                /* Prometheus keeps an unknown escape as written */
                if (n > 0 && len + 1 < n)
                    out[len] = '\\';
                len++;
                c = e;
            }
        }
        if (n > 0 && len + 1 < n)
            out[len] = c;
        len++;
    }
    if (n > 0)
        out[len < n ? len : n - 1] = '\0';
    return len;
}
