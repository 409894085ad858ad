/*
 * json_guard: checks JSON text before a recursive parser sees it. jansson has no nesting
 * limit, and a body of "[[[[..." nested deep enough would exhaust the stack; this scan
 * (string-aware, one pass, no allocation) measures the deepest nesting first.
 */
#ifndef VIGIL_JSON_GUARD_H
#define VIGIL_JSON_GUARD_H

#include <stddef.h>

/* The deepest nesting of objects and arrays in text (0 for a scalar). Brackets inside
 * strings do not count. Malformed text still gets an answer; the parser rejects it. */
unsigned json_max_depth(const char *text, size_t n);

#endif
