/* test_proc_net_dev: the /proc/net/dev parser and the network collector: loopback left
 * out, exact rates from injected times, wraps, resets, 64-bit counters near their top,
 * interfaces that come and go, and this machine's /proc. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collector.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_net_dev.h"
#include "support/host_fixture.h"

#define SEC 1000000000LL
#define HEAD                                                                                       \
    "Inter-|   Receive                                                |  Transmit\n"               \
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "     \
    "drop fifo colls carrier compressed\n"

static unsigned parse_all(const char *s, struct proc_net_dev_iface *out, unsigned max,
                          unsigned *bad)
{
    char *copy = host_fixture_exact(s, strlen(s));
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface i;
    unsigned n = 0;
    proc_net_dev_begin(&it, copy, strlen(s));
    while (proc_net_dev_next(&it, &i))
        if (n < max)
            out[n++] = i;
    free(copy);
    *bad = it.n_bad;
    return n;
}

Test(proc_net_dev_parse, two_core_fixture)
{
    size_t len;
    char *data = host_fixture_load("two_core/t1/proc/net/dev", &len);
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface i;
    const char *names[] = {"lo", "eth0", "wlan0"};
    unsigned n = 0;
    proc_net_dev_begin(&it, data, len);
    while (proc_net_dev_next(&it, &i)) {
        cr_assert_lt(n, 3);
        cr_assert_str_eq(i.name, names[n]);
        if (n == 1) {
            cr_assert_eq(i.rx_bytes, 41487259 + 2097152);
            cr_assert_eq(i.tx_bytes, 4752300 + 1048576);
            cr_assert_eq(i.rx_packets, 43584);
            cr_assert_eq(i.tx_packets, 5800);
        }
        n++;
    }
    free(data);
    cr_assert_eq(n, 3);
    cr_assert_eq(it.n_bad, 0);
}

Test(proc_net_dev_parse, old_kernels_put_no_space_after_the_colon)
{
    size_t len;
    char *data = host_fixture_load("old_kernel/proc/net/dev", &len);
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface i;
    proc_net_dev_begin(&it, data, len);
    cr_assert(proc_net_dev_next(&it, &i));
    cr_assert_str_eq(i.name, "lo");
    cr_assert(proc_net_dev_next(&it, &i));
    cr_assert_str_eq(i.name, "eth0");
    cr_assert_eq(i.rx_bytes, 98765432);
    cr_assert_eq(i.tx_bytes, 12345678);
    cr_assert_not(proc_net_dev_next(&it, &i));
    free(data);
}

Test(proc_net_dev_parse, malformed_lines_are_skipped_and_counted)
{
    struct proc_net_dev_iface i[4];
    unsigned bad;
    unsigned n = parse_all(HEAD "eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n"       /* 15 */
                                "eth1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n" /* 17 */
                                "eth2 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"     /* no colon */
                                "    : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"    /* no name */
                                "eth3: 1 2 3 4 5 6 7 8 x 10 11 12 13 14 15 16\n"
                                "eth4: 18446744073709551616 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                                "averyveryverylonginterfacename0123: 1 2 3 4 5 6 7 8 9 10 11 12 "
                                "13 14 15 16\n"
                                "\n"
                                "  ok0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
                           i, 4, &bad);
    cr_assert_eq(n, 1);
    cr_assert_eq(bad, 7);
    cr_assert_str_eq(i[0].name, "ok0");
    cr_assert_eq(i[0].rx_bytes, 1);
    cr_assert_eq(i[0].rx_packets, 2);
    cr_assert_eq(i[0].tx_bytes, 9);
    cr_assert_eq(i[0].tx_packets, 10);
}

Test(proc_net_dev_parse, headers_are_skipped_by_position)
{
    struct proc_net_dev_iface i[2];
    unsigned bad;
    cr_assert_eq(parse_all(HEAD, i, 2, &bad), 0);
    cr_assert_eq(parse_all("Inter-|\n", i, 2, &bad), 0);
    cr_assert_eq(parse_all("", i, 2, &bad), 0);
    /* without headers, the first two lines are still taken as headers */
    cr_assert_eq(parse_all("a: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                           "b: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n"
                           "c: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
                           i, 2, &bad),
                 1);
    cr_assert_str_eq(i[0].name, "c");
}

Test(proc_net_dev_parse, truncated_last_line_is_skipped)
{
    size_t len;
    char *data = host_fixture_load("truncated_line/proc/net/dev", &len);
    struct proc_net_dev_iter it;
    struct proc_net_dev_iface i;
    proc_net_dev_begin(&it, data, len);
    cr_assert(proc_net_dev_next(&it, &i));
    cr_assert_str_eq(i.name, "eth0");
    cr_assert_not(proc_net_dev_next(&it, &i));
    free(data);
}

