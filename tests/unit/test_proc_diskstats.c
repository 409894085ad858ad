/* test_proc_diskstats: the /proc/diskstats parser and the disk collector: which devices
 * count (whole disks by sysfs, or by name without it), exact rates from injected times,
 * hot-plug, wrap and removal, and this machine's /proc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_diskstats.h"
#include "support/host_fixture.h"

#define SEC    1000000000LL
#define SECTOR 512ULL

/* Reads every device of s (given as exactly strlen(s) bytes) into devs; returns the count. */
static unsigned parse_all(const char *s, struct proc_diskstats_dev *devs, unsigned max,
                          unsigned *bad)
{
    char *copy = host_fixture_exact(s, strlen(s));
    struct proc_diskstats_iter it;
    unsigned n = 0;
    struct proc_diskstats_dev dev;
    proc_diskstats_begin(&it, copy, strlen(s));
    while (proc_diskstats_next(&it, &dev))
        if (n < max)
            devs[n++] = dev;
    free(copy);
    *bad = it.n_bad;
    return n;
}

Test(proc_diskstats_parse, two_core_fixture)
{
    size_t len;
    char *data = host_fixture_load("two_core/t1/proc/diskstats", &len);
    struct proc_diskstats_iter it;
    struct proc_diskstats_dev dev;
    unsigned n = 0;
    bool saw_sda = false;
    proc_diskstats_begin(&it, data, len);
    while (proc_diskstats_next(&it, &dev)) {
        n++;
        if (strcmp(dev.name, "sda") == 0) {
            saw_sda = true;
            cr_assert_eq(dev.major, 8);
            cr_assert_eq(dev.minor, 0);
            cr_assert_eq(dev.reads, 125512);
            cr_assert_eq(dev.sectors_read, 1004096);
            cr_assert_eq(dev.writes, 251024);
            cr_assert_eq(dev.sectors_written, 2008192);
        }
    }
    free(data);
    cr_assert_eq(n, 9);
    cr_assert_eq(it.n_bad, 0);
    cr_assert(saw_sda);
    cr_assert_eq(proc_diskstats_bytes(1004096), 1004096 * SECTOR);
}

Test(proc_diskstats_parse, malformed_lines_are_skipped_and_counted)
{
    struct proc_diskstats_dev d[8];
    unsigned bad;
    unsigned n = parse_all("   8 0 sda 1 2 3 4 5 6 7\n"
                           "\n"
                           "   8 1 sda1 1 2 3 4\n"                /* 2.6 partition */
                           "   8 2 sda2 1 2 3 4 5 6 x 8\n"        /* not a number */
                           "   x 3 sda3 1 2 3 4 5 6 7\n"          /* bad major */
                           "   8 4294967296 sda4 1 2 3 4 5 6 7\n" /* minor > 32 bits */
                           "   8 5\n"                             /* no name */
                           "   8 6 abcdefghijklmnopqrstuvwxyz0123456 1 2 3 4 5 6 7\n" /* 35 */
                           "   8 7 sda7 1 2 3 4 5 6 99999999999999999999999\n"
                           "   8 16 sdb 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n",
                           d, 8, &bad);
    cr_assert_eq(n, 2);
    cr_assert_eq(bad, 7);
    cr_assert_str_eq(d[0].name, "sda");
    cr_assert_eq(d[0].sectors_read, 3);
    cr_assert_eq(d[0].sectors_written, 7);
    cr_assert_str_eq(d[1].name, "sdb");
    cr_assert_eq(d[1].minor, 16);
}

Test(proc_diskstats_parse, truncated_last_line_is_skipped)
{
    size_t len;
    char *data = host_fixture_load("truncated_line/proc/diskstats", &len);
    struct proc_diskstats_iter it;
    struct proc_diskstats_dev dev;
    unsigned n = 0;
    proc_diskstats_begin(&it, data, len);
    while (proc_diskstats_next(&it, &dev)) {
        n++;
        cr_assert_str_eq(dev.name, "sda");
    }
    free(data);
    cr_assert_eq(n, 1);

    struct proc_diskstats_dev d[2];
    unsigned bad;
    cr_assert_eq(parse_all("8 0 sda 1 2 3 4 5 6 7", d, 2, &bad), 0);
    cr_assert_eq(parse_all("", d, 2, &bad), 0);
}

