/*
 * rules: [alert] and [notify] sections to struct alert_rules. Every check that needs more
 * than one value (above and below together, a notifier named before its section, a window
 * longer than the history) is here, after the whole file was read; the loader has kept the
 * line of each key, so a message still points at the line to fix.
 */
#include "alert/rules.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "store/store.h"

struct check {
    const char *file;
    char *err;
    size_t errlen;
};

static int fail(const struct check *ck, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct check *ck, int line, const char *fmt, ...)
{
    if (ck->err && ck->errlen) {
        int w = line > 0 ? snprintf(ck->err, ck->errlen, "%s:%d: ", ck->file, line)
                         : snprintf(ck->err, ck->errlen, "%s: ", ck->file);
        if (w >= 0 && (size_t)w < ck->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(ck->err + w, ck->errlen - (size_t)w, fmt, ap);
            va_end(ap);
        }
    }
    return -VIGIL_EINVAL;
}

/* Copies s for a message: at most 40 printable characters. */
static const char *echo(char *buf, size_t n, const char *s)
{
    size_t i = 0, max = n > 44 ? 40 : n - 4;
    for (; s[i] && i < max; i++)
        buf[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
    if (s[i])
        memcpy(buf + i, "...", 4);
    else
        buf[i] = '\0';
    return buf;
}

static int pick(const char *v, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return (int)i;
    return -1;
}

static const char *const severity_names[] = {"info", "warning", "critical"};
static const char *const cmp_names[] = {"above", "below", "absent"};
static const char *const agg_names[] = {"last", "avg", "min", "max", "delta", "rate"};
static const char *const nodata_names[] = {"keep", "alert", "ok"};
static const char *const kind_names[] = {"discord", "slack", "webhook"};
#define NAMES(a) (a), sizeof(a) / sizeof((a)[0])

const char *alert_severity_name(enum alert_severity s)
{
    return (unsigned)s < 3 ? severity_names[s] : "?";
}

const char *alert_cmp_name(enum alert_cmp c)
{
    return (unsigned)c < 3 ? cmp_names[c] : "?";
}

const char *alert_agg_name(enum alert_agg a)
{
    return (unsigned)a < 6 ? agg_names[a] : "?";
}

const char *notify_kind_name(enum notify_kind k)
{
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

/* --- patterns ---------------------------------------------------------------------------- */

static bool part_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == ':' || c == '-';
}

bool alert_pattern_valid(const char *pattern)
{
    if (strcmp(pattern, "*") == 0)
        return true;
    size_t len = strlen(pattern);
    if (len == 0 || len >= ALERT_PATTERN_MAX)
        return false;
    const char *p = pattern;
    for (;;) {
        size_t n = strcspn(p, ".");
        if (n == 0)
            return false;
        bool star = n == 1 && p[0] == '*';
        for (size_t i = 0; !star && i < n; i++)
            if (!part_char(p[i]))
                return false;
        if (p[n] == '\0')
            return true;
        p += n + 1;
    }
}

static unsigned stars(const char *pattern)
{
    unsigned k = 0;
    for (const char *p = pattern; *p;) {
        size_t n = strcspn(p, ".");
        k += n == 1 && p[0] == '*';
        p += n + (p[n] == '.');
    }
    return k;
}

int alert_ratio_name(const char *pattern, const char *ratio_of, const char *name, char *out,
                     size_t n)
{
    /* the parts of name that the '*' parts of pattern stand for, in order */
    const char *cap[16];
    size_t caplen[16];
    unsigned ncap = 0;
    const char *p = pattern, *s = name;
    while (*p && *s) {
        size_t pl = strcspn(p, "."), sl = strcspn(s, ".");
        if (pl == 1 && p[0] == '*') {
            if (ncap == 16)
                return -VIGIL_EINVAL;
            cap[ncap] = s;
            caplen[ncap++] = sl;
        }
        p += pl + (p[pl] == '.');
        s += sl + (s[sl] == '.');
    }
    size_t len = 0;
    unsigned used = 0;
    for (const char *r = ratio_of; *r;) {
        size_t rl = strcspn(r, ".");
        const char *part = r;
        size_t plen = rl;
        if (rl == 1 && r[0] == '*') {
            if (used == ncap)
                return -VIGIL_EINVAL;
            part = cap[used];
            plen = caplen[used++];
        }
        if (len + plen + 2 > n)
            return -VIGIL_E2BIG;
        if (len)
            out[len++] = '.';
        memcpy(out + len, part, plen);
        len += plen;
        r += rl + (r[rl] == '.');
    }
    if (n == 0)
        return -VIGIL_E2BIG;
    out[len] = '\0';
    return 0;
}

/* --- values ------------------------------------------------------------------------------ */

static int number_parse(const char *s, double *out)
{
    if (!s[0] || isspace((unsigned char)s[0]))
        return -VIGIL_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return -VIGIL_EINVAL;
    *out = v;
    return 0;
}

void alert_rule_init(struct alert_rule *r, const char *name, const char *series)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->series, sizeof r->series, "%s", series);
    r->wildcard = stars(series) > 0 || strcmp(series, "*") == 0;
    r->cmp = ALERT_ABOVE;
    r->agg = ALERT_AGG_LAST;
    r->nodata = ALERT_NODATA_KEEP;
    r->severity = ALERT_SEV_WARNING;
    r->flap_starts = ALERT_FLAP_STARTS;
    r->flap_window_ms = ALERT_FLAP_WINDOW_MS;
}

