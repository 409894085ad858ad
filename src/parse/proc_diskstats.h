/*
 * proc_diskstats: the lines of /proc/diskstats, one block device each, read one at a
 * time. Pure: bytes in, values out, no allocation. Counters are the kernel's unsigned
 * longs (they wrap at 2^32 on 32-bit kernels); sectors are always 512 bytes, whatever
 * the device's own sector size.
 */
#ifndef VIGIL_PROC_DISKSTATS_H
#define VIGIL_PROC_DISKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/host.h"
#include "parse/proc_lex.h"

#define PROC_DISKSTATS_SECTOR 512

struct proc_diskstats_dev {
    unsigned major, minor;
    char name[HOST_NAME_LEN];
    uint64_t reads; /* reads completed */
    uint64_t sectors_read;
    uint64_t writes; /* writes completed */
    uint64_t sectors_written;
};

struct proc_diskstats_iter {
    struct proc_lex lx; /* borrows the caller's bytes */
    unsigned n_bad;     /* lines skipped as malformed (or with a name too long to keep) */
};

/* Starts reading data (len bytes, no NUL needed; borrowed until the last call to next). */
void proc_diskstats_begin(struct proc_diskstats_iter *it, const char *data, size_t len);
/* Fills *dev with the next well-formed line: "major minor name" and at least the seven
 * counters up to sectors written. Returns true, or false when no line is left. */
bool proc_diskstats_next(struct proc_diskstats_iter *it, struct proc_diskstats_dev *dev);

/* Sectors to bytes, modulo 2^64 (a wrap reads as a counter going backwards). */
static inline uint64_t proc_diskstats_bytes(uint64_t sectors)
{
    return sectors * PROC_DISKSTATS_SECTOR;
}

#endif
