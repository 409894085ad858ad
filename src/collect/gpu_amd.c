/*
 * gpu_amd: AMD GPUs through the files the amdgpu driver puts in sysfs, no ROCm needed.
 * Cards are <sysfs>/class/drm/card<N> whose device/vendor is 0x1002; each figure comes from
 * one file (gpu_busy_percent, mem_info_vram_*, hwmon temp/power/pwm, pp_dpm_*clk) and is
 * simply absent when its file is (older kernels, APUs, virtual functions).
 *
 * Processes come from /proc/<pid>/fdinfo of the DRM file descriptors a process holds
 * (drm-pdev names the card, drm-memory-vram the memory), readable for the daemon's own
 * user's processes or with CAP_SYS_PTRACE. Walking every process's descriptors is the
 * costly part, so it runs every PROC_SCAN_NS and the list is reused in between.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collect/gpu_backend.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

#define AMD_VENDOR     0x1002
#define PATH_LEN       512
#define CARD_MAX_PROCS ((size_t)2 * GPU_MAX_PROCS) /* before keeping the largest */
#define PROC_SCAN_NS   (5LL * 1000000000LL)
#define CLIENTS_MAX    64 /* DRM clients remembered per process, to count each once */

struct amd_card {
    unsigned index; /* N of card<N> */
    char dev[PATH_LEN];
    char hwmon[PATH_LEN]; /* "" when the card has none */
    char bus_id[GPU_BUS_ID_LEN];
    char name[GPU_NAME_LEN];
    char uuid[GPU_UUID_LEN];
    size_t n_procs;
    struct gpu_process procs[CARD_MAX_PROCS];
    struct log_latch latch;
};

struct gpu_amd {
    char *procfs;
    unsigned n;
    struct amd_card cards[GPU_MAX_DEVICES];
    bool scanned;
    bool procs_ok; /* the last scan could list <procfs> */
    int64_t next_scan;
    char pid_dents[16384];
    char fd_dents[8192];
};

/* One DRM file descriptor's fdinfo. */
struct drm_fdinfo {
    char pdev[GPU_BUS_ID_LEN];
    uint64_t client_id;
    bool has_client;
    uint64_t vram; /* bytes */
    bool has_vram;
    bool vram_legacy; /* from drm-memory-vram, which wins over drm-resident-vram */
};

/* --- finding the cards ------------------------------------------------------------------ */

static int path_join(char *out, size_t n, const char *a, const char *b)
{
    int k = snprintf(out, n, "%s/%s", a, b);
    return (k < 0 || (size_t)k >= n) ? -VIGIL_E2BIG : 0;
}

static void read_text(const char *dir, const char *file, char *out, size_t n)
{
    char path[PATH_LEN + 64], buf[256];
    out[0] = '\0';
    if (path_join(path, sizeof path, dir, file) < 0)
        return;
    ssize_t len = gpu_read_file(path, buf, sizeof buf);
    if (len > 0)
        gpu_copy(out, n, buf, (size_t)len);
}

static int read_num(const char *dir, const char *file, uint64_t *v)
{
    char path[PATH_LEN + 64];
    if (!dir[0] || path_join(path, sizeof path, dir, file) < 0)
        return -VIGIL_ENOENT;
    return gpu_read_u64(path, v);
}

/* The PCI address from the device's uevent ("PCI_SLOT_NAME=0000:03:00.0"), which is there
 * whether device is the usual symlink or, in a fixture, a directory. */
static void read_bus_id(struct amd_card *c)
{
    char path[PATH_LEN + 16], buf[1024];
    if (path_join(path, sizeof path, c->dev, "uevent") < 0 ||
        gpu_read_file(path, buf, sizeof buf) <= 0)
        return;
    const char *key = "PCI_SLOT_NAME=";
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (strncmp(line, key, strlen(key)) == 0) {
            const char *v = line + strlen(key);
            gpu_copy(c->bus_id, sizeof c->bus_id, v, nl ? (size_t)(nl - v) : strlen(v));
            return;
        }
        line = nl ? nl + 1 : NULL;
    }
}

static void find_hwmon(struct amd_card *c)
{
    char path[PATH_LEN + 16];
    c->hwmon[0] = '\0';
    if (path_join(path, sizeof path, c->dev, "hwmon") < 0)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "hwmon", 5) == 0 &&
            path_join(c->hwmon, sizeof c->hwmon, path, e->d_name) == 0)
            break;
        c->hwmon[0] = '\0';
    }
    closedir(d);
}

