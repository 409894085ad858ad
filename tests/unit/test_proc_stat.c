/* test_proc_stat: the /proc/stat parser and the CPU collector, on fixture trees with known
 * jiffies (so every utilisation below is exact) and once on this machine's /proc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/collector.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_stat.h"
#include "support/host_fixture.h"

static struct proc_stat *parsed;

static void setup(void)
{
    parsed = malloc(sizeof *parsed);
    cr_assert(parsed);
}

static void teardown(void)
{
    free(parsed);
}

/* Parses exactly strlen(s) bytes from a buffer of that size (no NUL to lean on). */
static int parse(const char *s)
{
    char *copy = host_fixture_exact(s, strlen(s));
    int rc = proc_stat_parse(copy, strlen(s), parsed);
    free(copy);
    return rc;
}

TestSuite(proc_stat_parse, .init = setup, .fini = teardown);

Test(proc_stat_parse, two_core_fixture)
{
    size_t len;
    char *data = host_fixture_load("two_core/t1/proc/stat", &len);
    cr_assert_eq(proc_stat_parse(data, len, parsed), 0);
    free(data);
    cr_assert_eq(parsed->n_ids, 2);
    cr_assert_eq(parsed->n_present, 2);
    cr_assert_eq(parsed->n_bad, 0);
    cr_assert(parsed->present[0] && parsed->present[1]);
    cr_assert_eq(parsed->cpu[1].v[PROC_STAT_USER], 5150);
    cr_assert_eq(parsed->cpu[1].v[PROC_STAT_GUEST], 40);
    cr_assert_eq(parsed->all.v[PROC_STAT_IDLE], 80130);
    /* guest (40) is inside user already and must not be added again */
    cr_assert_eq(proc_stat_total(&parsed->cpu[1]), 5150 + 110 + 1520 + 40010 + 250 + 5 + 55);
    cr_assert_eq(proc_stat_idle(&parsed->cpu[1]), 40010 + 250);
}

Test(proc_stat_parse, sparse_ids)
{
    cr_assert_eq(parse("cpu  4 0 0 4\ncpu0 1 0 0 1\ncpu5 3 0 0 3\nintr 1\n"), 0);
    cr_assert_eq(parsed->n_ids, 6);
    cr_assert_eq(parsed->n_present, 2);
    cr_assert(parsed->present[0] && parsed->present[5]);
    for (int i = 1; i < 5; i++)
        cr_assert_not(parsed->present[i]);
    cr_assert_eq(parsed->cpu[5].v[PROC_STAT_USER], 3);
}

Test(proc_stat_parse, old_and_future_column_counts)
{
    cr_assert_eq(parse("cpu 1 2 3 4 5 6 7\ncpu0 1 2 3 4 5 6 7 8 9 10 11 12\n"), 0);
    cr_assert_eq(parsed->all.v[PROC_STAT_SOFTIRQ], 7);
    cr_assert_eq(parsed->all.v[PROC_STAT_STEAL], 0);
    cr_assert_eq(parsed->cpu[0].v[PROC_STAT_GUEST_NICE], 10);
}

Test(proc_stat_parse, tabs_and_runs_of_spaces)
{
    cr_assert_eq(parse("cpu\t1  2\t\t3 4\n"), 0);
    cr_assert_eq(parsed->all.v[PROC_STAT_IDLE], 4);
}

