/* jsonw: JSON text writer. Numbers use %.10g: ten significant digits is finer than any
 * figure vigil measures, and it keeps 0.1+0.2 from printing as 0.30000000000000004. */
#include "core/jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void jw_init(struct jsonw *w, struct buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
    w->first[0] = true;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
    if (!w->err)
        w->err = buf_add(w->b, s, n);
}

static void sep(struct jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        put(w, ",", 1);
    w->first[w->depth] = false;
}

static void open(struct jsonw *w, char c)
{
    sep(w);
    if (w->depth + 1 >= JSONW_MAX_DEPTH) {
        if (!w->err)
            w->err = -VIGIL_E2BIG;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->first[w->depth] = true;
}

static void close_(struct jsonw *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    put(w, &c, 1);
}

void jw_obj_begin(struct jsonw *w)
{
    open(w, '{');
}

void jw_obj_end(struct jsonw *w)
{
    close_(w, '}');
}

void jw_arr_begin(struct jsonw *w)
{
    open(w, '[');
}

void jw_arr_end(struct jsonw *w)
{
    close_(w, ']');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    unsigned cp = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int json_escape(struct buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        size_t run = i;
        while (run < n && p[run] >= 0x20 && p[run] < 0x80 && p[run] != '"' && p[run] != '\\')
            run++;
        if (run > i) {
            rc = buf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            rc = buf_add(b, e, 2);
            i++;
        } else if (c < 0x20) {
            char e[8];
            const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (named)
                rc = buf_add(b, named, 2);
            else
                rc = buf_add(b, e, (size_t)snprintf(e, sizeof e, "\\u%04x", c));
            i++;
        } else {
            size_t len = utf8_seq(p + i, n - i);
            if (len) {
                rc = buf_add(b, s + i, len);
                i += len;
            } else {
                rc = buf_add(b, "\xEF\xBF\xBD", 3);
                i++;
            }
        }
    }
    return rc;
}

static void str_raw(struct jsonw *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    if (!w->err)
        w->err = json_escape(w->b, s, n);
    put(w, "\"", 1);
}

void jw_key(struct jsonw *w, const char *key)
{
    sep(w);
    str_raw(w, key, strlen(key));
    put(w, ":", 1);
    w->after_key = true;
}

void jw_strn(struct jsonw *w, const char *s, size_t n)
{
    sep(w);
    str_raw(w, s, n);
}

void jw_str(struct jsonw *w, const char *s)
{
    if (!s) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

/* Integers without snprintf, which dominated the encoders' time. */
static size_t fmt_i64(char *out, int64_t v)
{
    if (v >= 0)
        return fmt_u64(out, (uint64_t)v);
    out[0] = '-';
    return 1 + fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
}

void jw_int(struct jsonw *w, int64_t v)
{
    char tmp[24];
    sep(w);
    put(w, tmp, fmt_i64(tmp, v));
}

void jw_uint(struct jsonw *w, uint64_t v)
{
    char tmp[24];
    sep(w);
    put(w, tmp, fmt_u64(tmp, v));
}

void jw_double(struct jsonw *w, double v)
{
    if (!isfinite(v)) {
        jw_null(w);
        return;
    }
    char tmp[32];
    sep(w);
    /* A whole number of at most ten digits prints the same through %.10g: skip it. */
    if (fabs(v) < 1e10 && v == (double)(int64_t)v)
        put(w, tmp, fmt_i64(tmp, (int64_t)v));
    else
        put(w, tmp, (size_t)snprintf(tmp, sizeof tmp, "%.10g", v));
}

void jw_bool(struct jsonw *w, bool v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

void jw_raw(struct jsonw *w, const char *json, size_t n)
{
    sep(w);
    put(w, json, n);
}

void jw_kstr(struct jsonw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jsonw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kuint(struct jsonw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

void jw_kdouble(struct jsonw *w, const char *key, double v)
{
    jw_key(w, key);
    jw_double(w, v);
}

void jw_kbool(struct jsonw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}

void jw_knull(struct jsonw *w, const char *key)
{
    jw_key(w, key);
    jw_null(w);
}
