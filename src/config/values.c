/*
 * config values: the parsers behind every option type (durations, sizes, booleans, counts,
 * listen addresses). Pure functions: text in, a value or -VIGIL_EINVAL/-VIGIL_ERANGE out,
 * the output untouched on error. Nothing here reads the option table.
 */
#include "config/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"

/* Reads the decimal digits at *p and moves *p past them. strtoull alone would accept
 * leading blanks, a sign and "0x", so the first character is checked first. */
static int digits_parse(const char **p, unsigned long long *out)
{
    if (!isdigit((unsigned char)**p))
        return -VIGIL_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(*p, &end, 10);
    if (errno == ERANGE)
        return -VIGIL_ERANGE;
    *p = end;
    *out = v;
    return 0;
}

int config_parse_duration_ms(const char *s, int64_t *ms)
{
    /* Largest first: each part must use a smaller unit than the one before, so "1h30m" reads
     * as written and a slip such as "1m1m" is an error rather than a sum. */
    static const struct {
        const char *name;
        int64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
    static const int rank[] = {0, 1, 4, 2, 3}; /* the order of units[] by size */
    const char *p = s;
    int64_t total = 0;
    int last = -1;

    if (*p == '\0')
        return -VIGIL_EINVAL;
    while (*p != '\0') {
        unsigned long long n;
        int rc = digits_parse(&p, &n);
        if (rc < 0)
            return rc;
        size_t u = 0;
        /* "ms" is tried before "m" */
        while (u < sizeof units / sizeof units[0] &&
               strncmp(p, units[u].name, strlen(units[u].name)) != 0)
            u++;
        if (u == sizeof units / sizeof units[0] || rank[u] <= last)
            return -VIGIL_EINVAL;
        last = rank[u];
        p += strlen(units[u].name);
        if (n > (unsigned long long)(INT64_MAX / units[u].ms))
            return -VIGIL_ERANGE;
        int64_t part = (int64_t)n * units[u].ms;
        if (total > INT64_MAX - part)
            return -VIGIL_ERANGE;
        total += part;
    }
    *ms = total;
    return 0;
}

int config_parse_size(const char *s, size_t *bytes)
{
    /* K, KB and KiB all mean 1024: a limit written "64KB" by someone thinking 64000 gets a
     * little more room, never less, and nobody has to remember which spelling is which. */
    static const struct {
        const char *suffix;
        unsigned shift;
    } units[] = {
        {"", 0},     {"b", 0},  {"k", 10},  {"kb", 10},  {"kib", 10}, {"m", 20},  {"mb", 20},
        {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}, {"t", 40},   {"tb", 40}, {"tib", 40},
    };
    const char *p = s;
    unsigned long long n;
    int rc = digits_parse(&p, &n);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(p, units[i].suffix) != 0)
            continue;
        if (n > (unsigned long long)(SIZE_MAX >> units[i].shift))
            return -VIGIL_ERANGE;
        *bytes = (size_t)(n << units[i].shift);
        return 0;
    }
    return -VIGIL_EINVAL;
}

int config_parse_bool(const char *s, bool *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *v = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *v = false;
            return 0;
        }
    }
    return -VIGIL_EINVAL;
}

int config_parse_uint(const char *s, unsigned *v)
{
    const char *p = s;
    unsigned long long n;
    int rc = digits_parse(&p, &n);
    if (rc < 0)
        return rc;
    if (*p != '\0')
        return -VIGIL_EINVAL;
    if (n > UINT_MAX)
        return -VIGIL_ERANGE;
    *v = (unsigned)n;
    return 0;
}

/* A port is 1 to 5 digits and at most 65535; 0 asks the kernel for a free one. */
static int port_parse(const char *s, int *port)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5)
        return -VIGIL_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -VIGIL_EINVAL;
    }
    unsigned v;
    int rc = config_parse_uint(s, &v);
    if (rc < 0)
        return rc;
    if (v > 65535)
        return -VIGIL_ERANGE;
    *port = (int)v;
    return 0;
}

/* Names and IPv4 literals: letters, digits, '.', '-', '_'. Inside brackets an IPv6 literal
 * also has ':' and may carry a zone ("fe80::1%eth0"). Whether the host resolves is for the
 * server to find out when it binds; this only keeps garbage out of messages and logs. */
static bool host_chars_ok(const char *h, size_t n, bool v6)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (isalnum(ch) || ch == '.' || ch == '-' || ch == '_')
            continue;
        if (v6 && (ch == ':' || ch == '%'))
            continue;
        return false;
    }
    return !v6 || memchr(h, ':', n) != NULL;
}

int config_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *h = s;
    size_t n;
    const char *colon;
    bool v6 = s[0] == '[';

    if (v6) {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':')
            return -VIGIL_EINVAL;
        h = s + 1;
        n = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strchr(s, ':');
        /* a second ':' means an IPv6 literal without brackets: ambiguous, refused */
        if (colon == NULL || strchr(colon + 1, ':') != NULL)
            return -VIGIL_EINVAL;
        n = (size_t)(colon - s);
    }
    int p;
    int rc = port_parse(colon + 1, &p);
    if (rc < 0)
        return rc;
    if (n == 0 && !v6) {
        h = "127.0.0.1"; /* ":9400" is a loopback port, never every interface */
        n = strlen(h);
    } else if (!host_chars_ok(h, n, v6)) {
        return -VIGIL_EINVAL;
    }
    if (n >= hostlen)
        return -VIGIL_EINVAL;
    memcpy(host, h, n);
    host[n] = '\0';
    *port = p;
    return 0;
}

bool config_host_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&a6))
            return true;
        /* ::ffff:127.x.y.z reaches the IPv4 loopback */
        return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
    }
    return false;
}
