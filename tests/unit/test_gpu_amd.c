/* test_gpu_amd: the amdgpu sysfs backend on the fixture tree gpu/amd (two AMD cards, an
 * Intel one, connectors and a render node to skip) with its /proc of DRM clients; and on
 * scratch trees for what a fixture cannot hold. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/gpu.h"
#include "core/err.h"
#include "core/fault.h"

static char procfs[1024], sysfs[1024];
static struct collector_env env;
static struct gpu_sample *S;

static void setup(void)
{
    const char *x = getenv("VIGIL_FIXTURES");
    x = x && *x ? x : "tests/fixtures";
    snprintf(procfs, sizeof procfs, "%s/gpu/amd/proc", x);
    snprintf(sysfs, sizeof sysfs, "%s/gpu/amd/sys", x);
    env.procfs = procfs;
    env.sysfs = sysfs;
    S = calloc(1, sizeof *S);
    cr_assert(S);
}

static void teardown(void)
{
    free(S);
}

TestSuite(gpu_amd, .init = setup, .fini = teardown);

/* NVML is kept out of these tests by naming a library that does not exist. */
#define NO_NVML "/nonexistent/libnvidia-ml.so.1"

static void collect(void)
{
    struct gpu_collector *c = gpu_collector_new(&env, NO_NVML);
    cr_assert(c);
    cr_assert_eq(gpu_collector_collect(c, S), 0);
    gpu_collector_free(c);
}

#define HAS(d, f) gpu_device_has(d, f)

Test(gpu_amd, finds_the_amd_cards_only)
{
    collect();
    cr_assert(S->available);
    cr_assert_eq(S->state, GPU_STATE_OK);
    cr_assert_str_eq(S->backends, "amdgpu");
    cr_assert_eq(S->n_devices, 2, "card0 and card2; card1 is Intel");
    cr_assert_eq(S->devices[0].index, 0);
    cr_assert_eq(S->devices[1].index, 1, "numbered in the sample, not by card");
    cr_assert_eq(S->devices[0].vendor, GPU_VENDOR_AMD);
    cr_assert_str_eq(gpu_vendor_name(S->devices[0].vendor), "amd");
}

Test(gpu_amd, discrete_card_with_every_file)
{
    collect();
    const struct gpu_device *d = &S->devices[0];
    cr_assert_str_eq(d->name, "AMD Radeon RX 7900 XTX");
    cr_assert_str_eq(d->uuid, "5d2c0c0a1b2c3d4e");
    cr_assert_str_eq(d->pci_bus_id, "0000:03:00.0");
    cr_assert_eq(d->utilization, 87);
    cr_assert_eq(d->memory_utilization, 34);
    cr_assert_eq(d->memory_used, 17179869184ULL);
    cr_assert_eq(d->memory_total, 25753026560ULL);
    cr_assert_float_eq(d->temperature, 61.0, 1e-9);
    cr_assert_float_eq(d->power_draw, 245.0, 1e-9);
    cr_assert_float_eq(d->power_limit, 355.0, 1e-9);
    cr_assert_eq(d->fan, 40); /* pwm 102 of 255 */
    cr_assert_eq(d->clock_graphics, 1800);
    cr_assert_eq(d->clock_memory, 1250);
    cr_assert_not(HAS(d, GPU_F_THROTTLE), "amdgpu reports no throttle reasons");
    cr_assert_str_eq(d->error, "");
    uint32_t want = GPU_F_NAME | GPU_F_UUID | GPU_F_PCI_BUS_ID | GPU_F_UTILIZATION |
                    GPU_F_MEMORY_UTILIZATION | GPU_F_MEMORY_USED | GPU_F_MEMORY_TOTAL |
                    GPU_F_TEMPERATURE | GPU_F_POWER_DRAW | GPU_F_POWER_LIMIT |
                    GPU_F_CLOCK_GRAPHICS | GPU_F_CLOCK_MEMORY | GPU_F_FAN | GPU_F_PROCESSES;
    cr_assert_eq(d->valid, want, "valid %#x", d->valid);
}

Test(gpu_amd, apu_with_few_files)
{
    collect();
    const struct gpu_device *d = &S->devices[1];
    cr_assert_str_eq(d->name, "AMD GPU [1002:15bf]");
    cr_assert_not(HAS(d, GPU_F_UUID));
    cr_assert_str_eq(d->pci_bus_id, "0000:c4:00.0");
    cr_assert_eq(d->utilization, 3);
    cr_assert_eq(d->memory_total, 536870912ULL);
    cr_assert_float_eq(d->temperature, 45.5, 1e-9);
    cr_assert_float_eq(d->power_draw, 15.0, 1e-9); /* power1_input, newer kernels */
    cr_assert_not(HAS(d, GPU_F_POWER_LIMIT));
    cr_assert_not(HAS(d, GPU_F_FAN));
    cr_assert_not(HAS(d, GPU_F_CLOCK_GRAPHICS));
    cr_assert_not(HAS(d, GPU_F_CLOCK_MEMORY));
    cr_assert_not(HAS(d, GPU_F_MEMORY_UTILIZATION));
    cr_assert_eq(d->fan, 0);
}