static void describe_card(struct amd_card *c)
{
    read_bus_id(c);
    find_hwmon(c);
    read_text(c->dev, "product_name", c->name, sizeof c->name);
    if (!c->name[0]) {
        uint64_t id = 0;
        if (read_num(c->dev, "device", &id) == 0)
            snprintf(c->name, sizeof c->name, "AMD GPU [1002:%04llx]", (unsigned long long)id);
        else
            snprintf(c->name, sizeof c->name, "AMD GPU");
    }
    read_text(c->dev, "unique_id", c->uuid, sizeof c->uuid);
}

/* "card<digits>" and nothing more: connectors (card0-DP-1) and render nodes are not cards. */
static bool card_number(const char *name, unsigned *n)
{
    if (strncmp(name, "card", 4) != 0 || name[4] < '0' || name[4] > '9')
        return false;
    char *end;
    unsigned long v = strtoul(name + 4, &end, 10);
    if (*end != '\0' || v > 1u << 20)
        return false;
    *n = (unsigned)v;
    return true;
}

static int cmp_card(const void *a, const void *b)
{
    const struct amd_card *x = a, *y = b;
    return (x->index > y->index) - (x->index < y->index);
}

static void scan_cards(struct gpu_amd *a, const char *drm)
{
    DIR *d = opendir(drm);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && a->n < GPU_MAX_DEVICES) {
        unsigned num;
        if (!card_number(e->d_name, &num))
            continue;
        struct amd_card *c = &a->cards[a->n];
        char card[PATH_LEN];
        uint64_t vendor = 0;
        if (path_join(card, sizeof card, drm, e->d_name) < 0 ||
            path_join(c->dev, sizeof c->dev, card, "device") < 0 ||
            read_num(c->dev, "vendor", &vendor) < 0 || vendor != AMD_VENDOR)
            continue;
        c->index = num;
        a->n++;
    }
    closedir(d);
    qsort(a->cards, a->n, sizeof a->cards[0], cmp_card);
    for (unsigned i = 0; i < a->n; i++)
        describe_card(&a->cards[i]);
}

int gpu_amd_open(const struct collector_env *env, struct gpu_amd **out, char *reason, size_t n)
{
    *out = NULL;
    char drm[PATH_LEN];
    if (path_join(drm, sizeof drm, env->sysfs, "class/drm") < 0) {
        snprintf(reason, n, "sysfs path too long");
        return -VIGIL_ENOTSUP;
    }
    struct gpu_amd *a = vigil_calloc(1, sizeof *a);
    if (!a || !(a->procfs = vigil_strdup(env->procfs))) {
        free(a);
        snprintf(reason, n, "out of memory");
        return -VIGIL_ENOMEM;
    }
    scan_cards(a, drm);
    if (a->n == 0) {
        snprintf(reason, n, "no AMD GPU under '%s'", drm);
        gpu_amd_close(a);
        return -VIGIL_ENOTSUP;
    }
    log_info("gpu", "amdgpu: %u GPU%s", a->n, a->n == 1 ? "" : "s");
    *out = a;
    return 0;
}

void gpu_amd_close(struct gpu_amd *a)
{
    if (!a)
        return;
    free(a->procfs);
    free(a);
}

/* --- processes -------------------------------------------------------------------------- */

