/* test_gpu_encode: a gpu_sample as JSON (one object per GPU, the /api/v1/gpus members, the
 * /health state) and as Prometheus text, on samples built by hand: every figure valid,
 * figures missing, processes with and without a model, no GPU at all. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "collect/gpu.h"
#include "encode/gpu_encode.h"

static struct gpu_sample *S;
static struct buf B;

static void setup(void)
{
    S = calloc(1, sizeof *S);
    cr_assert_not_null(S);
    buf_init(&B, 1 << 20);
    S->ts_ms = 1767225600000; /* 2026-01-01T00:00:00Z */
    S->available = true;
    S->state = GPU_STATE_OK;
    snprintf(S->backends, sizeof S->backends, "nvml");
    snprintf(S->driver_version, sizeof S->driver_version, "550.54.15");
    S->n_devices = 2;

    struct gpu_device *d = &S->devices[0];
    d->index = 0;
    d->vendor = GPU_VENDOR_NVIDIA;
    d->valid = GPU_F_NAME | GPU_F_UUID | GPU_F_PCI_BUS_ID | GPU_F_UTILIZATION |
               GPU_F_MEMORY_UTILIZATION | GPU_F_MEMORY_USED | GPU_F_MEMORY_TOTAL |
               GPU_F_TEMPERATURE | GPU_F_POWER_DRAW | GPU_F_POWER_LIMIT | GPU_F_CLOCK_GRAPHICS |
               GPU_F_CLOCK_MEMORY | GPU_F_FAN | GPU_F_THROTTLE | GPU_F_PROCESSES;
    snprintf(d->name, sizeof d->name, "NVIDIA \"H100\" 80GB");
    snprintf(d->uuid, sizeof d->uuid, "GPU-aaaa");
    snprintf(d->pci_bus_id, sizeof d->pci_bus_id, "00000000:17:00.0");
    d->utilization = 87;
    d->memory_utilization = 40;
    d->memory_used = 70000000000ULL;
    d->memory_total = 85520809984ULL;
    d->temperature = 71;
    d->power_draw = 612.5;
    d->power_limit = 700;
    d->clock_graphics = 1980;
    d->clock_memory = 2619;
    d->fan = 30;
    d->throttle_reasons = GPU_THROTTLE_SW_POWER_CAP | GPU_THROTTLE_HW_THERMAL_SLOWDOWN;
    d->n_procs = 4;
    d->procs[0] = (struct gpu_process){.pid = 1000, .memory_valid = true,
                                       .memory_used = 60000000000ULL, .comm = "vllm",
                                       .model = "Qwen/Qwen2.5-32B"};
    d->procs[1] = (struct gpu_process){.pid = 1001, .memory_valid = true, .memory_used = 2000,
                                       .comm = "VLLM::Worker", .model = "Qwen/Qwen2.5-32B"};
    d->procs[2] = (struct gpu_process){.pid = 4000, .memory_valid = false, .comm = "python3"};
    d->procs[3] = (struct gpu_process){.pid = 0, .memory_valid = true, .memory_used = 5};

    d = &S->devices[1];
    d->index = 1;
    d->vendor = GPU_VENDOR_AMD;
    d->valid = GPU_F_UTILIZATION | GPU_F_MEMORY_USED;
    d->utilization = 3;
    d->memory_used = 1024;
    snprintf(d->error, sizeof d->error, "cannot read temperature: unknown error");
}

static void teardown(void)
{
    buf_release(&B);
    free(S);
}

TestSuite(gpu_encode, .init = setup, .fini = teardown);

static json_t *parse(void)
{
    json_error_t e;
    json_t *j = json_loads(B.data, 0, &e);
    cr_assert_not_null(j, "bad JSON (%s): %s", e.text, B.data);
    return j;
}

static json_t *device_json(unsigned i)
{
    struct jsonw w;
    buf_reset(&B);
    jw_init(&w, &B);
    gpu_encode_device(S, &S->devices[i], &w);
    cr_assert_eq(w.err, 0);
    return parse();
}

#define INT(o, k) json_integer_value(json_object_get(o, k))
#define STR(o, k) json_string_value(json_object_get(o, k))

