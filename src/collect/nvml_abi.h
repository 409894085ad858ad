/*
 * nvml_abi: the part of NVIDIA's management library ABI that vigil uses, declared here from
 * the published API reference so that vigil builds without the driver's headers and loads
 * the library at run time (dlopen). Type and constant names follow NVML's own so the code
 * reads like its documentation; every function is declared as a function type (name_f) for
 * use through dlsym() pointers and by the test fake, which declares its definitions with
 * these types so that a signature drifting from this file fails to compile.
 *
 * Only layouts that NVML has published as stable are here; the static assertions pin the
 * sizes on LP64 Linux, the only ABI vigil supports.
 */
#ifndef VIGIL_NVML_ABI_H
#define VIGIL_NVML_ABI_H

#include <stddef.h>

/* Return codes (nvmlReturn_t). */
typedef enum nvmlReturn_enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_ALREADY_INITIALIZED = 5,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_INSUFFICIENT_POWER = 8,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_IRQ_ISSUE = 11,
    NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_CORRUPTED_INFOROM = 14,
    NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_RESET_REQUIRED = 16,
    NVML_ERROR_OPERATING_SYSTEM = 17,
    NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18,
    NVML_ERROR_IN_USE = 19,
    NVML_ERROR_MEMORY = 20,
    NVML_ERROR_NO_DATA = 21,
    NVML_ERROR_VGPU_ECC_NOT_SUPPORTED = 22,
    NVML_ERROR_INSUFFICIENT_RESOURCES = 23,
    NVML_ERROR_FREQ_NOT_SUPPORTED = 24,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25,
    NVML_ERROR_DEPRECATED = 26,
    NVML_ERROR_NOT_READY = 27,
    NVML_ERROR_GPU_NOT_FOUND = 28,
    NVML_ERROR_INVALID_STATE = 29,
    NVML_ERROR_UNKNOWN = 999,
} nvmlReturn_t;

/* A device handle: opaque, owned by the library, valid until nvmlShutdown(). */
typedef struct nvmlDevice_st *nvmlDevice_t;

/* Buffer sizes the API reference gives for its string queries (NUL included). */
#define NVML_DEVICE_NAME_V2_BUFFER_SIZE        96
#define NVML_DEVICE_UUID_V2_BUFFER_SIZE        96
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE     32
#define NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE  16
#define NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE 80
#define NVML_SYSTEM_NVML_VERSION_BUFFER_SIZE   80

/* What a process's usedGpuMemory holds when the driver cannot tell (e.g. under WDDM). */
#define NVML_VALUE_NOT_AVAILABLE (~0ULL)

