/*
 * A stand-in for libnvidia-ml.so.1, built from vigil's own declarations (nvml_abi.h) and
 * loaded by the product through its ordinary dlopen path. It serves GPUs described by a
 * scenario file named by the environment variable FAKE_NVML_SCENARIO, read at nvmlInit:
 *
 *   # comment                      blank lines and unknown keys are ignored
 *   init=<error>                   what nvmlInit returns (default success)
 *   count=<n>                      number of GPUs, at most 16 (default 0)
 *   driver=<text>                  nvmlSystemGetDriverVersion
 *   nvml=<text>                    nvmlSystemGetNVMLVersion
 *   cuda=<int>                     nvmlSystemGetCudaDriverVersion, e.g. 12040 for 12.4
 *   gpu<i>.name= .uuid= .bus=      strings (defaults: "Fake GPU <i>", a UUID, a bus id)
 *   gpu<i>.util= .memutil=         percent
 *   gpu<i>.mem_total= .mem_used= .mem_reserved=   bytes (v1 "used" includes reserved)
 *   gpu<i>.temp=                   degrees C
 *   gpu<i>.power_mw= .limit_mw=    milliwatts
 *   gpu<i>.clock_gfx= .clock_mem=  MHz
 *   gpu<i>.fan=                    percent
 *   gpu<i>.throttle=               reason mask, 0x... accepted
 *   gpu<i>.proc=<pid>:<bytes|na>   a compute process (repeat the key for more)
 *   gpu<i>.gproc=<pid>:<bytes|na>  a graphics process
 *   gpu<i>.slow_ms=<n>             nvmlDeviceGetUtilizationRates blocks n ms, as a GPU in
 *                                  trouble makes NVML calls block
 *   gpu<i>.fail=<call>:<error>     make a call fail; calls: handle name uuid pci util memory
 *                                  (both versions) memory_v2 (v2 only) temp power limit
 *                                  clocks fan throttle procs gprocs all
 *
 * <error> is an NVML error name without its prefix, lower case (not_supported, gpu_is_lost,
 * no_permission, unknown, ...) or a number. A missing FAKE_NVML_SCENARIO means no GPUs.
 *
 * Variants, each its own file that defines a macro and includes this one:
 *   FAKE_NVML_MINIMAL  an old or cut-down library: no _v2/_v3 entry points, no temperature,
 *                      fan, throttle reasons, PCI info, NVML/CUDA version or graphics
 *                      processes, power limit only through nvmlDeviceGetPowerManagementLimit.
 *   FAKE_NVML_R535     the R535 family: ..._v3 process queries write the 32-byte v3 entries
 *                      and nvmlDeviceGetRunningProcessDetailList does not exist yet.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/collect/nvml_abi.h"

#define FAKE_MAX_GPUS  16
#define FAKE_MAX_PROCS 300

enum fake_call {
    FC_HANDLE,
    FC_NAME,
    FC_UUID,
    FC_PCI,
    FC_UTIL,
    FC_MEMORY,
    FC_MEMORY_V2,
    FC_TEMP,
    FC_POWER,
    FC_LIMIT,
    FC_CLOCKS,
    FC_FAN,
    FC_THROTTLE,
    FC_PROCS,
    FC_GPROCS,
    FC_ALL,
    FC_COUNT,
};

static const char *const fake_call_names[FC_COUNT] = {
    [FC_HANDLE] = "handle",       [FC_NAME] = "name",
    [FC_UUID] = "uuid",           [FC_PCI] = "pci",
    [FC_UTIL] = "util",           [FC_MEMORY] = "memory",
    [FC_MEMORY_V2] = "memory_v2", [FC_TEMP] = "temp",
    [FC_POWER] = "power",         [FC_LIMIT] = "limit",
    [FC_CLOCKS] = "clocks",       [FC_FAN] = "fan",
    [FC_THROTTLE] = "throttle",   [FC_PROCS] = "procs",
    [FC_GPROCS] = "gprocs",       [FC_ALL] = "all",
};

struct fake_proc {
    unsigned pid;
    unsigned long long mem;
};

struct nvmlDevice_st {
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    char bus[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE];
    unsigned util, memutil, temp, power_mw, limit_mw, clock_gfx, clock_mem, fan, slow_ms;
    unsigned long long mem_total, mem_used, mem_reserved, throttle;
    unsigned n_procs, n_gprocs;
    struct fake_proc procs[FAKE_MAX_PROCS];
    struct fake_proc gprocs[FAKE_MAX_PROCS];
    nvmlReturn_t fail[FC_COUNT];
};

static struct {
    nvmlReturn_t init_rc;
    unsigned count;
    char driver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    char nvml[NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE];
    int cuda;
    struct nvmlDevice_st gpus[FAKE_MAX_GPUS];
} S;

/* --- the scenario ----------------------------------------------------------------------- */