Test(proc_diskstats_parse, control_bytes_in_a_name_are_refused)
{
    struct proc_diskstats_dev d[2];
    unsigned bad;
    cr_assert_eq(parse_all("8 0 sd\x01 1 2 3 4 5 6 7\n", d, 2, &bad), 0);
    cr_assert_eq(bad, 1);
}

/* --- the collector ------------------------------------------------------------------ */

static char dir[HOST_FIXTURE_PATH], procfs[HOST_FIXTURE_PATH], sysfs[HOST_FIXTURE_PATH];
static struct collector_env env;
static struct host_sample *sample;
static void *disk;
static char err[256];

static void col_setup(void)
{
    host_fixture_mkdtemp(dir);
    host_fixture_env(&env, dir, procfs, sysfs);
    sample = calloc(1, sizeof *sample);
    cr_assert(sample);
}

static void col_teardown(void)
{
    if (disk)
        collector_disk.destroy(disk);
    disk = NULL;
    free(sample);
    host_fixture_rmtree(dir);
}

TestSuite(collector_disk, .init = col_setup, .fini = col_teardown);

static int collect_step(const char *step, int64_t mono_ns)
{
    if (step)
        host_fixture_stage(dir, step);
    if (!disk)
        disk = collector_disk.create(&env);
    cr_assert(disk);
    return collector_disk.collect(disk, mono_ns, sample, err, sizeof err);
}

static const struct disk_device *device(const char *name)
{
    for (unsigned i = 0; i < sample->disk.n_devices; i++)
        if (strcmp(sample->disk.devices[i].name, name) == 0)
            return &sample->disk.devices[i];
    return NULL;
}

static void expect_names(const char *const *names, unsigned n)
{
    cr_assert_eq(sample->disk.n_devices, n, "got %u devices", sample->disk.n_devices);
    for (unsigned i = 0; i < n; i++)
        cr_assert_str_eq(sample->disk.devices[i].name, names[i]);
}

static void expect_rates(const char *name, double rd, double wr)
{
    const struct disk_device *d = device(name);
    cr_assert(d, "no device %s", name);
    cr_assert(d->rate_valid, "%s has no rate", name);
    cr_assert_float_eq(d->read_rate_mbps, rd, 1e-9, "%s read %f", name, d->read_rate_mbps);
    cr_assert_float_eq(d->write_rate_mbps, wr, 1e-9, "%s write %f", name, d->write_rate_mbps);
}

Test(collector_disk, two_core_whole_disks_and_exact_rates)
{
    cr_assert_eq(collector_disk.version, COLLECTOR_OPS_VERSION);
    cr_assert_str_eq(collector_disk.name, "disk");
    cr_assert_eq(collect_step("two_core/t0", 1 * SEC), 0, "%s", err);
    cr_assert(sample->disk.valid);
    cr_assert_not(sample->disk.rate_valid, "the first cycle has no rate");
    expect_names((const char *const[]){"sda", "nvme0n1"}, 2);
    cr_assert_not(sample->disk.devices[0].rate_valid);

    cr_assert_eq(collect_step("two_core/t1", 3 * SEC), 0, "%s", err);
    cr_assert(sample->disk.rate_valid);
    expect_names((const char *const[]){"sda", "nvme0n1"}, 2);
    expect_rates("sda", 1.0, 2.0);
    expect_rates("nvme0n1", 5.0, 0.0);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 6.0, 1e-9);
    cr_assert_float_eq(sample->disk.write_rate_mbps, 2.0, 1e-9);
    cr_assert_eq(device("sda")->read_bytes, 1004096 * SECTOR);
    cr_assert_eq(device("sda")->write_bytes, 2008192 * SECTOR);
}

