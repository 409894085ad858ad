/* proc_net_dev: one /proc/net/dev line at a time. The name ends at the first ':' (Linux
 * refuses ':' in interface names), and old kernels put no space between it and the first
 * counter. A malformed line is counted and skipped. */
#include "parse/proc_net_dev.h"

#include "core/err.h"

enum { COL_RX_BYTES = 0, COL_RX_PACKETS = 1, COL_TX_BYTES = 8, COL_TX_PACKETS = 9, COL_COUNT = 16 };

void proc_net_dev_begin(struct proc_net_dev_iter *it, const char *data, size_t len)
{
    struct proc_lex header;
    proc_lex_init(&it->lx, data, len);
    it->n_bad = 0;
    for (int i = 0; i < 2; i++)
        if (!proc_lex_line(&it->lx, &header))
            break;
}

static bool parse_line(struct proc_lex *line, struct proc_net_dev_iface *iface)
{
    struct proc_lex name, tok;
    uint64_t col[COL_COUNT];
    int n = 0;

    if (!proc_lex_split(line, ':', &name))
        return false;
    proc_lex_trim(&name);
    if (!proc_lex_name(&name, iface->name, sizeof iface->name))
        return false;
    while (proc_lex_token(line, &tok)) {
        if (n == COL_COUNT || proc_lex_u64(&tok, &col[n]) != 0)
            return false;
        n++;
    }
    if (n != COL_COUNT)
        return false;
    iface->rx_bytes = col[COL_RX_BYTES];
    iface->rx_packets = col[COL_RX_PACKETS];
    iface->tx_bytes = col[COL_TX_BYTES];
    iface->tx_packets = col[COL_TX_PACKETS];
    return true;
}

bool proc_net_dev_next(struct proc_net_dev_iter *it, struct proc_net_dev_iface *iface)
{
    struct proc_lex line;
    while (proc_lex_line(&it->lx, &line)) {
        struct proc_lex probe = line, tok;
        if (!proc_lex_token(&probe, &tok))
            continue;
        if (parse_line(&line, iface))
            return true;
        it->n_bad++;
    }
    return false;
}