/* --- the collector ------------------------------------------------------------------ */

static char dir[HOST_FIXTURE_PATH], procfs[HOST_FIXTURE_PATH], sysfs[HOST_FIXTURE_PATH];
static struct collector_env env;
static struct host_sample *sample;
static void *net;
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
    if (net)
        collector_network.destroy(net);
    net = NULL;
    free(sample);
    host_fixture_rmtree(dir);
}

TestSuite(collector_network, .init = col_setup, .fini = col_teardown);

static int collect_step(const char *step, int64_t mono_ns)
{
    if (step)
        host_fixture_stage(dir, step);
    if (!net)
        net = collector_network.create(&env);
    cr_assert(net);
    return collector_network.collect(net, mono_ns, sample, err, sizeof err);
}

static const struct net_iface *iface(const char *name)
{
    for (unsigned i = 0; i < sample->net.n_ifaces; i++)
        if (strcmp(sample->net.ifaces[i].name, name) == 0)
            return &sample->net.ifaces[i];
    return NULL;
}

static void expect_rates(const char *name, double up, double down)
{
    const struct net_iface *i = iface(name);
    cr_assert(i, "no interface %s", name);
    cr_assert(i->rate_valid, "%s has no rate", name);
    cr_assert_float_eq(i->upload_rate_mbps, up, 1e-9, "%s up %f", name, i->upload_rate_mbps);
    cr_assert_float_eq(i->download_rate_mbps, down, 1e-9, "%s down %f", name,
                       i->download_rate_mbps);
}

Test(collector_network, two_core_exact_rates_without_loopback)
{
    cr_assert_eq(collector_network.version, COLLECTOR_OPS_VERSION);
    cr_assert_str_eq(collector_network.name, "network");
    cr_assert_eq(collect_step("two_core/t0", 1 * SEC), 0, "%s", err);
    cr_assert(sample->net.valid);
    cr_assert_not(sample->net.rate_valid);
    cr_assert_eq(sample->net.n_ifaces, 2);
    cr_assert_null(iface("lo"));
    cr_assert_not(iface("eth0")->rate_valid);

    cr_assert_eq(collect_step("two_core/t1", 3 * SEC), 0, "%s", err);
    cr_assert(sample->net.rate_valid);
    cr_assert_eq(sample->net.n_ifaces, 2);
    cr_assert_str_eq(sample->net.ifaces[0].name, "eth0");
    cr_assert_str_eq(sample->net.ifaces[1].name, "wlan0");
    expect_rates("eth0", 0.5, 1.0);
    expect_rates("wlan0", 0.0, 0.25);
    cr_assert_float_eq(sample->net.upload_rate_mbps, 0.5, 1e-9);
    cr_assert_float_eq(sample->net.download_rate_mbps, 1.25, 1e-9);
    cr_assert_eq(iface("eth0")->rx_bytes, 41487259 + 2097152);
    cr_assert_eq(iface("eth0")->tx_bytes, 4752300 + 1048576);
}

Test(collector_network, zero_elapsed_keeps_last_rates)
{
    collect_step("two_core/t0", 1 * SEC);
    collect_step("two_core/t1", 3 * SEC);
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    expect_rates("eth0", 0.5, 1.0);
    cr_assert_float_eq(sample->net.download_rate_mbps, 1.25, 1e-9);
}

Test(collector_network, counter_wrap_gives_zero_then_a_rate)
{
    collect_step("counter_wrap/t0", 1 * SEC);
    collect_step("counter_wrap/t1", 3 * SEC);
    expect_rates("eth0", 0.0, 0.0);
    collect_step("counter_wrap/t2", 5 * SEC);
    expect_rates("eth0", 0.0, 1.0);
}

Test(collector_network, counter_reset_gives_zero_then_a_rate)
{
    collect_step("counter_reset/t0", 1 * SEC);
    collect_step("counter_reset/t1", 3 * SEC);
    expect_rates("eth0", 0.0, 0.0);
    cr_assert_float_eq(sample->net.download_rate_mbps, 0.0, 1e-9);
    collect_step("counter_reset/t2", 5 * SEC);
    expect_rates("eth0", 0.5, 2.0);
}

Test(collector_network, huge_counters)
{
    collect_step("huge_counters/t0", 1 * SEC);
    cr_assert_eq(collect_step("huge_counters/t1", 3 * SEC), 0, "%s", err);
    cr_assert_eq(sample->net.n_ifaces, 1, "ib0's counter does not fit in 64 bits");
    expect_rates("eth0", 1.0, 2.0);
    cr_assert_eq(iface("eth0")->rx_bytes, UINT64_MAX - 6 * 1048576);
}

