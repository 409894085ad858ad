/*
 * buf: a growable byte buffer with a hard cap, for anything sized by outside input.
 *
 * Invariant: len <= cap_used <= max, and data[len] == '\0' whenever data != NULL, so the
 * contents can be read as a C string. A write that would pass max fails with -VIGIL_E2BIG
 * and leaves the buffer as it was.
 */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data;   /* owned; NULL until the first write */
    size_t len;   /* bytes in use, not counting the terminating NUL */
    size_t alloc; /* bytes allocated */
    size_t max;   /* hard cap on len */
};

/* Prepares an empty buffer that may hold up to max bytes. Allocates nothing. */
void buf_init(struct buf *b, size_t max);
/* Frees the storage and leaves the buffer empty and reusable with the same max. */
void buf_release(struct buf *b);
/* Empties the buffer but keeps its storage for reuse. */
void buf_reset(struct buf *b);
/* Makes room for at least n more bytes; 0 or -VIGIL_E2BIG / -VIGIL_ENOMEM. */
int buf_reserve(struct buf *b, size_t n);

int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap);

/* Writes the decimal digits of v to out (room for 20, no NUL) and returns their count: the
 * encoders write hundreds of integers per cycle, and this costs a fraction of snprintf. */
size_t fmt_u64(char *out, uint64_t v);
/* Appends v in decimal, as "%" PRIu64 would. */
int buf_add_u64(struct buf *b, uint64_t v);

/* Hands the storage to the caller (free() it) and leaves the buffer empty. */
char *buf_detach(struct buf *b, size_t *len);

#endif
