/* proc_loadavg: the one line of /proc/loadavg. Counts are 32-bit in the kernel; a larger
 * number, like anything else unexpected, rejects the whole line. */
#include "parse/proc_loadavg.h"

#include "core/err.h"
#include "parse/proc_lex.h"

static int parse_u32(const struct proc_lex *tok, uint32_t *out)
{
    uint64_t v;
    if (proc_lex_u64(tok, &v) != 0 || v > UINT32_MAX)
        return -VIGIL_EINVAL;
    *out = (uint32_t)v;
    return 0;
}

int proc_loadavg_parse(const char *data, size_t len, struct proc_loadavg *out)
{
    struct proc_lex lx, line, tok[5], running, extra;
    struct proc_loadavg r;

    proc_lex_init(&lx, data, len);
    if (!proc_lex_line(&lx, &line))
        line = lx;
    for (int i = 0; i < 5; i++)
        if (!proc_lex_token(&line, &tok[i]))
            return -VIGIL_EINVAL;
    if (proc_lex_token(&line, &extra))
        return -VIGIL_EINVAL;
    if (proc_lex_decimal(&tok[0], &r.load1) != 0 || proc_lex_decimal(&tok[1], &r.load5) != 0 ||
        proc_lex_decimal(&tok[2], &r.load15) != 0)
        return -VIGIL_EINVAL;
    if (!proc_lex_split(&tok[3], '/', &running) || parse_u32(&running, &r.procs_running) != 0 ||
        parse_u32(&tok[3], &r.procs_total) != 0 || parse_u32(&tok[4], &r.last_pid) != 0)
        return -VIGIL_EINVAL;
    *out = r;
    return 0;
}
