/*
 * gpu: the GPUs of this host, one sample per collection cycle. NVIDIA through NVML loaded
 * at run time (no link-time dependency), AMD through the amdgpu sysfs files, and for every
 * process on a GPU its short name and the model it serves. No GPU, no library, no driver is
 * a normal state: the sample says available=false and why.
 *
 * The sample is plain data with fixed-size tables, like host.h: it can be copied and read by
 * another thread without ownership questions. Every figure has its own valid bit (nvtop's
 * idea): a value the hardware or driver did not give is absent, never zero.
 *
 * Collection is slow by design of the drivers (an NVML call can take milliseconds), so a
 * gpu_collector is meant to be driven from one dedicated thread: create it anywhere, then
 * call gpu_collector_collect() from that thread every interval. Only gpu_collector_state()
 * may be called from other threads.
 */
#ifndef VIGIL_GPU_H
#define VIGIL_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/collector.h"
#include "collect/target_models.h"

#define GPU_MAX_DEVICES 16
#define GPU_MAX_PROCS   64 /* per GPU; the ones using the most memory are kept */

#define GPU_NAME_LEN    96 /* product name, NUL included (NVML's own limit) */
#define GPU_UUID_LEN    96
#define GPU_BUS_ID_LEN  32 /* "00000000:17:00.0" */
#define GPU_VERSION_LEN 80
#define GPU_REASON_LEN  256 /* why the GPUs are unavailable or degraded */
#define GPU_ERROR_LEN   96  /* what is wrong with one GPU */
#define GPU_COMM_LEN    17  /* short process name, at most 16 characters */
#define GPU_MODEL_LEN   129 /* model name, at most 128 characters */

enum gpu_vendor {
    GPU_VENDOR_UNKNOWN = 0,
    GPU_VENDOR_NVIDIA,
    GPU_VENDOR_AMD,
};

/* "nvidia", "amd" or "unknown". */
const char *gpu_vendor_name(enum gpu_vendor v);

/* Valid bits of struct gpu_device: one per figure. */
enum gpu_field {
    GPU_F_NAME = 1u << 0,
    GPU_F_UUID = 1u << 1,
    GPU_F_PCI_BUS_ID = 1u << 2,
    GPU_F_UTILIZATION = 1u << 3,
    GPU_F_MEMORY_UTILIZATION = 1u << 4,
    GPU_F_MEMORY_USED = 1u << 5,
    GPU_F_MEMORY_TOTAL = 1u << 6,
    GPU_F_TEMPERATURE = 1u << 7,
    GPU_F_POWER_DRAW = 1u << 8,
    GPU_F_POWER_LIMIT = 1u << 9,
    GPU_F_CLOCK_GRAPHICS = 1u << 10,
    GPU_F_CLOCK_MEMORY = 1u << 11,
    GPU_F_FAN = 1u << 12,
    GPU_F_THROTTLE = 1u << 13,
    GPU_F_PROCESSES = 1u << 14, /* the process list was read (it may be empty) */
};

/* Throttle reasons: the bit values are NVML's, so its mask passes through unchanged; AMD
 * reports none. */
#define GPU_THROTTLE_GPU_IDLE                0x001ULL
#define GPU_THROTTLE_APPLICATIONS_CLOCKS     0x002ULL
#define GPU_THROTTLE_SW_POWER_CAP            0x004ULL
#define GPU_THROTTLE_HW_SLOWDOWN             0x008ULL
#define GPU_THROTTLE_SYNC_BOOST              0x010ULL
#define GPU_THROTTLE_SW_THERMAL_SLOWDOWN     0x020ULL
#define GPU_THROTTLE_HW_THERMAL_SLOWDOWN     0x040ULL
#define GPU_THROTTLE_HW_POWER_BRAKE_SLOWDOWN 0x080ULL
#define GPU_THROTTLE_DISPLAY_CLOCK_SETTING   0x100ULL
#define GPU_THROTTLE_WORDS_MAX               10 /* the nine above plus "unknown" */

/* Decodes a throttle mask into words ("sw_power_cap", "hw_thermal_slowdown", ...; bits
 * vigil does not know give one "unknown"), lowest bit first. Fills up to max static strings
 * into words and returns how many it filled. */
unsigned gpu_throttle_words(uint64_t mask, const char **words, unsigned max);

/* Writes the words of mask joined by sep into out (always NUL-terminated; "" for an empty
 * mask). Returns the length the whole text needs, like snprintf. */
size_t gpu_throttle_format(uint64_t mask, const char *sep, char *out, size_t n);

