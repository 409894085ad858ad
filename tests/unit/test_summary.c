/* summary: a node's documents into the hub's at-a-glance figures; what is missing or not
 * the expected JSON stays unknown, never zero. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/jsonw.h"
#include "hub/summary.h"

#define READ(fn, s, text) fn(s, text, strlen(text))

Test(summary, every_document)
{
    struct node_summary s;
    summary_clear(&s);
    cr_assert_eq(READ(summary_read_health, &s, "{\"status\":\"degraded\",\"version\":\"0.1.0\"}"),
                 0);
    cr_assert_eq(READ(summary_read_gpus, &s,
                      "{\"available\":true,\"gpus\":[{\"gpu_index\":0,\"name\":\"H100\","
                      "\"utilization\":80,\"temperature\":70,\"memory_used\":10,"
                      "\"memory_total\":100},{\"gpu_index\":1,\"name\":\"L4\",\"utilization\":"
                      "20,\"temperature\":null}]}"),
                 0);
    cr_assert_eq(READ(summary_read_inference, &s,
                      "{\"targets\":[{\"state\":\"up\",\"generation_tokens_per_sec\":1200,"
                      "\"requests_waiting\":3},{\"state\":\"down\",\"generation_tokens_per_sec\":"
                      "99},{\"state\":\"up\",\"generation_tokens_per_sec\":300,"
                      "\"requests_waiting\":null}]}"),
                 0);
    cr_assert_eq(READ(summary_read_agents, &s, "{\"active_sessions\":7,\"errors\":2}"), 0);
    cr_assert_eq(READ(summary_read_alerts, &s, "{\"counts\":{\"firing\":2,\"pending\":1}}"), 0);
    cr_expect_str_eq(s.version, "0.1.0");
    cr_expect_str_eq(s.health, "degraded");
    cr_expect(s.has_gpus);
    cr_expect_eq(s.gpus, 2);
    cr_expect_float_eq(s.gpu_utilization, 50, 1e-9);
    cr_expect_float_eq(s.gpu_temperature_max, 70, 1e-9, "the GPU without one is left out");
    cr_expect(s.gpu[0].has_memory && !s.gpu[1].has_memory && !s.gpu[1].has_temperature);
    cr_expect_str_eq(s.gpu[1].name, "L4");
    cr_expect_float_eq(s.tokens_per_sec, 1500, 1e-9, "targets that are up only");
    cr_expect_float_eq(s.requests_waiting, 3, 1e-9);
    cr_expect_eq(s.active_sessions, 7);
    cr_expect_eq(s.firing_alerts, 2);

    struct buf b;
    buf_init(&b, 1 << 16);
    struct jsonw w;
    jw_init(&w, &b);
    summary_encode(&s, &w);
    cr_assert_eq(w.err, 0);
    cr_expect(strstr(b.data, "\"gpus\":2,\"gpu_utilization\":50,\"gpu_temperature_max\":70,") !=
                  NULL,
              "%s", b.data);
    cr_expect(strstr(b.data, "{\"index\":1,\"name\":\"L4\",\"utilization\":20,\"temperature\":"
                             "null,\"memory_used\":null,\"memory_total\":null}") != NULL,
              "%s", b.data);
    cr_expect(strstr(b.data, "\"tokens_per_sec\":1500,\"requests_waiting\":3,"
                             "\"active_sessions\":7,\"firing_alerts\":2}") != NULL,
              "%s", b.data);
    buf_release(&b);
}

Test(summary, unknown_stays_null)
{
    struct node_summary s;
    summary_clear(&s);
    /* a node without GPUs knows it has none; one that serves no GPU document does not */
    cr_assert_eq(READ(summary_read_gpus, &s, "{\"available\":false,\"gpus\":[]}"), 0);
    cr_expect(s.has_gpus && s.gpus == 0 && !s.has_gpu_utilization && !s.has_gpu_temperature);
    cr_assert_eq(READ(summary_read_inference, &s, "{\"targets\":[{\"state\":\"down\"}]}"), 0);
    cr_expect(!s.has_tokens && !s.has_waiting);
    struct buf b;
    buf_init(&b, 1 << 16);
    struct jsonw w;
    jw_init(&w, &b);
    summary_clear(&s);
    summary_encode(&s, &w);
    cr_expect_str_eq(b.data, "{\"health\":null,\"gpus\":null,\"gpu_utilization\":null,"
                             "\"gpu_temperature_max\":null,\"gpu_list\":[],\"tokens_per_sec\":"
                             "null,\"requests_waiting\":null,\"active_sessions\":null,"
                             "\"firing_alerts\":null}");
    buf_release(&b);
}

Test(summary, documents_that_are_not_what_they_should_be)
{
    static const char *const bad[] = {
        "",
        "null",
        "[]",
        "42",
        "{\"gpus\":{}}",
        "{\"gpus\":\"x\"}",
        "<html>502</html>",
        "{\"gpus\":[",
        "{\"active_sessions\":-1}",
        "{\"active_sessions\":\"3\"}",
        "{\"counts\":[1]}",
        "{\"targets\":null}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct node_summary s;
        summary_clear(&s);
        cr_expect_eq(READ(summary_read_gpus, &s, bad[i]), -VIGIL_EINVAL, "gpus: %s", bad[i]);
        cr_expect_eq(READ(summary_read_inference, &s, bad[i]), -VIGIL_EINVAL, "%s", bad[i]);
        cr_expect_eq(READ(summary_read_agents, &s, bad[i]), -VIGIL_EINVAL, "%s", bad[i]);
        cr_expect_eq(READ(summary_read_alerts, &s, bad[i]), -VIGIL_EINVAL, "%s", bad[i]);
        cr_expect(!s.has_gpus && !s.has_tokens && !s.has_sessions && !s.has_alerts, "%s", bad[i]);
    }
    /* nested past what vigil's documents do: refused before jansson recurses */
    char deep[4096];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    struct node_summary s;
    summary_clear(&s);
    cr_expect_eq(READ(summary_read_health, &s, deep), -VIGIL_EINVAL);
}

Test(summary, at_most_16_gpus_listed_all_counted)
{
    char doc[8192] = "{\"gpus\":[";
    for (int i = 0; i < 20; i++)
        snprintf(doc + strlen(doc), sizeof doc - strlen(doc),
                 "%s{\"gpu_index\":%d,\"utilization\":%d}", i ? "," : "", i, i);
    strcat(doc, "]}");
    struct node_summary s;
    summary_clear(&s);
    cr_assert_eq(READ(summary_read_gpus, &s, doc), 0);
    cr_expect_eq(s.gpus, 20);
    cr_expect_eq(s.n_gpu, SUMMARY_GPUS);
    cr_expect_float_eq(s.gpu_utilization, 9.5, 1e-9, "the mean over all 20");
}