Test(proc_stat_parse, rejects_files_without_a_good_cpu_line)
{
    cr_assert_eq(parse(""), -VIGIL_EINVAL);
    cr_assert_eq(parse("\n\n\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("intr 1 2 3\nctxt 4\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("cpu 1 2 3\n"), -VIGIL_EINVAL, "three columns are not enough");
    cr_assert_eq(parse("cpu 1 2 x 4\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("cpu 1 2 -3 4\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("cpu 1 2 3 18446744073709551616\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("cpu0 1 2 3 4\n"), -VIGIL_EINVAL, "no aggregate line");
    cr_assert_eq(parse("\x01\xff\x00garbage"), -VIGIL_EINVAL);
}

Test(proc_stat_parse, largest_counter_is_kept)
{
    cr_assert_eq(parse("cpu 18446744073709551615 0 0 1\n"), 0);
    cr_assert_eq(parsed->all.v[PROC_STAT_USER], UINT64_MAX);
}

Test(proc_stat_parse, bad_core_lines_cost_only_their_core)
{
    cr_assert_eq(parse("cpu 9 9 9 9\n"
                       "cpu0 1 1 1 1\n"
                       "cpu1 1 1 1\n"      /* too short */
                       "cpu2 1 x 1 1\n"    /* not a number */
                       "cpu0 5 5 5 5\n"    /* repeated */
                       "cpu1024 1 1 1 1\n" /* id too high */
                       "cpufreq 1 1 1 1\n"
                       "cpu3 2 2 2 2\n"),
                 0);
    cr_assert_eq(parsed->n_bad, 5);
    cr_assert_eq(parsed->n_present, 2);
    cr_assert_eq(parsed->n_ids, 4);
    cr_assert_eq(parsed->cpu[0].v[PROC_STAT_USER], 1, "the first of a repeated id counts");
    cr_assert_not(parsed->present[1]);
    cr_assert_not(parsed->present[2]);
}

Test(proc_stat_parse, truncated_last_line_is_skipped)
{
    size_t len;
    char *data = host_fixture_load("truncated_line/proc/stat", &len);
    cr_assert_eq(proc_stat_parse(data, len, parsed), 0);
    free(data);
    cr_assert_eq(parsed->n_ids, 1, "the cut cpu1 line must not be read as cpu1 200 0 5");
    cr_assert_eq(parse("cpu 1 1 1 1\ncpu0 1 1 1 1\ncpu1 12"), 0);
    cr_assert_eq(parsed->n_present, 1);
    cr_assert_eq(parse("cpu 1 1 1 1"), -VIGIL_EINVAL);
}

Test(proc_stat_parse, stops_after_the_cpu_lines)
{
    cr_assert_eq(parse("cpu 1 1 1 1\ncpu0 1 1 1 1\nintr 5\ncpu1 1 1 1 1\n"), 0);
    cr_assert_eq(parsed->n_present, 1);
}

Test(proc_stat_parse, lines_before_the_cpu_lines_are_skipped)
{
    cr_assert_eq(parse("something 1\n\ncpu 1 1 1 1\n"), 0);
    cr_assert_eq(parsed->all.v[PROC_STAT_USER], 1);
}

/* --- the collector ------------------------------------------------------------------ */

#define SEC 1000000000LL

static char dir[HOST_FIXTURE_PATH], procfs[HOST_FIXTURE_PATH], sysfs[HOST_FIXTURE_PATH];
static struct collector_env env;
static struct host_sample *sample;
static void *cpu;
static char err[256];

static void col_setup(void)
{
    host_fixture_mkdtemp(dir);
    host_fixture_env(&env, dir, procfs, sysfs);
    sample = calloc(1, sizeof *sample);
    cr_assert(sample);
    err[0] = '\0';
}

static void col_teardown(void)
{
    if (cpu)
        collector_cpu.destroy(cpu);
    cpu = NULL;
    free(sample);
    host_fixture_rmtree(dir);
}

TestSuite(collector_cpu, .init = col_setup, .fini = col_teardown);

static int collect_step(const char *step, int64_t mono_ns)
{
    if (step)
        host_fixture_stage(dir, step);
    if (!cpu)
        cpu = collector_cpu.create(&env);
    cr_assert(cpu);
    return collector_cpu.collect(cpu, mono_ns, sample, err, sizeof err);
}

Test(collector_cpu, ops_are_versioned_and_named)
{
    cr_assert_eq(collector_cpu.version, COLLECTOR_OPS_VERSION);
    cr_assert_str_eq(collector_cpu.name, "cpu");
}

Test(collector_cpu, two_core_exact_utilisation)
{
    cr_assert_eq(collect_step("two_core/t0", 1 * SEC), 0, "%s", err);
    cr_assert_not(sample->cpu.valid, "the first cycle has no interval");
    cr_assert_eq(sample->cpu.n_cores, 2);
    cr_assert(isnan(sample->cpu.per_core_utilization[0]));

    cr_assert_eq(collect_step("two_core/t1", 3 * SEC), 0, "%s", err);
    cr_assert(sample->cpu.valid);
    cr_assert_eq(sample->cpu.n_cores, 2);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 37.5, 1e-9);
    cr_assert_float_eq(sample->cpu.per_core_utilization[1], 95.0, 1e-9);
    cr_assert_float_eq(sample->cpu.overall_utilization, 66.25, 1e-9);
}

Test(collector_cpu, no_jiffy_passed_keeps_last_values)
{
    collect_step("two_core/t0", 1 * SEC);
    collect_step("two_core/t1", 3 * SEC);
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 37.5, 1e-9);
    cr_assert_float_eq(sample->cpu.per_core_utilization[1], 95.0, 1e-9);
    cr_assert_float_eq(sample->cpu.overall_utilization, 66.25, 1e-9);
}

Test(collector_cpu, many_cores)
{
    collect_step("many_cores/t0", 1 * SEC);
    cr_assert_eq(collect_step("many_cores/t1", 3 * SEC), 0, "%s", err);
    cr_assert(sample->cpu.valid);
    cr_assert_eq(sample->cpu.n_cores, 128);
    double busy = 0;
    for (unsigned i = 0; i < 128; i++) {
        double want = (double)(i % 101);
        cr_assert_float_eq(sample->cpu.per_core_utilization[i], want, 1e-9, "core %u: %f", i,
                           sample->cpu.per_core_utilization[i]);
        busy += want;
    }
    cr_assert_float_eq(sample->cpu.overall_utilization, busy / 128, 1e-9);
}

Test(collector_cpu, offline_core_is_nan)
{
    collect_step("offline_core/t0", 1 * SEC);
    cr_assert_eq(collect_step("offline_core/t1", 3 * SEC), 0, "%s", err);
    cr_assert_eq(sample->cpu.n_cores, 4);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 20.0, 1e-9);
    cr_assert_float_eq(sample->cpu.per_core_utilization[1], 50.0, 1e-9);
    cr_assert(isnan(sample->cpu.per_core_utilization[2]));
    cr_assert_float_eq(sample->cpu.per_core_utilization[3], 100.0, 1e-9);
    cr_assert_float_eq(sample->cpu.overall_utilization, 170.0 / 3, 1e-9);
}

Test(collector_cpu, core_that_disappears_is_nan_then_comes_back)
{
    collect_step("two_core/t0", 1 * SEC);
    /* cpu1 goes offline: its line is gone, but the core stays in the table as NaN */
    host_fixture_write(dir, "proc/stat",
                       "cpu  10100 200 3025 80150 505 0 100 0 0 0\n"
                       "cpu0 5050 100 1525 40120 255 0 50 0 0 0\n");
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    cr_assert_eq(sample->cpu.n_cores, 2);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 37.5, 1e-9);
    cr_assert(isnan(sample->cpu.per_core_utilization[1]));
    /* back online: its first reading again has no interval */
    host_fixture_write(dir, "proc/stat",
                       "cpu  10300 200 3025 80300 505 0 100 0 0 0\n"
                       "cpu0 5150 100 1525 40220 255 0 50 0 0 0\n"
                       "cpu1 5100 100 1500 40000 250 0 50 0 0 0\n");
    collect_step(NULL, 5 * SEC);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 50.0, 1e-9);
    cr_assert(isnan(sample->cpu.per_core_utilization[1]));
    host_fixture_write(dir, "proc/stat",
                       "cpu  10400 200 3025 80400 505 0 100 0 0 0\n"
                       "cpu0 5200 100 1525 40270 255 0 50 0 0 0\n"
                       "cpu1 5150 100 1500 40050 250 0 50 0 0 0\n");
    collect_step(NULL, 7 * SEC);
    cr_assert_float_eq(sample->cpu.per_core_utilization[1], 50.0, 1e-9);
}

