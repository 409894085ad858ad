/*
 * gpu: the collector that composes the vendor backends, keeps each one's availability and
 * retries a missing one at most once a minute, and turns their outcome into a state that
 * /health can show. Also the helpers the backends share.
 */
#include "collect/gpu.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/gpu_backend.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

#define RETRY_NS (60LL * 1000000000LL)
/* Each backend's reason fits twice in the sample's, with the labels. */
#define BACKEND_REASON_LEN (GPU_REASON_LEN / 2 - 10)

/* --- shared helpers --------------------------------------------------------------------- */

ssize_t gpu_read_file(const char *path, char *buf, size_t cap)
{
    if (cap == 0)
        return -VIGIL_EINVAL;
    buf[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return vigil_errno(errno);
    size_t len = 0;
    while (len < cap - 1) {
        ssize_t r = read(fd, buf + len, cap - 1 - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            buf[len] = '\0';
            return vigil_errno(e);
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

int gpu_read_u64(const char *path, uint64_t *out)
{
    char buf[64];
    ssize_t n = gpu_read_file(path, buf, sizeof buf);
    if (n < 0)
        return (int)n;
    char *s = buf;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return -VIGIL_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s)
        return -VIGIL_EINVAL;
    while (*end == ' ' || *end == '\n' || *end == '\t')
        end++;
    if (*end != '\0')
        return -VIGIL_EINVAL;
    *out = v;
    return 0;
}

void gpu_copy(char *dst, size_t n, const char *src, size_t len)
{
    if (n == 0)
        return;
    size_t k = strnlen(src, len);
    if (k > 0 && src[k - 1] == '\n')
        k--;
    if (k > n - 1)
        k = n - 1;
    memcpy(dst, src, k);
    dst[k] = '\0';
}

void gpu_device_reset(struct gpu_device *d)
{
    /* Everything before the process table; entries past n_procs are never read. */
    memset(d, 0, offsetof(struct gpu_device, procs));
}

static int cmp_proc(const void *a, const void *b)
{
    const struct gpu_process *x = a, *y = b;
    uint64_t mx = x->memory_valid ? x->memory_used : 0;
    uint64_t my = y->memory_valid ? y->memory_used : 0;
    if (mx != my)
        return mx > my ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

void gpu_device_set_procs(struct gpu_device *d, struct gpu_process *procs, size_t n)
{
    qsort(procs, n, sizeof *procs, cmp_proc);
    d->procs_truncated = n > GPU_MAX_PROCS;
    if (n > GPU_MAX_PROCS)
        n = GPU_MAX_PROCS;
    memcpy(d->procs, procs, n * sizeof *procs);
    d->n_procs = (unsigned)n;
}

/* --- names ------------------------------------------------------------------------------ */

const char *gpu_vendor_name(enum gpu_vendor v)
{
    switch (v) {
    case GPU_VENDOR_NVIDIA:
        return "nvidia";
    case GPU_VENDOR_AMD:
        return "amd";
    case GPU_VENDOR_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *gpu_state_name(enum gpu_state s)
{
    switch (s) {
    case GPU_STATE_STARTING:
        return "starting";
    case GPU_STATE_OK:
        return "ok";
    case GPU_STATE_DEGRADED:
        return "degraded";
    case GPU_STATE_UNAVAILABLE:
        return "unavailable";
    }
    return "unknown";
}

static const struct {
    uint64_t bit;
    const char *word;
} throttle_words[] = {
    {GPU_THROTTLE_GPU_IDLE, "gpu_idle"},
    {GPU_THROTTLE_APPLICATIONS_CLOCKS, "applications_clocks_setting"},
    {GPU_THROTTLE_SW_POWER_CAP, "sw_power_cap"},
    {GPU_THROTTLE_HW_SLOWDOWN, "hw_slowdown"},
    {GPU_THROTTLE_SYNC_BOOST, "sync_boost"},
    {GPU_THROTTLE_SW_THERMAL_SLOWDOWN, "sw_thermal_slowdown"},
    {GPU_THROTTLE_HW_THERMAL_SLOWDOWN, "hw_thermal_slowdown"},
    {GPU_THROTTLE_HW_POWER_BRAKE_SLOWDOWN, "hw_power_brake_slowdown"},
    {GPU_THROTTLE_DISPLAY_CLOCK_SETTING, "display_clock_setting"},
};

unsigned gpu_throttle_words(uint64_t mask, const char **words, unsigned max)
{
    unsigned n = 0;
    uint64_t known = 0;
    for (size_t i = 0; i < sizeof throttle_words / sizeof throttle_words[0]; i++) {
        known |= throttle_words[i].bit;
        if ((mask & throttle_words[i].bit) && n < max)
            words[n++] = throttle_words[i].word;
    }
    if ((mask & ~known) && n < max)
        words[n++] = "unknown";
    return n;
}

size_t gpu_throttle_format(uint64_t mask, const char *sep, char *out, size_t n)
{
    const char *words[GPU_THROTTLE_WORDS_MAX];
    unsigned k = gpu_throttle_words(mask, words, GPU_THROTTLE_WORDS_MAX);
    size_t need = 0;
    if (n > 0)
        out[0] = '\0';
    for (unsigned i = 0; i < k; i++) {
        const char *parts[2] = {i > 0 ? sep : "", words[i]};
        for (int j = 0; j < 2; j++) {
            size_t len = strlen(parts[j]);
            if (n > 0 && need < n - 1) {
                size_t room = n - 1 - need;
                size_t c = len < room ? len : room;
                memcpy(out + need, parts[j], c);
                out[need + c] = '\0';
            }
            need += len;
        }
    }
    return need;
}

/* --- the collector ---------------------------------------------------------------------- */

struct gpu_collector {
    struct collector_env env;
    char *procfs;
    char *sysfs;
    char *nvml_path; /* NULL: the default names */
    struct gpu_procs *procs;

    struct gpu_nvml *nvml;
    int64_t nvml_next_try;
    char nvml_reason[BACKEND_REASON_LEN];

    struct gpu_amd *amd;
    int64_t amd_next_try;
    char amd_reason[BACKEND_REASON_LEN];

    bool tried; /* the backends have been tried once */
    struct log_latch unavailable;

    pthread_mutex_t lock; /* guards state and reason, read by other threads */
    enum gpu_state state;
    char reason[GPU_REASON_LEN];
};

struct gpu_collector *gpu_collector_new(const struct collector_env *env, const char *nvml_path)
{
    struct gpu_collector *c = vigil_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->procfs = vigil_strdup(env && env->procfs ? env->procfs : "/proc");
    c->sysfs = vigil_strdup(env && env->sysfs ? env->sysfs : "/sys");
    c->nvml_path = nvml_path ? vigil_strdup(nvml_path) : NULL;
    if (!c->procfs || !c->sysfs || (nvml_path && !c->nvml_path)) {
        gpu_collector_free(c);
        return NULL;
    }
    c->procs = gpu_procs_new(c->procfs);
    if (!c->procs || pthread_mutex_init(&c->lock, NULL) != 0) {
        gpu_procs_free(c->procs);
        c->procs = NULL;
        free(c->procfs);
        free(c->sysfs);
        free(c->nvml_path);
        free(c);
        return NULL;
    }
    c->env.procfs = c->procfs;
    c->env.sysfs = c->sysfs;
    c->state = GPU_STATE_STARTING;
    return c;
}

void gpu_collector_set_models(struct gpu_collector *c, struct target_models *tm)
{
    gpu_procs_set_models(c->procs, tm);
}

void gpu_collector_free(struct gpu_collector *c)
{
    if (!c)
        return;
    gpu_nvml_close(c->nvml);
    gpu_amd_close(c->amd);
    if (c->procs) {
        gpu_procs_free(c->procs);
        pthread_mutex_destroy(&c->lock);
    }
    free(c->procfs);
    free(c->sysfs);
    free(c->nvml_path);
    free(c);
}

/* Tries the backends that are not open and due for a try. A failure to open is normal (no
 * GPU of that vendor) and stays quiet: the collector says it once, for both. */
static void open_backends(struct gpu_collector *c, int64_t now)
{
    if (!c->nvml && (!c->tried || now >= c->nvml_next_try)) {
        if (gpu_nvml_open(c->nvml_path, &c->nvml, c->nvml_reason, sizeof c->nvml_reason) < 0)
            c->nvml_next_try = now + RETRY_NS;
    }
    if (!c->amd && (!c->tried || now >= c->amd_next_try)) {
        if (gpu_amd_open(&c->env, &c->amd, c->amd_reason, sizeof c->amd_reason) < 0)
            c->amd_next_try = now + RETRY_NS;
    }
    c->tried = true;
}

static void reset_sample(struct gpu_sample *out, int64_t now)
{
    out->ts_ms = clock_real_ms();
    out->mono_ns = now;
    out->available = false;
    out->state = GPU_STATE_UNAVAILABLE;
    out->reason[0] = '\0';
    out->backends[0] = '\0';
    out->driver_version[0] = '\0';
    out->nvml_version[0] = '\0';
    out->cuda_version[0] = '\0';
    out->n_devices = 0;
}

static void publish(struct gpu_collector *c, struct gpu_sample *out, const char *problem)
{
    out->available = out->n_devices > 0;
    if (!out->available) {
        out->state = GPU_STATE_UNAVAILABLE;
        snprintf(out->reason, sizeof out->reason, "nvml: %s; amdgpu: %s",
                 c->nvml ? "no GPU found" : c->nvml_reason,
                 c->amd ? "no GPU found" : c->amd_reason);
        char msg[GPU_REASON_LEN + 32];
        snprintf(msg, sizeof msg, "no GPU available (%s)", out->reason);
        log_latch_set(&c->unavailable, LOG_INFO, "gpu", msg);
    } else if (problem[0]) {
        out->state = GPU_STATE_DEGRADED;
        snprintf(out->reason, sizeof out->reason, "%s", problem);
    } else {
        out->state = GPU_STATE_OK;
    }
    /* A degraded state is not logged here: the backends log each GPU's trouble once. */
    if (out->available)
        log_latch_clear(&c->unavailable, "gpu", "GPUs available again");

    pthread_mutex_lock(&c->lock);
    c->state = out->state;
    memcpy(c->reason, out->reason, sizeof c->reason);
    pthread_mutex_unlock(&c->lock);
}

int gpu_collector_collect(struct gpu_collector *c, struct gpu_sample *out)
{
    if (!c || !out)
        return -VIGIL_EINVAL;
    int64_t now = clock_mono_ns();
    reset_sample(out, now);
    open_backends(c, now);
    gpu_procs_begin(c->procs, now);

    char problem[GPU_REASON_LEN] = "";
    if (c->nvml)
        gpu_nvml_collect(c->nvml, out, c->procs, problem, sizeof problem);
    if (c->amd)
        gpu_amd_collect(c->amd, now, out, c->procs, problem, sizeof problem);
    snprintf(out->backends, sizeof out->backends, "%s%s%s", c->nvml ? "nvml" : "",
             c->nvml && c->amd ? "+" : "", c->amd ? "amdgpu" : "");
    publish(c, out, problem);
    return 0;
}

enum gpu_state gpu_collector_state(struct gpu_collector *c, char *reason, size_t n)
{
    pthread_mutex_lock(&c->lock);
    enum gpu_state s = c->state;
    if (reason && n > 0)
        snprintf(reason, n, "%s", c->reason);
    pthread_mutex_unlock(&c->lock);
    return s;
}