static int line_of(const struct alert_rule_conf *rc, enum alert_rule_key k)
{
    return rc->line[k] ? rc->line[k] : rc->header_line;
}

static int rule_series(const struct check *ck, const struct alert_rule_conf *rc,
                       struct alert_rule *r)
{
    char shown[48];
    if (!rc->series[0])
        return fail(ck, rc->header_line, "[alert \"%s\"] has no series (add series = NAME)",
                    rc->name);
    if (!alert_pattern_valid(rc->series))
        return fail(ck, line_of(rc, ARK_SERIES),
                    "bad series pattern '%s' for key 'series' (use dotted parts of letters, "
                    "digits, '_', ':', '-', or '*' for a whole part)",
                    echo(shown, sizeof shown, rc->series));
    if (!rc->ratio_of[0])
        return 0;
    if (!alert_pattern_valid(rc->ratio_of) || strcmp(rc->ratio_of, "*") == 0)
        return fail(ck, line_of(rc, ARK_RATIO_OF), "bad series pattern '%s' for key 'ratio_of'",
                    echo(shown, sizeof shown, rc->ratio_of));
    if (strcmp(rc->series, "*") == 0 || stars(rc->series) != stars(rc->ratio_of))
        return fail(ck, line_of(rc, ARK_RATIO_OF),
                    "ratio_of '%s' needs as many '*' parts as series '%s'",
                    echo(shown, sizeof shown, rc->ratio_of), rc->series);
    snprintf(r->ratio_of, sizeof r->ratio_of, "%s", rc->ratio_of);
    return 0;
}

