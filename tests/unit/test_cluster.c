/* cluster: the proxy shape as a list and as an object keyed by node, other JSON kept raw,
 * and what is refused (too deep, not JSON), each from tests/fixtures/cluster. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/cluster.h"
#include "core/err.h"

static char *slurp(const char *name, size_t *len)
{
    const char *dir = getenv("VIGIL_FIXTURES");
    char path[512];
    snprintf(path, sizeof path, "%s/cluster/%s", dir ? dir : "tests/fixtures", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    cr_assert_eq(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

static int read_fixture(const char *name, struct cluster_status *st, struct buf *raw)
{
    size_t len;
    char *text = slurp(name, &len);
    int rc = cluster_read(text, len, st, raw);
    free(text);
    return rc;
}

Test(cluster, the_seeds_proxy_shape)
{
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 1 << 16);
    cr_assert_eq(read_fixture("proxy.json", &st, &raw), 0, "%s", st.error);
    cr_expect(st.proxy);
    cr_expect_eq(st.nodes_total, 2);
    cr_expect_eq(st.nodes_up, 2);
    cr_expect(st.health_known);
    cr_expect_eq(st.gpus_active, 2);
    cr_expect_eq(st.failover_ready, 1);
    cr_assert_eq(st.n_nodes, 2);
    cr_expect_str_eq(st.nodes[0].name, "gpu-122");
    cr_expect_eq(st.nodes[1].up, 1);
    cr_expect_eq(st.nodes[1].gpus, 1);
    cr_expect(strstr(raw.data, "\"failover\":{\"ready\":true,\"primary\":\"gpu-122\"") != NULL,
              "%s", raw.data);
    cr_expect(strstr(raw.data, "\"latency_ms\":38.25") != NULL, "%s", raw.data);
    buf_release(&raw);
}

Test(cluster, nodes_keyed_by_name_with_status_words)
{
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 1 << 16);
    cr_assert_eq(read_fixture("proxy_keyed.json", &st, &raw), 0, "%s", st.error);
    cr_expect(st.proxy);
    cr_expect_eq(st.nodes_total, 3);
    cr_expect_eq(st.nodes_up, 2, "'healthy' in any case is up, 'unhealthy' is not");
    cr_expect_eq(st.gpus_active, 3, "two on the first node, one on the third");
    cr_expect_eq(st.failover_ready, 1, "a standby is ready");
    cr_expect_str_eq(st.nodes[1].name, "http://localhost:8001");
    cr_expect_eq(st.nodes[1].up, 0);
    buf_release(&raw);
}

Test(cluster, other_shapes_are_kept_raw)
{
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 1 << 16);
    cr_assert_eq(read_fixture("other.json", &st, &raw), 0, "%s", st.error);
    cr_expect_not(st.proxy);
    cr_expect(isnan(st.gpus_active));
    cr_expect_eq(st.failover_ready, -1);
    cr_expect_str_eq(raw.data,
                     "{\"version\":\"2.1.0\",\"cluster\":{\"leader\":\"a\",\"members\":[\"a\","
                     "\"b\",\"c\"]},\"ok\":true,\"ratio\":0.25,\"note\":\"caf\xc3\xa9 "
                     "\\\"quoted\\\"\",\"nothing\":null}");
    /* a bare value is JSON too */
    cr_assert_eq(cluster_read("42", 2, &st, &raw), 0);
    cr_expect_str_eq(raw.data, "42");
    buf_release(&raw);
}

Test(cluster, refused_too_deep_or_not_json)
{
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 1 << 16);
    cr_expect_eq(read_fixture("deep.json", &st, &raw), -VIGIL_EINVAL);
    cr_expect_str_eq(st.error, "JSON nested deeper than 16 levels");
    cr_expect_eq(read_fixture("truncated.json", &st, &raw), -VIGIL_EINVAL);
    cr_expect(strncmp(st.error, "not JSON: ", 10) == 0, "%s", st.error);
    cr_expect_eq(cluster_read("<html>502</html>", 16, &st, &raw), -VIGIL_EINVAL);
    cr_expect_eq(cluster_read("", 0, &st, &raw), -VIGIL_EINVAL);
    buf_release(&raw);
}

Test(cluster, a_document_too_large_to_show_keeps_its_summary)
{
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 64);
    cr_assert_eq(read_fixture("proxy.json", &st, &raw), 0);
    cr_expect_eq(raw.len, 0);
    cr_expect_eq(st.nodes_up, 2);
    buf_release(&raw);
}

Test(cluster, many_nodes_are_counted_beyond_the_list)
{
    static char text[65536];
    size_t k = (size_t)snprintf(text, sizeof text, "{\"nodes\":[");
    for (int i = 0; i < 100; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%s{\"up\":%s}", i ? "," : "",
                              i % 4 ? "true" : "false");
    k += (size_t)snprintf(text + k, sizeof text - k, "]}");
    struct cluster_status st;
    struct buf raw;
    buf_init(&raw, 1 << 16);
    cr_assert_eq(cluster_read(text, k, &st, &raw), 0);
    cr_expect_eq(st.nodes_total, 100);
    cr_expect_eq(st.nodes_up, 75);
    cr_expect_eq(st.n_nodes, CLUSTER_MAX_NODES);
    cr_expect_str_eq(st.nodes[5].name, "node5");
    cr_expect(isnan(st.gpus_active));
    buf_release(&raw);
}