Test(collector_cpu, counter_reset_gives_nan_never_out_of_range)
{
    collect_step("counter_reset/t0", 1 * SEC);
    cr_assert_eq(collect_step("counter_reset/t1", 3 * SEC), 0, "%s", err);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 40.0, 1e-9);
    cr_assert(isnan(sample->cpu.per_core_utilization[1]), "got %f",
              sample->cpu.per_core_utilization[1]);
    cr_assert_float_eq(sample->cpu.overall_utilization, 100.0 / 3, 1e-9);

    cr_assert_eq(collect_step("counter_reset/t2", 5 * SEC), 0, "%s", err);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 50.0, 1e-9);
    cr_assert_float_eq(sample->cpu.per_core_utilization[1], 75.0, 1e-9);
    cr_assert_float_eq(sample->cpu.overall_utilization, 62.5, 1e-9);
}

Test(collector_cpu, overall_going_backwards_rebases)
{
    host_fixture_write(dir, "proc/stat", "cpu 1000 0 0 1000\ncpu0 1000 0 0 1000\n");
    collect_step(NULL, 1 * SEC);
    host_fixture_write(dir, "proc/stat", "cpu 10 0 0 10\ncpu0 10 0 0 10\n");
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    cr_assert_not(sample->cpu.valid, "a sum going backwards has no interval to report");
    cr_assert(isnan(sample->cpu.per_core_utilization[0]));
    host_fixture_write(dir, "proc/stat", "cpu 40 0 0 80\ncpu0 40 0 0 80\n");
    cr_assert_eq(collect_step(NULL, 5 * SEC), 0);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.overall_utilization, 30.0, 1e-9);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 30.0, 1e-9);
}

