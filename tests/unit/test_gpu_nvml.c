/* test_gpu_nvml: the NVIDIA backend through the real dlopen path, against the fake
 * libnvidia-ml built from tests/fakes (scenario files written here), with the process tree
 * of gpu/procs for the process names and models. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/gpu.h"
#include "core/err.h"
#include "core/fault.h"

static char fakes[1024], procfs[1024], sysfs[1024], scenario_path[64];
static struct collector_env env;
static struct gpu_sample *S; /* ~175 KiB: not on the stack */

static void setup(void)
{
    const char *f = getenv("VIGIL_FAKES");
    const char *x = getenv("VIGIL_FIXTURES");
    snprintf(fakes, sizeof fakes, "%s", f && *f ? f : "build/fakes");
    x = x && *x ? x : "tests/fixtures";
    snprintf(procfs, sizeof procfs, "%s/gpu/procs/proc", x);
    snprintf(sysfs, sizeof sysfs, "%s/gpu/procs/no-sys", x); /* no AMD card here */
    env.procfs = procfs;
    env.sysfs = sysfs;
    S = calloc(1, sizeof *S);
    cr_assert(S);
    scenario_path[0] = '\0';
}

static void teardown(void)
{
    free(S);
    if (scenario_path[0])
        unlink(scenario_path);
}

TestSuite(gpu_nvml, .init = setup, .fini = teardown);