/* "1234 KiB" and the like, as drm_print_memory_stats() writes sizes. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno != 0)
        return false;
    while (*end == ' ' || *end == '\t')
        end++;
    unsigned shift = 0;
    if (strncmp(end, "KiB", 3) == 0)
        shift = 10;
    else if (strncmp(end, "MiB", 3) == 0)
        shift = 20;
    else if (strncmp(end, "GiB", 3) == 0)
        shift = 30;
    if (shift && v > (~0ULL >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static void parse_fdinfo(char *text, struct drm_fdinfo *fi)
{
    memset(fi, 0, sizeof *fi);
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            uint64_t x;
            if (strcmp(line, "drm-pdev") == 0) {
                gpu_copy(fi->pdev, sizeof fi->pdev, v, strlen(v));
            } else if (strcmp(line, "drm-client-id") == 0 && parse_size(v, &x)) {
                fi->client_id = x;
                fi->has_client = true;
            } else if (strcmp(line, "drm-memory-vram") == 0 && parse_size(v, &x)) {
                fi->vram = x;
                fi->has_vram = fi->vram_legacy = true;
            } else if (strcmp(line, "drm-resident-vram") == 0 && !fi->vram_legacy &&
                       parse_size(v, &x)) {
                fi->vram = x;
                fi->has_vram = true;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
}

static struct amd_card *card_of(struct gpu_amd *a, const char *pdev)
{
    for (unsigned i = 0; i < a->n; i++)
        if (a->cards[i].bus_id[0] && strcmp(a->cards[i].bus_id, pdev) == 0)
            return &a->cards[i];
    return NULL;
}

/* Adds bytes to pid's entry on card c. */
static void add_usage(struct amd_card *c, uint32_t pid, uint64_t bytes, bool has)
{
    size_t i = 0;
    while (i < c->n_procs && c->procs[i].pid != pid)
        i++;
    if (i == c->n_procs) {
        if (c->n_procs >= CARD_MAX_PROCS)
            return;
        memset(&c->procs[i], 0, sizeof c->procs[i]);
        c->procs[i].pid = pid;
        c->n_procs++;
    }
    if (has) {
        c->procs[i].memory_used += bytes;
        c->procs[i].memory_valid = true;
    }
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Calls fn for each entry of the directory open as fd, with buf as getdents64 space.
 * opendir() would allocate on every call; this does not. */
static void each_entry(int fd, char *buf, size_t cap, void (*fn)(void *, int, const char *),
                       void *ctx)
{
    for (;;) {
        ssize_t n = getdents64(fd, buf, cap);
        if (n <= 0)
            return;
        for (ssize_t off = 0; off < n;) {
            struct dirent64 *e = (struct dirent64 *)(void *)(buf + off);
            off += e->d_reclen;
            if (e->d_name[0] != '.')
                fn(ctx, fd, e->d_name);
        }
    }
}

struct pid_scan {
    struct gpu_amd *a;
    uint32_t pid;
    unsigned n_clients;
    struct {
        uint64_t id;
        const struct amd_card *card;
    } clients[CLIENTS_MAX];
};

static bool seen_client(struct pid_scan *s, const struct amd_card *c, uint64_t id)
{
    for (unsigned i = 0; i < s->n_clients; i++)
        if (s->clients[i].id == id && s->clients[i].card == c)
            return true;
    if (s->n_clients < CLIENTS_MAX) {
        s->clients[s->n_clients].id = id;
        s->clients[s->n_clients].card = c;
        s->n_clients++;
    }
    return false;
}

static void visit_fd(void *ctx, int dirfd, const char *name)
{
    struct pid_scan *s = ctx;
    char target[64];
    ssize_t n = readlinkat(dirfd, name, target, sizeof target - 1);
    if (n <= 0)
        return;
    target[n] = '\0';
    if (strncmp(target, "/dev/dri/", 9) != 0)
        return;
    char path[PATH_LEN + 64], text[2048];
    int k = snprintf(path, sizeof path, "%s/%u/fdinfo/%s", s->a->procfs, s->pid, name);
    if (k < 0 || (size_t)k >= sizeof path || gpu_read_file(path, text, sizeof text) <= 0)
        return;
    struct drm_fdinfo fi;
    parse_fdinfo(text, &fi);
    struct amd_card *c = card_of(s->a, fi.pdev);
    if (!c)
        return;
    if (fi.has_client && seen_client(s, c, fi.client_id))
        return; /* another descriptor of the same DRM client */
    add_usage(c, s->pid, fi.vram, fi.has_vram);
}

static void visit_pid(void *ctx, int procfd, const char *name)
{
    struct gpu_amd *a = ctx;
    if (!all_digits(name))
        return;
    char path[32];
    snprintf(path, sizeof path, "%.20s/fd", name);
    int fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; /* another user's process, or gone */
    struct pid_scan s = {.a = a};
    s.pid = (uint32_t)strtoul(name, NULL, 10);
    each_entry(fd, a->fd_dents, sizeof a->fd_dents, visit_fd, &s);
    close(fd);
}

static void scan_procs(struct gpu_amd *a)
{
    for (unsigned i = 0; i < a->n; i++)
        a->cards[i].n_procs = 0;
    int fd = open(a->procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    a->procs_ok = fd >= 0;
    if (fd < 0)
        return;
    each_entry(fd, a->pid_dents, sizeof a->pid_dents, visit_pid, a);
    close(fd);
}

/* --- figures ---------------------------------------------------------------------------- */

/* The current level of a pp_dpm_*clk table, the line marked '*': "1: 1000Mhz *". */
static bool current_clock(const char *dev, const char *file, unsigned *mhz)
{
    char path[PATH_LEN + 64], buf[1024];
    if (path_join(path, sizeof path, dev, file) < 0 || gpu_read_file(path, buf, sizeof buf) <= 0)
        return false;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon && strchr(colon, '*')) {
            char *end;
            unsigned long v = strtoul(colon + 1, &end, 10);
            if (end != colon + 1 && (*end == 'M' || *end == 'm') && v < 1000000) {
                *mhz = (unsigned)v;
                return true;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return false;
}

static void read_card(struct amd_card *c, struct gpu_device *d, int *err, const char **what)
{
    uint64_t v, w;
    int rc = read_num(c->dev, "gpu_busy_percent", &v);
    if (rc == 0 && v <= 100) {
        d->utilization = (unsigned)v;
        d->valid |= GPU_F_UTILIZATION;
    } else if (rc < 0 && rc != vigil_errno(ENOENT)) {
        *err = rc; /* present but unreadable: the GPU is in trouble */
        *what = "gpu_busy_percent";
    }
    if (read_num(c->dev, "mem_busy_percent", &v) == 0 && v <= 100) {
        d->memory_utilization = (unsigned)v;
        d->valid |= GPU_F_MEMORY_UTILIZATION;
    }
    if (read_num(c->dev, "mem_info_vram_used", &v) == 0) {
        d->memory_used = v;
        d->valid |= GPU_F_MEMORY_USED;
    }
    if (read_num(c->dev, "mem_info_vram_total", &v) == 0) {
        d->memory_total = v;
        d->valid |= GPU_F_MEMORY_TOTAL;
    }
    if (read_num(c->hwmon, "temp1_input", &v) == 0) {
        d->temperature = (double)v / 1000.0; /* millidegrees */
        d->valid |= GPU_F_TEMPERATURE;
    }
    if (read_num(c->hwmon, "power1_average", &v) == 0 ||
        read_num(c->hwmon, "power1_input", &v) == 0) {
        d->power_draw = (double)v / 1e6; /* microwatts */
        d->valid |= GPU_F_POWER_DRAW;
    }
    if (read_num(c->hwmon, "power1_cap", &v) == 0) {
        d->power_limit = (double)v / 1e6;
        d->valid |= GPU_F_POWER_LIMIT;
    }
    if (read_num(c->hwmon, "pwm1", &v) == 0) {
        if (read_num(c->hwmon, "pwm1_max", &w) < 0)
            w = 255;
        if (w > 0 && v <= w) {
            d->fan = (unsigned)((v * 100 + w / 2) / w);
            d->valid |= GPU_F_FAN;
        }
    }
    unsigned mhz;
    if (current_clock(c->dev, "pp_dpm_sclk", &mhz)) {
        d->clock_graphics = mhz;
        d->valid |= GPU_F_CLOCK_GRAPHICS;
    }
    if (current_clock(c->dev, "pp_dpm_mclk", &mhz)) {
        d->clock_memory = mhz;
        d->valid |= GPU_F_CLOCK_MEMORY;
    }
}

static void collect_card(struct amd_card *c, bool procs_ok, struct gpu_device *d,
                         struct gpu_procs *procs, char *problem, size_t n)
{
    gpu_device_reset(d);
    d->vendor = GPU_VENDOR_AMD; /* its index is its place in the sample, set by the caller */
    memcpy(d->name, c->name, sizeof d->name);
    d->valid |= GPU_F_NAME;
    if (c->uuid[0]) {
        memcpy(d->uuid, c->uuid, sizeof d->uuid);
        d->valid |= GPU_F_UUID;
    }
    if (c->bus_id[0]) {
        memcpy(d->pci_bus_id, c->bus_id, sizeof d->pci_bus_id);
        d->valid |= GPU_F_PCI_BUS_ID;
    }
    int err = 0;
    const char *what = "";
    read_card(c, d, &err, &what);
    if (err) {
        snprintf(d->error, sizeof d->error, "cannot read %s: %s", what, vigil_strerror(err));
        char msg[sizeof c->latch.last];
        snprintf(msg, sizeof msg, "amdgpu card%u: %s", c->index, d->error);
        log_latch_set(&c->latch, LOG_WARN, "gpu", msg);
        if (!problem[0])
            snprintf(problem, n, "%s", msg);
    } else {
        char msg[64];
        snprintf(msg, sizeof msg, "amdgpu card%u: readable again", c->index);
        log_latch_clear(&c->latch, "gpu", msg);
    }
    if (!procs_ok)
        return;
    gpu_device_set_procs(d, c->procs, c->n_procs);
    for (unsigned i = 0; i < d->n_procs; i++)
        gpu_procs_fill(procs, &d->procs[i]);
    d->valid |= GPU_F_PROCESSES;
}

void gpu_amd_collect(struct gpu_amd *a, int64_t now_ns, struct gpu_sample *out,
                     struct gpu_procs *procs, char *problem, size_t n)
{
    if (!a->scanned || now_ns >= a->next_scan) {
        scan_procs(a);
        a->scanned = true;
        a->next_scan = now_ns + PROC_SCAN_NS;
    }
    for (unsigned i = 0; i < a->n && out->n_devices < GPU_MAX_DEVICES; i++) {
        struct gpu_device *d = &out->devices[out->n_devices];
        collect_card(&a->cards[i], a->procs_ok, d, procs, problem, n);
        d->index = out->n_devices++;
    }
}