static int rule_condition(const struct check *ck, const struct alert_rule_conf *rc,
                          struct alert_rule *r)
{
    char shown[48];
    int k = pick(rc->nodata, NAMES(nodata_names));
    if (k < 0)
        return fail(ck, line_of(rc, ARK_NODATA),
                    "unknown nodata '%s' for key 'nodata' (use keep, alert or ok)",
                    echo(shown, sizeof shown, rc->nodata));
    r->nodata = (enum alert_nodata)k;
    if (rc->above[0] && rc->below[0])
        return fail(ck, line_of(rc, rc->line[ARK_BELOW] > rc->line[ARK_ABOVE] ? ARK_BELOW
                                                                                  : ARK_ABOVE),
                    "[alert \"%s\"] has both above and below (a rule has one)", rc->name);
    const char *thr = rc->above[0] ? rc->above : rc->below;
    enum alert_rule_key tk = rc->above[0] ? ARK_ABOVE : ARK_BELOW;
    if (!thr[0]) {
        if (r->nodata != ALERT_NODATA_ALERT)
            return fail(ck, rc->header_line,
                        "[alert \"%s\"] needs above, below, or nodata = alert", rc->name);
        if (rc->clear[0])
            return fail(ck, line_of(rc, ARK_CLEAR), "clear needs above or below");
        r->cmp = ALERT_ABSENT;
        return 0;
    }
    r->cmp = rc->above[0] ? ALERT_ABOVE : ALERT_BELOW;
    if (number_parse(thr, &r->threshold) < 0)
        return fail(ck, line_of(rc, tk), "bad number '%s' for key '%s'",
                    echo(shown, sizeof shown, thr), rc->above[0] ? "above" : "below");
    r->clear = r->threshold;
    if (!rc->clear[0])
        return 0;
    if (number_parse(rc->clear, &r->clear) < 0)
        return fail(ck, line_of(rc, ARK_CLEAR), "bad number '%s' for key 'clear'",
                    echo(shown, sizeof shown, rc->clear));
    r->has_clear = true;
    if (r->cmp == ALERT_ABOVE && r->clear > r->threshold)
        return fail(ck, line_of(rc, ARK_CLEAR),
                    "clear %s is above the threshold %s (it resolves below it)", rc->clear, thr);
    if (r->cmp == ALERT_BELOW && r->clear < r->threshold)
        return fail(ck, line_of(rc, ARK_CLEAR),
                    "clear %s is below the threshold %s (it resolves above it)", rc->clear, thr);
    return 0;
}

static int rule_window(const struct check *ck, const struct config *c,
                       const struct alert_rule_conf *rc, struct alert_rule *r)
{
    char shown[48];
    int k = pick(rc->aggregate, NAMES(agg_names));
    if (k < 0)
        return fail(ck, line_of(rc, ARK_AGGREGATE),
                    "unknown aggregate '%s' for key 'aggregate' (use last, avg, min, max, delta "
                    "or rate)",
                    echo(shown, sizeof shown, rc->aggregate));
    r->agg = (enum alert_agg)k;
    r->over_ms = rc->over_ms;
    if (r->agg != ALERT_AGG_LAST && r->over_ms <= 0)
        return fail(ck, line_of(rc, ARK_AGGREGATE), "aggregate '%s' needs over = DURATION",
                    rc->aggregate);
    if (r->agg == ALERT_AGG_LAST && r->over_ms > 0)
        return fail(ck, line_of(rc, ARK_OVER),
                    "over needs an aggregate (avg, min, max, delta or rate)");
    if (r->over_ms > c->history_ms)
        return fail(ck, line_of(rc, ARK_OVER),
                    "over is longer than the history window kept in memory ([history] window)");
    r->for_ms = rc->for_ms;
    r->stale_ms = rc->stale_ms;
    return 0;
}

