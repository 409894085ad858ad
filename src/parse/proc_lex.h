/*
 * proc_lex: the bounded scanning that every /proc parser shares. A cursor is a pair of
 * pointers into bytes the caller owns; nothing here reads past `end`, needs a NUL or
 * allocates. A line counts only when its '\n' is there: /proc always ends its lines, so
 * bytes after the last '\n' were cut short and their last number may be wrong.
 */
#ifndef VIGIL_PROC_LEX_H
#define VIGIL_PROC_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc_lex {
    const char *p;   /* next byte; borrowed */
    const char *end; /* one past the last byte */
};

static inline void proc_lex_init(struct proc_lex *lx, const char *data, size_t len)
{
    lx->p = data;
    lx->end = data + len;
}

static inline size_t proc_lex_len(const struct proc_lex *lx)
{
    return (size_t)(lx->end - lx->p);
}

/* Takes the next complete line, without its '\n', into *line. Returns false at the end
 * and when what is left has no '\n' (a truncated last line, which is skipped). */
bool proc_lex_line(struct proc_lex *lx, struct proc_lex *line);
/* Takes the next run of bytes other than ' ' and '\t' into *tok; false if none is left. */
bool proc_lex_token(struct proc_lex *lx, struct proc_lex *tok);
/* Cuts lx at the first sep: *head gets the bytes before it and lx moves past it. Returns
 * false, leaving lx as it was, when sep does not occur. */
bool proc_lex_split(struct proc_lex *lx, char sep, struct proc_lex *head);
/* Drops ' ' and '\t' from both ends. */
void proc_lex_trim(struct proc_lex *lx);

/* The whole of tok as an unsigned decimal: 0, -VIGIL_EINVAL (empty, or not all digits) or
 * -VIGIL_ERANGE (above UINT64_MAX). */
int proc_lex_u64(const struct proc_lex *tok, uint64_t *out);
/* The whole of tok as digits with an optional fraction ("0.52", "12", "3."): 0 or
 * -VIGIL_EINVAL. Locale-free, unlike strtod. */
int proc_lex_decimal(const struct proc_lex *tok, double *out);
/* True when tok is exactly the string s. */
bool proc_lex_eq(const struct proc_lex *tok, const char *s);
/* Copies tok into dst (n bytes, NUL included) as a name. Returns false, leaving dst empty,
 * when it is empty, does not fit, or holds a control byte. */
bool proc_lex_name(const struct proc_lex *tok, char *dst, size_t n);

#endif
