/* test_gpu: the collector that composes the backends (NVIDIA and AMD on one host), and the
 * names and throttle words it gives. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/gpu.h"
#include "core/err.h"

Test(gpu_throttle, words_in_bit_order)
{
    const char *w[GPU_THROTTLE_WORDS_MAX];
    cr_assert_eq(gpu_throttle_words(0, w, GPU_THROTTLE_WORDS_MAX), 0);
    unsigned n = gpu_throttle_words(GPU_THROTTLE_HW_SLOWDOWN | GPU_THROTTLE_GPU_IDLE, w,
                                    GPU_THROTTLE_WORDS_MAX);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(w[0], "gpu_idle");
    cr_assert_str_eq(w[1], "hw_slowdown");
}

Test(gpu_throttle, every_known_bit_and_unknown_ones)
{
    const char *w[GPU_THROTTLE_WORDS_MAX];
    unsigned n = gpu_throttle_words(~0ULL, w, GPU_THROTTLE_WORDS_MAX);
    cr_assert_eq(n, GPU_THROTTLE_WORDS_MAX);
    cr_assert_str_eq(w[2], "sw_power_cap");
    cr_assert_str_eq(w[7], "hw_power_brake_slowdown");
    cr_assert_str_eq(w[8], "display_clock_setting");
    cr_assert_str_eq(w[9], "unknown");
    cr_assert_eq(gpu_throttle_words(1ULL << 40, w, GPU_THROTTLE_WORDS_MAX), 1);
    cr_assert_str_eq(w[0], "unknown");
    cr_assert_eq(gpu_throttle_words(~0ULL, w, 3), 3, "never more than asked for");
}

Test(gpu_throttle, format_joins_and_truncates)
{
    char out[64];
    size_t need = gpu_throttle_format(GPU_THROTTLE_SW_POWER_CAP | GPU_THROTTLE_SW_THERMAL_SLOWDOWN,
                                      ", ", out, sizeof out);
    cr_assert_str_eq(out, "sw_power_cap, sw_thermal_slowdown");
    cr_assert_eq(need, strlen(out));
    cr_assert_eq(gpu_throttle_format(0, ",", out, sizeof out), 0);
    cr_assert_str_eq(out, "");
    char small[8];
    need = gpu_throttle_format(GPU_THROTTLE_SW_POWER_CAP, ",", small, sizeof small);
    cr_assert_eq(need, strlen("sw_power_cap"));
    cr_assert_str_eq(small, "sw_powe");
    cr_assert_eq(gpu_throttle_format(GPU_THROTTLE_SW_POWER_CAP, ",", NULL, 0), 12);
}

Test(gpu_names, states_and_vendors)
{
    cr_assert_str_eq(gpu_state_name(GPU_STATE_STARTING), "starting");
    cr_assert_str_eq(gpu_state_name(GPU_STATE_OK), "ok");
    cr_assert_str_eq(gpu_state_name(GPU_STATE_DEGRADED), "degraded");
    cr_assert_str_eq(gpu_state_name(GPU_STATE_UNAVAILABLE), "unavailable");
    cr_assert_str_eq(gpu_vendor_name(GPU_VENDOR_NVIDIA), "nvidia");
    cr_assert_str_eq(gpu_vendor_name(GPU_VENDOR_AMD), "amd");
    cr_assert_str_eq(gpu_vendor_name(GPU_VENDOR_UNKNOWN), "unknown");
}

Test(gpu_collector, nvidia_and_amd_on_one_host)
{
    const char *f = getenv("VIGIL_FAKES");
    const char *x = getenv("VIGIL_FIXTURES");
    char lib[1024], procfs[1024], sysfs[1024], scen[] = "/tmp/vigil-gpu-XXXXXX";
    snprintf(lib, sizeof lib, "%s/libnvidia-ml.so.1", f && *f ? f : "build/fakes");
    x = x && *x ? x : "tests/fixtures";
    snprintf(procfs, sizeof procfs, "%s/gpu/amd/proc", x);
    snprintf(sysfs, sizeof sysfs, "%s/gpu/amd/sys", x);
    int fd = mkstemp(scen);
    cr_assert(fd >= 0);
    const char *text = "count=2\ngpu0.util=10\ngpu1.util=20\n";
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("FAKE_NVML_SCENARIO", scen, 1);

    struct collector_env env = {.procfs = procfs, .sysfs = sysfs};
    struct gpu_collector *c = gpu_collector_new(&env, lib);
    cr_assert(c);
    struct gpu_sample *s = calloc(1, sizeof *s);
    cr_assert(s);
    cr_assert_eq(gpu_collector_collect(c, s), 0);
    cr_assert(s->available);
    cr_assert_str_eq(s->backends, "nvml+amdgpu");
    cr_assert_eq(s->n_devices, 4);
    for (unsigned i = 0; i < 4; i++)
        cr_assert_eq(s->devices[i].index, i);
    cr_assert_eq(s->devices[0].vendor, GPU_VENDOR_NVIDIA);
    cr_assert_eq(s->devices[1].utilization, 20);
    cr_assert_eq(s->devices[2].vendor, GPU_VENDOR_AMD);
    cr_assert_eq(s->devices[2].utilization, 87);
    cr_assert(s->ts_ms > 0 && s->mono_ns > 0);
    free(s);
    gpu_collector_free(c);
    unlink(scen);
}
