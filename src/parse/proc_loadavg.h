/*
 * proc_loadavg: /proc/loadavg ("0.52 0.58 0.59 2/1234 56789"). Pure: bytes in, values
 * out. The file is one line; its final newline is optional here because a cut anywhere
 * in the figures we use would also drop the last field, which is required.
 */
#ifndef VIGIL_PROC_LOADAVG_H
#define VIGIL_PROC_LOADAVG_H

#include <stddef.h>
#include <stdint.h>

struct proc_loadavg {
    double load1, load5, load15;
    uint32_t procs_running; /* runnable scheduling entities now */
    uint32_t procs_total;   /* scheduling entities that exist */
    uint32_t last_pid;
};

/* Parses the first line of data (len bytes, no NUL needed) into *out: three decimals,
 * "running/total" and the last pid, nothing else. Returns 0 or -VIGIL_EINVAL. */
int proc_loadavg_parse(const char *data, size_t len, struct proc_loadavg *out);

#endif