static void scenario(const char *text)
{
    if (scenario_path[0])
        unlink(scenario_path);
    snprintf(scenario_path, sizeof scenario_path, "/tmp/vigil-nvml-XXXXXX");
    int fd = mkstemp(scenario_path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    setenv("FAKE_NVML_SCENARIO", scenario_path, 1);
}

static const char *lib(const char *variant)
{
    static char path[1200];
    snprintf(path, sizeof path, "%s/%s", fakes, variant);
    cr_assert(access(path, R_OK) == 0, "fake library '%s' not built", path);
    return path;
}

/* One collector, one collection, freed: the common case. */
static void collect_with(const char *library)
{
    struct gpu_collector *c = gpu_collector_new(&env, library);
    cr_assert(c);
    cr_assert_eq(gpu_collector_collect(c, S), 0);
    gpu_collector_free(c);
}

static const struct gpu_device *gpu(unsigned i)
{
    cr_assert_lt(i, S->n_devices);
    return &S->devices[i];
}

#define HAS(d, f) gpu_device_has(d, f)

static const char *THREE_GPUS = "driver=550.54.15\n"
                                "nvml=12.550.54.15\n"
                                "cuda=12040\n"
                                "count=3\n"
                                "gpu0.name=NVIDIA H100 80GB HBM3\n"
                                "gpu0.uuid=GPU-11111111-2222-3333-4444-555555555555\n"
                                "gpu0.bus=00000000:17:00.0\n"
                                "gpu0.util=87\n"
                                "gpu0.memutil=41\n"
                                "gpu0.mem_total=85520809984\n"
                                "gpu0.mem_used=71000000000\n"
                                "gpu0.mem_reserved=536870912\n"
                                "gpu0.temp=64\n"
                                "gpu0.power_mw=612345\n"
                                "gpu0.limit_mw=700000\n"
                                "gpu0.clock_gfx=1980\n"
                                "gpu0.clock_mem=2619\n"
                                "gpu0.fan=0\n"
                                "gpu0.throttle=0x4\n"
                                "gpu1.name=NVIDIA L40S\n"
                                "gpu1.util=3\n"
                                "gpu1.memutil=1\n"
                                "gpu1.mem_total=48305799168\n"
                                "gpu1.mem_used=1048576\n"
                                "gpu1.temp=31\n"
                                "gpu1.power_mw=35000\n"
                                "gpu1.limit_mw=350000\n"
                                "gpu1.clock_gfx=210\n"
                                "gpu1.clock_mem=405\n"
                                "gpu1.fan=30\n"
                                "gpu1.throttle=0x61\n"
                                "gpu2.util=100\n"
                                "gpu2.temp=90\n";

Test(gpu_nvml, several_gpus_with_their_own_values)
{
    scenario(THREE_GPUS);
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert(S->available);
    cr_assert_eq(S->state, GPU_STATE_OK);
    cr_assert_str_eq(S->reason, "");
    cr_assert_str_eq(S->backends, "nvml");
    cr_assert_str_eq(S->driver_version, "550.54.15");
    cr_assert_str_eq(S->nvml_version, "12.550.54.15");
    cr_assert_str_eq(S->cuda_version, "12.4");
    cr_assert_eq(S->n_devices, 3);

    const struct gpu_device *d = gpu(0);
    cr_assert_eq(d->index, 0);
    cr_assert_eq(d->vendor, GPU_VENDOR_NVIDIA);
    cr_assert_not(d->lost);
    cr_assert_str_eq(d->error, "");
    cr_assert_str_eq(d->name, "NVIDIA H100 80GB HBM3");
    cr_assert_str_eq(d->uuid, "GPU-11111111-2222-3333-4444-555555555555");
    cr_assert_str_eq(d->pci_bus_id, "00000000:17:00.0");
    cr_assert_eq(d->utilization, 87);
    cr_assert_eq(d->memory_utilization, 41);
    cr_assert_eq(d->memory_total, 85520809984ULL);
    /* Through nvmlDeviceGetMemoryInfo_v2 with the right version: the reserved part is not
     * counted as used (the fake rejects a wrong version, and v1 would add it). */
    cr_assert_eq(d->memory_used, 71000000000ULL);
    cr_assert_float_eq(d->temperature, 64.0, 1e-9);
    cr_assert_float_eq(d->power_draw, 612.345, 1e-9);
    cr_assert_float_eq(d->power_limit, 700.0, 1e-9);
    cr_assert_eq(d->clock_graphics, 1980);
    cr_assert_eq(d->clock_memory, 2619);
    cr_assert_eq(d->fan, 0);
    cr_assert(HAS(d, GPU_F_FAN), "a fan at 0%% is a reading, not an absence");
    cr_assert_eq(d->throttle_reasons, GPU_THROTTLE_SW_POWER_CAP);
    uint32_t all = GPU_F_NAME | GPU_F_UUID | GPU_F_PCI_BUS_ID | GPU_F_UTILIZATION |
                   GPU_F_MEMORY_UTILIZATION | GPU_F_MEMORY_USED | GPU_F_MEMORY_TOTAL |
                   GPU_F_TEMPERATURE | GPU_F_POWER_DRAW | GPU_F_POWER_LIMIT | GPU_F_CLOCK_GRAPHICS |
                   GPU_F_CLOCK_MEMORY | GPU_F_FAN | GPU_F_THROTTLE | GPU_F_PROCESSES;
    cr_assert_eq(d->valid, all, "valid %#x", d->valid);
    cr_assert_eq(d->n_procs, 0);

    d = gpu(1);
    cr_assert_eq(d->index, 1);
    cr_assert_str_eq(d->name, "NVIDIA L40S");
    cr_assert_eq(d->utilization, 3);
    cr_assert_eq(d->memory_used, 1048576);
    cr_assert_float_eq(d->temperature, 31.0, 1e-9);
    cr_assert_float_eq(d->power_draw, 35.0, 1e-9);
    cr_assert_eq(d->fan, 30);
    char words[128];
    gpu_throttle_format(d->throttle_reasons, ",", words, sizeof words);
    cr_assert_str_eq(words, "gpu_idle,sw_thermal_slowdown,hw_thermal_slowdown");
    cr_assert_eq(d->valid, all);

    d = gpu(2);
    cr_assert_str_eq(d->name, "Fake GPU 2");
    cr_assert_eq(d->utilization, 100);
    cr_assert_float_eq(d->temperature, 90.0, 1e-9);
}

Test(gpu_nvml, temperature_call_failing_on_one_gpu)
{
    char text[4096];
    snprintf(text, sizeof text, "%sgpu1.fail=temp:unknown\n", THREE_GPUS);
    scenario(text);
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert(S->available);
    cr_assert_eq(S->n_devices, 3);
    cr_assert(HAS(gpu(0), GPU_F_TEMPERATURE));
    cr_assert(HAS(gpu(2), GPU_F_TEMPERATURE));
    const struct gpu_device *d = gpu(1);
    cr_assert_not(HAS(d, GPU_F_TEMPERATURE));
    cr_assert_float_eq(d->temperature, 0.0, 1e-12);
    /* Everything else on that GPU still flows. */
    cr_assert(HAS(d, GPU_F_UTILIZATION) && HAS(d, GPU_F_MEMORY_USED) && HAS(d, GPU_F_POWER_DRAW) &&
              HAS(d, GPU_F_FAN) && HAS(d, GPU_F_THROTTLE));
    cr_assert_eq(d->utilization, 3);
    cr_assert_str_eq(d->error, "cannot read temperature: unknown error");
    cr_assert_eq(S->state, GPU_STATE_DEGRADED);
    cr_assert_str_eq(S->reason, "gpu 1: cannot read temperature: unknown error");
}

Test(gpu_nvml, unsupported_figure_is_absent_and_not_an_error)
{
    scenario("count=2\ngpu0.fail=fan:not_supported\ngpu0.temp=50\ngpu1.fan=20\n");
    struct gpu_collector *c = gpu_collector_new(&env, lib("libnvidia-ml.so.1"));
    cr_assert(c);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(gpu_collector_collect(c, S), 0);
        cr_assert_eq(S->state, GPU_STATE_OK);
        cr_assert_not(HAS(gpu(0), GPU_F_FAN));
        cr_assert(HAS(gpu(0), GPU_F_TEMPERATURE));
        cr_assert_str_eq(gpu(0)->error, "");
        cr_assert(HAS(gpu(1), GPU_F_FAN));
    }
    gpu_collector_free(c);
}

