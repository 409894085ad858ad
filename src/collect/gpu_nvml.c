/*
 * gpu_nvml: NVIDIA GPUs through libnvidia-ml, opened with dlopen so that one binary runs on
 * hosts with and without the driver. Every entry point is looked up on its own and is
 * optional: a missing one leaves its figure absent. Versioned entry points are preferred
 * (nvmlInit_v2, ..._v2, ..._v3) with the older names as fallbacks.
 *
 * Failures are per figure: a call that fails nulls its value and the rest of the GPU is
 * still read; NVML_ERROR_GPU_IS_LOST nulls the whole GPU for the cycle. A figure the GPU
 * does not support (NVML_ERROR_NOT_SUPPORTED, e.g. the fan of a passively cooled board) is
 * said once and not asked for again. Other failures are logged once per change, per GPU.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/gpu_backend.h"
#include "collect/nvml_abi.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

/* Room for this many process entries per call, at the widest layout. A GPU with more
 * reports its process list as unreadable rather than a wrong one. */
#define PROC_ENTRIES    256
#define PROC_STRIDE_MAX sizeof(nvmlProcessInfo_v3_t)

struct nvml_api {
    nvmlInit_v2_f *init_v2;
    nvmlInit_f *init;
    nvmlShutdown_f *shutdown;
    nvmlSystemGetDriverVersion_f *driver_version;
    nvmlSystemGetNVMLVersion_f *nvml_version;
    nvmlSystemGetCudaDriverVersion_v2_f *cuda_version_v2;
    nvmlSystemGetCudaDriverVersion_f *cuda_version;
    nvmlDeviceGetCount_v2_f *count_v2;
    nvmlDeviceGetCount_f *count;
    nvmlDeviceGetHandleByIndex_v2_f *handle_v2;
    nvmlDeviceGetHandleByIndex_f *handle;
    nvmlDeviceGetName_f *name;
    nvmlDeviceGetUUID_f *uuid;
    nvmlDeviceGetPciInfo_v3_f *pci_v3;
    nvmlDeviceGetUtilizationRates_f *utilization;
    nvmlDeviceGetMemoryInfo_v2_f *memory_v2;
    nvmlDeviceGetMemoryInfo_f *memory;
    nvmlDeviceGetTemperature_f *temperature;
    nvmlDeviceGetPowerUsage_f *power;
    nvmlDeviceGetEnforcedPowerLimit_f *enforced_limit;
    nvmlDeviceGetPowerManagementLimit_f *management_limit;
    nvmlDeviceGetClockInfo_f *clock;
    nvmlDeviceGetFanSpeed_f *fan;
    nvmlDeviceGetCurrentClocksEventReasons_f *event_reasons;
    nvmlDeviceGetCurrentClocksThrottleReasons_f *throttle_reasons;
    nvmlDeviceGetRunningProcesses_f *compute_procs;
    size_t compute_stride;
    nvmlDeviceGetRunningProcesses_f *graphics_procs;
    size_t graphics_stride;
};

/* The figures asked for one by one, for the per-GPU bookkeeping of failures. */
enum call {
    CALL_HANDLE,
    CALL_NAME,
    CALL_UUID,
    CALL_PCI,
    CALL_UTILIZATION,
    CALL_MEMORY,
    CALL_TEMPERATURE,
    CALL_POWER,
    CALL_POWER_LIMIT,
    CALL_CLOCK_GRAPHICS,
    CALL_CLOCK_MEMORY,
    CALL_FAN,
    CALL_THROTTLE,
    CALL_COMPUTE_PROCS,
    CALL_GRAPHICS_PROCS,
    CALL_COUNT,
};

