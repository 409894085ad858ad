/* prom_text: the cases under tests/fixtures/prom/cases (input and expected events), the
 * real-shaped expositions of vLLM, SGLang, llama.cpp and TGI, numbers against strtod, and
 * the promise never to read past the input. VIGIL_UPDATE_EXPECT=1 rewrites the .expect
 * files from what the parser does now (then read the diff). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "parse/prom_text.h"

static char *slurp(const char *path, size_t *len)
{
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

static const char *fixtures(void)
{
    const char *f = getenv("VIGIL_FIXTURES");
    return f ? f : "tests/fixtures";
}

/* Readable and unambiguous: backslash, quote and anything unprintable escaped. */
static void show(struct buf *b, const char *p, size_t n)
{
    if (n > 64) {
        buf_printf(b, "<%zu bytes>", n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\' || c == '"')
            buf_printf(b, "\\%c", c);
        else if (c == '\n')
            buf_adds(b, "\\n");
        else if (c < 0x20 || c >= 0x7f)
            buf_printf(b, "\\x%02x", c);
        else
            buf_addc(b, (char)c);
    }
}

static const char *part_name(enum prom_part p)
{
    static const char *const names[] = {"value", "total", "bucket", "sum", "count", "created"};
    return names[p];
}

static void dump(const char *text, size_t len, struct buf *out)
{
    struct prom_text t;
    struct prom_sample s;
    prom_text_init(&t, text, len);
    for (;;) {
        enum prom_event ev = prom_text_next(&t, &s);
        if (ev == PROM_END)
            break;
        switch (ev) {
        case PROM_SAMPLE:
            buf_adds(out, "sample ");
            show(out, s.name.p, s.name.n);
            if (s.family.n != s.name.n || memcmp(s.family.p, s.name.p, s.name.n) != 0) {
                buf_adds(out, " family=");
                show(out, s.family.p, s.family.n);
            }
            buf_printf(out, " type=%s part=%s {", prom_type_name(s.type), part_name(s.part));
            for (unsigned i = 0; i < s.n_labels; i++) {
                char v[256];
                size_t n = prom_label_value(&s.labels[i], v, sizeof v);
                buf_adds(out, i ? "," : "");
                show(out, s.labels[i].name.p, s.labels[i].name.n);
                buf_adds(out, "=\"");
                if (n < sizeof v)
                    show(out, v, n);
                else
                    buf_printf(out, "<%zu bytes>", n);
                buf_addc(out, '"');
            }
            buf_printf(out, "} %.15g", s.value);
            if (s.has_timestamp)
                buf_printf(out, " @%lld", (long long)s.timestamp_ms);
            buf_addc(out, '\n');
            break;
        case PROM_HELP:
            buf_adds(out, "help ");
            show(out, t.meta_name.p, t.meta_name.n);
            buf_addc(out, ' ');
            show(out, t.help.p, t.help.n);
            buf_addc(out, '\n');
            break;
        case PROM_TYPE:
            buf_adds(out, "type ");
            show(out, t.meta_name.p, t.meta_name.n);
            buf_printf(out, " %s\n", prom_type_name(t.meta_type));
            break;
        case PROM_ERROR:
            buf_printf(out, "error %u: %s\n", t.line, t.err);
            break;
        case PROM_END:
            break;
        }
    }
    buf_printf(out, "end lines=%u samples=%u errors=%u\n", t.line, t.n_samples, t.n_errors);
}

Test(prom_text, cases)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/prom/cases", fixtures());
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    bool update = getenv("VIGIL_UPDATE_EXPECT") != NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".prom") != 0)
            continue;
        char in[1024], exp[1024];
        snprintf(in, sizeof in, "%s/%s", dir, e->d_name);
        snprintf(exp, sizeof exp, "%s/%.*s.expect", dir, (int)(l - 5), e->d_name);
        size_t len;
        char *text = slurp(in, &len);
        struct buf got;
        buf_init(&got, 1 << 20);
        dump(text, len, &got);
        if (update) {
            FILE *f = fopen(exp, "w");
            cr_assert_not_null(f);
            fwrite(got.data, 1, got.len, f);
            fclose(f);
        }
        size_t elen;
        char *want = slurp(exp, &elen);
        cr_expect_str_eq(got.data, want, "%s: got\n%s", e->d_name, got.data);
        free(want);
        free(text);
        buf_release(&got);
        n++;
    }
    closedir(d);
    cr_assert_geq(n, 7);
}

/* Every server's exposition reads without an error, and its samples land in the families
 * their TYPE lines announce. */
static void server(const char *file, unsigned samples, const char *name, enum prom_type type,
                   enum prom_part part)
{
    char path[512];
    snprintf(path, sizeof path, "%s/prom/%s", fixtures(), file);
    size_t len;
    char *text = slurp(path, &len);
    struct prom_text t;
    struct prom_sample s;
    prom_text_init(&t, text, len);
    bool found = false;
    enum prom_event ev;
    while ((ev = prom_text_next(&t, &s)) != PROM_END) {
        cr_assert_neq(ev, PROM_ERROR, "%s:%u: %s", file, t.line, t.err);
        if (ev == PROM_SAMPLE && s.name.n == strlen(name) &&
            memcmp(s.name.p, name, s.name.n) == 0) {
            found = true;
            cr_expect_eq(s.type, type, "%s: type of %s", file, name);
            cr_expect_eq(s.part, part, "%s: part of %s", file, name);
        }
    }
    cr_expect(found, "%s: no %s", file, name);
    cr_expect_eq(t.n_samples, samples, "%s: %u samples", file, t.n_samples);
    free(text);
}