Test(gpu_nvml, library_lacking_functions_reports_the_rest)
{
    scenario("driver=470.256.02\ncount=2\n"
             "gpu0.util=55\ngpu0.memutil=12\ngpu0.mem_total=17179869184\ngpu0.mem_used=4294967296\n"
             "gpu0.mem_reserved=268435456\ngpu0.temp=70\ngpu0.power_mw=150000\n"
             "gpu0.limit_mw=250000\ngpu0.clock_gfx=1380\ngpu0.clock_mem=877\ngpu0.fan=40\n"
             "gpu0.proc=2000:1073741824\n"
             "gpu1.util=5\n");
    collect_with(lib("libnvidia-ml-minimal.so"));
    cr_assert(S->available);
    cr_assert_eq(S->state, GPU_STATE_OK);
    cr_assert_str_eq(S->driver_version, "470.256.02");
    cr_assert_str_eq(S->nvml_version, "");
    cr_assert_str_eq(S->cuda_version, "");
    cr_assert_eq(S->n_devices, 2);
    const struct gpu_device *d = gpu(0);
    /* Present in the library: reported. */
    cr_assert(HAS(d, GPU_F_NAME) && HAS(d, GPU_F_UUID));
    cr_assert_eq(d->utilization, 55);
    cr_assert_eq(d->memory_utilization, 12);
    cr_assert_eq(d->memory_total, 17179869184ULL);
    cr_assert_eq(d->memory_used, 4294967296ULL + 268435456ULL, "v1 counts reserved as used");
    cr_assert_float_eq(d->power_draw, 150.0, 1e-9);
    cr_assert(HAS(d, GPU_F_POWER_LIMIT), "through nvmlDeviceGetPowerManagementLimit");
    cr_assert_float_eq(d->power_limit, 250.0, 1e-9);
    cr_assert_eq(d->clock_graphics, 1380);
    cr_assert_eq(d->clock_memory, 877);
    cr_assert(HAS(d, GPU_F_PROCESSES), "through nvmlDeviceGetComputeRunningProcesses_v2");
    cr_assert_eq(d->n_procs, 1);
    cr_assert_eq(d->procs[0].pid, 2000);
    cr_assert_eq(d->procs[0].memory_used, 1073741824ULL);
    cr_assert_str_eq(d->procs[0].model, "meta-llama/Llama-3.1-8B-Instruct");
    /* Missing from the library: absent, no error. */
    cr_assert_not(HAS(d, GPU_F_TEMPERATURE));
    cr_assert_not(HAS(d, GPU_F_FAN));
    cr_assert_not(HAS(d, GPU_F_THROTTLE));
    cr_assert_not(HAS(d, GPU_F_PCI_BUS_ID));
    cr_assert_str_eq(d->error, "");
    cr_assert_eq(gpu(1)->utilization, 5);
}