Test(collector_network, interfaces_come_and_go)
{
    host_fixture_write(dir, "proc/net/dev", HEAD "  eth0: 1000 0 0 0 0 0 0 0 1000 0 0 0 0 0 0 0\n");
    collect_step(NULL, 1 * SEC);
    host_fixture_write(dir, "proc/net/dev",
                       HEAD "  eth0: 2049576 0 0 0 0 0 0 0 1000 0 0 0 0 0 0 0\n"
                            " veth1: 9000000 0 0 0 0 0 0 0 9000000 0 0 0 0 0 0 0\n");
    collect_step(NULL, 3 * SEC);
    expect_rates("eth0", 0.0, 2048576.0 / 2 / 1048576);
    cr_assert_not(iface("veth1")->rate_valid, "a new interface has no rate yet");
    cr_assert_float_eq(sample->net.download_rate_mbps, 2048576.0 / 2 / 1048576, 1e-9);
    host_fixture_write(dir, "proc/net/dev",
                       HEAD " veth1: 11097152 0 0 0 0 0 0 0 9000000 0 0 0 0 0 0 0\n");
    collect_step(NULL, 5 * SEC);
    cr_assert_eq(sample->net.n_ifaces, 1);
    expect_rates("veth1", 0.0, 1.0);
    /* eth0 back, with its old counters: a new interface to us */
    host_fixture_write(dir, "proc/net/dev",
                       HEAD "  eth0: 2049576 0 0 0 0 0 0 0 1000 0 0 0 0 0 0 0\n"
                            " veth1: 11097152 0 0 0 0 0 0 0 9000000 0 0 0 0 0 0 0\n");
    collect_step(NULL, 7 * SEC);
    cr_assert_not(iface("eth0")->rate_valid);
}

Test(collector_network, more_interfaces_than_the_table)
{
    char text[65536] = HEAD;
    size_t off = strlen(text);
    for (int i = 0; i < HOST_MAX_IFACES + 36; i++)
        off += (size_t)snprintf(text + off, sizeof text - off,
                                "veth%d: %d 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", i, i);
    host_fixture_write(dir, "proc/net/dev", text);
    cr_assert_eq(collect_step(NULL, 1 * SEC), 0);
    cr_assert_eq(sample->net.n_ifaces, HOST_MAX_IFACES);
    cr_assert_eq(collect_step(NULL, 3 * SEC), 0);
    cr_assert_eq(sample->net.n_ifaces, HOST_MAX_IFACES);
    char last[HOST_NAME_LEN];
    snprintf(last, sizeof last, "veth%d", HOST_MAX_IFACES - 1);
    cr_assert_str_eq(sample->net.ifaces[HOST_MAX_IFACES - 1].name, last);
    cr_assert(sample->net.ifaces[HOST_MAX_IFACES - 1].rate_valid);
}

Test(collector_network, missing_file_fails_then_recovers)
{
    host_fixture_stage(dir, "missing_file");
    cr_assert_eq(collect_step(NULL, 1 * SEC), vigil_errno(ENOENT));
    char want[HOST_FIXTURE_PATH + 64];
    snprintf(want, sizeof want, "cannot open '%s/net/dev': No such file or directory", procfs);
    cr_assert_str_eq(err, want);
    cr_assert_not(sample->net.valid);
    collect_step("two_core/t0", 3 * SEC);
    cr_assert(sample->net.valid);
    collect_step("two_core/t1", 5 * SEC);
    expect_rates("eth0", 0.5, 1.0);
}

Test(collector_network, create_survives_every_allocation_failure)
{
    for (long n = 0; n < 16; n++) {
        fault_fail_alloc_after(n);
        void *s = collector_network.create(&env);
        fault_fail_alloc_after(-1);
        if (s) {
            collector_network.destroy(s);
            return;
        }
    }
    cr_assert_fail("create never succeeded");
}

Test(collector_network, this_machine)
{
    struct collector_env real = {"/proc", "/sys"};
    net = collector_network.create(&real);
    cr_assert(net);
    cr_assert_eq(collector_network.collect(net, 1 * SEC, sample, err, sizeof err), 0, "%s", err);
    cr_assert_eq(collector_network.collect(net, 2 * SEC, sample, err, sizeof err), 0, "%s", err);
    cr_assert(sample->net.valid && sample->net.rate_valid);
    cr_assert_null(iface("lo"));
    for (unsigned i = 0; i < sample->net.n_ifaces; i++) {
        cr_assert(sample->net.ifaces[i].rate_valid);
        cr_assert_geq(sample->net.ifaces[i].upload_rate_mbps, 0);
        cr_assert_geq(sample->net.ifaces[i].download_rate_mbps, 0);
    }
}
