/* test_proc_meminfo: the /proc/meminfo parser and the memory collector, on fixtures with
 * known figures and on this machine's /proc (checked against sysinfo(2)). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

#include "collect/collector.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_meminfo.h"
#include "support/host_fixture.h"

#define KIB 1024ULL

static struct proc_meminfo m;

static int parse(const char *s)
{
    char *copy = host_fixture_exact(s, strlen(s));
    int rc = proc_meminfo_parse(copy, strlen(s), &m);
    free(copy);
    return rc;
}

Test(proc_meminfo_parse, two_core_fixture)
{
    size_t len;
    char *data = host_fixture_load("two_core/t0/proc/meminfo", &len);
    cr_assert_eq(proc_meminfo_parse(data, len, &m), 0);
    free(data);
    cr_assert_eq(m.mem_total, 8048576 * KIB);
    cr_assert_eq(m.mem_free, 1048576 * KIB);
    cr_assert_eq(m.mem_available, 5242880 * KIB);
    cr_assert_eq(m.buffers, 102400 * KIB);
    cr_assert_eq(m.cached, 3145728 * KIB, "SwapCached must not be taken for Cached");
    cr_assert_eq(m.swap_total, 2097152 * KIB);
    cr_assert_eq(m.swap_free, 1572864 * KIB);
    cr_assert_not(m.available_estimated);
    cr_assert_eq(proc_meminfo_ram_used(&m), (8048576 - 5242880) * KIB);
    cr_assert_eq(proc_meminfo_swap_used(&m), (2097152 - 1572864) * KIB);
}

Test(proc_meminfo_parse, old_kernel_estimates_available)
{
    size_t len;
    char *data = host_fixture_load("old_kernel/proc/meminfo", &len);
    cr_assert_eq(proc_meminfo_parse(data, len, &m), 0);
    free(data);
    cr_assert(m.available_estimated);
    cr_assert_eq(m.mem_available, (1048576 + 102400 + 3145728) * KIB);
}

Test(proc_meminfo_parse, estimate_is_capped_at_total)
{
    cr_assert_eq(parse("MemTotal: 100 kB\nMemFree: 80 kB\nBuffers: 10 kB\nCached: 30 kB\n"), 0);
    cr_assert_eq(m.mem_available, 100 * KIB);
    cr_assert_eq(proc_meminfo_ram_used(&m), 0);
    cr_assert_eq(m.swap_total, 0, "no swap lines: no swap");
}

Test(proc_meminfo_parse, used_never_wraps)
{
    cr_assert_eq(parse("MemTotal: 100 kB\nMemAvailable: 200 kB\n"
                       "SwapTotal: 10 kB\nSwapFree: 20 kB\n"),
                 0);
    cr_assert_eq(proc_meminfo_ram_used(&m), 0);
    cr_assert_eq(proc_meminfo_swap_used(&m), 0);
}

Test(proc_meminfo_parse, keys_in_any_order_and_first_wins)
{
    cr_assert_eq(parse("SwapFree: 1 kB\nMemAvailable:\t7 kB\nHugePages_Total: 0\n"
                       "MemTotal: 9 kB\nSwapTotal: 3 kB\nMemTotal: 999 kB\n"),
                 0);
    cr_assert_eq(m.mem_total, 9 * KIB);
    cr_assert_eq(m.mem_available, 7 * KIB);
    cr_assert_eq(proc_meminfo_swap_used(&m), 2 * KIB);
}

Test(proc_meminfo_parse, rejects_what_it_cannot_trust)
{
    cr_assert_eq(parse(""), -VIGIL_EINVAL);
    cr_assert_eq(parse("MemFree: 1 kB\nMemAvailable: 1 kB\n"), -VIGIL_EINVAL, "no MemTotal");
    cr_assert_eq(parse("MemTotal: 10 kB\n"), -VIGIL_EINVAL, "nothing to tell what is free");
    cr_assert_eq(parse("MemTotal: 10\nMemAvailable: 5 kB\n"), -VIGIL_EINVAL, "no unit");
    cr_assert_eq(parse("MemTotal: 10 MB\nMemAvailable: 5 kB\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("MemTotal: ten kB\nMemAvailable: 5 kB\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("MemTotal: 10 kB extra\nMemAvailable: 5 kB\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("MemTotal: -10 kB\nMemAvailable: 5 kB\n"), -VIGIL_EINVAL);
    cr_assert_eq(parse("MemTotal: 10 kB\nMemAvailable: 5 kB\nSwapTotal: 4 kB\n"), -VIGIL_EINVAL,
                 "swap total without swap free");
    cr_assert_eq(parse("MemTotal: 18014398509481984 kB\nMemAvailable: 5 kB\n"), -VIGIL_ERANGE,
                 "2^54 KiB is 2^64 bytes");
    cr_assert_eq(parse("MemTotal: 18014398509481983 kB\nMemAvailable: 5 kB\n"), 0);
    cr_assert_eq(m.mem_total, 18014398509481983ULL * KIB);
}

Test(proc_meminfo_parse, garbage_in_unused_lines_is_skipped)
{
    cr_assert_eq(parse("no colon here\n\x01\x02: x y z\nMemTotal: 10 kB\n: 3 kB\n"
                       "Weird:\nMemAvailable: 5 kB\n"),
                 0);
    cr_assert_eq(m.mem_total, 10 * KIB);
}

Test(proc_meminfo_parse, truncated_last_line)
{
    size_t len;
    char *data = host_fixture_load("truncated_line/proc/meminfo", &len);
    /* The cut line is SwapFree: without it the swap figures cannot be trusted. */
    cr_assert_eq(proc_meminfo_parse(data, len, &m), -VIGIL_EINVAL);
    free(data);
    cr_assert_eq(parse("MemTotal: 10 kB\nMemAvailable: 5 kB\nCached: 12"), 0);
    cr_assert_eq(m.cached, 0, "a cut line is not read");
}

