/*
 * alert_sections: [alert "NAME"] and [notify "NAME"] on the config's option table. The
 * loader stores each key as it does for plain sections; these callbacks find or add the
 * entry a header names and remember the line of every key, since the checks that need
 * several keys or sections at once (src/alert/rules.c) run after the whole file is read.
 */
#include "config/alert_sections.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)

#define RULE(f) offsetof(struct alert_rule_conf, f), sizeof(((struct alert_rule_conf *)0)->f)
#define NOTE(f) offsetof(struct notify_conf, f), sizeof(((struct notify_conf *)0)->f)

const struct opt alert_rule_opts[ARK_NKEYS] = {
    [ARK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, RULE(enabled), 0, 0, 0, "true",
                     "false turns the rule off"},
    [ARK_SERIES] = {"series", NULL, NULL, OPT_STRING, RULE(series), 0, 0, 0, "",
                    "series name or pattern, '*' for one dotted part"},
    [ARK_RATIO_OF] = {"ratio_of", NULL, NULL, OPT_STRING, RULE(ratio_of), 0, 0, 0, "",
                      "denominator pattern: the rule sees 100 * series / ratio_of"},
    [ARK_ABOVE] = {"above", NULL, NULL, OPT_STRING, RULE(above), 0, 0, 0, "",
                   "fire when the value is above this"},
    [ARK_BELOW] = {"below", NULL, NULL, OPT_STRING, RULE(below), 0, 0, 0, "",
                   "fire when the value is below this"},
    [ARK_CLEAR] = {"clear", NULL, NULL, OPT_STRING, RULE(clear), 0, 0, 0, "",
                   "resolve only past this value (hysteresis)"},
    [ARK_FOR] = {"for", NULL, NULL, OPT_DURATION, RULE(for_ms), 0, 0, 7 * DAY, "0s",
                 "how long the condition must hold before firing"},
    [ARK_AGGREGATE] = {"aggregate", NULL, NULL, OPT_STRING, RULE(aggregate), 0, 0, 0, "last",
                       "last, avg, min, max, delta or rate over 'over'"},
    [ARK_OVER] = {"over", NULL, NULL, OPT_DURATION, RULE(over_ms), 0, 0, 7 * DAY, "0s",
                  "the window the aggregate reads"},
    [ARK_NODATA] = {"nodata", NULL, NULL, OPT_STRING, RULE(nodata), 0, 0, 0, "keep",
                    "without fresh data: keep the state, alert, or ok"},
    [ARK_STALE] = {"stale", NULL, NULL, OPT_DURATION, RULE(stale_ms), 0, 0, DAY, "0s",
                   "data older than this is missing; 0s: three intervals"},
    [ARK_SEVERITY] = {"severity", NULL, NULL, OPT_STRING, RULE(severity), 0, 0, 0, "warning",
                      "info, warning or critical"},
    [ARK_NOTIFY] = {"notify", NULL, NULL, OPT_STRING, RULE(notify), 0, 0, 0, "",
                    "notifier names, comma-separated; empty for all, none for none"},
    [ARK_SUMMARY] = {"summary", NULL, NULL, OPT_STRING, RULE(summary), 0, 0, 0, "",
                     "a sentence for people, sent with each notification"},
};

const struct opt notify_opts[NK_NKEYS] = {
    [NK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, NOTE(enabled), 0, 0, 0, "true",
                    "false turns the notifier off"},
    [NK_KIND] = {"kind", NULL, NULL, OPT_STRING, NOTE(kind), 0, 0, 0, "",
                 "discord, slack or webhook"},
    [NK_URL] = {"url", NULL, NULL, OPT_STRING, NOTE(url), 0, 0, 0, "", "where to POST"},
    [NK_HEADERS] = {"headers", NULL, NULL, OPT_STRING, NOTE(headers), 0, 0, 0, "",
                    "webhook only: 'Name: value | Name: value'", NULL, true},
    [NK_TIMEOUT] = {"timeout", NULL, NULL, OPT_DURATION, NOTE(timeout_ms), 0, 100, 5 * MINUTE,
                    "10s", "one attempt's time limit"},
    [NK_REPEAT] = {"repeat", NULL, NULL, OPT_DURATION, NOTE(repeat_ms), 0, 0, 30 * DAY, "4h",
                   "resend while an alert stays firing; 0s never"},
    [NK_RETRIES] = {"retries", NULL, NULL, OPT_UINT, NOTE(retries), 0, 0, 20, "5",
                    "attempts after the first one fails"},
    [NK_BACKOFF] = {"backoff", NULL, NULL, OPT_DURATION, NOTE(backoff_ms), 0, 100, HOUR, "1s",
                    "delay before the first retry, doubled for each next one"},
};

/* The built-in rules: what an operator of a GPU host wants to hear about without writing
 * a line. Each is a list of key = value pairs read like the file's. */
struct builtin {
    const char *name;
    const char *kv[12][2];
};