Test(gpu_nvml, memory_v2_refused_falls_back_to_v1)
{
    scenario("count=3\n"
             "gpu0.mem_total=1000\ngpu0.mem_used=500\ngpu0.mem_reserved=100\n"
             "gpu0.fail=memory_v2:not_supported\n"
             "gpu1.mem_total=1000\ngpu1.mem_used=500\ngpu1.mem_reserved=100\n"
             "gpu1.fail=memory_v2:argument_version_mismatch\n"
             "gpu2.mem_total=1000\ngpu2.mem_used=500\ngpu2.mem_reserved=100\n");
    struct gpu_collector *c = gpu_collector_new(&env, lib("libnvidia-ml.so.1"));
    cr_assert(c);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(gpu_collector_collect(c, S), 0);
        cr_assert_eq(S->state, GPU_STATE_OK, "%s", S->reason);
        cr_assert_eq(gpu(0)->memory_used, 600, "v1: reserved counted as used");
        cr_assert_eq(gpu(1)->memory_used, 600);
        cr_assert_eq(gpu(2)->memory_used, 500, "v2 on the GPU that takes it");
        cr_assert(HAS(gpu(0), GPU_F_MEMORY_USED) && HAS(gpu(1), GPU_F_MEMORY_TOTAL));
    }
    gpu_collector_free(c);
}

Test(gpu_nvml, gpu_lost_nulls_that_gpu_only)
{
    char text[4096];
    snprintf(text, sizeof text, "%sgpu1.fail=util:gpu_is_lost\n", THREE_GPUS);
    scenario(text);
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert(S->available);
    cr_assert_eq(S->n_devices, 3);
    const struct gpu_device *d = gpu(1);
    cr_assert(d->lost);
    cr_assert_str_eq(d->error, "gpu is lost");
    /* Only what identifies it remains. */
    cr_assert_eq(d->valid, GPU_F_NAME | GPU_F_UUID | GPU_F_PCI_BUS_ID, "valid %#x", d->valid);
    cr_assert_str_eq(d->name, "NVIDIA L40S");
    cr_assert_eq(d->n_procs, 0);
    cr_assert_not(gpu(0)->lost);
    cr_assert_eq(gpu(0)->utilization, 87);
    cr_assert_eq(gpu(2)->utilization, 100);
    cr_assert_eq(S->state, GPU_STATE_DEGRADED);
    cr_assert_str_eq(S->reason, "gpu 1: gpu is lost");
}

Test(gpu_nvml, gpu_lost_before_its_handle)
{
    scenario("count=2\ngpu0.fail=handle:gpu_is_lost\ngpu1.util=9\n");
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert_eq(S->n_devices, 2);
    cr_assert(gpu(0)->lost);
    cr_assert_eq(gpu(0)->valid, 0);
    cr_assert_eq(gpu(0)->index, 0);
    cr_assert_eq(gpu(1)->utilization, 9);
    cr_assert_eq(S->state, GPU_STATE_DEGRADED);
}