struct gpu_process {
    uint32_t pid;
    bool memory_valid;
    uint64_t memory_used;      /* bytes of GPU memory */
    char comm[GPU_COMM_LEN];   /* short name from /proc/<pid>/comm; "" when unreadable */
    char model[GPU_MODEL_LEN]; /* the model it serves; "" when none is known */
};

struct gpu_device {
    uint32_t valid; /* GPU_F_* bits: which figures below were measured this cycle */
    unsigned index; /* its place in the sample: NVIDIA GPUs first, by NVML's index, then
                       AMD cards by card number; stable while the backends are */
    enum gpu_vendor vendor;
    bool lost;                 /* NVML says it fell off the bus; only its names are valid */
    char error[GPU_ERROR_LEN]; /* the first failure this cycle, "" if none */
    char name[GPU_NAME_LEN];
    char uuid[GPU_UUID_LEN];
    char pci_bus_id[GPU_BUS_ID_LEN];
    unsigned utilization;        /* percent, 0..100 */
    unsigned memory_utilization; /* percent of time the memory controller was busy */
    uint64_t memory_used;        /* bytes */
    uint64_t memory_total;       /* bytes */
    double temperature;          /* degrees Celsius */
    double power_draw;           /* watts */
    double power_limit;          /* watts, the limit being enforced */
    unsigned clock_graphics;     /* MHz */
    unsigned clock_memory;       /* MHz */
    unsigned fan;                /* percent of maximum speed */
    uint64_t throttle_reasons;   /* GPU_THROTTLE_* bits */
    unsigned n_procs;
    bool procs_truncated; /* more than GPU_MAX_PROCS processes; the largest are kept */
    struct gpu_process procs[GPU_MAX_PROCS];
};

static inline bool gpu_device_has(const struct gpu_device *d, enum gpu_field f)
{
    return (d->valid & (uint32_t)f) != 0;
}

enum gpu_state {
    GPU_STATE_STARTING = 0, /* not collected yet */
    GPU_STATE_OK,           /* GPUs found, every readable figure read */
    GPU_STATE_DEGRADED,     /* GPUs found, but one is lost or a call fails unexpectedly */
    GPU_STATE_UNAVAILABLE,  /* no GPU, library or driver: a normal state, not an error */
};

/* "starting", "ok", "degraded", "unavailable". */
const char *gpu_state_name(enum gpu_state s);

struct gpu_sample {
    int64_t ts_ms;   /* real time of the reading, unix ms */
    int64_t mono_ns; /* monotonic time of the reading */
    bool available;  /* at least one GPU was found */
    enum gpu_state state;
    char reason[GPU_REASON_LEN];          /* why unavailable or degraded; "" when ok */
    char backends[16];                    /* "nvml", "amdgpu", "nvml+amdgpu" or "" */
    char driver_version[GPU_VERSION_LEN]; /* NVIDIA driver; "" unknown or no NVML */
    char nvml_version[GPU_VERSION_LEN];   /* "12.550.54.15"; "" unknown */
    char cuda_version[16];                /* highest CUDA the driver supports, "12.4"; "" */
    unsigned n_devices;
    struct gpu_device devices[GPU_MAX_DEVICES];
};

struct gpu_collector;

/*
 * Returns a new collector (free it with gpu_collector_free()), or NULL when out of memory.
 * env is copied. nvml_path names the NVML library to load; NULL tries "libnvidia-ml.so.1"
 * then "libnvidia-ml.so" through the dynamic linker's search path. Nothing is loaded or
 * scanned here: the first gpu_collector_collect() does it, on the thread that collects,
 * and a backend found unavailable is tried again at most once a minute.
 */
struct gpu_collector *gpu_collector_new(const struct collector_env *env, const char *nvml_path);

/*
 * Reads every GPU once into out (caller-owned; about 175 KiB, so keep it off small stacks).
 * Every field is written except the devices past n_devices and the processes past n_procs,
 * which are left as they were: copy only what the counts cover. Never fails because a GPU,
 * a field or the library is missing: that is in out->available, out->reason and the valid
 * bits, and is logged once per change. Returns 0, or -VIGIL_EINVAL for NULL arguments.
 */
int gpu_collector_collect(struct gpu_collector *c, struct gpu_sample *out);

/* The state after the last collection and its reason (copied into reason, may be NULL).
 * Safe from any thread: it is what /health shows. */
enum gpu_state gpu_collector_state(struct gpu_collector *c, char *reason, size_t n);

/* Shuts the backends down (nvmlShutdown, dlclose) and frees c. NULL is a no-op. */
void gpu_collector_free(struct gpu_collector *c);
/* Lets the collector name models from inference targets (see gpu_procs_set_models). */
void gpu_collector_set_models(struct gpu_collector *c, struct target_models *tm);

#endif