/* Versioned structs carry their size in the low 24 bits and the version above them. */
#define NVML_STRUCT_VERSION(data, ver)                                                             \
    ((unsigned int)(sizeof(nvml##data##_v##ver##_t) | ((unsigned int)(ver) << 24U)))

typedef enum nvmlTemperatureSensors_enum {
    NVML_TEMPERATURE_GPU = 0,
} nvmlTemperatureSensors_t;

typedef enum nvmlClockType_enum {
    NVML_CLOCK_GRAPHICS = 0,
    NVML_CLOCK_SM = 1,
    NVML_CLOCK_MEM = 2,
    NVML_CLOCK_VIDEO = 3,
} nvmlClockType_t;

typedef struct nvmlUtilization_st {
    unsigned int gpu;    /* percent of the last sample period a kernel was running */
    unsigned int memory; /* percent of it device memory was being read or written */
} nvmlUtilization_t;

/* nvmlDeviceGetMemoryInfo (version 1). Bytes. */
typedef struct nvmlMemory_st {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;

/* nvmlDeviceGetMemoryInfo_v2: the caller sets version to nvmlMemory_v2; "used" no longer
 * counts the memory the driver reserves for itself. Bytes. */
typedef struct nvmlMemory_v2_st {
    unsigned int version;
    unsigned long long total;
    unsigned long long reserved;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_v2_t;

#define nvmlMemory_v2 NVML_STRUCT_VERSION(Memory, 2)

/* nvmlDeviceGetPciInfo_v3. */
typedef struct nvmlPciInfo_st {
    char busIdLegacy[NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId; /* device id << 16 | vendor id */
    unsigned int pciSubSystemId;
    char busId[NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE]; /* "00000000:17:00.0" */
} nvmlPciInfo_t;

/*
 * Running-process entries. The element layout the *RunningProcesses functions write depends
 * on the entry point and, for _v3, on the driver generation:
 *   no suffix  -> v1 (16 bytes)
 *   _v2        -> v2 (24 bytes)
 *   _v3        -> v2 layout on R510..R530 and again from R550 on; v3 layout (32 bytes, with
 *                 usedGpuCcProtectedMemory) on the R535 family, which changed the struct
 *                 without changing the entry point's name.
 * gpuInstanceId and computeInstanceId are 0xFFFFFFFF when MIG is off.
 */
typedef struct nvmlProcessInfo_v1_st {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} nvmlProcessInfo_v1_t;

typedef struct nvmlProcessInfo_v2_st {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} nvmlProcessInfo_v2_t;

typedef struct nvmlProcessInfo_v3_st {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
    unsigned long long usedGpuCcProtectedMemory;
} nvmlProcessInfo_v3_t;

/* Clock throttle ("clocks event") reasons, a bitmask. */
#define nvmlClocksThrottleReasonGpuIdle                   0x0000000000000001ULL
#define nvmlClocksThrottleReasonApplicationsClocksSetting 0x0000000000000002ULL
#define nvmlClocksThrottleReasonSwPowerCap                0x0000000000000004ULL
#define nvmlClocksThrottleReasonHwSlowdown                0x0000000000000008ULL
#define nvmlClocksThrottleReasonSyncBoost                 0x0000000000000010ULL
#define nvmlClocksThrottleReasonSwThermalSlowdown         0x0000000000000020ULL
#define nvmlClocksThrottleReasonHwThermalSlowdown         0x0000000000000040ULL
#define nvmlClocksThrottleReasonHwPowerBrakeSlowdown      0x0000000000000080ULL
#define nvmlClocksThrottleReasonDisplayClockSetting       0x0000000000000100ULL
#define nvmlClocksThrottleReasonNone                      0x0000000000000000ULL

_Static_assert(sizeof(nvmlReturn_t) == 4, "nvmlReturn_t is a 32-bit enum");
_Static_assert(sizeof(nvmlUtilization_t) == 8, "nvmlUtilization_t layout");
_Static_assert(sizeof(nvmlMemory_t) == 24, "nvmlMemory_t layout");
_Static_assert(sizeof(nvmlMemory_v2_t) == 40, "nvmlMemory_v2_t layout");
_Static_assert(offsetof(nvmlMemory_v2_t, used) == 32, "nvmlMemory_v2_t layout");
_Static_assert(nvmlMemory_v2 == 0x02000028u, "nvmlMemory_v2 is sizeof | 2 << 24");
_Static_assert(sizeof(nvmlPciInfo_t) == 68, "nvmlPciInfo_t layout");
_Static_assert(offsetof(nvmlPciInfo_t, busId) == 36, "nvmlPciInfo_t layout");
_Static_assert(sizeof(nvmlProcessInfo_v1_t) == 16, "nvmlProcessInfo_v1_t layout");
_Static_assert(sizeof(nvmlProcessInfo_v2_t) == 24, "nvmlProcessInfo_v2_t layout");
_Static_assert(sizeof(nvmlProcessInfo_v3_t) == 32, "nvmlProcessInfo_v3_t layout");

/* --- entry points, as function types --------------------------------------------------- */

/* Initialisation. nvmlInit is the pre-_v2 name (it also attaches to every GPU). */
typedef nvmlReturn_t nvmlInit_v2_f(void);
typedef nvmlReturn_t nvmlInit_f(void);
typedef nvmlReturn_t nvmlShutdown_f(void);

/* System queries. The CUDA version is encoded as 1000 * major + 10 * minor. */
typedef nvmlReturn_t nvmlSystemGetDriverVersion_f(char *version, unsigned int length);
typedef nvmlReturn_t nvmlSystemGetNVMLVersion_f(char *version, unsigned int length);
typedef nvmlReturn_t nvmlSystemGetCudaDriverVersion_f(int *cuda_driver_version);
typedef nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2_f(int *cuda_driver_version);

/* Devices. */
typedef nvmlReturn_t nvmlDeviceGetCount_v2_f(unsigned int *device_count);
typedef nvmlReturn_t nvmlDeviceGetCount_f(unsigned int *device_count);
typedef nvmlReturn_t nvmlDeviceGetHandleByIndex_v2_f(unsigned int index, nvmlDevice_t *device);
typedef nvmlReturn_t nvmlDeviceGetHandleByIndex_f(unsigned int index, nvmlDevice_t *device);
typedef nvmlReturn_t nvmlDeviceGetName_f(nvmlDevice_t device, char *name, unsigned int length);
typedef nvmlReturn_t nvmlDeviceGetUUID_f(nvmlDevice_t device, char *uuid, unsigned int length);
typedef nvmlReturn_t nvmlDeviceGetPciInfo_v3_f(nvmlDevice_t device, nvmlPciInfo_t *pci);
typedef nvmlReturn_t nvmlDeviceGetUtilizationRates_f(nvmlDevice_t device,
                                                     nvmlUtilization_t *utilization);
typedef nvmlReturn_t nvmlDeviceGetMemoryInfo_f(nvmlDevice_t device, nvmlMemory_t *memory);
typedef nvmlReturn_t nvmlDeviceGetMemoryInfo_v2_f(nvmlDevice_t device, nvmlMemory_v2_t *memory);
typedef nvmlReturn_t nvmlDeviceGetTemperature_f(nvmlDevice_t device,
                                                nvmlTemperatureSensors_t sensor,
                                                unsigned int *temp_c);
typedef nvmlReturn_t nvmlDeviceGetPowerUsage_f(nvmlDevice_t device, unsigned int *milliwatts);
typedef nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit_f(nvmlDevice_t device,
                                                       unsigned int *milliwatts);
typedef nvmlReturn_t nvmlDeviceGetPowerManagementLimit_f(nvmlDevice_t device,
                                                         unsigned int *milliwatts);
typedef nvmlReturn_t nvmlDeviceGetClockInfo_f(nvmlDevice_t device, nvmlClockType_t type,
                                              unsigned int *mhz);
typedef nvmlReturn_t nvmlDeviceGetFanSpeed_f(nvmlDevice_t device, unsigned int *percent);
/* Current throttle reasons; renamed ClocksEventReasons in R535, same bits. */
typedef nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons_f(nvmlDevice_t device,
                                                                 unsigned long long *reasons);
typedef nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons_f(nvmlDevice_t device,
                                                              unsigned long long *reasons);

/* Compute and graphics processes, every version: on entry *count is how many entries infos
 * has room for; on NVML_ERROR_INSUFFICIENT_SIZE it is set to how many are needed. The
 * element type depends on the version (see above), hence void *. */
typedef nvmlReturn_t nvmlDeviceGetRunningProcesses_f(nvmlDevice_t device, unsigned int *count,
                                                     void *infos);

#endif
