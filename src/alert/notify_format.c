/*
 * notify_format: Discord, Slack and webhook bodies (see notify_format.h). Each service's
 * limits hold by construction: every text comes from a bounded field (a headline of at most
 * 511 bytes, a summary of 255, a series name of 127) below Discord's content (2000),
 * title (256) and field (1024) limits and Slack's section (3000); Slack's header (150) is
 * the one that needs a cut.
 */
#include "alert/notify_format.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/jsonw.h"

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

void alert_message_fill(struct alert_message *m, enum alert_msg msg, const struct alert_rule *r,
                        const struct alert_instance *in, const char *unit, const char *host,
                        int64_t now_ms)
{
    memset(m, 0, sizeof *m);
    m->msg = msg;
    copy(m->rule, sizeof m->rule, in->rule);
    copy(m->series, sizeof m->series, in->series);
    copy(m->summary, sizeof m->summary, r->summary);
    copy(m->unit, sizeof m->unit, unit);
    copy(m->host, sizeof m->host, host);
    m->severity = r->severity;
    m->cmp = r->cmp;
    m->state = in->state;
    m->threshold = r->threshold;
    m->clear = r->clear;
    m->has_clear = r->has_clear;
    m->for_ms = r->for_ms;
    m->has_value = in->has_value;
    m->value = in->value;
    m->flap_starts = r->flap_starts;
    m->flap_window_ms = r->flap_window_ms;
    m->at_ms = now_ms;
    m->active_since_ms = in->active_since_ms;
    m->fired_at_ms = in->fired_at_ms;
    m->resolved_at_ms = in->resolved_at_ms;
}