static const struct {
    const char *name;
    nvmlReturn_t rc;
} fake_errors[] = {
    {"success", NVML_SUCCESS},
    {"uninitialized", NVML_ERROR_UNINITIALIZED},
    {"invalid_argument", NVML_ERROR_INVALID_ARGUMENT},
    {"not_supported", NVML_ERROR_NOT_SUPPORTED},
    {"no_permission", NVML_ERROR_NO_PERMISSION},
    {"already_initialized", NVML_ERROR_ALREADY_INITIALIZED},
    {"not_found", NVML_ERROR_NOT_FOUND},
    {"insufficient_size", NVML_ERROR_INSUFFICIENT_SIZE},
    {"driver_not_loaded", NVML_ERROR_DRIVER_NOT_LOADED},
    {"timeout", NVML_ERROR_TIMEOUT},
    {"library_not_found", NVML_ERROR_LIBRARY_NOT_FOUND},
    {"function_not_found", NVML_ERROR_FUNCTION_NOT_FOUND},
    {"gpu_is_lost", NVML_ERROR_GPU_IS_LOST},
    {"reset_required", NVML_ERROR_RESET_REQUIRED},
    {"lib_rm_version_mismatch", NVML_ERROR_LIB_RM_VERSION_MISMATCH},
    {"argument_version_mismatch", NVML_ERROR_ARGUMENT_VERSION_MISMATCH},
    {"no_data", NVML_ERROR_NO_DATA},
    {"unknown", NVML_ERROR_UNKNOWN},
};

static nvmlReturn_t parse_error(const char *s)
{
    for (size_t i = 0; i < sizeof fake_errors / sizeof fake_errors[0]; i++)
        if (strcmp(s, fake_errors[i].name) == 0)
            return fake_errors[i].rc;
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && *end == '\0' ? (nvmlReturn_t)v : NVML_ERROR_UNKNOWN;
}

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

static unsigned long long num(const char *s)
{
    return strtoull(s, NULL, 0);
}

static void add_proc(struct fake_proc *list, unsigned *n, const char *v)
{
    if (*n >= FAKE_MAX_PROCS)
        return;
    char *end;
    unsigned long pid = strtoul(v, &end, 10);
    list[*n].pid = (unsigned)pid;
    list[*n].mem =
        *end == ':' && strcmp(end + 1, "na") != 0 ? num(end + 1) : NVML_VALUE_NOT_AVAILABLE;
    (*n)++;
}

static void set_fail(struct nvmlDevice_st *g, const char *v)
{
    const char *colon = strchr(v, ':');
    if (!colon)
        return;
    for (int c = 0; c < FC_COUNT; c++)
        if (strlen(fake_call_names[c]) == (size_t)(colon - v) &&
            strncmp(v, fake_call_names[c], (size_t)(colon - v)) == 0)
            g->fail[c] = parse_error(colon + 1);
}

