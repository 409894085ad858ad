/* text: bounded copies that respect UTF-8. */
#include "agents/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Length of s[0..len) without a trailing incomplete UTF-8 sequence. */
static size_t whole_chars(const char *s, size_t len)
{
    size_t i = len;
    size_t back = 0;
    /* Find the lead byte of the last sequence: at most 3 continuation bytes before it. */
    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return len;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > back + 1 ? i - 1 : len;
}

char *text_copy(char *dst, size_t n, const char *s)
{
    if (n == 0)
        return dst;
    size_t len = s ? strlen(s) : 0;
    if (s && len >= n) {
        len = n - 1;
        /* Back up over continuation bytes (10xxxxxx) to the start of the cut character. */
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    return dst;
}

char *text_printf(char *dst, size_t n, const char *fmt, ...)
{
    if (n == 0)
        return dst;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(dst, n, fmt, ap);
    va_end(ap);
    if (r < 0) {
        dst[0] = '\0';
    } else if ((size_t)r >= n) {
        /* Cut: drop a character the cut split in two. */
        dst[whole_chars(dst, n - 1)] = '\0';
    }
    return dst;
}
