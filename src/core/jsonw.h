/*
 * jsonw: a streaming JSON writer into a struct buf. Commas and nesting are tracked for the
 * caller; the first failure (buffer cap, depth) is latched in err and later calls do
 * nothing, so a document is built without checking every call and checked once at the end.
 * Strings are escaped and made valid UTF-8 (bad bytes become U+FFFD); non-finite numbers
 * are written as null, since JSON has no NaN.
 */
#ifndef VIGIL_JSONW_H
#define VIGIL_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
    struct buf *b; /* borrowed */
    int err;       /* 0, or the first negative error */
    int depth;
    bool first[JSONW_MAX_DEPTH];
    bool after_key;
};

void jw_init(struct jsonw *w, struct buf *b);

void jw_obj_begin(struct jsonw *w);
void jw_obj_end(struct jsonw *w);
void jw_arr_begin(struct jsonw *w);
void jw_arr_end(struct jsonw *w);
void jw_key(struct jsonw *w, const char *key);

void jw_str(struct jsonw *w, const char *s);
void jw_strn(struct jsonw *w, const char *s, size_t n);
void jw_int(struct jsonw *w, int64_t v);
void jw_uint(struct jsonw *w, uint64_t v);
void jw_double(struct jsonw *w, double v);
void jw_bool(struct jsonw *w, bool v);
void jw_null(struct jsonw *w);
/* Inserts an already-encoded JSON value (an object, array, number...) as one value. */
void jw_raw(struct jsonw *w, const char *json, size_t n);

/* key + value in one call */
void jw_kstr(struct jsonw *w, const char *key, const char *s);
void jw_kint(struct jsonw *w, const char *key, int64_t v);
void jw_kuint(struct jsonw *w, const char *key, uint64_t v);
void jw_kdouble(struct jsonw *w, const char *key, double v);
void jw_kbool(struct jsonw *w, const char *key, bool v);
void jw_knull(struct jsonw *w, const char *key);

/* Appends s to b as the body of a JSON string (no quotes), escaped and UTF-8-checked. */
int json_escape(struct buf *b, const char *s, size_t n);

#endif