Test(gpu_amd, processes_from_fdinfo)
{
    collect();
    const struct gpu_device *d = &S->devices[0];
    cr_assert(HAS(d, GPU_F_PROCESSES));
    cr_assert_eq(d->n_procs, 2);
    /* fds 5 and 6 of 8000 are one DRM client: its memory counts once. */
    cr_assert_eq(d->procs[0].pid, 8000);
    cr_assert_eq(d->procs[0].memory_used, 8ULL << 30);
    cr_assert(d->procs[0].memory_valid);
    cr_assert_str_eq(d->procs[0].comm, "llama-server");
    cr_assert_str_eq(d->procs[0].model, "llama-3.1-8b-instruct-q8_0.gguf");
    cr_assert_eq(d->procs[1].pid, 8001);
    cr_assert_eq(d->procs[1].memory_used, 4ULL << 30);
    cr_assert_str_eq(d->procs[1].model, "Qwen/Qwen2.5-7B-Instruct");

    d = &S->devices[1];
    cr_assert_eq(d->n_procs, 1);
    cr_assert_eq(d->procs[0].pid, 8000);
    cr_assert_eq(d->procs[0].memory_used, 128ULL << 20, "drm-resident-vram in MiB");
}

Test(gpu_amd, unreadable_proc_leaves_processes_absent)
{
    env.procfs = "/nonexistent/proc";
    collect();
    cr_assert(S->available);
    cr_assert_not(HAS(&S->devices[0], GPU_F_PROCESSES));
    cr_assert(HAS(&S->devices[0], GPU_F_UTILIZATION));
}

Test(gpu_amd, no_amd_card)
{
    env.sysfs = "/nonexistent/sys";
    collect();
    cr_assert_not(S->available);
    cr_assert_eq(S->state, GPU_STATE_UNAVAILABLE);
    cr_assert(strstr(S->reason, "amdgpu: no AMD GPU under '/nonexistent/sys/class/drm'"), "%s",
              S->reason);
}

/* --- scratch trees ---------------------------------------------------------------------- */

static char scratch[64];

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, rel);
    for (char *p = path + strlen(scratch) + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    }
    if (!text) {
        cr_assert_eq(mkdir(path, 0755), 0);
        return;
    }
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write '%s'", path);
    fputs(text, f);
    fclose(f);
}

static void scratch_setup(void)
{
    setup();
    snprintf(scratch, sizeof scratch, "/tmp/vigil-amd-XXXXXX");
    cr_assert(mkdtemp(scratch));
    static char sys[128];
    snprintf(sys, sizeof sys, "%s/sys", scratch);
    env.sysfs = sys;
    env.procfs = "/nonexistent/proc";
}

static void scratch_teardown(void)
{
    teardown();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(gpu_amd_scratch, .init = scratch_setup, .fini = scratch_teardown);

Test(gpu_amd_scratch, a_figure_file_that_cannot_be_read_degrades)
{
    put("sys/class/drm/card0/device/vendor", "0x1002\n");
    put("sys/class/drm/card0/device/gpu_busy_percent", NULL); /* read() fails: EISDIR */
    put("sys/class/drm/card0/device/mem_info_vram_total", "1024\n");
    collect();
    cr_assert(S->available);
    const struct gpu_device *d = &S->devices[0];
    cr_assert_not(HAS(d, GPU_F_UTILIZATION));
    cr_assert(HAS(d, GPU_F_MEMORY_TOTAL));
    cr_assert(strstr(d->error, "cannot read gpu_busy_percent"), "%s", d->error);
    cr_assert_eq(S->state, GPU_STATE_DEGRADED);
    cr_assert(strstr(S->reason, "amdgpu card0: cannot read gpu_busy_percent"), "%s", S->reason);
}

Test(gpu_amd_scratch, odd_contents_are_absent_values)
{
    put("sys/class/drm/card3/device/vendor", "0x1002\n");
    put("sys/class/drm/card3/device/gpu_busy_percent", "busy\n");
    put("sys/class/drm/card3/device/mem_busy_percent", "250\n"); /* not a percentage */
    put("sys/class/drm/card3/device/mem_info_vram_used", "\n");
    put("sys/class/drm/card3/device/pp_dpm_sclk", "0: 500Mhz\n1: 800Mhz\n"); /* none marked */
    put("sys/class/drm/card3/device/pp_dpm_mclk", "0: *\n");
    put("sys/class/drm/card3/device/hwmon/hwmon0/pwm1", "128\n");
    put("sys/class/drm/card3/device/hwmon/hwmon0/pwm1_max", "0\n");
    put("sys/class/drm/card3/device/hwmon/hwmon0/temp1_input", "-5000\n");
    put("sys/class/drm/card3/device/uevent", "DRIVER=amdgpu\n");
    put("sys/class/drm/card3-HDMI-A-1/status", "disconnected\n");
    put("sys/class/drm/cardX/device/vendor", "0x1002\n");
    collect();
    cr_assert_eq(S->n_devices, 1);
    const struct gpu_device *d = &S->devices[0];
    cr_assert_eq(d->index, 0);
    cr_assert_str_eq(d->name, "AMD GPU");
    cr_assert_eq(d->valid, GPU_F_NAME, "valid %#x", d->valid);
}

Test(gpu_amd_scratch, sixteen_cards_at_most)
{
    char rel[128];
    for (int i = 0; i < GPU_MAX_DEVICES + 3; i++) {
        snprintf(rel, sizeof rel, "sys/class/drm/card%d/device/vendor", i);
        put(rel, "0x1002\n");
    }
    collect();
    cr_assert_eq(S->n_devices, GPU_MAX_DEVICES);
}
