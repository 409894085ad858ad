/* proc_pid: /proc/<pid>/stat. Numbers are read with a bound on the input, never past len,
 * and one that overflows 64 bits is an error. */
#include "parse/proc_pid.h"

#include <stdbool.h>
#include <string.h>

#include "core/err.h"

/* Reads a decimal at *i after the spaces before it; a '-' sign reads as 0 (the kernel
 * prints some unsigned tick counts as signed longs). */
static bool number(const char *p, size_t len, size_t *i, uint64_t *out)
{
    while (*i < len && p[*i] == ' ')
        (*i)++;
    bool negative = *i < len && p[*i] == '-';
    if (negative)
        (*i)++;
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && p[*i] >= '0' && p[*i] <= '9') {
        unsigned d = (unsigned)(p[*i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
        (*i)++;
    }
    *out = negative ? 0 : v;
    return *i > start && (*i == len || p[*i] == ' ' || p[*i] == '\n');
}

/* Skips one field of any text and the spaces before it. */
static bool skip(const char *p, size_t len, size_t *i)
{
    while (*i < len && p[*i] == ' ')
        (*i)++;
    size_t start = *i;
    while (*i < len && p[*i] != ' ' && p[*i] != '\n')
        (*i)++;
    return *i > start;
}

int proc_pid_stat_parse(const char *data, size_t len, struct proc_pid_stat *out)
{
    memset(out, 0, sizeof *out);
    size_t i = 0;
    uint64_t v;
    if (!number(data, len, &i, &v) || v == 0 || v > UINT32_MAX)
        return -VIGIL_EINVAL;
    out->pid = (uint32_t)v;
    size_t close = len;
    for (size_t k = len; k > i; k--) {
        if (data[k - 1] == ')') {
            close = k - 1;
            break;
        }
    }
    if (close == len || data[i] != ' ' || memchr(data + i, '(', close - i) == NULL)
        return -VIGIL_EINVAL;
    i = close + 1;
    if (i + 1 >= len || data[i] != ' ')
        return -VIGIL_EINVAL;
    out->state = data[i + 1];
    i += 2;
    uint64_t *wanted[25] = {0};
    wanted[14] = &out->utime;
    wanted[15] = &out->stime;
    wanted[16] = &out->cutime;
    wanted[17] = &out->cstime;
    wanted[22] = &out->starttime;
    wanted[24] = &out->rss_pages;
    for (int field = 4; field <= 24; field++) {
        bool ok;
        if (field == 4) {
            ok = number(data, len, &i, &v) && v <= UINT32_MAX;
            out->ppid = (uint32_t)v;
        } else if (wanted[field]) {
            ok = number(data, len, &i, wanted[field]);
        } else {
            ok = skip(data, len, &i);
        }
        if (!ok)
            return -VIGIL_EINVAL;
    }
    return 0;
}
