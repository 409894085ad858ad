/* procfile: keep-open, re-read-from-zero /proc files. Reads loop because a seq_file
 * (/proc/diskstats, /proc/net/dev) hands out about a page per call however large the
 * buffer; each call continues at the offset the last one reached. */
#include "collect/procfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/fault.h"

#define PROCFILE_PATH_MAX 4096

int procfile_init(struct procfile *f, const char *root, const char *rel, size_t cap)
{
    struct buf path;
    buf_init(&path, PROCFILE_PATH_MAX);
    f->fd = -1;
    f->cap = cap;
    f->path = NULL;
    f->buf = NULL;
    int rc = buf_printf(&path, "%s/%s", root, rel);
    if (rc != 0) {
        buf_release(&path);
        return rc;
    }
    f->path = buf_detach(&path, NULL);
    f->buf = vigil_malloc(cap);
    if (!f->path || !f->buf) {
        procfile_release(f);
        return -VIGIL_ENOMEM;
    }
    return 0;
}

void procfile_release(struct procfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    free(f->path);
    free(f->buf);
    f->path = NULL;
    f->buf = NULL;
}

static int fail(struct procfile *f, const char *what, int e, char *err, size_t errlen)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (errlen)
        snprintf(err, errlen, "cannot %s '%s': %s", what, f->path, strerror(e));
    return vigil_errno(e);
}

int procfile_read(struct procfile *f, size_t *len, char *err, size_t errlen)
{
    if (f->fd < 0) {
        f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (f->fd < 0)
            return fail(f, "open", errno, err, errlen);
    }
    size_t got = 0;
    while (got < f->cap) {
        ssize_t n = pread(f->fd, f->buf + got, f->cap - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(f, "read", errno, err, errlen);
        if (n == 0)
            break;
        got += (size_t)n;
    }
    *len = got;
    return 0;
}
