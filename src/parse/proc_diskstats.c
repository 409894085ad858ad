/* proc_diskstats: one /proc/diskstats line at a time. A malformed line costs its device
 * only: it is counted and skipped, and the lines after it are still read. */
#include "parse/proc_diskstats.h"

#include <string.h>

#include "core/err.h"

/* Columns after the name, in the kernel's order (Documentation/admin-guide/iostats). */
enum {
    COL_READS,
    COL_READS_MERGED,
    COL_SECTORS_READ,
    COL_MS_READING,
    COL_WRITES,
    COL_WRITES_MERGED,
    COL_SECTORS_WRITTEN,
    COL_NEEDED
};

void proc_diskstats_begin(struct proc_diskstats_iter *it, const char *data, size_t len)
{
    proc_lex_init(&it->lx, data, len);
    it->n_bad = 0;
}

static bool parse_uint(struct proc_lex *line, unsigned *out)
{
    struct proc_lex tok;
    uint64_t v;
    if (!proc_lex_token(line, &tok) || proc_lex_u64(&tok, &v) != 0 || v > 0xffffffffu)
        return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_line(struct proc_lex *line, struct proc_diskstats_dev *dev)
{
    struct proc_lex tok;
    uint64_t col[COL_NEEDED];
    int n = 0;

    if (!parse_uint(line, &dev->major) || !parse_uint(line, &dev->minor) ||
        !proc_lex_token(line, &tok) || !proc_lex_name(&tok, dev->name, sizeof dev->name))
        return false;
    /* Newer kernels add discard and flush columns: read them for well-formedness only. */
    while (proc_lex_token(line, &tok)) {
        uint64_t v;
        if (proc_lex_u64(&tok, &v) != 0)
            return false;
        if (n < COL_NEEDED)
            col[n] = v;
        n++;
    }
    if (n < COL_NEEDED)
        return false;
    dev->reads = col[COL_READS];
    dev->sectors_read = col[COL_SECTORS_READ];
    dev->writes = col[COL_WRITES];
    dev->sectors_written = col[COL_SECTORS_WRITTEN];
    return true;
}

bool proc_diskstats_next(struct proc_diskstats_iter *it, struct proc_diskstats_dev *dev)
{
    struct proc_lex line;
    while (proc_lex_line(&it->lx, &line)) {
        struct proc_lex probe = line, tok;
        if (!proc_lex_token(&probe, &tok))
            continue; /* a blank line is not a device */
        if (parse_line(&line, dev))
            return true;
        it->n_bad++;
    }
    return false;
}
