/* proc_net_tcp: listening sockets of a /proc/net/tcp{,6} table (see the header). */
#include "parse/proc_net_tcp.h"

#include <stdbool.h>

#include "parse/proc_lex.h"

#define TCP_LISTEN 0x0A

/* The whole of tok as hex: false when empty, not hex, or longer than 16 digits. */
static bool hex(const struct proc_lex *tok, uint64_t *out)
{
    size_t n = proc_lex_len(tok);
    if (n == 0 || n > 16)
        return false;
    uint64_t v = 0;
    for (const char *p = tok->p; p < tok->end; p++) {
        char c = *p;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return false;
        v = v << 4 | d;
    }
    *out = v;
    return true;
}

/* "ADDRESS:PORT" with 8 or 32 hex digits of address: the port. */
static bool local_port(struct proc_lex tok, uint64_t *port)
{
    struct proc_lex addr;
    if (!proc_lex_split(&tok, ':', &addr))
        return false;
    size_t n = proc_lex_len(&addr);
    uint64_t ignored;
    if (n != 8 && n != 32)
        return false;
    for (size_t i = 0; i < n; i += 16) {
        struct proc_lex part = {addr.p + i, addr.p + (n - i > 16 ? i + 16 : n)};
        if (!hex(&part, &ignored))
            return false;
    }
    return proc_lex_len(&tok) == 4 && hex(&tok, port);
}

unsigned proc_net_tcp_listeners(const char *text, size_t len, uint16_t port, uint64_t *inodes,
                                unsigned max)
{
    struct proc_lex lx, line, tok;
    proc_lex_init(&lx, text, len);
    unsigned found = 0;
    bool header = true;
    while (proc_lex_line(&lx, &line)) {
        if (header) { /* "  sl  local_address rem_address   st ..." */
            header = false;
            continue;
        }
        uint64_t p, st, inode;
        /* sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode */
        if (!proc_lex_token(&line, &tok) || proc_lex_len(&tok) < 2 || tok.end[-1] != ':')
            continue;
        if (!proc_lex_token(&line, &tok) || !local_port(tok, &p) || p != port)
            continue;
        struct proc_lex remote;
        if (!proc_lex_token(&line, &remote) || !proc_lex_token(&line, &tok) || !hex(&tok, &st) ||
            st != TCP_LISTEN)
            continue;
        bool ok = true;
        for (int skip = 0; skip < 5 && ok; skip++)
            ok = proc_lex_token(&line, &tok);
        if (!ok || !proc_lex_token(&line, &tok) || proc_lex_u64(&tok, &inode) < 0 || inode == 0)
            continue;
        if (found < max)
            inodes[found] = inode;
        found++;
    }
    return found;
}