Test(gpu_encode, device_with_every_figure)
{
    json_t *j = device_json(0);
    cr_assert_eq(INT(j, "gpu_index"), 0);
    cr_assert_str_eq(STR(j, "name"), "NVIDIA \"H100\" 80GB");
    cr_assert_str_eq(STR(j, "uuid"), "GPU-aaaa");
    cr_assert_str_eq(STR(j, "vendor"), "nvidia");
    cr_assert_eq(INT(j, "utilization"), 87);
    cr_assert_eq(INT(j, "memory_utilization"), 40);
    cr_assert_eq(INT(j, "memory_used"), 70000000000LL);
    cr_assert_eq(INT(j, "memory_total"), 85520809984LL);
    cr_assert_float_eq(json_number_value(json_object_get(j, "temperature")), 71, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(j, "power_draw")), 612.5, 1e-9);
    cr_assert_float_eq(json_number_value(json_object_get(j, "power_limit")), 700, 1e-9);
    cr_assert_eq(INT(j, "clock_graphics"), 1980);
    cr_assert_eq(INT(j, "clock_memory"), 2619);
    cr_assert_eq(INT(j, "fan"), 30);
    json_t *t = json_object_get(j, "throttle_reasons");
    cr_assert_eq(json_array_size(t), 2);
    cr_assert_str_eq(json_string_value(json_array_get(t, 0)), "sw_power_cap");
    cr_assert_str_eq(json_string_value(json_array_get(t, 1)), "hw_thermal_slowdown");
    cr_assert(json_is_false(json_object_get(j, "lost")));
    cr_assert(json_is_null(json_object_get(j, "error")));
    cr_assert_str_eq(STR(j, "timestamp"), "2026-01-01T00:00:00.000Z");
    cr_assert_eq(INT(j, "timestamp_ms"), 1767225600000LL);
    json_decref(j);
}

Test(gpu_encode, processes_and_models)
{
    json_t *j = device_json(0);
    json_t *p = json_object_get(j, "processes");
    cr_assert_eq(json_array_size(p), 4);
    json_t *a = json_array_get(p, 0);
    cr_assert_eq(INT(a, "pid"), 1000);
    cr_assert_str_eq(STR(a, "name"), "vllm");
    cr_assert_eq(INT(a, "memory_used"), 60000000000LL);
    cr_assert_str_eq(STR(a, "model"), "Qwen/Qwen2.5-32B");
    json_t *c = json_array_get(p, 2);
    cr_assert(json_is_null(json_object_get(c, "memory_used")), "unknown memory is null");
    cr_assert(json_is_null(json_object_get(c, "model")), "no model is null, not \"\"");
    cr_assert(json_is_null(json_object_get(json_array_get(p, 3), "name")));
    json_t *m = json_object_get(j, "models");
    cr_assert_eq(json_array_size(m), 1, "a model served by two processes is listed once");
    cr_assert_str_eq(json_string_value(json_array_get(m, 0)), "Qwen/Qwen2.5-32B");
    cr_assert(json_is_false(json_object_get(j, "processes_truncated")));
    json_decref(j);
}

Test(gpu_encode, missing_figures_are_null_never_zero)
{
    json_t *j = device_json(1);
    cr_assert_eq(INT(j, "gpu_index"), 1);
    cr_assert_str_eq(STR(j, "vendor"), "amd");
    cr_assert_eq(INT(j, "utilization"), 3);
    static const char *const nulls[] = {
        "name",        "uuid",        "pci_bus_id",     "memory_utilization", "memory_total",
        "temperature", "power_draw",  "power_limit",    "clock_graphics",     "clock_memory",
        "fan",         "processes",   "throttle_reasons",
    };
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        cr_assert(json_is_null(json_object_get(j, nulls[i])), "%s is not null", nulls[i]);
    cr_assert_str_eq(STR(j, "error"), "cannot read temperature: unknown error");
    cr_assert_eq(json_array_size(json_object_get(j, "models")), 0);
    json_decref(j);
}

Test(gpu_encode, summary_and_state)
{
    struct jsonw w;
    jw_init(&w, &B);
    jw_obj_begin(&w);
    gpu_encode_summary(S, &w);
    jw_obj_end(&w);
    json_t *j = parse();
    cr_assert(json_is_true(json_object_get(j, "available")));
    cr_assert_str_eq(STR(j, "state"), "ok");
    cr_assert(json_is_null(json_object_get(j, "reason")));
    cr_assert_str_eq(STR(j, "driver_version"), "550.54.15");
    cr_assert(json_is_null(json_object_get(j, "cuda_version")));
    cr_assert_eq(INT(j, "count"), 2);
    json_decref(j);

    S->available = false;
    S->n_devices = 0;
    S->state = GPU_STATE_UNAVAILABLE;
    snprintf(S->reason, sizeof S->reason, "nvml: not found; amdgpu: no AMD GPU");
    buf_reset(&B);
    jw_init(&w, &B);
    gpu_encode_state(S, 0, &w);
    j = parse();
    cr_assert_str_eq(STR(j, "state"), "unavailable");
    cr_assert(json_is_null(json_object_get(j, "error")), "no GPU is not an error");
    cr_assert_str_eq(STR(j, "reason"), "nvml: not found; amdgpu: no AMD GPU");
    cr_assert(json_is_null(json_object_get(j, "last_ok")));
    cr_assert(json_is_false(json_object_get(j, "available")));
    json_decref(j);

    S->state = GPU_STATE_DEGRADED;
    buf_reset(&B);
    jw_init(&w, &B);
    gpu_encode_state(S, S->ts_ms, &w);
    j = parse();
    cr_assert_str_eq(STR(j, "error"), "nvml: not found; amdgpu: no AMD GPU");
    cr_assert_str_eq(STR(j, "last_ok"), "2026-01-01T00:00:00.000Z");
    json_decref(j);
}

