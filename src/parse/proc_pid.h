/*
 * proc_pid: /proc/<pid>/stat, the one per-process file vigil reads to measure an agent run
 * (its parent, CPU time, start time and resident set). Pure: bytes in, values out. The
 * second field is the command name in parentheses, which may itself hold spaces and
 * parentheses, so the fields after it are counted from the last ')'.
 */
#ifndef VIGIL_PROC_PID_H
#define VIGIL_PROC_PID_H

#include <stddef.h>
#include <stdint.h>

struct proc_pid_stat {
    uint32_t pid;
    char state; /* R, S, D, Z, ... */
    uint32_t ppid;
    uint64_t utime;     /* clock ticks in user mode (field 14) */
    uint64_t stime;     /* in kernel mode (15) */
    uint64_t cutime;    /* of children it waited for, user mode (16; negative reads as 0) */
    uint64_t cstime;    /* the same, kernel mode (17) */
    uint64_t starttime; /* clock ticks after boot when it started (22) */
    uint64_t rss_pages; /* resident pages (24), as statm's second field */
};

/* Parses /proc/<pid>/stat (len bytes, no NUL needed). 0 or -VIGIL_EINVAL. */
int proc_pid_stat_parse(const char *data, size_t len, struct proc_pid_stat *out);

#endif
