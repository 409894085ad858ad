/*
 * rules: alert rules and notifiers as the evaluator uses them, compiled from the config's
 * [alert] and [notify] sections (numbers parsed, names resolved to indexes) and checked
 * with the file and line of anything wrong. Plain data: a rule set can be copied, and the
 * same checks serve `vigil check-config`, `serve` and a reload.
 */
#ifndef VIGIL_ALERT_RULES_H
#define VIGIL_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define ALERT_MAX_NOTIFIERS ALERT_CONF_MAX_NOTIFIERS
#define ALERT_MAX_HEADERS   8
#define ALERT_NAME_MAX      ALERT_CONF_NAME_MAX
#define ALERT_PATTERN_MAX   128
#define ALERT_SUMMARY_MAX   256

enum alert_severity { ALERT_SEV_INFO, ALERT_SEV_WARNING, ALERT_SEV_CRITICAL };
/* ALERT_ABSENT: no threshold; only missing data fires (with nodata = alert). */
enum alert_cmp { ALERT_ABOVE, ALERT_BELOW, ALERT_ABSENT };
enum alert_agg { ALERT_AGG_LAST, ALERT_AGG_AVG, ALERT_AGG_MIN, ALERT_AGG_MAX, ALERT_AGG_DELTA,
                 ALERT_AGG_RATE };
/* Without fresh data: keep the state (a firing alert stays firing, a pending one starts
 * over), count it as the condition holding, or as the condition cleared. */
enum alert_nodata { ALERT_NODATA_KEEP, ALERT_NODATA_ALERT, ALERT_NODATA_OK };
enum notify_kind { NOTIFY_DISCORD, NOTIFY_SLACK, NOTIFY_WEBHOOK };

struct alert_rule {
    char name[ALERT_NAME_MAX];
    char series[ALERT_PATTERN_MAX];   /* a name, or a pattern with '*' parts */
    char ratio_of[ALERT_PATTERN_MAX]; /* "" or a pattern with as many '*' parts as series */
    bool wildcard;                    /* series has a '*' part: one instance per match */
    enum alert_cmp cmp;
    double threshold;
    double clear;      /* resolve past this; equal to threshold when not set */
    bool has_clear;
    int64_t for_ms;
    enum alert_agg agg;
    int64_t over_ms;   /* the aggregate's window; 0 for last */
    enum alert_nodata nodata;
    int64_t stale_ms;  /* 0: the evaluator's default */
    enum alert_severity severity;
    uint32_t notify;   /* bit i: notifier i */
    char summary[ALERT_SUMMARY_MAX];
    /* Flap detection: fire_starts starts within flap_window_ms mean flapping. */
    unsigned flap_starts;
    int64_t flap_window_ms;
};

struct alert_notifier {
    char name[ALERT_NAME_MAX];
    enum notify_kind kind;
    char url[512];
    unsigned n_headers;
    char headers[ALERT_MAX_HEADERS][256]; /* "Name: value" */
    int64_t timeout_ms;
    int64_t repeat_ms;
    unsigned retries;
    int64_t backoff_ms;
};

struct alert_rules {
    unsigned n_rules, n_notifiers;
    struct alert_rule rules[ALERT_CONF_MAX_RULES]; /* enabled rules only */
    struct alert_notifier notifiers[ALERT_MAX_NOTIFIERS]; /* enabled notifiers only */
};

#define ALERT_FLAP_STARTS    3
#define ALERT_FLAP_WINDOW_MS (10LL * 60 * 1000)

/* Compiles c's alert sections into out (rules and notifiers that are enabled). 0, or
 * -VIGIL_EINVAL with "FILE:LINE: what (hint)" in err for the first bad value. */
int alert_rules_build(const struct config *c, struct alert_rules *out, char *err,
                      size_t errlen);

/* True when a and b hold the same rules and notifiers, in the same order. */
bool alert_rules_equal(const struct alert_rules *a, const struct alert_rules *b);

/* Fills r with the defaults of a rule (last value, keep on missing data, warning, no
 * notifier, flap limits) for series and name; for tests and benchmarks that build rules
 * without a config. */
void alert_rule_init(struct alert_rule *r, const char *name, const char *series);

/* True when pattern is a series name whose parts may also be '*', or a lone "*". */
bool alert_pattern_valid(const char *pattern);
/* Writes into out (n bytes) the name ratio_of gives for series name, which matches
 * pattern: each '*' part of ratio_of takes the part its counterpart matched. 0, or
 * -VIGIL_EINVAL / -VIGIL_E2BIG. */
int alert_ratio_name(const char *pattern, const char *ratio_of, const char *name, char *out,
                     size_t n);

const char *alert_severity_name(enum alert_severity s);
const char *alert_cmp_name(enum alert_cmp c);
const char *alert_agg_name(enum alert_agg a);
const char *notify_kind_name(enum notify_kind k);

#endif