static const char *const call_names[CALL_COUNT] = {
    [CALL_HANDLE] = "handle",
    [CALL_NAME] = "name",
    [CALL_UUID] = "uuid",
    [CALL_PCI] = "pci info",
    [CALL_UTILIZATION] = "utilization",
    [CALL_MEMORY] = "memory",
    [CALL_TEMPERATURE] = "temperature",
    [CALL_POWER] = "power",
    [CALL_POWER_LIMIT] = "power limit",
    [CALL_CLOCK_GRAPHICS] = "graphics clock",
    [CALL_CLOCK_MEMORY] = "memory clock",
    [CALL_FAN] = "fan",
    [CALL_THROTTLE] = "throttle",
    [CALL_COMPUTE_PROCS] = "compute processes",
    [CALL_GRAPHICS_PROCS] = "graphics processes",
};

struct nvml_dev {
    nvmlDevice_t handle;
    bool have_handle;
    uint32_t have_static; /* GPU_F_NAME | GPU_F_UUID | GPU_F_PCI_BUS_ID once read */
    char name[GPU_NAME_LEN];
    char uuid[GPU_UUID_LEN];
    char bus_id[GPU_BUS_ID_LEN];
    uint32_t unsupported; /* 1 << enum call: answered NOT_SUPPORTED, not asked again */
    bool memory_v1;       /* the v2 memory query was refused: use the v1 one */
    struct log_latch latch;
};

/* The failures of one GPU during one cycle. */
struct failures {
    unsigned n;
    enum call call[CALL_COUNT];
    nvmlReturn_t rc[CALL_COUNT];
    bool lost;
};

struct gpu_nvml {
    void *lib;
    struct nvml_api api;
    char driver_version[GPU_VERSION_LEN];
    char nvml_version[GPU_VERSION_LEN];
    char cuda_version[16];
    unsigned n_devs;
    struct nvml_dev devs[GPU_MAX_DEVICES];
    unsigned char proc_buf[PROC_ENTRIES * PROC_STRIDE_MAX];
    struct gpu_process merged[2 * PROC_ENTRIES];
};

static const char *nvml_strerror(nvmlReturn_t rc)
{
    switch (rc) {
    case NVML_SUCCESS:
        return "success";
    case NVML_ERROR_UNINITIALIZED:
        return "not initialized";
    case NVML_ERROR_INVALID_ARGUMENT:
        return "invalid argument";
    case NVML_ERROR_NOT_SUPPORTED:
        return "not supported";
    case NVML_ERROR_NO_PERMISSION:
        return "no permission";
    case NVML_ERROR_ALREADY_INITIALIZED:
        return "already initialized";
    case NVML_ERROR_NOT_FOUND:
        return "not found";
    case NVML_ERROR_INSUFFICIENT_SIZE:
        return "insufficient size";
    case NVML_ERROR_INSUFFICIENT_POWER:
        return "insufficient power";
    case NVML_ERROR_DRIVER_NOT_LOADED:
        return "driver not loaded";
    case NVML_ERROR_TIMEOUT:
        return "timeout";
    case NVML_ERROR_IRQ_ISSUE:
        return "interrupt issue";
    case NVML_ERROR_LIBRARY_NOT_FOUND:
        return "library not found";
    case NVML_ERROR_FUNCTION_NOT_FOUND:
        return "function not found";
    case NVML_ERROR_CORRUPTED_INFOROM:
        return "corrupted inforom";
    case NVML_ERROR_GPU_IS_LOST:
        return "gpu is lost";
    case NVML_ERROR_RESET_REQUIRED:
        return "reset required";
    case NVML_ERROR_OPERATING_SYSTEM:
        return "blocked by the operating system";
    case NVML_ERROR_LIB_RM_VERSION_MISMATCH:
        return "library and driver versions differ";
    case NVML_ERROR_IN_USE:
        return "in use";
    case NVML_ERROR_MEMORY:
        return "out of memory";
    case NVML_ERROR_NO_DATA:
        return "no data";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH:
        return "argument version mismatch";
    case NVML_ERROR_NOT_READY:
        return "not ready";
    case NVML_ERROR_GPU_NOT_FOUND:
        return "gpu not found";
    default:
        break;
    }
    return "unknown error";
}

/* --- loading ---------------------------------------------------------------------------- */

#define SYM(lib, type, name) ((type *)dlsym(lib, name))