static void set_gpu(struct nvmlDevice_st *g, const char *k, const char *v)
{
    if (strcmp(k, "name") == 0)
        copy_str(g->name, sizeof g->name, v);
    else if (strcmp(k, "uuid") == 0)
        copy_str(g->uuid, sizeof g->uuid, v);
    else if (strcmp(k, "bus") == 0)
        copy_str(g->bus, sizeof g->bus, v);
    else if (strcmp(k, "util") == 0)
        g->util = (unsigned)num(v);
    else if (strcmp(k, "memutil") == 0)
        g->memutil = (unsigned)num(v);
    else if (strcmp(k, "mem_total") == 0)
        g->mem_total = num(v);
    else if (strcmp(k, "mem_used") == 0)
        g->mem_used = num(v);
    else if (strcmp(k, "mem_reserved") == 0)
        g->mem_reserved = num(v);
    else if (strcmp(k, "temp") == 0)
        g->temp = (unsigned)num(v);
    else if (strcmp(k, "power_mw") == 0)
        g->power_mw = (unsigned)num(v);
    else if (strcmp(k, "limit_mw") == 0)
        g->limit_mw = (unsigned)num(v);
    else if (strcmp(k, "clock_gfx") == 0)
        g->clock_gfx = (unsigned)num(v);
    else if (strcmp(k, "clock_mem") == 0)
        g->clock_mem = (unsigned)num(v);
    else if (strcmp(k, "fan") == 0)
        g->fan = (unsigned)num(v);
    else if (strcmp(k, "throttle") == 0)
        g->throttle = num(v);
    else if (strcmp(k, "slow_ms") == 0)
        g->slow_ms = (unsigned)num(v);
    else if (strcmp(k, "proc") == 0)
        add_proc(g->procs, &g->n_procs, v);
    else if (strcmp(k, "gproc") == 0)
        add_proc(g->gprocs, &g->n_gprocs, v);
    else if (strcmp(k, "fail") == 0)
        set_fail(g, v);
}

static void set_key(const char *k, const char *v)
{
    if (strcmp(k, "init") == 0) {
        S.init_rc = parse_error(v);
    } else if (strcmp(k, "count") == 0) {
        S.count = (unsigned)num(v);
        if (S.count > FAKE_MAX_GPUS)
            S.count = FAKE_MAX_GPUS;
    } else if (strcmp(k, "driver") == 0) {
        copy_str(S.driver, sizeof S.driver, v);
    } else if (strcmp(k, "nvml") == 0) {
        copy_str(S.nvml, sizeof S.nvml, v);
    } else if (strcmp(k, "cuda") == 0) {
        S.cuda = (int)num(v);
    } else if (strncmp(k, "gpu", 3) == 0) {
        char *dot;
        unsigned long i = strtoul(k + 3, &dot, 10);
        if (*dot == '.' && dot != k + 3 && i < FAKE_MAX_GPUS)
            set_gpu(&S.gpus[i], dot + 1, v);
    }
}

static void load_scenario(void)
{
    memset(&S, 0, sizeof S);
    copy_str(S.driver, sizeof S.driver, "555.42.06");
    copy_str(S.nvml, sizeof S.nvml, "12.555.42.06");
    S.cuda = 12050;
    for (unsigned i = 0; i < FAKE_MAX_GPUS; i++) {
        struct nvmlDevice_st *g = &S.gpus[i];
        snprintf(g->name, sizeof g->name, "Fake GPU %u", i);
        snprintf(g->uuid, sizeof g->uuid, "GPU-00000000-0000-0000-0000-0000000000%02u", i);
        snprintf(g->bus, sizeof g->bus, "00000000:%02X:00.0", i + 1);
    }
    const char *path = getenv("FAKE_NVML_SCENARIO");
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *k = line;
        while (*k == ' ' || *k == '\t')
            k++;
        char *eq = strchr(k, '=');
        if (*k == '#' || !eq)
            continue;
        *eq = '\0';
        set_key(k, eq + 1);
    }
    fclose(f);
}

/* --- entry points ----------------------------------------------------------------------- */

/* The device behind a handle, or NULL for a handle this library did not give out. */
static struct nvmlDevice_st *dev(nvmlDevice_t h)
{
    if (h < &S.gpus[0] || h >= &S.gpus[S.count])
        return NULL;
    return h;
}

/* NVML_SUCCESS when call may proceed on h. */
static nvmlReturn_t check(nvmlDevice_t h, enum fake_call c)
{
    struct nvmlDevice_st *g = dev(h);
    if (!g)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (g->fail[FC_ALL])
        return g->fail[FC_ALL];
    return g->fail[c];
}

