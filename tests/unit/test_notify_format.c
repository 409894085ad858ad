/* test_notify_format: the body each service gets, parsed back as JSON: Discord's content
 * and embed (and no mentions), Slack's text and blocks (escaped), the webhook document with
 * every field, for a firing, a repeat, a resolve and a flapping message; the one-line
 * headline; values with their units and durations. */
#include <criterion/criterion.h>

#include <jansson.h>
#include <string.h>

#include "alert/notify_format.h"

#define T0  1800000000000LL
#define SEC 1000LL

static struct alert_message firing(void)
{
    struct alert_rule r;
    alert_rule_init(&r, "gpu_hot", "gpu.*.temperature");
    r.threshold = 85;
    r.clear = 80;
    r.has_clear = true;
    r.for_ms = 60 * SEC;
    r.severity = ALERT_SEV_CRITICAL;
    snprintf(r.summary, sizeof r.summary, "GPU <hot> & @everyone");
    struct alert_instance in;
    alert_instance_init(&in, r.name, "gpu.0.temperature");
    in.state = ALERT_FIRING;
    in.has_value = true;
    in.value = 87.5;
    in.active_since_ms = T0 - 60 * SEC;
    in.fired_at_ms = T0;
    struct alert_message m;
    alert_message_fill(&m, ALERT_MSG_FIRING, &r, &in, "celsius", "gpu-box-1", T0);
    return m;
}

static struct alert_message resolved(void)
{
    struct alert_message m = firing();
    m.msg = ALERT_MSG_RESOLVED;
    m.state = ALERT_RESOLVED;
    m.value = 79;
    m.at_ms = T0 + 312 * SEC;
    m.resolved_at_ms = T0 + 312 * SEC;
    m.active_since_ms = 0;
    return m;
}

static json_t *body(enum notify_kind kind, const struct alert_message *m)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    cr_assert_eq(notify_format(kind, m, &b), 0);
    json_error_t err;
    json_t *j = json_loadb(b.data, b.len, 0, &err);
    cr_assert_not_null(j, "%s: %s", err.text, b.data);
    buf_release(&b);
    return j;
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_string(v), "'%s' is not a string", key);
    return json_string_value(v);
}

Test(notify_format, headlines)
{
    char line[512];
    struct alert_message m = firing();
    cr_assert_str_eq(alert_message_headline(&m, line, sizeof line),
                     "[FIRING] gpu_hot on gpu-box-1: gpu.0.temperature is 87.5 °C, above 85 °C "
                     "(resolves below 80 °C) for 1m");
    m = resolved();
    cr_assert_str_eq(alert_message_headline(&m, line, sizeof line),
                     "[RESOLVED] gpu_hot on gpu-box-1: gpu.0.temperature is 79 °C (fired for "
                     "5m12s)");
    m = firing();
    m.msg = ALERT_MSG_REPEAT;
    m.at_ms = T0 + 4 * 3600 * SEC;
    cr_assert_str_eq(alert_message_headline(&m, line, sizeof line),
                     "[STILL FIRING] gpu_hot on gpu-box-1: gpu.0.temperature is 87.5 °C, above "
                     "85 °C (resolves below 80 °C) for 1m (firing for 4h)");
    m = firing();
    m.msg = ALERT_MSG_FLAPPING;
    cr_assert_str_eq(alert_message_headline(&m, line, sizeof line),
                     "[FLAPPING] gpu_hot on gpu-box-1: gpu.0.temperature started firing 3 times "
                     "in 10m; notifications paused until it settles");
    m = firing();
    m.has_value = false;
    m.cmp = ALERT_ABSENT;
    m.host[0] = '\0';
    cr_assert_str_eq(alert_message_headline(&m, line, sizeof line),
                     "[FIRING] gpu_hot: gpu.0.temperature has no data, no data for 1m");
}