static const struct builtin builtins[] = {
    {"gpu_hot",
     {{"series", "gpu.*.temperature"},
      {"above", "85"},
      {"clear", "80"},
      {"for", "60s"},
      {"severity", "warning"},
      {"summary", "GPU temperature above 85 °C for a minute"}}},
    {"gpu_memory_full",
     {{"series", "gpu.*.memory_used"},
      {"ratio_of", "gpu.*.memory_total"},
      {"above", "95"},
      {"clear", "90"},
      {"for", "5m"},
      {"severity", "warning"},
      {"summary", "GPU memory more than 95 % full for 5 minutes"}}},
    {"agent_errors",
     {{"series", "agents.error_rate"},
      {"above", "0.1"},
      {"clear", "0.08"},
      {"severity", "critical"},
      {"summary", "more than 10 % of agent requests and model calls failed over 5 minutes"}}},
    {"inference_down",
     {{"series", "inference.*.up"},
      {"below", "1"},
      {"for", "30s"},
      {"nodata", "alert"},
      {"severity", "critical"},
      {"summary", "an inference server is not answering its scrapes"}}},
    {"queue_growing",
     {{"series", "agents.queue_depth"},
      {"aggregate", "delta"},
      {"over", "1m"},
      {"above", "0"},
      {"for", "5m"},
      {"severity", "warning"},
      {"summary", "the agent queue has kept growing for 5 minutes"}}},
};

static bool name_valid(const char *id)
{
    if (id[0] == '\0' || strlen(id) >= ALERT_CONF_NAME_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
        if (!ok)
            return false;
    }
    return true;
}

static void rule_init(struct alert_rule_conf *r, const char *name)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    for (size_t i = 0; i < ARK_NKEYS; i++) {
        /* the table's defaults are parsed like user input; one that fails is a bug */
        if (config_opt_set(r, &alert_rule_opts[i], alert_rule_opts[i].def, NULL) < 0)
            abort();
    }
}

static void notify_init(struct notify_conf *n, const char *name)
{
    memset(n, 0, sizeof *n);
    snprintf(n->name, sizeof n->name, "%s", name);
    for (size_t i = 0; i < NK_NKEYS; i++) {
        if (config_opt_set(n, &notify_opts[i], notify_opts[i].def, NULL) < 0)
            abort();
    }
}

void alert_conf_defaults(struct alert_conf *a)
{
    memset(a, 0, sizeof *a);
    for (size_t b = 0; b < CONFIG_COUNT(builtins); b++) {
        struct alert_rule_conf *r = &a->rules[a->n_rules++];
        rule_init(r, builtins[b].name);
        r->builtin = true;
        for (size_t k = 0; k < CONFIG_COUNT(builtins[b].kv) && builtins[b].kv[k][0]; k++) {
            const struct opt *o = NULL;
            for (size_t i = 0; i < ARK_NKEYS && !o; i++)
                if (strcmp(alert_rule_opts[i].key, builtins[b].kv[k][0]) == 0)
                    o = &alert_rule_opts[i];
            if (!o || config_opt_set(r, o, builtins[b].kv[k][1], NULL) < 0)
                abort();
        }
    }
}

const struct alert_rule_conf *alert_conf_rule(const struct alert_conf *a, const char *name)
{
    for (unsigned i = 0; i < a->n_rules; i++)
        if (strcmp(a->rules[i].name, name) == 0)
            return &a->rules[i];
    return NULL;
}

const struct notify_conf *alert_conf_notifier(const struct alert_conf *a, const char *name)
{
    for (unsigned i = 0; i < a->n_notifiers; i++)
        if (strcmp(a->notifiers[i].name, name) == 0)
            return &a->notifiers[i];
    return NULL;
}

void *alert_rule_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    char shown[48];
    struct alert_conf *a = &c->alerts;
    if (!name_valid(id)) {
        config_err_set(err, errlen, "bad alert name '%s' (use letters, digits, '_', '-', '.')",
                       config_echo(shown, sizeof shown, id));
        return NULL;
    }
    struct alert_rule_conf *r = (struct alert_rule_conf *)alert_conf_rule(a, id);
    if (r)
        return r;
    if (a->n_rules == ALERT_CONF_MAX_RULES) {
        config_err_set(err, errlen, "too many [alert] sections (at most %d)",
                       ALERT_CONF_MAX_RULES);
        return NULL;
    }
    r = &a->rules[a->n_rules++];
    rule_init(r, id);
    return r;
}

void *notify_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    char shown[48];
    struct alert_conf *a = &c->alerts;
    if (!name_valid(id) || strcmp(id, "none") == 0) {
        config_err_set(err, errlen,
                       "bad notifier name '%s' (use letters, digits, '_', '-', '.'; not 'none')",
                       config_echo(shown, sizeof shown, id));
        return NULL;
    }
    struct notify_conf *n = (struct notify_conf *)alert_conf_notifier(a, id);
    if (n)
        return n;
    if (a->n_notifiers == ALERT_CONF_MAX_NOTIFIERS) {
        config_err_set(err, errlen, "too many [notify] sections (at most %d)",
                       ALERT_CONF_MAX_NOTIFIERS);
        return NULL;
    }
    n = &a->notifiers[a->n_notifiers++];
    notify_init(n, id);
    return n;
}