static bool has_line(const char *line)
{
    size_t n = strlen(line);
    for (const char *p = B.data; (p = strstr(p, line)) != NULL; p++)
        if ((p == B.data || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

#define L0 "gpu=\"0\",uuid=\"GPU-aaaa\",name=\"NVIDIA \\\"H100\\\" 80GB\""
#define L1 "gpu=\"1\",uuid=\"\",name=\"\""

Test(gpu_encode, prometheus_families_in_base_units)
{
    cr_assert_eq(gpu_encode_prom(S, &B), 0);
    static const char *const want[] = {
        "# TYPE vigil_gpu_available gauge",
        "vigil_gpu_available 1",
        "vigil_gpu_info{" L0 ",vendor=\"nvidia\",pci_bus_id=\"00000000:17:00.0\","
        "driver_version=\"550.54.15\"} 1",
        "vigil_gpu_info{" L1 ",vendor=\"amd\",pci_bus_id=\"\",driver_version=\"\"} 1",
        "vigil_gpu_utilization_ratio{" L0 "} 0.87",
        "vigil_gpu_utilization_ratio{" L1 "} 0.029999999999999999",
        "vigil_gpu_memory_used_bytes{" L0 "} 70000000000",
        "vigil_gpu_memory_used_bytes{" L1 "} 1024",
        "vigil_gpu_memory_total_bytes{" L0 "} 85520809984",
        "vigil_gpu_temperature_celsius{" L0 "} 71",
        "vigil_gpu_power_draw_watts{" L0 "} 612.5",
        "vigil_gpu_power_limit_watts{" L0 "} 700",
        "vigil_gpu_graphics_clock_hertz{" L0 "} 1980000000",
        "vigil_gpu_memory_clock_hertz{" L0 "} 2619000000",
        "vigil_gpu_fan_speed_ratio{" L0 "} 0.29999999999999999",
        "vigil_gpu_throttle_reason{" L0 ",reason=\"sw_power_cap\"} 1",
        "vigil_gpu_throttle_reason{" L0 ",reason=\"gpu_idle\"} 0",
        "vigil_gpu_lost{" L0 "} 0",
        "vigil_gpu_process_memory_used_bytes{" L0
        ",pid=\"1000\",comm=\"vllm\",model=\"Qwen/Qwen2.5-32B\"} 60000000000",
        "vigil_gpu_process_memory_used_bytes{" L0
        ",pid=\"1001\",comm=\"VLLM::Worker\",model=\"Qwen/Qwen2.5-32B\"} 2000",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(has_line(want[i]), "missing line '%s' in:\n%s", want[i], B.data);
    cr_assert_null(strstr(B.data, "vigil_gpu_temperature_celsius{" L1), "invalid is absent");
    cr_assert_null(strstr(B.data, "pid=\"4000\""), "unknown memory is absent");
    cr_assert_null(strstr(B.data, "pid=\"0\""), "pid 0 may repeat: left out");
    cr_assert_null(strstr(B.data, "reason=\"unknown\""));
}

Test(gpu_encode, no_gpu_is_one_sample)
{
    S->available = false;
    S->n_devices = 0;
    cr_assert_eq(gpu_encode_prom(S, &B), 0);
    cr_assert_str_eq(B.data, "# HELP vigil_gpu_available 1 when at least one GPU was found, 0 "
                             "when none (a normal state).\n# TYPE vigil_gpu_available gauge\n"
                             "vigil_gpu_available 0\n");
}

Test(gpu_encode, cap_is_reported)
{
    struct buf small;
    buf_init(&small, 200);
    cr_assert_lt(gpu_encode_prom(S, &small), 0);
    buf_release(&small);
}
