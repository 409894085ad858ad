/*
 * proc_meminfo: the memory and swap figures of /proc/meminfo, in bytes. Pure: bytes in,
 * values out. MemAvailable exists since Linux 3.14; before that it is estimated as
 * MemFree + Buffers + Cached (capped at MemTotal), and `available_estimated` says so.
 */
#ifndef VIGIL_PROC_MEMINFO_H
#define VIGIL_PROC_MEMINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc_meminfo {
    uint64_t mem_total;     /* bytes */
    uint64_t mem_free;      /* bytes */
    uint64_t mem_available; /* bytes, never above mem_total */
    uint64_t buffers;       /* bytes */
    uint64_t cached;        /* bytes */
    uint64_t swap_total;    /* bytes; 0 when the file has no swap lines */
    uint64_t swap_free;     /* bytes, never above swap_total */
    bool available_estimated;
};

/* Parses data (len bytes, no NUL needed) into *out. Keys it does not use are skipped; the
 * ones it uses must read "Key: N kB"; the first of a repeated key counts. Returns 0;
 * -VIGIL_EINVAL when MemTotal is missing, or MemAvailable and MemFree both are, or only one
 * of SwapTotal and SwapFree is there, or a used key is malformed; -VIGIL_ERANGE when a
 * value does not fit in 64 bits as bytes. */
int proc_meminfo_parse(const char *data, size_t len, struct proc_meminfo *out);

/* ram used as vigil reports it: MemTotal - MemAvailable. */
uint64_t proc_meminfo_ram_used(const struct proc_meminfo *m);
/* SwapTotal - SwapFree. */
uint64_t proc_meminfo_swap_used(const struct proc_meminfo *m);

#endif