Test(collector_cpu, only_iowait_going_backwards_stays_in_range)
{
    /* proc(5): iowait may decrease. Idle plus iowait still rises here. */
    host_fixture_write(dir, "proc/stat", "cpu 100 0 0 1000 50\ncpu0 100 0 0 1000 50\n");
    collect_step(NULL, 1 * SEC);
    host_fixture_write(dir, "proc/stat", "cpu 150 0 0 1100 40\ncpu0 150 0 0 1100 40\n");
    collect_step(NULL, 3 * SEC);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.per_core_utilization[0], 50.0 * 100 / 140, 1e-9);
}

Test(collector_cpu, missing_file_fails_then_recovers)
{
    host_fixture_stage(dir, "missing_file");
    int rc = collect_step(NULL, 1 * SEC);
    cr_assert_eq(rc, vigil_errno(ENOENT));
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot open '%s/stat': No such file or directory", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample->cpu.valid);

    host_fixture_stage(dir, "two_core/t0");
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0, "%s", err);
    cr_assert_not(sample->cpu.valid);
    host_fixture_stage(dir, "two_core/t1");
    cr_assert_eq(collect_step(NULL, 5 * SEC), 0, "%s", err);
    cr_assert(sample->cpu.valid);
    cr_assert_float_eq(sample->cpu.overall_utilization, 66.25, 1e-9);
}

Test(collector_cpu, garbage_is_an_error_with_the_path)
{
    host_fixture_write(dir, "proc/stat", "not a stat file\n");
    cr_assert_eq(collect_step(NULL, 1 * SEC), -VIGIL_EINVAL);
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot parse '%s/stat': no well-formed cpu line", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample->cpu.valid);
}

Test(collector_cpu, truncated_line)
{
    host_fixture_stage(dir, "truncated_line");
    cr_assert_eq(collect_step(NULL, 1 * SEC), 0, "%s", err);
    cr_assert_eq(sample->cpu.n_cores, 1);
}

Test(collector_cpu, create_survives_every_allocation_failure)
{
    for (long n = 0; n < 16; n++) {
        fault_fail_alloc_after(n);
        void *s = collector_cpu.create(&env);
        fault_fail_alloc_after(-1);
        if (s) {
            collector_cpu.destroy(s);
            return;
        }
    }
    cr_assert_fail("create never succeeded");
}

Test(collector_cpu, this_machine)
{
    struct collector_env real = {"/proc", "/sys"};
    cpu = collector_cpu.create(&real);
    cr_assert(cpu);
    cr_assert_eq(collector_cpu.collect(cpu, 1 * SEC, sample, err, sizeof err), 0, "%s", err);
    /* a busy loop, so that some jiffies pass on at least this core */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 300000000L);
    cr_assert_eq(collector_cpu.collect(cpu, 2 * SEC, sample, err, sizeof err), 0, "%s", err);
    cr_assert(sample->cpu.valid);
    long online = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    cr_assert_geq(sample->cpu.n_cores, (unsigned)online);
    cr_assert_leq(sample->cpu.n_cores, (unsigned)conf);
    unsigned with_value = 0;
    for (unsigned i = 0; i < sample->cpu.n_cores; i++) {
        double u = sample->cpu.per_core_utilization[i];
        if (isnan(u))
            continue;
        with_value++;
        cr_assert(u >= 0 && u <= 100, "core %u: %f", i, u);
    }
    cr_assert_eq(with_value, (unsigned)online);
    cr_assert(sample->cpu.overall_utilization > 0 && sample->cpu.overall_utilization <= 100,
              "overall %f while a core was kept busy", sample->cpu.overall_utilization);
}