Test(prom_text, vllm_v1)
{
    server("vllm_v1.prom", 94, "vllm:time_to_first_token_seconds_bucket", PROM_HISTOGRAM,
           PROM_PART_BUCKET);
    server("vllm_v1.prom", 94, "vllm:prompt_tokens_total", PROM_COUNTER, PROM_PART_VALUE);
    server("vllm_v1.prom", 94, "vllm:prompt_tokens_created", PROM_GAUGE, PROM_PART_VALUE);
}

Test(prom_text, vllm_v0)
{
    server("vllm_v0.prom", 49, "vllm:gpu_cache_usage_perc", PROM_GAUGE, PROM_PART_VALUE);
    server("vllm_v0.prom", 49, "vllm:time_per_output_token_seconds_sum", PROM_HISTOGRAM,
           PROM_PART_SUM);
}

Test(prom_text, sglang_llamacpp_tgi)
{
    server("sglang.prom", 49, "sglang:num_queue_reqs", PROM_GAUGE, PROM_PART_VALUE);
    server("llamacpp.prom", 12, "llamacpp:tokens_predicted_total", PROM_COUNTER, PROM_PART_VALUE);
    /* TGI's counters have no _total, and tgi_request_count is a counter, not a _count */
    server("tgi.prom", 46, "tgi_request_count", PROM_COUNTER, PROM_PART_VALUE);
    server("tgi.prom", 46, "tgi_request_duration_count", PROM_HISTOGRAM, PROM_PART_COUNT);
    server("generic.prom", 13, "go_gc_duration_seconds", PROM_SUMMARY, PROM_PART_VALUE);
}

/* The fast path must give exactly what strtod gives. */
Test(prom_text, numbers_match_strtod)
{
    static const char *const fixed[] = {"0",
                                        "1",
                                        "0.1",
                                        "0.3",
                                        "123.456",
                                        "1e22",
                                        "1e23",
                                        "9007199254740993",
                                        "4.35",
                                        "0.000001",
                                        "1.7976931348623157e308",
                                        "5e-324",
                                        "2.2250738585072014e-308",
                                        "8.128902e+06",
                                        "0.007507552643049313",
                                        "3.141592653589793238462643383279",
                                        "1234567890123456789",
                                        "12345678901234567890",
                                        "100000000000000000000000",
                                        "0.00000000000000000000001"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        double a, b = strtod(fixed[i], NULL);
        cr_assert_eq(prom_parse_float(fixed[i], strlen(fixed[i]), &a), 0, "%s", fixed[i]);
        cr_expect(memcmp(&a, &b, sizeof a) == 0, "%s: %.17g != %.17g", fixed[i], a, b);
    }
    srand(42);
    for (int i = 0; i < 200000; i++) {
        char s[64];
        int digits = 1 + rand() % 18, point = rand() % (digits + 1), exp = rand() % 50 - 25;
        int k = 0;
        for (int d = 0; d < digits; d++) {
            if (d == point && d > 0)
                s[k++] = '.';
            s[k++] = (char)('0' + rand() % 10);
        }
        if (rand() % 2)
            k += snprintf(s + k, sizeof s - (size_t)k, "e%d", exp);
        s[k] = '\0';
        double a, b = strtod(s, NULL);
        cr_assert_eq(prom_parse_float(s, (size_t)k, &a), 0, "%s", s);
        cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s: %.17g != %.17g", s, a, b);
    }
}

/* Input ending at a page boundary, followed by a page that faults on any read: each prefix
 * of a tricky line is parsed with its last byte the last readable one. */
Test(prom_text, never_reads_past_the_input)
{
    long page = sysconf(_SC_PAGESIZE);
    char *map =
        mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(map, MAP_FAILED);
    cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    static const char line[] =
        "# TYPE h histogram\nh_bucket{le=\"+Inf\",a=\"x\\\"y\\\\\"} 1.5e3 1700000000000\n"
        "# HELP h some help\nv NaN\nw -Inf\nx 0x1p3\ny{a=\"b\\";
    size_t n = sizeof line - 1;
    for (size_t k = 0; k <= n; k++) {
        char *start = map + page - k;
        memcpy(start, line, k);
        struct prom_text t;
        struct prom_sample s;
        prom_text_init(&t, start, k);
        while (prom_text_next(&t, &s) != PROM_END)
            ;
    }
    munmap(map, (size_t)page * 2);
}

Test(prom_text, label_lookup_and_unescape)
{
    static const char text[] = "m{a=\"x\\\\y\",b=\"q\\\"\"} 1\n";
    struct prom_text t;
    struct prom_sample s;
    prom_text_init(&t, text, sizeof text - 1);
    cr_assert_eq(prom_text_next(&t, &s), PROM_SAMPLE);
    struct prom_label l;
    cr_assert(prom_sample_label(&s, "b", &l));
    char out[8];
    cr_expect_eq(prom_label_value(&l, out, sizeof out), 2);
    cr_expect_str_eq(out, "q\"");
    cr_assert(prom_sample_label(&s, "a", &l));
    char small[3];
    cr_expect_eq(prom_label_value(&l, small, sizeof small), 3);
    cr_expect_str_eq(small, "x\\");
    cr_expect_not(prom_sample_label(&s, "c", &l));
}