static nvmlReturn_t init_common(void)
{
    load_scenario();
    return S.init_rc;
}

nvmlInit_f nvmlInit;
nvmlReturn_t nvmlInit(void)
{
    return init_common();
}

nvmlShutdown_f nvmlShutdown;
nvmlReturn_t nvmlShutdown(void)
{
    return NVML_SUCCESS;
}

static nvmlReturn_t get_count(unsigned *n)
{
    if (!n)
        return NVML_ERROR_INVALID_ARGUMENT;
    *n = S.count;
    return NVML_SUCCESS;
}

nvmlDeviceGetCount_f nvmlDeviceGetCount;
nvmlReturn_t nvmlDeviceGetCount(unsigned int *n)
{
    return get_count(n);
}

static nvmlReturn_t get_handle(unsigned i, nvmlDevice_t *out)
{
    if (i >= S.count || !out)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (S.gpus[i].fail[FC_HANDLE])
        return S.gpus[i].fail[FC_HANDLE];
    *out = &S.gpus[i];
    return NVML_SUCCESS;
}

nvmlDeviceGetHandleByIndex_f nvmlDeviceGetHandleByIndex;
nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int i, nvmlDevice_t *out)
{
    return get_handle(i, out);
}

static nvmlReturn_t copy_out(const char *s, char *buf, unsigned n)
{
    if (!buf)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(s) + 1 > n)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(buf, s, strlen(s) + 1);
    return NVML_SUCCESS;
}

nvmlSystemGetDriverVersion_f nvmlSystemGetDriverVersion;
nvmlReturn_t nvmlSystemGetDriverVersion(char *buf, unsigned int n)
{
    return copy_out(S.driver, buf, n);
}

nvmlDeviceGetName_f nvmlDeviceGetName;
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t h, char *buf, unsigned int n)
{
    nvmlReturn_t rc = check(h, FC_NAME);
    return rc ? rc : copy_out(dev(h)->name, buf, n);
}

nvmlDeviceGetUUID_f nvmlDeviceGetUUID;
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t h, char *buf, unsigned int n)
{
    nvmlReturn_t rc = check(h, FC_UUID);
    return rc ? rc : copy_out(dev(h)->uuid, buf, n);
}

nvmlDeviceGetUtilizationRates_f nvmlDeviceGetUtilizationRates;
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t h, nvmlUtilization_t *u)
{
    nvmlReturn_t rc = check(h, FC_UTIL);
    if (rc)
        return rc;
    if (dev(h)->slow_ms) {
        struct timespec ts = {dev(h)->slow_ms / 1000, (long)(dev(h)->slow_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    u->gpu = dev(h)->util;
    u->memory = dev(h)->memutil;
    return NVML_SUCCESS;
}

nvmlDeviceGetMemoryInfo_f nvmlDeviceGetMemoryInfo;
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t h, nvmlMemory_t *m)
{
    nvmlReturn_t rc = check(h, FC_MEMORY);
    if (rc)
        return rc;
    const struct nvmlDevice_st *g = dev(h);
    m->total = g->mem_total;
    m->used = g->mem_used + g->mem_reserved;
    m->free = m->total > m->used ? m->total - m->used : 0;
    return NVML_SUCCESS;
}

nvmlDeviceGetPowerUsage_f nvmlDeviceGetPowerUsage;
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t h, unsigned int *mw)
{
    nvmlReturn_t rc = check(h, FC_POWER);
    if (rc)
        return rc;
    *mw = dev(h)->power_mw;
    return NVML_SUCCESS;
}

nvmlDeviceGetPowerManagementLimit_f nvmlDeviceGetPowerManagementLimit;
nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t h, unsigned int *mw)
{
    nvmlReturn_t rc = check(h, FC_LIMIT);
    if (rc)
        return rc;
    *mw = dev(h)->limit_mw;
    return NVML_SUCCESS;
}