static bool has_sym(void *lib, const char *name)
{
    return dlsym(lib, name) != NULL;
}

/*
 * The *RunningProcesses entry points: the newest version present, and the element size it
 * writes. _v3 writes the v3 layout only on the R535 family, which added the confidential
 * computing queries but not yet nvmlDeviceGetRunningProcessDetailList (R550 brought that and
 * went back to the v2 layout). The buffer always has room for the widest layout, so a wrong
 * guess reads odd values but never writes past the buffer.
 */
static void resolve_procs(void *lib, const char *base, nvmlDeviceGetRunningProcesses_f **fn,
                          size_t *stride)
{
    char name[96];
    snprintf(name, sizeof name, "%s_v3", base);
    if ((*fn = SYM(lib, nvmlDeviceGetRunningProcesses_f, name))) {
        bool r535 = has_sym(lib, "nvmlDeviceGetConfComputeMemSizeInfo") &&
                    !has_sym(lib, "nvmlDeviceGetRunningProcessDetailList");
        *stride = r535 ? sizeof(nvmlProcessInfo_v3_t) : sizeof(nvmlProcessInfo_v2_t);
        return;
    }
    snprintf(name, sizeof name, "%s_v2", base);
    if ((*fn = SYM(lib, nvmlDeviceGetRunningProcesses_f, name))) {
        *stride = sizeof(nvmlProcessInfo_v2_t);
        return;
    }
    if ((*fn = SYM(lib, nvmlDeviceGetRunningProcesses_f, base)))
        *stride = sizeof(nvmlProcessInfo_v1_t);
}

static void resolve(void *lib, struct nvml_api *a)
{
    a->init_v2 = SYM(lib, nvmlInit_v2_f, "nvmlInit_v2");
    a->init = SYM(lib, nvmlInit_f, "nvmlInit");
    a->shutdown = SYM(lib, nvmlShutdown_f, "nvmlShutdown");
    a->driver_version = SYM(lib, nvmlSystemGetDriverVersion_f, "nvmlSystemGetDriverVersion");
    a->nvml_version = SYM(lib, nvmlSystemGetNVMLVersion_f, "nvmlSystemGetNVMLVersion");
    a->cuda_version_v2 =
        SYM(lib, nvmlSystemGetCudaDriverVersion_v2_f, "nvmlSystemGetCudaDriverVersion_v2");
    a->cuda_version = SYM(lib, nvmlSystemGetCudaDriverVersion_f, "nvmlSystemGetCudaDriverVersion");
    a->count_v2 = SYM(lib, nvmlDeviceGetCount_v2_f, "nvmlDeviceGetCount_v2");
    a->count = SYM(lib, nvmlDeviceGetCount_f, "nvmlDeviceGetCount");
    a->handle_v2 = SYM(lib, nvmlDeviceGetHandleByIndex_v2_f, "nvmlDeviceGetHandleByIndex_v2");
    a->handle = SYM(lib, nvmlDeviceGetHandleByIndex_f, "nvmlDeviceGetHandleByIndex");
    a->name = SYM(lib, nvmlDeviceGetName_f, "nvmlDeviceGetName");
    a->uuid = SYM(lib, nvmlDeviceGetUUID_f, "nvmlDeviceGetUUID");
    a->pci_v3 = SYM(lib, nvmlDeviceGetPciInfo_v3_f, "nvmlDeviceGetPciInfo_v3");
    a->utilization = SYM(lib, nvmlDeviceGetUtilizationRates_f, "nvmlDeviceGetUtilizationRates");
    a->memory_v2 = SYM(lib, nvmlDeviceGetMemoryInfo_v2_f, "nvmlDeviceGetMemoryInfo_v2");
    a->memory = SYM(lib, nvmlDeviceGetMemoryInfo_f, "nvmlDeviceGetMemoryInfo");
    a->temperature = SYM(lib, nvmlDeviceGetTemperature_f, "nvmlDeviceGetTemperature");
    a->power = SYM(lib, nvmlDeviceGetPowerUsage_f, "nvmlDeviceGetPowerUsage");
    a->enforced_limit =
        SYM(lib, nvmlDeviceGetEnforcedPowerLimit_f, "nvmlDeviceGetEnforcedPowerLimit");
    a->management_limit =
        SYM(lib, nvmlDeviceGetPowerManagementLimit_f, "nvmlDeviceGetPowerManagementLimit");
    a->clock = SYM(lib, nvmlDeviceGetClockInfo_f, "nvmlDeviceGetClockInfo");
    a->fan = SYM(lib, nvmlDeviceGetFanSpeed_f, "nvmlDeviceGetFanSpeed");
    a->event_reasons = SYM(lib, nvmlDeviceGetCurrentClocksEventReasons_f,
                           "nvmlDeviceGetCurrentClocksEventReasons");
    a->throttle_reasons = SYM(lib, nvmlDeviceGetCurrentClocksThrottleReasons_f,
                              "nvmlDeviceGetCurrentClocksThrottleReasons");
    resolve_procs(lib, "nvmlDeviceGetComputeRunningProcesses", &a->compute_procs,
                  &a->compute_stride);
    resolve_procs(lib, "nvmlDeviceGetGraphicsRunningProcesses", &a->graphics_procs,
                  &a->graphics_stride);
}

