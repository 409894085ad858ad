/* prom and host_encode: exposition lines, label escaping, and a host sample's documents. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "encode/host_encode.h"
#include "encode/prom.h"

Test(prom, families_samples_and_escapes)
{
    struct buf b;
    buf_init(&b, 4096);
    cr_assert_eq(prom_family(&b, "m", "gauge", "a \\ help\nline"), 0);
    const char *labels[] = {"device", "we\"ird\\name\n", "k", "v", NULL};
    cr_assert_eq(prom_sample(&b, "m", labels, 0.5), 0);
    cr_assert_eq(prom_sample(&b, "m", NULL, NAN), 0);
    cr_assert_eq(prom_sample(&b, "m", NULL, -INFINITY), 0);
    cr_assert_eq(prom_sample_u64(&b, "m", NULL, 18446744073709551615ull), 0);
    cr_assert_str_eq(b.data, "# HELP m a \\\\ help\\nline\n# TYPE m gauge\n"
                             "m{device=\"we\\\"ird\\\\name\\n\",k=\"v\"} 0.5\n"
                             "m NaN\nm -Inf\nm 18446744073709551615\n");
    buf_release(&b);
}

static void sample(struct host_sample *h)
{
    memset(h, 0, sizeof *h);
    h->cpu.valid = true;
    h->cpu.n_cores = 2;
    h->cpu.overall_utilization = 50;
    h->cpu.per_core_utilization[0] = 25;
    h->cpu.per_core_utilization[1] = NAN;
    h->mem.valid = true;
    h->mem.ram_total = 1000;
    h->mem.ram_used = 400;
    h->disk.valid = true;
    h->disk.rate_valid = true;
    h->disk.n_devices = 1;
    snprintf(h->disk.devices[0].name, HOST_NAME_LEN, "sda");
    h->disk.devices[0].rate_valid = true;
    h->disk.devices[0].read_rate_mbps = 2;
    h->disk.devices[0].read_bytes = 4096;
    h->net.valid = true; /* first cycle: no rates yet */
    h->net.n_ifaces = 1;
    snprintf(h->net.ifaces[0].name, HOST_NAME_LEN, "eth0");
}

Test(host_encode, json_parts_use_the_seed_names_and_nulls)
{
    struct host_sample h;
    sample(&h);
    struct buf b;
    buf_init(&b, 4096);
    struct jsonw w;
    jw_init(&w, &b);
    host_encode_cpu(&h, &w);
    cr_assert_str_eq(b.data, "{\"overall_utilization\":50,\"per_core_utilization\":[25,null],"
                             "\"cores\":2}");
    buf_reset(&b);
    jw_init(&w, &b);
    host_encode_network(&h, &w);
    cr_assert(strstr(b.data, "\"upload_rate_mbps\":null"), "%s", b.data);
    cr_assert(strstr(b.data, "\"name\":\"eth0\""));
    buf_reset(&b);
    jw_init(&w, &b);
    host_encode_load(&h, &w);
    cr_assert_str_eq(b.data, "{\"load1\":null,\"load5\":null,\"load15\":null,"
                             "\"procs_running\":null,\"procs_total\":null}");
    buf_release(&b);
}

Test(host_encode, prometheus_in_base_units)
{
    struct host_sample h;
    sample(&h);
    struct buf b;
    buf_init(&b, 1 << 16);
    cr_assert_eq(host_encode_prom(&h, &b), 0);
    cr_assert(strstr(b.data, "\nvigil_cpu_utilization_ratio 0.5\n"));
    cr_assert(strstr(b.data, "vigil_cpu_core_utilization_ratio{cpu=\"0\"} 0.25\n"));
    cr_assert_null(strstr(b.data, "cpu=\"1\""), "an offline core has no sample");
    cr_assert(strstr(b.data, "vigil_disk_read_bytes_total{device=\"sda\"} 4096\n"));
    cr_assert(strstr(b.data, "vigil_disk_read_bytes_per_second{device=\"sda\"} 2097152\n"));
    cr_assert(strstr(b.data, "# TYPE vigil_network_receive_bytes_total counter"));
    cr_assert_null(strstr(b.data, "vigil_network_receive_bytes_per_second{"),
                   "no rate before the second reading");
    cr_assert_null(strstr(b.data, "vigil_load1"), "an invalid part is left out");
    buf_release(&b);
}

/* Whole numbers skip printf; what they print must not change. */
Test(prom, numbers_print_as_printf_would)
{
    const double v[] = {0,
                        -0.0,
                        1,
                        -1,
                        42,
                        1e16,
                        99999999999999984.0,
                        1e17,
                        -1e17,
                        123456789,
                        1.5,
                        -2.5,
                        1e-9,
                        4294967296.0,
                        3e20,
                        1e300,
                        -7e16,
                        0.30000000000000004};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct buf b;
        buf_init(&b, 256);
        cr_assert_eq(prom_sample(&b, "m", NULL, v[i]), 0);
        char want[64];
        snprintf(want, sizeof want, "m %.17g\n", v[i]);
        cr_assert_str_eq(b.data, want, "%.17g", v[i]);
        buf_release(&b);
    }
    const uint64_t u[] = {0, 9, 10, 18446744073709551615ull, 1000000000000ull};
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        struct buf b;
        buf_init(&b, 256);
        cr_assert_eq(prom_sample_u64(&b, "m", NULL, u[i]), 0);
        char want[64];
        snprintf(want, sizeof want, "m %llu\n", (unsigned long long)u[i]);
        cr_assert_str_eq(b.data, want);
        buf_release(&b);
    }
}
