/*
 * text: copying outside strings into the fixed-size fields of agent records. A string that
 * does not fit is cut at a UTF-8 character boundary, so a record never holds half a
 * character.
 */
#ifndef VIGIL_AGENTS_TEXT_H
#define VIGIL_AGENTS_TEXT_H

#include <stddef.h>

/* Copies s (NULL copies as "") into dst of size n, cut to fit (nothing when n is 0).
 * Returns dst. */
char *text_copy(char *dst, size_t n, const char *s);

/* snprintf into dst of size n, with a character cut in two at the end removed. Returns
 * dst. */
char *text_printf(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