char *alert_duration_format(int64_t ms, char *out, size_t n)
{
    if (ms < 1000) {
        snprintf(out, n, "%" PRId64 "ms", ms < 0 ? 0 : ms);
        return out;
    }
    int64_t s = ms / 1000;
    int64_t d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
    size_t len = 0;
    out[0] = '\0';
    const int64_t parts[] = {d, h, m, sec};
    const char *units[] = {"d", "h", "m", "s"};
    for (int i = 0; i < 4 && len < n; i++) {
        if (parts[i] == 0)
            continue;
        int w = snprintf(out + len, n - len, "%" PRId64 "%s", parts[i], units[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    return out;
}

char *alert_value_format(double v, const char *unit, char *out, size_t n)
{
    if (!isfinite(v)) {
        snprintf(out, n, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return out;
    }
    if (strcmp(unit, "bytes") == 0) {
        static const char *const names[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        unsigned i = 0;
        double a = v;
        while (fabs(a) >= 1024 && i + 1 < sizeof names / sizeof names[0]) {
            a /= 1024;
            i++;
        }
        snprintf(out, n, i ? "%.1f %s" : "%.0f %s", a, names[i]);
    } else if (strcmp(unit, "percent") == 0) {
        snprintf(out, n, "%.1f %%", v);
    } else if (strcmp(unit, "celsius") == 0) {
        snprintf(out, n, "%.4g °C", v);
    } else if (unit[0]) {
        snprintf(out, n, "%.4g %s", v, unit);
    } else {
        snprintf(out, n, "%.4g", v);
    }
    return out;
}

static const char *status_word(enum alert_msg m)
{
    switch (m) {
    case ALERT_MSG_FIRING:
        return "FIRING";
    case ALERT_MSG_REPEAT:
        return "STILL FIRING";
    case ALERT_MSG_RESOLVED:
        return "RESOLVED";
    case ALERT_MSG_FLAPPING:
        return "FLAPPING";
    case ALERT_MSG_NONE:
        break;
    }
    return "?";
}

/* "above 85 (clear below 80) for 1m", "no data for 30s" */
static char *condition_text(const struct alert_message *m, char *out, size_t n)
{
    char thr[48], clr[48], dur[32];
    alert_value_format(m->threshold, m->unit, thr, sizeof thr);
    alert_value_format(m->clear, m->unit, clr, sizeof clr);
    alert_duration_format(m->for_ms, dur, sizeof dur);
    const char *word = m->cmp == ALERT_BELOW ? "below" : "above";
    const char *back = m->cmp == ALERT_BELOW ? "above" : "below";
    if (m->cmp == ALERT_ABSENT)
        snprintf(out, n, "no data%s%s", m->for_ms ? " for " : "", m->for_ms ? dur : "");
    else if (m->has_clear)
        snprintf(out, n, "%s %s (resolves %s %s)%s%s", word, thr, back, clr,
                 m->for_ms ? " for " : "", m->for_ms ? dur : "");
    else
        snprintf(out, n, "%s %s%s%s", word, thr, m->for_ms ? " for " : "", m->for_ms ? dur : "");
    return out;
}

static char *value_text(const struct alert_message *m, char *out, size_t n)
{
    if (m->has_value)
        alert_value_format(m->value, m->unit, out, n);
    else
        snprintf(out, n, "no data");
    return out;
}

char *alert_message_headline(const struct alert_message *m, char *out, size_t n)
{
    char val[64], cond[160], dur[32], win[32];
    /* "is 87 °C" or "has no data" */
    if (m->has_value) {
        memcpy(val, "is ", 4);
        alert_value_format(m->value, m->unit, val + 3, sizeof val - 3);
    } else {
        snprintf(val, sizeof val, "has no data");
    }
    condition_text(m, cond, sizeof cond);
    const char *on = m->host[0] ? " on " : "";
    switch (m->msg) {
    case ALERT_MSG_RESOLVED:
        alert_duration_format(m->at_ms - m->fired_at_ms, dur, sizeof dur);
        snprintf(out, n, "[RESOLVED] %s%s%s: %s %s (fired for %s)", m->rule, on, m->host,
                 m->series, val, m->fired_at_ms ? dur : "?");
        break;
    case ALERT_MSG_FLAPPING:
        alert_duration_format(m->flap_window_ms, win, sizeof win);
        snprintf(out, n,
                 "[FLAPPING] %s%s%s: %s started firing %u times in %s; notifications paused "
                 "until it settles",
                 m->rule, on, m->host, m->series, m->flap_starts, win);
        break;
    case ALERT_MSG_REPEAT:
        alert_duration_format(m->at_ms - m->fired_at_ms, dur, sizeof dur);
        snprintf(out, n, "[STILL FIRING] %s%s%s: %s %s, %s (firing for %s)", m->rule, on,
                 m->host, m->series, val, cond, dur);
        break;
    default:
        snprintf(out, n, "[%s] %s%s%s: %s %s, %s", status_word(m->msg), m->rule, on, m->host,
                 m->series, val, cond);
        break;
    }
    return out;
}

static const char *status_key(enum alert_msg m)
{
    switch (m) {
    case ALERT_MSG_RESOLVED:
        return "resolved";
    case ALERT_MSG_FLAPPING:
        return "flapping";
    default:
        return "firing";
    }
}

static void kts(struct jsonw *w, const char *key, const char *key_ms, int64_t ms)
{
    char iso[32];
    if (ms) {
        jw_kstr(w, key, clock_iso8601(ms, iso, sizeof iso));
        jw_kint(w, key_ms, ms);
    } else {
        jw_knull(w, key);
        jw_knull(w, key_ms);
    }
}

/* --- webhook -------------------------------------------------------------------------- */

static void webhook_body(struct jsonw *w, const struct alert_message *m)
{
    char text[512];
    jw_obj_begin(w);
    jw_kint(w, "version", 1);
    jw_kstr(w, "status", status_key(m->msg));
    jw_kbool(w, "repeat", m->msg == ALERT_MSG_REPEAT);
    jw_kstr(w, "text", alert_message_headline(m, text, sizeof text));
    jw_key(w, "alert");
    jw_obj_begin(w);
    jw_kstr(w, "name", m->rule);
    jw_kstr(w, "series", m->series);
    jw_kstr(w, "severity", alert_severity_name(m->severity));
    jw_kstr(w, "state", alert_state_name(m->state));
    if (m->has_value)
        jw_kdouble(w, "value", m->value);
    else
        jw_knull(w, "value");
    jw_kstr(w, "unit", m->unit);
    jw_kstr(w, "condition", alert_cmp_name(m->cmp));
    if (m->cmp == ALERT_ABSENT) {
        jw_knull(w, "threshold");
        jw_knull(w, "clear");
    } else {
        jw_kdouble(w, "threshold", m->threshold);
        jw_kdouble(w, "clear", m->clear);
    }
    jw_kdouble(w, "for_s", (double)m->for_ms / 1000);
    jw_kstr(w, "summary", m->summary);
    kts(w, "active_since", "active_since_ms", m->active_since_ms);
    kts(w, "fired_at", "fired_at_ms", m->fired_at_ms);
    kts(w, "resolved_at", "resolved_at_ms", m->msg == ALERT_MSG_RESOLVED ? m->resolved_at_ms : 0);
    jw_obj_end(w);
    jw_kstr(w, "host", m->host);
    kts(w, "timestamp", "timestamp_ms", m->at_ms);
    jw_obj_end(w);
}

/* --- discord -------------------------------------------------------------------------- */

static int64_t discord_color(const struct alert_message *m)
{
    if (m->msg == ALERT_MSG_RESOLVED)
        return 0x2ecc71; /* green */
    if (m->msg == ALERT_MSG_FLAPPING)
        return 0x95a5a6; /* grey */
    switch (m->severity) {
    case ALERT_SEV_CRITICAL:
        return 0xe74c3c; /* red */
    case ALERT_SEV_WARNING:
        return 0xe67e22; /* orange */
    case ALERT_SEV_INFO:
        break;
    }
    return 0x3498db; /* blue */
}

static void discord_field(struct jsonw *w, const char *name, const char *value)
{
    jw_obj_begin(w);
    jw_kstr(w, "name", name);
    jw_kstr(w, "value", value[0] ? value : "-");
    jw_kbool(w, "inline", true);
    jw_obj_end(w);
}

static void discord_body(struct jsonw *w, const struct alert_message *m)
{
    char text[512], title[160], val[48], cond[160], iso[32];
    alert_message_headline(m, text, sizeof text);
    snprintf(title, sizeof title, "[%s] %s (%s)", status_word(m->msg), m->rule,
             alert_severity_name(m->severity));
    jw_obj_begin(w);
    jw_kstr(w, "username", "vigil");
    jw_kstr(w, "content", text);
    jw_key(w, "embeds");
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kstr(w, "title", title);
    jw_kstr(w, "description", m->summary[0] ? m->summary : text);
    jw_kint(w, "color", discord_color(m));
    jw_key(w, "fields");
    jw_arr_begin(w);
    discord_field(w, "series", m->series);
    discord_field(w, "value", value_text(m, val, sizeof val));
    discord_field(w, "condition", condition_text(m, cond, sizeof cond));
    discord_field(w, "host", m->host);
    jw_arr_end(w);
    jw_kstr(w, "timestamp", clock_iso8601(m->at_ms, iso, sizeof iso));
    jw_key(w, "footer");
    jw_obj_begin(w);
    jw_kstr(w, "text", "vigil");
    jw_obj_end(w);
    jw_obj_end(w);
    jw_arr_end(w);
    /* a series name or summary must not be able to ping @everyone */
    jw_key(w, "allowed_mentions");
    jw_obj_begin(w);
    jw_key(w, "parse");
    jw_arr_begin(w);
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj_end(w);
}

/* --- slack ---------------------------------------------------------------------------- */

/* Slack's mrkdwn and plain text both read &, < and > as markup: escape them as it asks. */
static void slack_escape(char *out, size_t n, const char *s)
{
    size_t len = 0;
    for (; *s && len + 6 < n; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        if (rep) {
            size_t r = strlen(rep);
            memcpy(out + len, rep, r);
            len += r;
        } else {
            out[len++] = *s;
        }
    }
    out[len] = '\0';
}

static void slack_text(struct jsonw *w, const char *type, const char *text)
{
    jw_obj_begin(w);
    jw_kstr(w, "type", type);
    jw_kstr(w, "text", text);
    jw_obj_end(w);
}

static void slack_body(struct jsonw *w, const struct alert_message *m)
{
    /* Slack's header text holds 150 characters: the title is ASCII (a rule name and a
     * severity), so a 151-byte buffer cuts it right */
    char raw[512], text[1024], title[151], esc[1024], val[48], cond[160], iso[32];
    char field[1200];
    alert_message_headline(m, raw, sizeof raw);
    slack_escape(text, sizeof text, raw);
    snprintf(title, sizeof title, "[%s] %s (%s)", status_word(m->msg), m->rule,
             alert_severity_name(m->severity));
    jw_obj_begin(w);
    jw_kstr(w, "text", text);
    jw_key(w, "blocks");
    jw_arr_begin(w);

    jw_obj_begin(w);
    jw_kstr(w, "type", "header");
    jw_key(w, "text");
    slack_text(w, "plain_text", title);
    jw_obj_end(w);

    jw_obj_begin(w);
    jw_kstr(w, "type", "section");
    jw_key(w, "text");
    slack_escape(esc, sizeof esc, m->summary[0] ? m->summary : raw);
    slack_text(w, "mrkdwn", esc);
    jw_key(w, "fields");
    jw_arr_begin(w);
    slack_escape(esc, sizeof esc, m->series);
    snprintf(field, sizeof field, "*Series*\n%s", esc);
    slack_text(w, "mrkdwn", field);
    snprintf(field, sizeof field, "*Value*\n%s", value_text(m, val, sizeof val));
    slack_text(w, "mrkdwn", field);
    slack_escape(esc, sizeof esc, condition_text(m, cond, sizeof cond));
    snprintf(field, sizeof field, "*Condition*\n%s", esc);
    slack_text(w, "mrkdwn", field);
    snprintf(field, sizeof field, "*Severity*\n%s", alert_severity_name(m->severity));
    slack_text(w, "mrkdwn", field);
    jw_arr_end(w);
    jw_obj_end(w);

    jw_obj_begin(w);
    jw_kstr(w, "type", "context");
    jw_key(w, "elements");
    jw_arr_begin(w);
    slack_escape(esc, sizeof esc, m->host);
    snprintf(field, sizeof field, "vigil on %s at %s", esc[0] ? esc : "?",
             clock_iso8601(m->at_ms, iso, sizeof iso));
    slack_text(w, "mrkdwn", field);
    jw_arr_end(w);
    jw_obj_end(w);

    jw_arr_end(w);
    jw_obj_end(w);
}

int notify_format(enum notify_kind kind, const struct alert_message *m, struct buf *out)
{
    struct jsonw w;
    jw_init(&w, out);
    switch (kind) {
    case NOTIFY_DISCORD:
        discord_body(&w, m);
        break;
    case NOTIFY_SLACK:
        slack_body(&w, m);
        break;
    case NOTIFY_WEBHOOK:
        webhook_body(&w, m);
        break;
    }
    return w.err;
}