static void *load(const char *path, char *reason, size_t n)
{
    if (path) {
        void *lib = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
        if (!lib) {
            /* dlerror() starts with the path again: "<path>: cannot open shared object..." */
            const char *e = dlerror();
            size_t len = strlen(path);
            if (e && strncmp(e, path, len) == 0 && e[len] == ':' && e[len + 1] == ' ')
                e += len + 2;
            snprintf(reason, n, "cannot load '%s': %s", path, e ? e : "unknown error");
        }
        return lib;
    }
    static const char *const names[] = {"libnvidia-ml.so.1", "libnvidia-ml.so"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        void *lib = dlopen(names[i], RTLD_LAZY | RTLD_LOCAL);
        if (lib)
            return lib;
    }
    snprintf(reason, n, "NVIDIA management library not found (libnvidia-ml.so.1)");
    return NULL;
}

static void read_versions(struct gpu_nvml *g)
{
    const struct nvml_api *a = &g->api;
    char buf[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    if (a->driver_version && a->driver_version(buf, sizeof buf) == NVML_SUCCESS)
        gpu_copy(g->driver_version, sizeof g->driver_version, buf, sizeof buf);
    if (a->nvml_version && a->nvml_version(buf, sizeof buf) == NVML_SUCCESS)
        gpu_copy(g->nvml_version, sizeof g->nvml_version, buf, sizeof buf);
    int cuda = 0;
    nvmlReturn_t rc = NVML_ERROR_FUNCTION_NOT_FOUND;
    if (a->cuda_version_v2)
        rc = a->cuda_version_v2(&cuda);
    else if (a->cuda_version)
        rc = a->cuda_version(&cuda);
    if (rc == NVML_SUCCESS && cuda > 0)
        snprintf(g->cuda_version, sizeof g->cuda_version, "%d.%d", cuda / 1000, (cuda % 1000) / 10);
}

static void unload(struct gpu_nvml *g, bool initialised)
{
    if (initialised && g->api.shutdown)
        g->api.shutdown();
    if (g->lib)
        dlclose(g->lib);
    free(g);
}

int gpu_nvml_open(const char *path, struct gpu_nvml **out, char *reason, size_t n)
{
    *out = NULL;
    struct gpu_nvml *g = vigil_calloc(1, sizeof *g);
    if (!g) {
        snprintf(reason, n, "out of memory");
        return -VIGIL_ENOMEM;
    }
    g->lib = load(path, reason, n);
    if (!g->lib) {
        free(g);
        return -VIGIL_ENOENT;
    }
    resolve(g->lib, &g->api);
    struct nvml_api *a = &g->api;
    nvmlInit_f *init = a->init_v2 ? a->init_v2 : a->init;
    nvmlDeviceGetCount_f *count = a->count_v2 ? a->count_v2 : a->count;
    if (!init || !count || (!a->handle_v2 && !a->handle)) {
        snprintf(reason, n, "the NVIDIA management library lacks nvmlInit or device queries");
        unload(g, false);
        return -VIGIL_ENOTSUP;
    }
    nvmlReturn_t rc = init();
    if (rc != NVML_SUCCESS) {
        snprintf(reason, n, "cannot initialise NVML: %s", nvml_strerror(rc));
        unload(g, false);
        return -VIGIL_ENOTSUP;
    }
    unsigned cnt = 0;
    rc = count(&cnt);
    if (rc != NVML_SUCCESS || cnt == 0) {
        snprintf(reason, n, "%s%s", rc != NVML_SUCCESS ? "cannot count GPUs: " : "no NVIDIA GPU",
                 rc != NVML_SUCCESS ? nvml_strerror(rc) : " found");
        unload(g, true);
        return -VIGIL_ENOTSUP;
    }
    if (cnt > GPU_MAX_DEVICES) {
        log_warn("gpu", "%u NVIDIA GPUs found, reporting the first %d", cnt, GPU_MAX_DEVICES);
        cnt = GPU_MAX_DEVICES;
    }
    g->n_devs = cnt;
    read_versions(g);
    log_info("gpu", "NVML: %u GPU%s, driver %s, CUDA %s", cnt, cnt == 1 ? "" : "s",
             g->driver_version[0] ? g->driver_version : "unknown",
             g->cuda_version[0] ? g->cuda_version : "unknown");
    *out = g;
    return 0;
}

void gpu_nvml_close(struct gpu_nvml *g)
{
    if (g)
        unload(g, true);
}

/* --- collecting ------------------------------------------------------------------------- */

/* Records the outcome of one call: true when it succeeded. NOT_SUPPORTED is remembered so
 * the call is not made again; GPU_IS_LOST ends the GPU's cycle. */
static bool outcome(struct nvml_dev *dev, struct failures *f, enum call c, nvmlReturn_t rc)
{
    if (rc == NVML_SUCCESS)
        return true;
    if (rc == NVML_ERROR_NOT_SUPPORTED) {
        dev->unsupported |= 1u << c;
        return false;
    }
    if (rc == NVML_ERROR_GPU_IS_LOST)
        f->lost = true;
    if (f->n < CALL_COUNT) {
        f->call[f->n] = c;
        f->rc[f->n] = rc;
        f->n++;
    }
    return false;
}

/* Whether call c is worth making on dev: the entry point exists, the GPU is not lost this
 * cycle and did not say it lacks the feature. */
static bool wanted(const struct nvml_dev *dev, const struct failures *f, enum call c,
                   const void *fn)
{
    return fn && !f->lost && !(dev->unsupported & (1u << c));
}

static void read_static(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f)
{
    const struct nvml_api *a = &g->api;
    char buf[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    if (!(dev->have_static & GPU_F_NAME) && wanted(dev, f, CALL_NAME, (void *)a->name) &&
        outcome(dev, f, CALL_NAME, a->name(dev->handle, buf, sizeof buf))) {
        gpu_copy(dev->name, sizeof dev->name, buf, sizeof buf);
        dev->have_static |= GPU_F_NAME;
    }
    if (!(dev->have_static & GPU_F_UUID) && wanted(dev, f, CALL_UUID, (void *)a->uuid) &&
        outcome(dev, f, CALL_UUID, a->uuid(dev->handle, buf, sizeof buf))) {
        gpu_copy(dev->uuid, sizeof dev->uuid, buf, sizeof buf);
        dev->have_static |= GPU_F_UUID;
    }
    nvmlPciInfo_t pci;
    if (!(dev->have_static & GPU_F_PCI_BUS_ID) && wanted(dev, f, CALL_PCI, (void *)a->pci_v3) &&
        outcome(dev, f, CALL_PCI, a->pci_v3(dev->handle, &pci))) {
        gpu_copy(dev->bus_id, sizeof dev->bus_id, pci.busId, sizeof pci.busId);
        dev->have_static |= GPU_F_PCI_BUS_ID;
    }
}

static void read_memory(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                        struct gpu_device *d)
{
    const struct nvml_api *a = &g->api;
    if (!dev->memory_v1 && wanted(dev, f, CALL_MEMORY, (void *)a->memory_v2)) {
        nvmlMemory_v2_t m = {.version = nvmlMemory_v2};
        nvmlReturn_t rc = a->memory_v2(dev->handle, &m);
        if (rc == NVML_ERROR_ARGUMENT_VERSION_MISMATCH || rc == NVML_ERROR_FUNCTION_NOT_FOUND ||
            rc == NVML_ERROR_NOT_SUPPORTED) {
            /* An older driver behind a newer library, or a GPU (vGPU) without the v2 query:
             * the v1 query still answers, counting reserved memory as used. */
            dev->memory_v1 = true;
        } else {
            if (outcome(dev, f, CALL_MEMORY, rc)) {
                d->memory_used = m.used;
                d->memory_total = m.total;
                d->valid |= GPU_F_MEMORY_USED | GPU_F_MEMORY_TOTAL;
            }
            return;
        }
    }
    nvmlMemory_t m;
    if (wanted(dev, f, CALL_MEMORY, (void *)a->memory) &&
        outcome(dev, f, CALL_MEMORY, a->memory(dev->handle, &m))) {
        d->memory_used = m.used;
        d->memory_total = m.total;
        d->valid |= GPU_F_MEMORY_USED | GPU_F_MEMORY_TOTAL;
    }
}

static void read_power(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                       struct gpu_device *d)
{
    const struct nvml_api *a = &g->api;
    unsigned mw;
    if (wanted(dev, f, CALL_POWER, (void *)a->power) &&
        outcome(dev, f, CALL_POWER, a->power(dev->handle, &mw))) {
        d->power_draw = mw / 1000.0;
        d->valid |= GPU_F_POWER_DRAW;
    }
    nvmlDeviceGetEnforcedPowerLimit_f *limit =
        a->enforced_limit ? a->enforced_limit : a->management_limit;
    if (wanted(dev, f, CALL_POWER_LIMIT, (void *)limit) &&
        outcome(dev, f, CALL_POWER_LIMIT, limit(dev->handle, &mw))) {
        d->power_limit = mw / 1000.0;
        d->valid |= GPU_F_POWER_LIMIT;
    }
}

static void read_clocks(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                        struct gpu_device *d)
{
    const struct nvml_api *a = &g->api;
    unsigned mhz;
    if (wanted(dev, f, CALL_CLOCK_GRAPHICS, (void *)a->clock) &&
        outcome(dev, f, CALL_CLOCK_GRAPHICS, a->clock(dev->handle, NVML_CLOCK_GRAPHICS, &mhz))) {
        d->clock_graphics = mhz;
        d->valid |= GPU_F_CLOCK_GRAPHICS;
    }
    if (wanted(dev, f, CALL_CLOCK_MEMORY, (void *)a->clock) &&
        outcome(dev, f, CALL_CLOCK_MEMORY, a->clock(dev->handle, NVML_CLOCK_MEM, &mhz))) {
        d->clock_memory = mhz;
        d->valid |= GPU_F_CLOCK_MEMORY;
    }
}

static void read_misc(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                      struct gpu_device *d)
{
    const struct nvml_api *a = &g->api;
    nvmlUtilization_t u;
    if (wanted(dev, f, CALL_UTILIZATION, (void *)a->utilization) &&
        outcome(dev, f, CALL_UTILIZATION, a->utilization(dev->handle, &u))) {
        d->utilization = u.gpu;
        d->memory_utilization = u.memory;
        d->valid |= GPU_F_UTILIZATION | GPU_F_MEMORY_UTILIZATION;
    }
    unsigned v;
    if (wanted(dev, f, CALL_TEMPERATURE, (void *)a->temperature) &&
        outcome(dev, f, CALL_TEMPERATURE, a->temperature(dev->handle, NVML_TEMPERATURE_GPU, &v))) {
        d->temperature = v;
        d->valid |= GPU_F_TEMPERATURE;
    }
    if (wanted(dev, f, CALL_FAN, (void *)a->fan) &&
        outcome(dev, f, CALL_FAN, a->fan(dev->handle, &v))) {
        d->fan = v;
        d->valid |= GPU_F_FAN;
    }
    nvmlDeviceGetCurrentClocksEventReasons_f *reasons =
        a->event_reasons ? a->event_reasons : a->throttle_reasons;
    unsigned long long mask;
    if (wanted(dev, f, CALL_THROTTLE, (void *)reasons) &&
        outcome(dev, f, CALL_THROTTLE, reasons(dev->handle, &mask))) {
        d->throttle_reasons = mask;
        d->valid |= GPU_F_THROTTLE;
    }
}

/* Adds the entries of one process list to g->merged[0..*n), merging a pid already there
 * (a process with both a compute and a graphics context) by keeping its larger figure. */
static void merge_procs(struct gpu_nvml *g, unsigned count, size_t stride, size_t *n)
{
    for (unsigned i = 0; i < count; i++) {
        const unsigned char *e = g->proc_buf + (size_t)i * stride;
        unsigned pid;
        unsigned long long mem;
        memcpy(&pid, e + offsetof(nvmlProcessInfo_v2_t, pid), sizeof pid);
        memcpy(&mem, e + offsetof(nvmlProcessInfo_v2_t, usedGpuMemory), sizeof mem);
        bool mem_ok = mem != NVML_VALUE_NOT_AVAILABLE;
        size_t j = 0;
        while (j < *n && (g->merged[j].pid != pid || pid == 0))
            j++;
        struct gpu_process *p = &g->merged[j];
        if (j == *n) {
            if (*n >= sizeof g->merged / sizeof g->merged[0])
                return;
            (*n)++;
            memset(p, 0, sizeof *p);
            p->pid = pid;
        }
        if (mem_ok && (!p->memory_valid || mem > p->memory_used)) {
            p->memory_used = mem;
            p->memory_valid = true;
        }
    }
}

enum list_read { LIST_SKIPPED, LIST_READ, LIST_FAILED };

static enum list_read read_proc_list(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                                     enum call c, nvmlDeviceGetRunningProcesses_f *fn,
                                     size_t stride, size_t *n)
{
    if (!wanted(dev, f, c, (void *)fn))
        return LIST_SKIPPED;
    unsigned count = PROC_ENTRIES;
    nvmlReturn_t rc = fn(dev->handle, &count, g->proc_buf);
    if (!outcome(dev, f, c, rc))
        return rc == NVML_ERROR_NOT_SUPPORTED ? LIST_SKIPPED : LIST_FAILED;
    if (count > PROC_ENTRIES)
        count = PROC_ENTRIES; /* a library that overstates; the buffer holds no more */
    merge_procs(g, count, stride, n);
    return LIST_READ;
}

/* The process list is valid when every list the GPU offers was read: half a list would
 * show a busy GPU as idle. */
static void read_procs(struct gpu_nvml *g, struct nvml_dev *dev, struct failures *f,
                       struct gpu_device *d, struct gpu_procs *procs)
{
    const struct nvml_api *a = &g->api;
    size_t n = 0;
    enum list_read compute =
        read_proc_list(g, dev, f, CALL_COMPUTE_PROCS, a->compute_procs, a->compute_stride, &n);
    enum list_read graphics =
        read_proc_list(g, dev, f, CALL_GRAPHICS_PROCS, a->graphics_procs, a->graphics_stride, &n);
    if (compute == LIST_FAILED || graphics == LIST_FAILED ||
        (compute == LIST_SKIPPED && graphics == LIST_SKIPPED))
        return;
    gpu_device_set_procs(d, g->merged, n);
    for (unsigned i = 0; i < d->n_procs; i++)
        gpu_procs_fill(procs, &d->procs[i]);
    d->valid |= GPU_F_PROCESSES;
}

/* Logs the GPU's failures once per change, and the features it lacks once. */
static void report(struct nvml_dev *dev, unsigned index, const struct failures *f,
                   uint32_t unsupported_before)
{
    uint32_t fresh = dev->unsupported & ~unsupported_before;
    for (int c = 0; c < CALL_COUNT; c++)
        if (fresh & (1u << c))
            log_info("gpu", "gpu %u: %s not supported", index, call_names[c]);

    if (f->n == 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "gpu %u: every figure readable again", index);
        log_latch_clear(&dev->latch, "gpu", msg);
        return;
    }
    char msg[sizeof dev->latch.last];
    if (f->lost) {
        snprintf(msg, sizeof msg, "gpu %u: gpu is lost", index);
        log_latch_set(&dev->latch, LOG_WARN, "gpu", msg);
        return;
    }
    int len = snprintf(msg, sizeof msg, "gpu %u: cannot read ", index);
    for (unsigned i = 0; i < f->n && len > 0 && (size_t)len < sizeof msg; i++)
        len += snprintf(msg + len, sizeof msg - (size_t)len, "%s%s (%s)", i ? ", " : "",
                        call_names[f->call[i]], nvml_strerror(f->rc[i]));
    log_latch_set(&dev->latch, LOG_WARN, "gpu", msg);
}

static void collect_one(struct gpu_nvml *g, unsigned i, struct gpu_device *d,
                        struct gpu_procs *procs, char *problem, size_t n)
{
    struct nvml_dev *dev = &g->devs[i];
    const struct nvml_api *a = &g->api;
    struct failures f = {0};
    uint32_t unsupported_before = dev->unsupported;

    gpu_device_reset(d);
    d->index = i;
    d->vendor = GPU_VENDOR_NVIDIA;
    if (!dev->have_handle) {
        nvmlDeviceGetHandleByIndex_f *get = a->handle_v2 ? a->handle_v2 : a->handle;
        dev->have_handle = outcome(dev, &f, CALL_HANDLE, get(i, &dev->handle));
    }
    if (dev->have_handle) {
        read_static(g, dev, &f);
        read_misc(g, dev, &f, d);
        read_memory(g, dev, &f, d);
        read_power(g, dev, &f, d);
        read_clocks(g, dev, &f, d);
        read_procs(g, dev, &f, d, procs);
    }
    if (f.lost) {
        /* What was read before the loss is not trusted either; the names still identify it. */
        gpu_device_reset(d);
        d->index = i;
        d->vendor = GPU_VENDOR_NVIDIA;
        d->lost = true;
    }
    memcpy(d->name, dev->name, sizeof d->name);
    memcpy(d->uuid, dev->uuid, sizeof d->uuid);
    memcpy(d->pci_bus_id, dev->bus_id, sizeof d->pci_bus_id);
    d->valid |= dev->have_static;
    if (f.lost)
        snprintf(d->error, sizeof d->error, "gpu is lost");
    else if (f.n > 0)
        snprintf(d->error, sizeof d->error, "cannot read %s: %s", call_names[f.call[0]],
                 nvml_strerror(f.rc[0]));
    if (d->error[0] && problem[0] == '\0')
        snprintf(problem, n, "gpu %u: %s", i, d->error);
    report(dev, i, &f, unsupported_before);
}

void gpu_nvml_collect(struct gpu_nvml *g, struct gpu_sample *out, struct gpu_procs *procs,
                      char *problem, size_t n)
{
    memcpy(out->driver_version, g->driver_version, sizeof out->driver_version);
    memcpy(out->nvml_version, g->nvml_version, sizeof out->nvml_version);
    memcpy(out->cuda_version, g->cuda_version, sizeof out->cuda_version);
    for (unsigned i = 0; i < g->n_devs && out->n_devices < GPU_MAX_DEVICES; i++)
        collect_one(g, i, &out->devices[out->n_devices++], procs, problem, n);
}
