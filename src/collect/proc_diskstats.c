/*
 * collector_disk: read and write rates of whole disks from /proc/diskstats. A device is a
 * whole disk when <sysfs>/block/<name> exists (partitions live below their disk); one
 * whose slaves/ folder is not empty (dm-*, md*) is stacked on others and is reported but
 * left out of the totals, which would otherwise count the same bytes twice.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect/collector.h"
#include "collect/procfile.h"
#include "collect/rate.h"
#include "core/err.h"
#include "core/fault.h"
#include "parse/proc_diskstats.h"

#define DISK_BUF_SIZE ((size_t)256 * 1024) /* about 1,700 lines: loops and partitions included */
/* Devices remembered between cycles, partitions and stacked ones included, so that each is
 * looked up in sysfs once, when it appears, rather than every cycle. */
#define DISK_TRACK_MAX 256
#define DISK_PATH_MAX  4096

enum disk_kind {
    DISK_SKIP,    /* a partition or something else that is not a whole disk */
    DISK_WHOLE,   /* a physical (or virtual) whole disk: counted in the totals */
    DISK_STACKED, /* built on other disks: reported, not counted */
};

struct disk_slot {
    char name[HOST_NAME_LEN];
    enum disk_kind kind;
    bool seen; /* present in this cycle's file */
    struct rate rd, wr;
};

struct disk_state {
    struct procfile file;
    char *sysfs;   /* owned copy of the sysfs root */
    bool by_sysfs; /* how the slots were classified: sysfs, or the fallback name rule */
    bool primed;   /* a reading exists, so totals can have a rate */
    unsigned n_slots;
    unsigned hint; /* where the next line is expected: the file keeps its order */
    struct disk_slot slots[DISK_TRACK_MAX];
};

static void disk_destroy(void *state)
{
    struct disk_state *s = state;
    if (!s)
        return;
    procfile_release(&s->file);
    free(s->sysfs);
    free(s);
}

static void *disk_create(const struct collector_env *env)
{
    struct disk_state *s = vigil_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->sysfs = vigil_strdup(env->sysfs);
    if (!s->sysfs || procfile_init(&s->file, env->procfs, "diskstats", DISK_BUF_SIZE) != 0) {
        free(s->sysfs);
        free(s);
        return NULL;
    }
    s->by_sysfs = true;
    return s;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Memory- and file-backed devices, and floppies, are never disks worth a rate. */
static bool always_left_out(const char *name)
{
    return has_prefix(name, "loop") || has_prefix(name, "ram") || has_prefix(name, "zram") ||
           has_prefix(name, "fd");
}

/* Skips the run of characters that `accept` allows; returns how many there were. */
static size_t span(const char **p, int (*accept)(int))
{
    const char *start = *p;
    while (**p && accept((unsigned char)**p))
        (*p)++;
    return (size_t)(*p - start);
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_lower(int c)
{
    return c >= 'a' && c <= 'z';
}

/* node_exporter's partition rule, for when sysfs cannot be read: (h|s|v|xv)d[a-z]+N,
 * nvmeNnNpN and mmcblkNpN. */
static bool looks_like_partition(const char *name)
{
    const char *p = name;
    if (has_prefix(p, "xvd") || ((p[0] == 'h' || p[0] == 's' || p[0] == 'v') && p[1] == 'd')) {
        p += p[0] == 'x' ? 3 : 2;
        return span(&p, is_lower) > 0 && span(&p, is_digit) > 0 && *p == '\0';
    }
    if (has_prefix(p, "nvme")) {
        p += 4;
        return span(&p, is_digit) > 0 && *p++ == 'n' && span(&p, is_digit) > 0 && *p++ == 'p' &&
               span(&p, is_digit) > 0 && *p == '\0';
    }
    if (has_prefix(p, "mmcblk")) {
        p += 6;
        return span(&p, is_digit) > 0 && *p++ == 'p' && span(&p, is_digit) > 0 && *p == '\0';
    }
    return false;
}

static enum disk_kind classify_by_name(const char *name)
{
    if (looks_like_partition(name))
        return DISK_SKIP;
    /* Without sysfs there is no slaves/ to look at; these are stacked by construction. */
    if (has_prefix(name, "dm-") || has_prefix(name, "md"))
        return DISK_STACKED;
    return DISK_WHOLE;
}

/* Writes <sysfs>/block/<name><tail> to path; false if it does not fit or the name could
 * escape the folder. sysfs spells the '/' of names like cciss/c0d0 as '!'. */
static bool block_path(const struct disk_state *s, const char *name, const char *tail, char *path,
                       size_t n)
{
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    int len = snprintf(path, n, "%s/block/%s%s", s->sysfs, name, tail);
    if (len < 0 || (size_t)len >= n)
        return false;
    char *leaf = path + strlen(s->sysfs) + strlen("/block/");
    for (size_t i = 0, n_name = strlen(name); i < n_name; i++)
        if (leaf[i] == '/')
            leaf[i] = '!';
    return true;
}

static bool dir_has_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)) != NULL)
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return any;
}