Test(gpu_nvml, no_library_at_all)
{
    struct gpu_collector *c = gpu_collector_new(&env, "/nonexistent/libnvidia-ml.so.1");
    cr_assert(c);
    char reason[GPU_REASON_LEN];
    cr_assert_eq(gpu_collector_state(c, reason, sizeof reason), GPU_STATE_STARTING);
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(gpu_collector_collect(c, S), 0);
        cr_assert_not(S->available);
        cr_assert_eq(S->state, GPU_STATE_UNAVAILABLE);
        cr_assert_eq(S->n_devices, 0);
        cr_assert_str_eq(S->backends, "");
        cr_assert(strstr(S->reason, "cannot load '/nonexistent/libnvidia-ml.so.1'"), "%s",
                  S->reason);
        cr_assert(strstr(S->reason, "amdgpu: no AMD GPU"), "%s", S->reason);
    }
    cr_assert_eq(gpu_collector_state(c, reason, sizeof reason), GPU_STATE_UNAVAILABLE);
    cr_assert_str_eq(reason, S->reason);
    gpu_collector_free(c);
}

Test(gpu_nvml, driver_not_loaded)
{
    scenario("init=driver_not_loaded\ncount=2\n");
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert_not(S->available);
    cr_assert(strstr(S->reason, "cannot initialise NVML: driver not loaded"), "%s", S->reason);
}

Test(gpu_nvml, library_but_no_gpu)
{
    scenario("count=0\n");
    collect_with(lib("libnvidia-ml.so.1"));
    cr_assert_not(S->available);
    cr_assert(strstr(S->reason, "nvml: no NVIDIA GPU found"), "%s", S->reason);
}

