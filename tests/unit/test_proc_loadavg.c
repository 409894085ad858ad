/* test_proc_loadavg: the /proc/loadavg parser and the load collector, on fixtures and on
 * this machine's /proc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_loadavg.h"
#include "support/host_fixture.h"

static struct proc_loadavg l;

static int parse(const char *s)
{
    char *copy = host_fixture_exact(s, strlen(s));
    int rc = proc_loadavg_parse(copy, strlen(s), &l);
    free(copy);
    return rc;
}

Test(proc_loadavg_parse, real_line)
{
    cr_assert_eq(parse("0.52 0.58 0.59 2/311 4567\n"), 0);
    cr_assert_float_eq(l.load1, 0.52, 1e-12);
    cr_assert_float_eq(l.load5, 0.58, 1e-12);
    cr_assert_float_eq(l.load15, 0.59, 1e-12);
    cr_assert_eq(l.procs_running, 2);
    cr_assert_eq(l.procs_total, 311);
    cr_assert_eq(l.last_pid, 4567);
}

Test(proc_loadavg_parse, busy_machine_and_no_newline)
{
    cr_assert_eq(parse("196.13 88.40 7.00 129/2048 4194303"), 0);
    cr_assert_float_eq(l.load1, 196.13, 1e-9);
    cr_assert_float_eq(l.load15, 7.0, 1e-12);
    cr_assert_eq(l.procs_running, 129);
    cr_assert_eq(l.last_pid, 4194303);
}

Test(proc_loadavg_parse, only_the_first_line_counts)
{
    cr_assert_eq(parse("1.00 2.00 3.00 4/5 6\ngarbage\n"), 0);
    cr_assert_float_eq(l.load5, 2.0, 1e-12);
}

Test(proc_loadavg_parse, rejects_garbage_and_cut_lines)
{
    const char *bad[] = {
        "",
        "\n",
        "0.52 0.58 0.59 2/31",         /* cut: the last pid is gone */
        "0.52 0.58 0.59 2/311\n",      /* no last pid */
        "0.52 0.58 0.59 2/311 45 6\n", /* one field too many */
        "0.52 0.58 0.59 2311 4567\n",  /* no slash */
        "0.52 0.58 0.59 /311 4567\n",
        "0.52 0.58 0.59 2/ 4567\n",
        "-0.52 0.58 0.59 2/311 4567\n",
        ".52 0.58 0.59 2/311 4567\n",
        "0.5.2 0.58 0.59 2/311 4567\n",
        "0,52 0.58 0.59 2/311 4567\n", /* a locale's decimal comma is not the kernel's */
        "0.52 0.58 0.59 2/4294967296 4567\n",
        "1e3 0.58 0.59 2/311 4567\n",
        "nan 0.58 0.59 2/311 4567\n",
        "99999999999999999999999.0 0.58 0.59 2/311 4567\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i]), -VIGIL_EINVAL, "accepted '%s'", bad[i]);
}

/* --- the collector ------------------------------------------------------------------ */

static char dir[HOST_FIXTURE_PATH], procfs[HOST_FIXTURE_PATH], sysfs[HOST_FIXTURE_PATH];
static struct collector_env env;
static struct host_sample sample;
static void *load;
static char err[256];

static void col_setup(void)
{
    host_fixture_mkdtemp(dir);
    host_fixture_env(&env, dir, procfs, sysfs);
    memset(&sample, 0, sizeof sample);
}

static void col_teardown(void)
{
    if (load)
        collector_load.destroy(load);
    load = NULL;
    host_fixture_rmtree(dir);
}

TestSuite(collector_load, .init = col_setup, .fini = col_teardown);

static int collect_step(const char *step)
{
    if (step)
        host_fixture_stage(dir, step);
    if (!load)
        load = collector_load.create(&env);
    cr_assert(load);
    return collector_load.collect(load, 0, &sample, err, sizeof err);
}

Test(collector_load, fixtures)
{
    cr_assert_eq(collector_load.version, COLLECTOR_OPS_VERSION);
    cr_assert_str_eq(collector_load.name, "load");
    cr_assert_eq(collect_step("two_core/t0"), 0, "%s", err);
    cr_assert(sample.load.valid);
    cr_assert_float_eq(sample.load.load1, 0.52, 1e-12);
    cr_assert_float_eq(sample.load.load5, 0.58, 1e-12);
    cr_assert_float_eq(sample.load.load15, 0.59, 1e-12);
    cr_assert_eq(sample.load.procs_running, 2);
    cr_assert_eq(sample.load.procs_total, 311);
    cr_assert_eq(collect_step("many_cores/t0"), 0, "%s", err);
    cr_assert_float_eq(sample.load.load1, 96.13, 1e-9);
    cr_assert_eq(sample.load.procs_total, 2048);
}

Test(collector_load, truncated_line_is_an_error)
{
    cr_assert_eq(collect_step("truncated_line"), -VIGIL_EINVAL);
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot parse '%s/loadavg': malformed input", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample.load.valid);
}

Test(collector_load, missing_file_fails_then_recovers)
{
    cr_assert_eq(collect_step(NULL), vigil_errno(ENOENT));
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot open '%s/loadavg': No such file or directory", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample.load.valid);
    cr_assert_eq(collect_step("missing_file"), 0, "%s", err);
    cr_assert(sample.load.valid);
    cr_assert_float_eq(sample.load.load15, 3.0, 1e-12);
    cr_assert_eq(sample.load.procs_running, 4);
}

Test(collector_load, create_survives_every_allocation_failure)
{
    for (long n = 0; n < 16; n++) {
        fault_fail_alloc_after(n);
        void *s = collector_load.create(&env);
        fault_fail_alloc_after(-1);
        if (s) {
            collector_load.destroy(s);
            return;
        }
    }
    cr_assert_fail("create never succeeded");
}

Test(collector_load, this_machine)
{
    struct collector_env real = {"/proc", "/sys"};
    load = collector_load.create(&real);
    cr_assert(load);
    cr_assert_eq(collector_load.collect(load, 0, &sample, err, sizeof err), 0, "%s", err);
    cr_assert(sample.load.valid);
    cr_assert_geq(sample.load.load1, 0);
    cr_assert_geq(sample.load.procs_running, 1, "this test is running");
    cr_assert_geq(sample.load.procs_total, sample.load.procs_running);
}
