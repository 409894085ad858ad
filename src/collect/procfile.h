/*
 * procfile: one /proc file that a collector re-reads every cycle. The file stays open and
 * is read again from offset 0 into a buffer allocated once, so a cycle allocates nothing.
 * A failed open or read closes it, and the next read tries opening it again: a file that
 * comes back is picked up without a restart.
 */
#ifndef VIGIL_PROCFILE_H
#define VIGIL_PROCFILE_H

#include <stddef.h>

struct procfile {
    char *path; /* owned: root + "/" + relative path */
    int fd;     /* -1 while closed */
    char *buf;  /* owned, cap bytes; holds the last read */
    size_t cap;
};

/* Prepares f to read root/rel into a buffer of cap bytes (allocated here; the file is not
 * opened yet). Returns 0, -VIGIL_ENOMEM, or -VIGIL_E2BIG for a path over 4 KiB; on failure f holds
 * nothing to release. */
int procfile_init(struct procfile *f, const char *root, const char *rel, size_t cap);
/* Closes the file and frees what init allocated. Safe on a zeroed struct. */
void procfile_release(struct procfile *f);
/* Reads the whole file, or its first cap bytes, into f->buf and sets *len. Returns 0, or
 * a negative vigil error with "cannot open 'PATH': reason" (or read) in err. */
int procfile_read(struct procfile *f, size_t *len, char *err, size_t errlen);

#endif