Test(gpu_nvml, processes_with_names_and_models)
{
    scenario("count=3\n"
             "gpu0.proc=1001:40000000000\n" /* a vLLM worker: the model is its parent's */
             "gpu0.proc=4000:2000000000\n"  /* no model anywhere */
             "gpu0.proc=0:1000\n"           /* a pid NVML cannot map */
             "gpu1.proc=1002:40000000000\n" /* the other tensor-parallel worker */
             "gpu1.gproc=7000:300\n"
             "gpu2.proc=2000:na\n"    /* memory not available */
             "gpu2.gproc=2000:5000\n" /* the same process in both lists, once */
             "gpu2.proc=99999:7\n");  /* gone from /proc */
    collect_with(lib("libnvidia-ml.so.1"));
    const struct gpu_device *d = gpu(0);
    cr_assert(HAS(d, GPU_F_PROCESSES));
    cr_assert_eq(d->n_procs, 3);
    cr_assert_eq(d->procs[0].pid, 1001, "largest first");
    cr_assert_str_eq(d->procs[0].comm, "VLLM::Worker_TP");
    cr_assert_str_eq(d->procs[0].model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
    cr_assert(d->procs[0].memory_valid);
    cr_assert_eq(d->procs[0].memory_used, 40000000000ULL);
    cr_assert_eq(d->procs[1].pid, 4000);
    cr_assert_str_eq(d->procs[1].comm, "python3");
    cr_assert_str_eq(d->procs[1].model, "");
    cr_assert_eq(d->procs[2].pid, 0);
    cr_assert_str_eq(d->procs[2].comm, "");

    d = gpu(1);
    cr_assert_eq(d->n_procs, 2);
    cr_assert_str_eq(d->procs[0].model, "Qwen/Qwen2.5-32B-Instruct-AWQ");
    cr_assert_str_eq(d->procs[1].comm, "my (odd) proc");
    cr_assert_str_eq(d->procs[1].model, "meta-llama/Llama-3.1-8B-Instruct");

    d = gpu(2);
    cr_assert_eq(d->n_procs, 2);
    cr_assert_eq(d->procs[0].pid, 2000);
    cr_assert(d->procs[0].memory_valid);
    cr_assert_eq(d->procs[0].memory_used, 5000);
    cr_assert_eq(d->procs[1].pid, 99999);
    cr_assert_str_eq(d->procs[1].comm, "");
}

Test(gpu_nvml, r535_process_layout)
{
    /* R535's _v3 writes 32-byte entries: read with a 24-byte stride, the second and third
     * entries would come out as nonsense. */
    scenario("count=1\ngpu0.proc=1000:300\ngpu0.proc=2000:200\ngpu0.proc=3000:100\n");
    collect_with(lib("libnvidia-ml-r535.so"));
    const struct gpu_device *d = gpu(0);
    cr_assert_eq(d->n_procs, 3);
    cr_assert_eq(d->procs[0].pid, 1000);
    cr_assert_eq(d->procs[1].pid, 2000);
    cr_assert_eq(d->procs[2].pid, 3000);
    cr_assert_eq(d->procs[2].memory_used, 100);
    cr_assert_str_eq(d->procs[2].comm, "llama-server");
}

Test(gpu_nvml, more_processes_than_kept)
{
    char text[16384];
    int len = snprintf(text, sizeof text, "count=1\n");
    for (int i = 1; i <= 100; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, "gpu0.proc=%d:%d\n", 500000 + i,
                        i * 1000);
    scenario(text);
    collect_with(lib("libnvidia-ml.so.1"));
    const struct gpu_device *d = gpu(0);
    cr_assert_eq(d->n_procs, GPU_MAX_PROCS);
    cr_assert(d->procs_truncated);
    cr_assert_eq(d->procs[0].memory_used, 100000);
    cr_assert_eq(d->procs[GPU_MAX_PROCS - 1].memory_used, (100 - GPU_MAX_PROCS + 1) * 1000);
}

Test(gpu_nvml, process_list_larger_than_the_buffer)
{
    char text[16384];
    int len = snprintf(text, sizeof text, "count=1\ngpu0.util=1\n");
    for (int i = 1; i <= 280; i++)
        len += snprintf(text + len, sizeof text - (size_t)len, "gpu0.proc=%d:1\n", 600000 + i);
    scenario(text);
    collect_with(lib("libnvidia-ml.so.1"));
    const struct gpu_device *d = gpu(0);
    cr_assert_not(HAS(d, GPU_F_PROCESSES));
    cr_assert_eq(d->n_procs, 0);
    cr_assert(HAS(d, GPU_F_UTILIZATION));
    cr_assert_eq(S->state, GPU_STATE_DEGRADED);
    cr_assert(strstr(S->reason, "compute processes: insufficient size"), "%s", S->reason);
}

/* --- logging once ----------------------------------------------------------------------- */

/* Runs n collections with stderr sent to a file and returns what was logged (static). */
static const char *logged(struct gpu_collector *c, int n)
{
    static char text[16384];
    char path[] = "/tmp/vigil-nvml-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    for (int i = 0; i < n; i++)
        cr_assert_eq(gpu_collector_collect(c, S), 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t len = pread(fd, text, sizeof text - 1, 0);
    text[len > 0 ? len : 0] = '\0';
    close(fd);
    unlink(path);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

Test(gpu_nvml, unavailable_is_said_once)
{
    struct gpu_collector *c = gpu_collector_new(&env, "/nonexistent/libnvidia-ml.so.1");
    cr_assert(c);
    const char *log = logged(c, 5);
    cr_assert_eq(count(log, "no GPU available"), 1, "log:\n%s", log);
    cr_assert_eq(count(log, "\n"), 1, "log:\n%s", log);
    gpu_collector_free(c);
}

Test(gpu_nvml, failing_field_is_logged_once_per_change)
{
    scenario("count=2\ngpu1.fail=temp:unknown\ngpu0.fail=fan:not_supported\n");
    struct gpu_collector *c = gpu_collector_new(&env, lib("libnvidia-ml.so.1"));
    cr_assert(c);
    const char *log = logged(c, 5);
    cr_assert_eq(count(log, "gpu 1: cannot read temperature (unknown error)"), 1, "log:\n%s", log);
    cr_assert_eq(count(log, "gpu 0: fan not supported"), 1, "log:\n%s", log);
    cr_assert_eq(count(log, "\n"), 3, "log:\n%s", log); /* with the NVML greeting */

    scenario("count=2\n"); /* the next nvmlInit reads it: a new collector */
    gpu_collector_free(c);
    c = gpu_collector_new(&env, lib("libnvidia-ml.so.1"));
    log = logged(c, 3);
    cr_assert_eq(count(log, "cannot read"), 0, "log:\n%s", log);
    gpu_collector_free(c);
}

Test(gpu_nvml, state_is_readable_from_another_thread_interface)
{
    scenario(THREE_GPUS);
    struct gpu_collector *c = gpu_collector_new(&env, lib("libnvidia-ml.so.1"));
    cr_assert(c);
    cr_assert_eq(gpu_collector_collect(c, S), 0);
    char reason[8] = "x";
    cr_assert_eq(gpu_collector_state(c, reason, sizeof reason), GPU_STATE_OK);
    cr_assert_str_eq(reason, "");
    cr_assert_eq(gpu_collector_state(c, NULL, 0), GPU_STATE_OK);
    cr_assert_str_eq(gpu_state_name(GPU_STATE_OK), "ok");
    gpu_collector_free(c);
}

Test(gpu_nvml, bad_arguments)
{
    cr_assert_eq(gpu_collector_collect(NULL, S), -VIGIL_EINVAL);
    struct gpu_collector *c = gpu_collector_new(&env, "/nonexistent/x.so");
    cr_assert_eq(gpu_collector_collect(c, NULL), -VIGIL_EINVAL);
    gpu_collector_free(c);
    gpu_collector_free(NULL);
}

Test(gpu_nvml, out_of_memory)
{
    scenario(THREE_GPUS);
    const char *path = lib("libnvidia-ml.so.1");
    for (long n = 0; n < 12; n++) {
        fault_fail_alloc_after(n);
        struct gpu_collector *c = gpu_collector_new(&env, path);
        if (c) {
            cr_assert_eq(gpu_collector_collect(c, S), 0);
            cr_assert(S->available || S->state == GPU_STATE_UNAVAILABLE);
        }
        fault_fail_alloc_after(-1);
        gpu_collector_free(c);
    }
}

/* --- the default search path ------------------------------------------------------------ */

/* The product's own search ("libnvidia-ml.so.1" through the dynamic linker) finds the fake
 * when LD_LIBRARY_PATH names its folder. The dynamic linker reads LD_LIBRARY_PATH when a
 * process starts, so the check runs in a fresh copy of this test binary. */
Test(gpu_nvml, found_through_ld_library_path)
{
    if (getenv("VIGIL_NVML_CHILD")) {
        scenario("count=1\ngpu0.util=66\n");
        collect_with(NULL);
        cr_assert(S->available);
        cr_assert_eq(gpu(0)->utilization, 66);
        return;
    }
    lib("libnvidia-ml.so.1");
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        unsetenv("BXFI_MAP"); /* Criterion's sandbox marks its workers; a fresh runner is none */
        setenv("LD_LIBRARY_PATH", fakes, 1);
        setenv("VIGIL_NVML_CHILD", "1", 1);
        char self[1024];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            _exit(3);
        self[n] = '\0';
        execl(self, self, "--filter=gpu_nvml/found_through_ld_library_path", "--jobs=1",
              (char *)NULL);
        _exit(4);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
}
