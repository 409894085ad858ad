/*
 * alert_config: the [alert "NAME"] and [notify "NAME"] sections as the file gives them.
 * Values stay as written (thresholds, names and lists as text; durations, counts and
 * booleans parsed by the loader), each with the line it came from, so that src/alert/rules.c
 * can check and compile them and name the file and line of a bad one. The built-in rules
 * are here from the start; a section of the same name changes or disables one of them.
 * Part of struct config: plain data, copied with it.
 */
#ifndef VIGIL_ALERT_CONFIG_H
#define VIGIL_ALERT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ALERT_CONF_MAX_RULES     64
#define ALERT_CONF_MAX_NOTIFIERS 16
#define ALERT_CONF_NAME_MAX      64 /* a section's name, NUL included */

/* The keys of [alert "NAME"], in the order of the option table (alert_rule_opts). */
enum alert_rule_key {
    ARK_ENABLED,
    ARK_SERIES,
    ARK_RATIO_OF,
    ARK_ABOVE,
    ARK_BELOW,
    ARK_CLEAR,
    ARK_FOR,
    ARK_AGGREGATE,
    ARK_OVER,
    ARK_NODATA,
    ARK_STALE,
    ARK_SEVERITY,
    ARK_NOTIFY,
    ARK_SUMMARY,
    ARK_NKEYS
};

struct alert_rule_conf {
    char name[ALERT_CONF_NAME_MAX];
    bool builtin;
    bool enabled;
    char series[128];   /* a series name or pattern ('*' for one dotted part) */
    char ratio_of[128]; /* "", or the pattern of the denominator: value = 100 * series / it */
    char above[32];     /* a number, or "" */
    char below[32];
    char clear[32];
    int64_t for_ms;
    char aggregate[16]; /* last avg min max delta rate */
    int64_t over_ms;
    char nodata[16]; /* keep alert ok */
    int64_t stale_ms; /* 0: three collection intervals */
    char severity[16];
    char notify[256]; /* notifier names, comma-separated; "" for all, "none" for none */
    char summary[256];
    int header_line;        /* the line of the section's header, 0 when built in */
    int line[ARK_NKEYS];    /* the line each key was set on, 0 when not in the file */
};

/* The keys of [notify "NAME"], in the order of notify_opts. */
enum notify_key {
    NK_ENABLED,
    NK_KIND,
    NK_URL,
    NK_HEADERS,
    NK_TIMEOUT,
    NK_REPEAT,
    NK_RETRIES,
    NK_BACKOFF,
    NK_NKEYS
};

struct notify_conf {
    char name[ALERT_CONF_NAME_MAX];
    bool enabled;
    char kind[16]; /* discord slack webhook */
    char url[512];
    char headers[1024]; /* "Name: value | Name: value", webhook only */
    int64_t timeout_ms;
    int64_t repeat_ms; /* resend while firing this often; 0 never */
    unsigned retries;
    int64_t backoff_ms; /* the first retry's delay, doubled for each next one */
    int header_line;
    int line[NK_NKEYS];
};

struct alert_conf {
    unsigned n_rules, n_notifiers;
    struct alert_rule_conf rules[ALERT_CONF_MAX_RULES];
    struct notify_conf notifiers[ALERT_CONF_MAX_NOTIFIERS];
};

/* Fills a with the built-in rules and no notifiers. */
void alert_conf_defaults(struct alert_conf *a);
/* Writes every rule and notifier as INI sections, for check-config; URLs are cut after
 * the host and header values masked, since both usually carry a secret. */
void alert_conf_print(const struct alert_conf *a, FILE *out);
/* The rule or notifier called name, or NULL. */
const struct alert_rule_conf *alert_conf_rule(const struct alert_conf *a, const char *name);
const struct notify_conf *alert_conf_notifier(const struct alert_conf *a, const char *name);

#endif
