/*
 * proc_stat: the cpu lines of /proc/stat ("cpu" for all cores together, "cpuN" per
 * online core) as jiffy counters. Pure: bytes in, values out. CPU ids may have holes
 * (offline cores); ids at or above HOST_MAX_CPUS are skipped.
 */
#ifndef VIGIL_PROC_STAT_H
#define VIGIL_PROC_STAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/host.h"

/* The columns in the kernel's order. guest and guest_nice are already counted in user
 * and nice, so they are kept but never added to a total. */
enum proc_stat_field {
    PROC_STAT_USER,
    PROC_STAT_NICE,
    PROC_STAT_SYSTEM,
    PROC_STAT_IDLE,
    PROC_STAT_IOWAIT,
    PROC_STAT_IRQ,
    PROC_STAT_SOFTIRQ,
    PROC_STAT_STEAL,
    PROC_STAT_GUEST,
    PROC_STAT_GUEST_NICE,
    PROC_STAT_NFIELDS
};

struct proc_stat_times {
    uint64_t v[PROC_STAT_NFIELDS]; /* columns the line lacks are 0 */
};

struct proc_stat {
    struct proc_stat_times all;  /* the "cpu" line */
    unsigned n_ids;              /* highest id seen + 1 (0 when no cpuN line) */
    unsigned n_present;          /* cpuN lines taken */
    unsigned n_bad;              /* cpuN lines skipped: malformed, repeated or id too high */
    bool present[HOST_MAX_CPUS]; /* whether cpu[i] was read this time */
    struct proc_stat_times cpu[HOST_MAX_CPUS]; /* meaningful where present[i] */
};

/* Parses the cpu lines of data (len bytes, no NUL needed) into *out, which the caller
 * owns (it is large: keep it off small stacks). Lines other than cpu lines are skipped;
 * parsing stops at the first one after the cpu lines, as the kernel prints those first.
 * A cpu line needs at least user, nice, system and idle. Returns 0, or -VIGIL_EINVAL when
 * there is no well-formed "cpu" line. */
int proc_stat_parse(const char *data, size_t len, struct proc_stat *out);

/* Jiffies of every kind (guest excluded, being inside user and nice). */
uint64_t proc_stat_total(const struct proc_stat_times *t);
/* Jiffies not busy: idle plus iowait. */
uint64_t proc_stat_idle(const struct proc_stat_times *t);

#endif
