/* proc_lex: bounded cursors over /proc bytes (see proc_lex.h). Every loop is bounded by
 * `end`, and numbers are built digit by digit with an overflow check before each step. */
#include "parse/proc_lex.h"

#include <string.h>

#include "core/err.h"

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool proc_lex_line(struct proc_lex *lx, struct proc_lex *line)
{
    /* memchr wants a valid pointer even for 0 bytes, and an empty input may have none. */
    if (lx->p == lx->end)
        return false;
    const char *nl = memchr(lx->p, '\n', proc_lex_len(lx));
    if (!nl)
        return false;
    line->p = lx->p;
    line->end = nl;
    lx->p = nl + 1;
    return true;
}

bool proc_lex_token(struct proc_lex *lx, struct proc_lex *tok)
{
    const char *p = lx->p;
    while (p < lx->end && is_blank(*p))
        p++;
    const char *start = p;
    while (p < lx->end && !is_blank(*p))
        p++;
    lx->p = p;
    if (p == start)
        return false;
    tok->p = start;
    tok->end = p;
    return true;
}

bool proc_lex_split(struct proc_lex *lx, char sep, struct proc_lex *head)
{
    if (lx->p == lx->end)
        return false;
    const char *at = memchr(lx->p, sep, proc_lex_len(lx));
    if (!at)
        return false;
    head->p = lx->p;
    head->end = at;
    lx->p = at + 1;
    return true;
}

void proc_lex_trim(struct proc_lex *lx)
{
    while (lx->p < lx->end && is_blank(*lx->p))
        lx->p++;
    while (lx->end > lx->p && is_blank(lx->end[-1]))
        lx->end--;
}

int proc_lex_u64(const struct proc_lex *tok, uint64_t *out)
{
    if (tok->p == tok->end)
        return -VIGIL_EINVAL;
    uint64_t v = 0;
    for (const char *p = tok->p; p < tok->end; p++) {
        if (*p < '0' || *p > '9')
            return -VIGIL_EINVAL;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -VIGIL_ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int proc_lex_decimal(const struct proc_lex *tok, double *out)
{
    struct proc_lex frac = *tok, whole;
    if (!proc_lex_split(&frac, '.', &whole)) {
        whole = frac;
        frac.p = frac.end;
    }
    uint64_t w;
    if (proc_lex_u64(&whole, &w) != 0)
        return -VIGIL_EINVAL;
    double v = (double)w, scale = 0.1;
    for (const char *p = frac.p; p < frac.end; p++) {
        if (*p < '0' || *p > '9')
            return -VIGIL_EINVAL;
        v += (*p - '0') * scale;
        scale /= 10;
    }
    *out = v;
    return 0;
}

bool proc_lex_eq(const struct proc_lex *tok, const char *s)
{
    size_t n = strlen(s);
    return proc_lex_len(tok) == n && memcmp(tok->p, s, n) == 0;
}

bool proc_lex_name(const struct proc_lex *tok, char *dst, size_t n)
{
    size_t len = proc_lex_len(tok);
    if (n == 0)
        return false;
    dst[0] = '\0';
    if (len == 0 || len >= n)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)tok->p[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    memcpy(dst, tok->p, len);
    dst[len] = '\0';
    return true;
}