/* "ops, oncall" -> bits of the enabled notifiers; "" -> all of them; "none" -> none. */
static int rule_notify(const struct check *ck, const struct config *c,
                       const struct alert_rule_conf *rc, const struct alert_rules *out,
                       struct alert_rule *r)
{
    char shown[48];
    const struct alert_conf *a = &c->alerts;
    r->notify = 0;
    if (!rc->notify[0]) {
        r->notify = out->n_notifiers ? (uint32_t)((1ull << out->n_notifiers) - 1) : 0;
        return 0;
    }
    if (strcmp(rc->notify, "none") == 0)
        return 0;
    for (const char *p = rc->notify; *p;) {
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (s < e && isspace((unsigned char)*s))
            s++;
        while (e > s && isspace((unsigned char)e[-1]))
            e--;
        char name[ALERT_NAME_MAX];
        if (e == s || (size_t)(e - s) >= sizeof name)
            return fail(ck, line_of(rc, ARK_NOTIFY),
                        "bad notifier list '%s' for key 'notify' (use NAME, NAME)",
                        echo(shown, sizeof shown, rc->notify));
        memcpy(name, s, (size_t)(e - s));
        name[e - s] = '\0';
        const struct notify_conf *nc = alert_conf_notifier(a, name);
        if (!nc) {
            const char *nm = echo(shown, sizeof shown, name);
            return fail(ck, line_of(rc, ARK_NOTIFY),
                        "unknown notifier '%s' for key 'notify' (no [notify \"%s\"] section)", nm,
                        nm);
        }
        for (unsigned i = 0; i < out->n_notifiers; i++)
            if (strcmp(out->notifiers[i].name, name) == 0)
                r->notify |= 1u << i;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int rule_build(const struct check *ck, const struct config *c,
                      const struct alert_rule_conf *rc, const struct alert_rules *out,
                      struct alert_rule *r)
{
    char shown[48];
    alert_rule_init(r, rc->name, rc->series);
    int rc_ = rule_series(ck, rc, r);
    if (!rc_)
        rc_ = rule_condition(ck, rc, r);
    if (!rc_)
        rc_ = rule_window(ck, c, rc, r);
    if (rc_)
        return rc_;
    int k = pick(rc->severity, NAMES(severity_names));
    if (k < 0)
        return fail(ck, line_of(rc, ARK_SEVERITY),
                    "unknown severity '%s' for key 'severity' (use info, warning or critical)",
                    echo(shown, sizeof shown, rc->severity));
    r->severity = (enum alert_severity)k;
    snprintf(r->summary, sizeof r->summary, "%s", rc->summary);
    return rule_notify(ck, c, rc, out, r);
}

/* --- notifiers --------------------------------------------------------------------------- */

static bool url_valid(const char *url)
{
    const char *host;
    if (strncmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        host = url + 8;
    else
        return false;
    /* the authority may carry user:password@ before the host; a host there must be */
    size_t n = strcspn(host, "/?#");
    const char *at = memrchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    if (n == 0 || *host == ':')
        return false;
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

static bool header_name_valid(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

/* "A: 1 | B: 2" -> {"A: 1", "B: 2"} */
static int headers_parse(const struct check *ck, const struct notify_conf *nc,
                         struct alert_notifier *n)
{
    int line = nc->line[NK_HEADERS] ? nc->line[NK_HEADERS] : nc->header_line;
    for (const char *p = nc->headers; *p;) {
        size_t len = strcspn(p, "|");
        const char *s = p, *e = p + len;
        while (s < e && *s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            e--;
        const char *colon = memchr(s, ':', (size_t)(e - s));
        if (!colon || !header_name_valid(s, (size_t)(colon - s)))
            return fail(ck, line,
                        "bad header %u for key 'headers' (use 'Name: value | Name: value')",
                        n->n_headers + 1);
        if (n->n_headers == ALERT_MAX_HEADERS)
            return fail(ck, line, "too many headers (at most %d)", ALERT_MAX_HEADERS);
        if ((size_t)(e - s) >= sizeof n->headers[0])
            return fail(ck, line, "header %u too long (at most %zu bytes)", n->n_headers + 1,
                        sizeof n->headers[0] - 1);
        memcpy(n->headers[n->n_headers], s, (size_t)(e - s));
        n->headers[n->n_headers++][e - s] = '\0';
        p += len + (p[len] == '|');
    }
    return 0;
}

static int notifier_build(const struct check *ck, const struct notify_conf *nc,
                          struct alert_notifier *n)
{
    char shown[48];
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", nc->name);
    if (!nc->kind[0])
        return fail(ck, nc->header_line,
                    "[notify \"%s\"] has no kind (add kind = discord, slack or webhook)",
                    nc->name);
    int k = pick(nc->kind, NAMES(kind_names));
    if (k < 0)
        return fail(ck, nc->line[NK_KIND],
                    "unknown kind '%s' for key 'kind' (use discord, slack or webhook)",
                    echo(shown, sizeof shown, nc->kind));
    n->kind = (enum notify_kind)k;
    if (!nc->url[0])
        return fail(ck, nc->header_line, "[notify \"%s\"] has no url", nc->name);
    if (!url_valid(nc->url))
        return fail(ck, nc->line[NK_URL],
                    "bad url for key 'url' (use http://HOST/PATH or https://HOST/PATH)");
    snprintf(n->url, sizeof n->url, "%s", nc->url);
    if (nc->headers[0] && n->kind != NOTIFY_WEBHOOK)
        return fail(ck, nc->line[NK_HEADERS], "headers are for kind = webhook only");
    int rc = headers_parse(ck, nc, n);
    if (rc)
        return rc;
    n->timeout_ms = nc->timeout_ms;
    n->repeat_ms = nc->repeat_ms;
    n->retries = nc->retries;
    n->backoff_ms = nc->backoff_ms;
    return 0;
}

static bool rule_equal(const struct alert_rule *a, const struct alert_rule *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->series, b->series) == 0 &&
           strcmp(a->ratio_of, b->ratio_of) == 0 && a->wildcard == b->wildcard &&
           a->cmp == b->cmp && a->threshold == b->threshold && a->clear == b->clear &&
           a->has_clear == b->has_clear && a->for_ms == b->for_ms && a->agg == b->agg &&
           a->over_ms == b->over_ms && a->nodata == b->nodata && a->stale_ms == b->stale_ms &&
           a->severity == b->severity && a->notify == b->notify &&
           strcmp(a->summary, b->summary) == 0 && a->flap_starts == b->flap_starts &&
           a->flap_window_ms == b->flap_window_ms;
}

static bool notifier_equal(const struct alert_notifier *a, const struct alert_notifier *b)
{
    if (strcmp(a->name, b->name) != 0 || a->kind != b->kind || strcmp(a->url, b->url) != 0 ||
        a->n_headers != b->n_headers || a->timeout_ms != b->timeout_ms ||
        a->repeat_ms != b->repeat_ms || a->retries != b->retries ||
        a->backoff_ms != b->backoff_ms)
        return false;
    for (unsigned i = 0; i < a->n_headers && i < ALERT_MAX_HEADERS; i++)
        if (strcmp(a->headers[i], b->headers[i]) != 0)
            return false;
    return true;
}

bool alert_rules_equal(const struct alert_rules *a, const struct alert_rules *b)
{
    if (a->n_rules != b->n_rules || a->n_notifiers != b->n_notifiers)
        return false;
    for (unsigned i = 0; i < a->n_rules && i < ALERT_CONF_MAX_RULES; i++)
        if (!rule_equal(&a->rules[i], &b->rules[i]))
            return false;
    for (unsigned i = 0; i < a->n_notifiers && i < ALERT_MAX_NOTIFIERS; i++)
        if (!notifier_equal(&a->notifiers[i], &b->notifiers[i]))
            return false;
    return true;
}

int alert_rules_build(const struct config *c, struct alert_rules *out, char *err,
                      size_t errlen)
{
    struct check ck = {c->config_path[0] ? c->config_path : "config", err, errlen};
    const struct alert_conf *a = &c->alerts;
    memset(out, 0, sizeof *out);
    /* notifiers first: rules refer to them by index */
    for (unsigned i = 0; i < a->n_notifiers; i++) {
        struct alert_notifier n;
        int rc = notifier_build(&ck, &a->notifiers[i], &n);
        if (rc)
            return rc;
        if (a->notifiers[i].enabled)
            out->notifiers[out->n_notifiers++] = n;
    }
    for (unsigned i = 0; i < a->n_rules; i++) {
        int rc = rule_build(&ck, c, &a->rules[i], out, &out->rules[out->n_rules]);
        if (rc)
            return rc;
        if (a->rules[i].enabled)
            out->n_rules++;
    }
    return 0;
}