nvmlDeviceGetClockInfo_f nvmlDeviceGetClockInfo;
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t h, nvmlClockType_t type, unsigned int *mhz)
{
    nvmlReturn_t rc = check(h, FC_CLOCKS);
    if (rc)
        return rc;
    if (type == NVML_CLOCK_GRAPHICS || type == NVML_CLOCK_SM)
        *mhz = dev(h)->clock_gfx;
    else if (type == NVML_CLOCK_MEM)
        *mhz = dev(h)->clock_mem;
    else
        return NVML_ERROR_NOT_SUPPORTED;
    return NVML_SUCCESS;
}

/* Fills infos with entries of the given size, as every *RunningProcesses version does. */
static nvmlReturn_t get_procs(nvmlDevice_t h, enum fake_call c, unsigned *count, void *infos,
                              size_t stride)
{
    nvmlReturn_t rc = check(h, c);
    if (rc)
        return rc;
    if (!count)
        return NVML_ERROR_INVALID_ARGUMENT;
    const struct nvmlDevice_st *g = dev(h);
    unsigned n = c == FC_PROCS ? g->n_procs : g->n_gprocs;
    const struct fake_proc *list = c == FC_PROCS ? g->procs : g->gprocs;
    if (*count < n) {
        *count = n;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    *count = n;
    if (n > 0 && !infos)
        return NVML_ERROR_INVALID_ARGUMENT;
    for (unsigned i = 0; i < n; i++) {
        nvmlProcessInfo_v3_t e = {.pid = list[i].pid,
                                  .usedGpuMemory = list[i].mem,
                                  .gpuInstanceId = 0xFFFFFFFFu,
                                  .computeInstanceId = 0xFFFFFFFFu,
                                  .usedGpuCcProtectedMemory = 0};
        if (stride == sizeof(nvmlProcessInfo_v1_t)) {
            nvmlProcessInfo_v1_t v1 = {.pid = e.pid, .usedGpuMemory = e.usedGpuMemory};
            memcpy((char *)infos + i * stride, &v1, sizeof v1);
        } else {
            memcpy((char *)infos + i * stride, &e, stride);
        }
    }
    return NVML_SUCCESS;
}

nvmlDeviceGetRunningProcesses_f nvmlDeviceGetComputeRunningProcesses_v2;
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t h, unsigned int *count,
                                                     void *infos)
{
    return get_procs(h, FC_PROCS, count, infos, sizeof(nvmlProcessInfo_v2_t));
}

#ifndef FAKE_NVML_MINIMAL

nvmlInit_v2_f nvmlInit_v2;
nvmlReturn_t nvmlInit_v2(void)
{
    return init_common();
}

nvmlDeviceGetCount_v2_f nvmlDeviceGetCount_v2;
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n)
{
    return get_count(n);
}

nvmlDeviceGetHandleByIndex_v2_f nvmlDeviceGetHandleByIndex_v2;
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *out)
{
    return get_handle(i, out);
}

nvmlSystemGetNVMLVersion_f nvmlSystemGetNVMLVersion;
nvmlReturn_t nvmlSystemGetNVMLVersion(char *buf, unsigned int n)
{
    return copy_out(S.nvml, buf, n);
}

nvmlSystemGetCudaDriverVersion_f nvmlSystemGetCudaDriverVersion;
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v)
{
    *v = S.cuda;
    return NVML_SUCCESS;
}

nvmlSystemGetCudaDriverVersion_v2_f nvmlSystemGetCudaDriverVersion_v2;
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v)
{
    *v = S.cuda;
    return NVML_SUCCESS;
}

nvmlDeviceGetPciInfo_v3_f nvmlDeviceGetPciInfo_v3;
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t h, nvmlPciInfo_t *pci)
{
    nvmlReturn_t rc = check(h, FC_PCI);
    if (rc)
        return rc;
    memset(pci, 0, sizeof *pci);
    copy_str(pci->busId, sizeof pci->busId, dev(h)->bus);
    pci->pciDeviceId = 0x233010deu;
    return NVML_SUCCESS;
}

/* The version field must be exactly what NVML defines: sizeof(nvmlMemory_v2_t) | 2 << 24,
 * written out here rather than taken from the header so that a wrong header fails. */
