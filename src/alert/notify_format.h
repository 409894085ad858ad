/*
 * notify_format: the body of each notification, as each service expects it. Pure: a
 * message (plain data, copied from the instance when it is queued) in, JSON out.
 *
 *   discord  {"content": headline, "embeds": [{title, description, color, fields,
 *            timestamp, footer}], "allowed_mentions": {"parse": []}}
 *   slack    {"text": headline, "blocks": [header, section with fields, context]}
 *   webhook  vigil's own document, version 1 (see the README, "Webhook document"):
 *            {"version":1, "status", "repeat", "alert":{...}, "host", "timestamp",
 *            "timestamp_ms"}
 *
 * Text from outside (series names, summaries) cannot mention anyone on Discord
 * (allowed_mentions is empty) or inject markup on Slack (&, < and > are escaped).
 */
#ifndef VIGIL_NOTIFY_FORMAT_H
#define VIGIL_NOTIFY_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/rules.h"
#include "alert/state.h"
#include "core/buf.h"

/* One notification's facts. */
struct alert_message {
    enum alert_msg msg; /* FIRING, REPEAT, RESOLVED or FLAPPING */
    char rule[ALERT_NAME_MAX];
    char series[STORE_NAME_MAX];
    char summary[ALERT_SUMMARY_MAX];
    char unit[16];
    char host[64];
    enum alert_severity severity;
    enum alert_cmp cmp;
    enum alert_state state;
    double threshold, clear;
    bool has_clear;
    int64_t for_ms;
    bool has_value;
    double value;
    unsigned flap_starts;
    int64_t flap_window_ms;
    int64_t at_ms; /* when it was decided */
    int64_t active_since_ms, fired_at_ms, resolved_at_ms;
};

/* Fills m from a rule and its instance at now_ms. unit and host are copied (cut to fit). */
void alert_message_fill(struct alert_message *m, enum alert_msg msg, const struct alert_rule *r,
                        const struct alert_instance *in, const char *unit, const char *host,
                        int64_t now_ms);

/* One line for people: "[FIRING] gpu_hot on box1: gpu.0.temperature is 87 °C, above 85
 * for 1m". Always NUL-terminated; returns out. */
char *alert_message_headline(const struct alert_message *m, char *out, size_t n);

/* Appends the body for kind to out. 0, or -VIGIL_E2BIG when out's cap is too small. */
int notify_format(enum notify_kind kind, const struct alert_message *m, struct buf *out);

/* "87", "87.5 °C", "7.5 GiB", "96.2 %": value v in unit. Returns out. */
char *alert_value_format(double v, const char *unit, char *out, size_t n);
/* "1h2m3s", "45s", "250ms". Returns out. */
char *alert_duration_format(int64_t ms, char *out, size_t n);

#endif