Test(notify_format, discord)
{
    struct alert_message m = firing();
    json_t *j = body(NOTIFY_DISCORD, &m);
    cr_assert_str_eq(str(j, "username"), "vigil");
    cr_assert_not_null(strstr(str(j, "content"), "[FIRING] gpu_hot on gpu-box-1"));
    json_t *parse = json_object_get(json_object_get(j, "allowed_mentions"), "parse");
    cr_assert(json_is_array(parse) && json_array_size(parse) == 0, "nobody can be mentioned");
    json_t *embeds = json_object_get(j, "embeds");
    cr_assert_eq(json_array_size(embeds), 1);
    json_t *e = json_array_get(embeds, 0);
    cr_assert_str_eq(str(e, "title"), "[FIRING] gpu_hot (critical)");
    cr_assert_str_eq(str(e, "description"), "GPU <hot> & @everyone");
    cr_assert_eq(json_integer_value(json_object_get(e, "color")), 0xe74c3c);
    cr_assert_str_eq(str(e, "timestamp"), "2027-01-15T08:00:00.000Z");
    json_t *fields = json_object_get(e, "fields");
    cr_assert_eq(json_array_size(fields), 4);
    cr_assert_str_eq(str(json_array_get(fields, 0), "name"), "series");
    cr_assert_str_eq(str(json_array_get(fields, 0), "value"), "gpu.0.temperature");
    cr_assert_str_eq(str(json_array_get(fields, 1), "value"), "87.5 °C");
    cr_assert_str_eq(str(json_array_get(fields, 3), "value"), "gpu-box-1");
    json_decref(j);

    m = resolved();
    j = body(NOTIFY_DISCORD, &m);
    e = json_array_get(json_object_get(j, "embeds"), 0);
    cr_assert_str_eq(str(e, "title"), "[RESOLVED] gpu_hot (critical)");
    cr_assert_eq(json_integer_value(json_object_get(e, "color")), 0x2ecc71, "green");
    json_decref(j);
}

Test(notify_format, slack)
{
    struct alert_message m = firing();
    json_t *j = body(NOTIFY_SLACK, &m);
    cr_assert_not_null(strstr(str(j, "text"), "[FIRING] gpu_hot on gpu-box-1"));
    json_t *blocks = json_object_get(j, "blocks");
    cr_assert_eq(json_array_size(blocks), 3);
    json_t *header = json_array_get(blocks, 0);
    cr_assert_str_eq(str(header, "type"), "header");
    cr_assert_str_eq(str(json_object_get(header, "text"), "type"), "plain_text");
    cr_assert_str_eq(str(json_object_get(header, "text"), "text"), "[FIRING] gpu_hot (critical)");
    json_t *section = json_array_get(blocks, 1);
    cr_assert_str_eq(str(section, "type"), "section");
    cr_assert_str_eq(str(json_object_get(section, "text"), "type"), "mrkdwn");
    cr_assert_str_eq(str(json_object_get(section, "text"), "text"),
                     "GPU &lt;hot&gt; &amp; @everyone", "markup is escaped");
    json_t *fields = json_object_get(section, "fields");
    cr_assert_eq(json_array_size(fields), 4);
    cr_assert_str_eq(str(json_array_get(fields, 0), "text"), "*Series*\ngpu.0.temperature");
    cr_assert_str_eq(str(json_array_get(fields, 3), "text"), "*Severity*\ncritical");
    json_t *ctx = json_array_get(blocks, 2);
    cr_assert_str_eq(str(ctx, "type"), "context");
    cr_assert_str_eq(str(json_array_get(json_object_get(ctx, "elements"), 0), "text"),
                     "vigil on gpu-box-1 at 2027-01-15T08:00:00.000Z");
    json_decref(j);

    m = resolved();
    j = body(NOTIFY_SLACK, &m);
    cr_assert_eq(strncmp(str(j, "text"), "[RESOLVED] gpu_hot", 18), 0);
    json_decref(j);
}