nvmlDeviceGetMemoryInfo_v2_f nvmlDeviceGetMemoryInfo_v2;
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t h, nvmlMemory_v2_t *m)
{
    nvmlReturn_t rc = check(h, FC_MEMORY);
    if (!rc)
        rc = dev(h)->fail[FC_MEMORY_V2];
    if (rc)
        return rc;
    if (m->version != 0x02000028u)
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    const struct nvmlDevice_st *g = dev(h);
    m->total = g->mem_total;
    m->reserved = g->mem_reserved;
    m->used = g->mem_used;
    m->free = m->total > m->used + m->reserved ? m->total - m->used - m->reserved : 0;
    return NVML_SUCCESS;
}

nvmlDeviceGetTemperature_f nvmlDeviceGetTemperature;
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t h, nvmlTemperatureSensors_t sensor,
                                      unsigned int *t)
{
    nvmlReturn_t rc = check(h, FC_TEMP);
    if (rc)
        return rc;
    if (sensor != NVML_TEMPERATURE_GPU)
        return NVML_ERROR_INVALID_ARGUMENT;
    *t = dev(h)->temp;
    return NVML_SUCCESS;
}

nvmlDeviceGetEnforcedPowerLimit_f nvmlDeviceGetEnforcedPowerLimit;
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t h, unsigned int *mw)
{
    return nvmlDeviceGetPowerManagementLimit(h, mw);
}

nvmlDeviceGetFanSpeed_f nvmlDeviceGetFanSpeed;
nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t h, unsigned int *pct)
{
    nvmlReturn_t rc = check(h, FC_FAN);
    if (rc)
        return rc;
    *pct = dev(h)->fan;
    return NVML_SUCCESS;
}

nvmlDeviceGetCurrentClocksThrottleReasons_f nvmlDeviceGetCurrentClocksThrottleReasons;
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t h, unsigned long long *r)
{
    nvmlReturn_t rc = check(h, FC_THROTTLE);
    if (rc)
        return rc;
    *r = dev(h)->throttle;
    return NVML_SUCCESS;
}

nvmlDeviceGetCurrentClocksEventReasons_f nvmlDeviceGetCurrentClocksEventReasons;
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t h, unsigned long long *r)
{
    return nvmlDeviceGetCurrentClocksThrottleReasons(h, r);
}

#ifdef FAKE_NVML_R535
#define V3_STRIDE sizeof(nvmlProcessInfo_v3_t)
#else
#define V3_STRIDE sizeof(nvmlProcessInfo_v2_t)
#endif

nvmlDeviceGetRunningProcesses_f nvmlDeviceGetComputeRunningProcesses_v3;
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t h, unsigned int *count,
                                                     void *infos)
{
    return get_procs(h, FC_PROCS, count, infos, V3_STRIDE);
}

nvmlDeviceGetRunningProcesses_f nvmlDeviceGetGraphicsRunningProcesses_v3;
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t h, unsigned int *count,
                                                      void *infos)
{
    return get_procs(h, FC_GPROCS, count, infos, V3_STRIDE);
}

nvmlDeviceGetRunningProcesses_f nvmlDeviceGetGraphicsRunningProcesses_v2;
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t h, unsigned int *count,
                                                      void *infos)
{
    return get_procs(h, FC_GPROCS, count, infos, sizeof(nvmlProcessInfo_v2_t));
}

/* Present only so that their presence tells the driver generation; vigil never calls them. */
nvmlReturn_t nvmlDeviceGetConfComputeMemSizeInfo(nvmlDevice_t h, void *info);
nvmlReturn_t nvmlDeviceGetConfComputeMemSizeInfo(nvmlDevice_t h, void *info)
{
    (void)h;
    (void)info;
    return NVML_ERROR_NOT_SUPPORTED;
}

#ifndef FAKE_NVML_R535
nvmlReturn_t nvmlDeviceGetRunningProcessDetailList(nvmlDevice_t h, void *list);
nvmlReturn_t nvmlDeviceGetRunningProcessDetailList(nvmlDevice_t h, void *list)
{
    (void)h;
    (void)list;
    return NVML_ERROR_NOT_SUPPORTED;
}
#endif

#endif /* FAKE_NVML_MINIMAL */