Test(collector_disk, zero_elapsed_keeps_last_rates)
{
    collect_step("two_core/t0", 1 * SEC);
    collect_step("two_core/t1", 3 * SEC);
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    expect_rates("sda", 1.0, 2.0);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 6.0, 1e-9);
    /* the base stayed at 3 s: one more second of the same counters is a rate of 0 */
    collect_step(NULL, 4 * SEC);
    expect_rates("sda", 0.0, 0.0);
}

Test(collector_disk, stacked_devices_are_reported_not_counted)
{
    collect_step("stacked_dm/t0", 1 * SEC);
    cr_assert_eq(collect_step("stacked_dm/t1", 3 * SEC), 0, "%s", err);
    expect_names((const char *const[]){"sda", "sdb", "sdc", "md0", "dm-0", "sr0"}, 6);
    expect_rates("sda", 0.5, 0.5);
    expect_rates("sdb", 1.0, 1.0);
    expect_rates("sdc", 0.0, 1.0);
    expect_rates("md0", 1.0, 1.0);
    expect_rates("dm-0", 0.5, 0.5);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 1.5, 1e-9);
    cr_assert_float_eq(sample->disk.write_rate_mbps, 2.5, 1e-9);
}

Test(collector_disk, hot_plugged_disk)
{
    collect_step("hotplug_disk/t0", 1 * SEC);
    expect_names((const char *const[]){"sda"}, 1);

    cr_assert_eq(collect_step("hotplug_disk/t1", 3 * SEC), 0, "%s", err);
    expect_names((const char *const[]){"sda", "sdb"}, 2);
    expect_rates("sda", 0.5, 0.0);
    cr_assert_not(device("sdb")->rate_valid, "a new disk has no rate on its first cycle");
    cr_assert_eq(device("sdb")->read_bytes, 500 * SECTOR);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 0.5, 1e-9);

    collect_step("hotplug_disk/t2", 5 * SEC);
    expect_rates("sdb", 2.0, 0.0);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 2.5, 1e-9);

    collect_step("hotplug_disk/t3", 7 * SEC);
    expect_names((const char *const[]){"sda"}, 1);
    expect_rates("sda", 0.5, 0.0);

    /* plugged in again: a new disk, whatever its counters say */
    collect_step("hotplug_disk/t2", 9 * SEC);
    cr_assert_not(device("sdb")->rate_valid);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 0.0, 1e-9, "sda went backwards: 0");
}

Test(collector_disk, counter_wrap_gives_zero_then_a_rate)
{
    collect_step("counter_wrap/t0", 1 * SEC);
    cr_assert_eq(collect_step("counter_wrap/t1", 3 * SEC), 0, "%s", err);
    expect_rates("sda", 0.0, 0.0);
    cr_assert_eq(device("sda")->read_bytes, 200 * SECTOR);
    collect_step("counter_wrap/t2", 5 * SEC);
    expect_rates("sda", 1.0, 0.0);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 1.0, 1e-9);
}

Test(collector_disk, without_sysfs_the_name_rule_decides)
{
    collect_step("no_sysfs", 1 * SEC);
    cr_assert(sample->disk.valid);
    expect_names(
        (const char *const[]){"sda", "sdaa", "xvda", "vda", "nvme0n1", "mmcblk0", "dm-0", "md127"},
        8);
    /* stacked by name: dm-0 and md127 are left out of the totals */
    host_fixture_write(dir, "proc/diskstats",
                       "8 0 sda 0 0 2148 0 0 0 200 0 0 0 0\n"
                       "253 1 dm-0 0 0 4105 0 0 0 9 0 0 0 0\n"
                       "9 0 md127 0 0 4105 0 0 0 9 0 0 0 0\n");
    collect_step(NULL, 3 * SEC);
    expect_rates("dm-0", 1.0, 0.0);
    cr_assert_float_eq(sample->disk.read_rate_mbps, 0.5, 1e-9);
}

