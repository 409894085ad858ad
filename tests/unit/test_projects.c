/* projects: perf_metrics records from run reports, measured usage, staleness, bounds. */
#include <criterion/criterion.h>
#include <string.h>

#include "agents/projects.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/jsonw.h"

#define T0  1767261600000LL /* 2026-01-01T10:00:00Z */
#define GIB 1073741824ULL

static struct ingest_run run_of(const char *project, enum ingest_run_status st, int64_t pid)
{
    struct ingest_run r = {.project = project, .status = st};
    if (pid) {
        r.has_pid = true;
        r.pid = pid;
    }
    return r;
}

static const char *encode_one(const struct projects *p, const char *name, int64_t now,
                              struct buf *b)
{
    struct jsonw w;
    buf_reset(b);
    jw_init(&w, b);
    projects_encode_one(projects_find(p, name), now, 10000, &w);
    cr_assert_eq(w.err, 0);
    return b->data;
}

Test(projects, report_in_the_seed_shape)
{
    struct projects p;
    struct buf b;
    cr_assert_eq(projects_init(&p, 4), 0);
    buf_init(&b, 1 << 16);
    struct ingest_run r = run_of("alpha", INGEST_RUNNING, 12345);
    r.run_id = "12345-2026-01-01T09:59:00Z";
    r.has_started_at = true;
    r.started_at_ms = T0 - 60000;
    r.has_tokens = r.has_current_run = r.has_total_session = true;
    r.tokens_current_run = 1420;
    r.tokens_total_session = 9180;
    cr_assert_eq(projects_report(&p, &r, T0, T0), 0);
    cr_assert_str_eq(encode_one(&p, "alpha", T0 + 1000, &b),
                     "{\"timestamp\":\"2026-01-01T10:00:00.000Z\",\"timestamp_ms\":1767261600000,"
                     "\"project\":\"alpha\",\"run\":{\"status\":\"running\",\"pid\":12345,"
                     "\"started_at\":\"2026-01-01T09:59:00.000Z\",\"started_at_ms\":1767261540000,"
                     "\"run_id\":\"12345-2026-01-01T09:59:00Z\"},\"tokens\":{\"current_run\":1420,"
                     "\"total_session\":9180,\"available\":true},\"cpu\":{\"percent\":null},"
                     "\"memory\":{\"used_gb\":null,\"total_gb\":null,\"percent\":null},"
                     "\"gpu\":{\"available\":false,\"percent\":null,\"vram_used_gb\":null,"
                     "\"vram_total_gb\":null},\"stale\":false}");
    buf_release(&b);
    projects_release(&p);
}

Test(projects, stale_after_ten_seconds_without_a_report)
{
    struct projects p;
    struct buf b;
    cr_assert_eq(projects_init(&p, 4), 0);
    buf_init(&b, 1 << 16);
    struct ingest_run r = run_of("alpha", INGEST_PAUSED, 0);
    /* The report's own time is old; staleness runs from when vigil received it. */
    cr_assert_eq(projects_report(&p, &r, T0 - 3600000, T0), 0);
    cr_assert(strstr(encode_one(&p, "alpha", T0 + 10000, &b), "\"stale\":false") != NULL);
    cr_assert(strstr(encode_one(&p, "alpha", T0 + 10001, &b), "\"stale\":true") != NULL);
    cr_assert(strstr(b.data, "\"pid\":null") != NULL);
    cr_assert(strstr(b.data, "\"tokens\":{\"current_run\":null,\"total_session\":null,"
                             "\"available\":false}") != NULL);
    projects_report(&p, &r, T0 + 20000, T0 + 20000);
    cr_assert(strstr(encode_one(&p, "alpha", T0 + 20001, &b), "\"stale\":false") != NULL);
    buf_release(&b);
    projects_release(&p);
}