Test(notify_format, webhook_document)
{
    struct alert_message m = firing();
    json_t *j = body(NOTIFY_WEBHOOK, &m);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_str_eq(str(j, "status"), "firing");
    cr_assert(json_is_false(json_object_get(j, "repeat")));
    cr_assert_str_eq(str(j, "host"), "gpu-box-1");
    cr_assert_str_eq(str(j, "timestamp"), "2027-01-15T08:00:00.000Z");
    cr_assert_eq(json_integer_value(json_object_get(j, "timestamp_ms")), T0);
    json_t *a = json_object_get(j, "alert");
    cr_assert_str_eq(str(a, "name"), "gpu_hot");
    cr_assert_str_eq(str(a, "series"), "gpu.0.temperature");
    cr_assert_str_eq(str(a, "severity"), "critical");
    cr_assert_str_eq(str(a, "state"), "firing");
    cr_assert_float_eq(json_number_value(json_object_get(a, "value")), 87.5, 1e-9);
    cr_assert_str_eq(str(a, "unit"), "celsius");
    cr_assert_str_eq(str(a, "condition"), "above");
    cr_assert_float_eq(json_number_value(json_object_get(a, "threshold")), 85, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(a, "clear")), 80, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(a, "for_s")), 60, 1e-9);
    cr_assert_str_eq(str(a, "summary"), "GPU <hot> & @everyone");
    cr_assert_eq(json_integer_value(json_object_get(a, "fired_at_ms")), T0);
    cr_assert_eq(json_integer_value(json_object_get(a, "active_since_ms")), T0 - 60 * SEC);
    cr_assert(json_is_null(json_object_get(a, "resolved_at")));
    cr_assert(json_is_null(json_object_get(a, "resolved_at_ms")));
    json_decref(j);

    m = resolved();
    j = body(NOTIFY_WEBHOOK, &m);
    cr_assert_str_eq(str(j, "status"), "resolved");
    a = json_object_get(j, "alert");
    cr_assert_str_eq(str(a, "state"), "resolved");
    cr_assert_eq(json_integer_value(json_object_get(a, "resolved_at_ms")), T0 + 312 * SEC);
    cr_assert_eq(json_integer_value(json_object_get(a, "fired_at_ms")), T0);
    json_decref(j);

    m = firing();
    m.msg = ALERT_MSG_REPEAT;
    j = body(NOTIFY_WEBHOOK, &m);
    cr_assert_str_eq(str(j, "status"), "firing");
    cr_assert(json_is_true(json_object_get(j, "repeat")));
    json_decref(j);

    m = firing();
    m.msg = ALERT_MSG_FLAPPING;
    m.has_value = false;
    m.cmp = ALERT_ABSENT;
    j = body(NOTIFY_WEBHOOK, &m);
    cr_assert_str_eq(str(j, "status"), "flapping");
    a = json_object_get(j, "alert");
    cr_assert(json_is_null(json_object_get(a, "value")));
    cr_assert(json_is_null(json_object_get(a, "threshold")));
    cr_assert_str_eq(str(a, "condition"), "absent");
    json_decref(j);
}

Test(notify_format, a_small_buffer_fails_cleanly)
{
    struct alert_message m = firing();
    struct buf b;
    buf_init(&b, 64);
    cr_assert_lt(notify_format(NOTIFY_DISCORD, &m, &b), 0);
    buf_release(&b);
}

Test(notify_format, values_and_durations)
{
    char out[64];
    cr_assert_str_eq(alert_value_format(8053063680.0, "bytes", out, sizeof out), "7.5 GiB");
    cr_assert_str_eq(alert_value_format(512, "bytes", out, sizeof out), "512 B");
    cr_assert_str_eq(alert_value_format(96.25, "percent", out, sizeof out), "96.2 %");
    cr_assert_str_eq(alert_value_format(87, "celsius", out, sizeof out), "87 °C");
    cr_assert_str_eq(alert_value_format(250.5, "W", out, sizeof out), "250.5 W");
    cr_assert_str_eq(alert_value_format(0.125, "", out, sizeof out), "0.125");
    cr_assert_str_eq(alert_value_format(-1.0 / 0.0, "", out, sizeof out), "-Inf");
    cr_assert_str_eq(alert_duration_format(0, out, sizeof out), "0ms");
    cr_assert_str_eq(alert_duration_format(250, out, sizeof out), "250ms");
    cr_assert_str_eq(alert_duration_format(1500, out, sizeof out), "1s");
    cr_assert_str_eq(alert_duration_format(3723000, out, sizeof out), "1h2m3s");
    cr_assert_str_eq(alert_duration_format(90000000, out, sizeof out), "1d1h");
}