static enum disk_kind classify_by_sysfs(const struct disk_state *s, const char *name)
{
    char path[DISK_PATH_MAX];
    struct stat st;
    if (!block_path(s, name, "", path, sizeof path) || stat(path, &st) != 0)
        return DISK_SKIP;
    if (block_path(s, name, "/slaves", path, sizeof path) && dir_has_entries(path))
        return DISK_STACKED;
    return DISK_WHOLE;
}

static enum disk_kind classify(const struct disk_state *s, const char *name)
{
    return s->by_sysfs ? classify_by_sysfs(s, name) : classify_by_name(name);
}

/* Decides, once a cycle, whether sysfs can be used; when that changes, every device is
 * looked at again under the new rule. */
static void check_sysfs(struct disk_state *s)
{
    char path[DISK_PATH_MAX];
    int len = snprintf(path, sizeof path, "%s/block", s->sysfs);
    bool ok = len > 0 && (size_t)len < sizeof path && access(path, R_OK | X_OK) == 0;
    if (ok == s->by_sysfs)
        return;
    s->by_sysfs = ok;
    for (unsigned i = 0; i < s->n_slots; i++)
        s->slots[i].kind = classify(s, s->slots[i].name);
}

static struct disk_slot *find_slot(struct disk_state *s, const char *name)
{
    if (s->hint < s->n_slots && strcmp(s->slots[s->hint].name, name) == 0)
        return &s->slots[s->hint++];
    for (unsigned i = 0; i < s->n_slots; i++) {
        if (strcmp(s->slots[i].name, name) == 0) {
            s->hint = i + 1;
            return &s->slots[i];
        }
    }
    return NULL;
}

/* A new device: classified now, and without a rate until its second reading. NULL when
 * the table is full (the device is then left out). */
static struct disk_slot *add_slot(struct disk_state *s, const char *name)
{
    if (s->n_slots == DISK_TRACK_MAX)
        return NULL;
    struct disk_slot *slot = &s->slots[s->n_slots++];
    memcpy(slot->name, name, sizeof slot->name);
    slot->seen = false;
    slot->kind = classify(s, name);
    rate_init(&slot->rd);
    rate_init(&slot->wr);
    return slot;
}

/* Forgets devices that have gone, keeping the order of the rest. */
static void drop_unseen(struct disk_state *s)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < s->n_slots; i++) {
        if (!s->slots[i].seen)
            continue;
        if (kept != i)
            s->slots[kept] = s->slots[i];
        kept++;
    }
    s->n_slots = kept;
}

static void take_device(struct disk_sample *d, struct disk_slot *slot,
                        const struct proc_diskstats_dev *dev, int64_t mono_ns)
{
    if (d->n_devices == HOST_MAX_DISKS)
        return;
    struct disk_device *out = &d->devices[d->n_devices++];
    double rd = 0, wr = 0;
    memcpy(out->name, slot->name, sizeof out->name);
    out->read_bytes = proc_diskstats_bytes(dev->sectors_read);
    out->write_bytes = proc_diskstats_bytes(dev->sectors_written);
    bool r_ok = rate_update(&slot->rd, out->read_bytes, mono_ns, &rd);
    bool w_ok = rate_update(&slot->wr, out->write_bytes, mono_ns, &wr);
    out->rate_valid = r_ok && w_ok;
    out->read_rate_mbps = out->rate_valid ? rd / HOST_MIB : 0;
    out->write_rate_mbps = out->rate_valid ? wr / HOST_MIB : 0;
    if (out->rate_valid && slot->kind == DISK_WHOLE) {
        d->read_rate_mbps += out->read_rate_mbps;
        d->write_rate_mbps += out->write_rate_mbps;
    }
}

static int disk_collect(void *state, int64_t mono_ns, struct host_sample *out, char *err,
                        size_t errlen)
{
    struct disk_state *s = state;
    struct disk_sample *d = &out->disk;
    struct proc_diskstats_iter it;
    struct proc_diskstats_dev dev;
    size_t len;

    d->valid = d->rate_valid = false;
    d->read_rate_mbps = d->write_rate_mbps = 0;
    d->n_devices = 0;
    int rc = procfile_read(&s->file, &len, err, errlen);
    if (rc != 0)
        return rc;

    check_sysfs(s);
    for (unsigned i = 0; i < s->n_slots; i++)
        s->slots[i].seen = false;
    s->hint = 0;
    proc_diskstats_begin(&it, s->file.buf, len);
    while (proc_diskstats_next(&it, &dev)) {
        if (always_left_out(dev.name))
            continue;
        struct disk_slot *slot = find_slot(s, dev.name);
        if (!slot)
            slot = add_slot(s, dev.name);
        if (!slot || slot->seen)
            continue; /* table full, or the name came twice */
        slot->seen = true;
        if (slot->kind != DISK_SKIP)
            take_device(d, slot, &dev, mono_ns);
    }
    drop_unseen(s);
    d->valid = true;
    d->rate_valid = s->primed;
    s->primed = true;
    return 0;
}

const struct collector_ops collector_disk = {
    .version = COLLECTOR_OPS_VERSION,
    .name = "disk",
    .create = disk_create,
    .destroy = disk_destroy,
    .collect = disk_collect,
};