Test(projects, measured_usage_for_the_run_pid)
{
    struct projects p;
    struct buf b;
    cr_assert_eq(projects_init(&p, 4), 0);
    buf_init(&b, 1 << 16);
    struct ingest_run r = run_of("alpha", INGEST_RUNNING, 42);
    projects_report(&p, &r, T0, T0);
    struct project_usage u = {
        .has_cpu = true,
        .cpu_percent = 37.2,
        .has_memory = true,
        .mem_used_bytes = 4 * GIB,
        .mem_total_bytes = 16 * GIB,
        .gpu_available = true,
        .has_gpu_percent = true,
        .gpu_percent = 80,
        .has_vram = true,
        .vram_used_bytes = 20 * GIB,
        .vram_total_bytes = 80 * GIB,
    };
    cr_assert_eq(projects_set_usage(&p, "alpha", 43, &u, T0), -VIGIL_ENOENT);
    cr_assert_eq(projects_set_usage(&p, "beta", 42, &u, T0), -VIGIL_ENOENT);
    cr_assert_eq(projects_set_usage(&p, "alpha", 42, &u, T0), 0);
    const char *doc = encode_one(&p, "alpha", T0, &b);
    cr_assert(strstr(doc, "\"cpu\":{\"percent\":37.2},\"memory\":{\"used_gb\":4,\"total_gb\":16,"
                          "\"percent\":25},\"gpu\":{\"available\":true,\"percent\":80,"
                          "\"vram_used_gb\":20,\"vram_total_gb\":80}") != NULL,
              "%s", doc);
    /* The same pid keeps its figures across reports... */
    projects_report(&p, &r, T0 + 1000, T0 + 1000);
    cr_assert(strstr(encode_one(&p, "alpha", T0, &b), "\"percent\":37.2") != NULL);
    /* ...a new pid drops them until measured again... */
    r.pid = 77;
    projects_report(&p, &r, T0 + 2000, T0 + 2000);
    cr_assert(strstr(encode_one(&p, "alpha", T0, &b), "\"cpu\":{\"percent\":null}") != NULL);
    cr_assert_eq(projects_set_usage(&p, "alpha", 77, &u, T0), 0);
    /* ...and so does a stop. */
    r.status = INGEST_STOPPED;
    projects_report(&p, &r, T0 + 3000, T0 + 3000);
    cr_assert(strstr(encode_one(&p, "alpha", T0, &b), "\"cpu\":{\"percent\":null}") != NULL);
    cr_assert_eq(projects_set_usage(&p, "alpha", 77, &u, T0), -VIGIL_ENOENT);
    buf_release(&b);
    projects_release(&p);
}

Test(projects, pids_to_measure)
{
    struct projects p;
    struct project_pid out[4];
    cr_assert_eq(projects_init(&p, 8), 0);
    struct ingest_run a = run_of("a", INGEST_RUNNING, 10);
    struct ingest_run b = run_of("b", INGEST_STOPPED, 11);
    struct ingest_run c = run_of("c", INGEST_PAUSED, 12);
    struct ingest_run d = run_of("d", INGEST_RUNNING, 0);
    projects_report(&p, &a, T0, T0);
    projects_report(&p, &b, T0, T0);
    projects_report(&p, &c, T0, T0);
    projects_report(&p, &d, T0, T0);
    cr_assert_eq(projects_pids(&p, out, 4), 2);
    cr_assert_str_eq(out[0].name, "a");
    cr_assert_eq(out[0].pid, 10);
    cr_assert_str_eq(out[1].name, "c");
    cr_assert_eq(out[1].pid, 12);
    cr_assert_eq(projects_pids(&p, out, 1), 1);
    projects_release(&p);
}

Test(projects, bound_evicts_the_least_recently_reported)
{
    struct projects p;
    cr_assert_eq(projects_init(&p, 2), 0);
    struct ingest_run a = run_of("a", INGEST_RUNNING, 1);
    struct ingest_run b = run_of("b", INGEST_RUNNING, 2);
    struct ingest_run c = run_of("c", INGEST_RUNNING, 3);
    projects_report(&p, &a, T0, T0);
    projects_report(&p, &b, T0 + 1, T0 + 1);
    projects_report(&p, &a, T0 + 2, T0 + 2);
    cr_assert_eq(projects_report(&p, &c, T0 + 3, T0 + 3), 0);
    cr_assert_eq(projects_count(&p), 2);
    cr_assert_null(projects_find(&p, "b"));
    cr_assert_not_null(projects_find(&p, "a"));
    cr_assert_eq(p.evicted, 1);

    struct buf buf;
    struct jsonw w;
    buf_init(&buf, 1 << 16);
    jw_init(&w, &buf);
    projects_encode(&p, T0 + 3, 10000, &w);
    cr_assert_eq(w.err, 0);
    cr_assert(strncmp(buf.data, "{\"a\":{", 6) == 0, "%s", buf.data);
    cr_assert(strstr(buf.data, ",\"c\":{") != NULL);
    buf_release(&buf);
    projects_release(&p);
}