void alert_rule_at_line(void *entry, const struct opt *o, int line)
{
    struct alert_rule_conf *r = entry;
    if (!o) {
        if (!r->header_line)
            r->header_line = line;
        return;
    }
    ptrdiff_t k = o - alert_rule_opts;
    if (k >= 0 && k < ARK_NKEYS)
        r->line[k] = line;
}

void notify_at_line(void *entry, const struct opt *o, int line)
{
    struct notify_conf *n = entry;
    if (!o) {
        if (!n->header_line)
            n->header_line = line;
        return;
    }
    ptrdiff_t k = o - notify_opts;
    if (k >= 0 && k < NK_NKEYS)
        n->line[k] = line;
}

/* --- printing -------------------------------------------------------------------------- */

/* 90000 -> "90s", 300000 -> "5m": the largest unit that divides the value exactly. */
static void duration_print(FILE *out, const char *key, int64_t ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {{"d", DAY}, {"h", HOUR}, {"m", MINUTE}, {"s", SECOND}};
    for (size_t i = 0; i < CONFIG_COUNT(units); i++) {
        if (ms > 0 && ms % units[i].ms == 0) {
            fprintf(out, "%s = %" PRId64 "%s\n", key, ms / units[i].ms, units[i].unit);
            return;
        }
    }
    fprintf(out, "%s = %" PRId64 "%s\n", key, ms, ms == 0 ? "s" : "ms");
}

/* Prints "https://discord.com/api/webhooks/1/abc" as its scheme and host followed by "/"
 * and three stars: the path of a chat webhook is its secret, and so is a user:password@
 * before the host, which is left out. */
static void url_print(FILE *out, const char *url)
{
    const char *host = strstr(url, "://");
    if (!host || url[0] == '\0') {
        fprintf(out, "url = %s\n", url[0] ? "***" : "");
        return;
    }
    int scheme = (int)(host - url) + 3;
    host += 3;
    size_t n = strcspn(host, "/?#");
    const char *at = memrchr(host, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    fprintf(out, "url = %.*s%.*s/***\n", scheme, url, (int)n, host);
}

/* "Authorization: Bearer x | X-Team: ops" -> "Authorization: *** | X-Team: ***". */
static void headers_print(FILE *out, const char *h)
{
    fputs("headers = ", out);
    const char *p = h;
    bool first = true;
    while (*p) {
        size_t len = strcspn(p, "|");
        const char *colon = memchr(p, ':', len);
        const char *s = p;
        while (s < p + len && *s == ' ')
            s++;
        if (colon)
            fprintf(out, "%s%.*s: ***", first ? "" : " | ", (int)(colon - s), s);
        first = false;
        p += len + (p[len] == '|');
    }
    fputc('\n', out);
}

void alert_conf_print(const struct alert_conf *a, FILE *out)
{
    for (unsigned i = 0; i < a->n_rules; i++) {
        const struct alert_rule_conf *r = &a->rules[i];
        fprintf(out, "\n[alert \"%s\"]%s\n", r->name, r->builtin ? " ; built in" : "");
        fprintf(out, "enabled = %s\n", r->enabled ? "true" : "false");
        /* every key, empty ones too: a built-in rule's value left out would come back */
        fprintf(out, "series = %s\n", r->series);
        fprintf(out, "ratio_of = %s\n", r->ratio_of);
        fprintf(out, "above = %s\n", r->above);
        fprintf(out, "below = %s\n", r->below);
        fprintf(out, "clear = %s\n", r->clear);
        duration_print(out, "for", r->for_ms);
        fprintf(out, "aggregate = %s\n", r->aggregate);
        duration_print(out, "over", r->over_ms);
        fprintf(out, "nodata = %s\n", r->nodata);
        duration_print(out, "stale", r->stale_ms);
        fprintf(out, "severity = %s\n", r->severity);
        fprintf(out, "notify = %s\n", r->notify);
        fprintf(out, "summary = %s\n", r->summary);
    }
    for (unsigned i = 0; i < a->n_notifiers; i++) {
        const struct notify_conf *n = &a->notifiers[i];
        fprintf(out, "\n[notify \"%s\"]\n", n->name);
        fprintf(out, "enabled = %s\n", n->enabled ? "true" : "false");
        fprintf(out, "kind = %s\n", n->kind);
        url_print(out, n->url);
        headers_print(out, n->headers);
        duration_print(out, "timeout", n->timeout_ms);
        duration_print(out, "repeat", n->repeat_ms);
        fprintf(out, "retries = %u\n", n->retries);
        duration_print(out, "backoff", n->backoff_ms);
    }
}