Test(collector_disk, sysfs_names_with_a_slash)
{
    host_fixture_write(dir, "proc/diskstats",
                       "104 0 cciss/c0d0 1 0 8 0 1 0 8 0 0 0 0\n"
                       "104 1 cciss/c0d0p1 1 0 8 0 1 0 8 0 0 0 0\n");
    host_fixture_write(dir, "sys/block/cciss!c0d0/dev", "104:0\n");
    host_fixture_write(dir, "sys/block/cciss!c0d0/cciss!c0d0p1/dev", "104:1\n");
    cr_assert_eq(collect_step(NULL, 1 * SEC), 0, "%s", err);
    expect_names((const char *const[]){"cciss/c0d0"}, 1);
}

Test(collector_disk, names_cannot_leave_sysfs)
{
    host_fixture_write(dir, "proc/diskstats", "8 0 .. 1 0 8 0 1 0 8 0 0 0 0\n");
    host_fixture_write(dir, "sys/block/sda/dev", "8:0\n");
    collect_step(NULL, 1 * SEC);
    cr_assert_eq(sample->disk.n_devices, 0);
}

Test(collector_disk, more_disks_than_the_table)
{
    char text[32768];
    size_t off = 0;
    for (int i = 0; i < HOST_MAX_DISKS + 36; i++)
        off += (size_t)snprintf(text + off, sizeof text - off, "252 %d vd%c%c 1 0 8 0 1 0 8\n", i,
                                'a' + i / 26, 'a' + i % 26);
    host_fixture_write(dir, "proc/diskstats", text);
    cr_assert_eq(collect_step(NULL, 1 * SEC), 0, "%s", err);
    cr_assert_eq(sample->disk.n_devices, HOST_MAX_DISKS);
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0, "%s", err);
    cr_assert_eq(sample->disk.n_devices, HOST_MAX_DISKS);
    cr_assert(sample->disk.devices[HOST_MAX_DISKS - 1].rate_valid);
}

Test(collector_disk, missing_file_fails_then_recovers)
{
    host_fixture_stage(dir, "missing_file");
    cr_assert_eq(collect_step(NULL, 1 * SEC), vigil_errno(ENOENT));
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot open '%s/diskstats': No such file or directory", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample->disk.valid);
    cr_assert_eq(sample->disk.n_devices, 0);
    collect_step("two_core/t0", 3 * SEC);
    cr_assert(sample->disk.valid);
    collect_step("two_core/t1", 5 * SEC);
    expect_rates("sda", 1.0, 2.0);
}

Test(collector_disk, truncated_line)
{
    cr_assert_eq(collect_step("truncated_line", 1 * SEC), 0, "%s", err);
    expect_names((const char *const[]){"sda"}, 1);
}

Test(collector_disk, create_survives_every_allocation_failure)
{
    for (long n = 0; n < 16; n++) {
        fault_fail_alloc_after(n);
        void *s = collector_disk.create(&env);
        fault_fail_alloc_after(-1);
        if (s) {
            collector_disk.destroy(s);
            return;
        }
    }
    cr_assert_fail("create never succeeded");
}

Test(collector_disk, this_machine)
{
    struct collector_env real = {"/proc", "/sys"};
    disk = collector_disk.create(&real);
    cr_assert(disk);
    cr_assert_eq(collector_disk.collect(disk, 1 * SEC, sample, err, sizeof err), 0, "%s", err);
    cr_assert(sample->disk.valid);
    cr_assert_eq(collector_disk.collect(disk, 2 * SEC, sample, err, sizeof err), 0, "%s", err);
    cr_assert(sample->disk.rate_valid);
    for (unsigned i = 0; i < sample->disk.n_devices; i++) {
        const struct disk_device *d = &sample->disk.devices[i];
        cr_assert_neq(strncmp(d->name, "loop", 4), 0, "%s must be left out", d->name);
        cr_assert_neq(strncmp(d->name, "ram", 3), 0);
        cr_assert_neq(strncmp(d->name, "zram", 4), 0);
        cr_assert(d->rate_valid);
        cr_assert_geq(d->read_rate_mbps, 0);
        cr_assert_geq(d->write_rate_mbps, 0);
    }
    cr_assert_geq(sample->disk.read_rate_mbps, 0);
}