/* --- the collector ------------------------------------------------------------------ */

static char dir[HOST_FIXTURE_PATH], procfs[HOST_FIXTURE_PATH], sysfs[HOST_FIXTURE_PATH];
static struct collector_env env;
static struct host_sample sample;
static void *mem;
static char err[256];

static void col_setup(void)
{
    host_fixture_mkdtemp(dir);
    host_fixture_env(&env, dir, procfs, sysfs);
    memset(&sample, 0, sizeof sample);
}

static void col_teardown(void)
{
    if (mem)
        collector_memory.destroy(mem);
    mem = NULL;
    host_fixture_rmtree(dir);
}

TestSuite(collector_memory, .init = col_setup, .fini = col_teardown);

static int collect(void)
{
    if (!mem)
        mem = collector_memory.create(&env);
    cr_assert(mem);
    return collector_memory.collect(mem, 0, &sample, err, sizeof err);
}

Test(collector_memory, two_core)
{
    cr_assert_eq(collector_memory.version, COLLECTOR_OPS_VERSION);
    cr_assert_str_eq(collector_memory.name, "memory");
    host_fixture_stage(dir, "two_core/t0");
    cr_assert_eq(collect(), 0, "%s", err);
    cr_assert(sample.mem.valid);
    cr_assert_eq(sample.mem.ram_total, 8048576 * KIB);
    cr_assert_eq(sample.mem.ram_available, 5242880 * KIB);
    cr_assert_eq(sample.mem.ram_used, (8048576 - 5242880) * KIB);
    cr_assert_eq(sample.mem.swap_total, 2097152 * KIB);
    cr_assert_eq(sample.mem.swap_used, (2097152 - 1572864) * KIB);
}

Test(collector_memory, many_cores_machine)
{
    host_fixture_stage(dir, "many_cores/t0");
    cr_assert_eq(collect(), 0, "%s", err);
    cr_assert_eq(sample.mem.ram_total, 1056462848 * KIB);
    cr_assert_eq(sample.mem.ram_used, (1056462848 - 900000000) * KIB);
    cr_assert_eq(sample.mem.swap_total, 0);
    cr_assert_eq(sample.mem.swap_used, 0);
}

Test(collector_memory, rereads_in_place)
{
    host_fixture_stage(dir, "two_core/t0");
    collect();
    host_fixture_write(dir, "proc/meminfo", "MemTotal: 1000 kB\nMemAvailable: 250 kB\n");
    cr_assert_eq(collect(), 0, "%s", err);
    cr_assert_eq(sample.mem.ram_used, 750 * KIB);
}

Test(collector_memory, missing_file_fails_then_recovers)
{
    host_fixture_stage(dir, "missing_file");
    cr_assert_eq(collect(), vigil_errno(ENOENT));
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot open '%s/meminfo': No such file or directory", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample.mem.valid);
    host_fixture_stage(dir, "two_core/t0");
    cr_assert_eq(collect(), 0, "%s", err);
    cr_assert(sample.mem.valid);
}

Test(collector_memory, unreadable_content_is_an_error)
{
    host_fixture_stage(dir, "truncated_line");
    cr_assert_eq(collect(), -VIGIL_EINVAL);
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot parse '%s/meminfo': malformed input", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample.mem.valid);
}

Test(collector_memory, create_survives_every_allocation_failure)
{
    for (long n = 0; n < 16; n++) {
        fault_fail_alloc_after(n);
        void *s = collector_memory.create(&env);
        fault_fail_alloc_after(-1);
        if (s) {
            collector_memory.destroy(s);
            return;
        }
    }
    cr_assert_fail("create never succeeded");
}

Test(collector_memory, this_machine)
{
    struct collector_env real = {"/proc", "/sys"};
    struct sysinfo si;
    mem = collector_memory.create(&real);
    cr_assert(mem);
    cr_assert_eq(collector_memory.collect(mem, 0, &sample, err, sizeof err), 0, "%s", err);
    cr_assert_eq(sysinfo(&si), 0);
    cr_assert(sample.mem.valid);
    cr_assert_eq(sample.mem.ram_total, (uint64_t)si.totalram * si.mem_unit,
                 "ram_total must be MemTotal");
    cr_assert_eq(sample.mem.swap_total, (uint64_t)si.totalswap * si.mem_unit);
    cr_assert_gt(sample.mem.ram_used, 0);
    cr_assert_lt(sample.mem.ram_used, sample.mem.ram_total);
    cr_assert_leq(sample.mem.swap_used, sample.mem.swap_total);
}
