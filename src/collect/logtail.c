/*
 * logtail: files followed by polling (fstat of the open file, stat of its path), every
 * poll_ms while a file is at its end and at once while there is more to read. Polling
 * costs two system calls per file per poll and works on every file system, where inotify
 * misses changes made over NFS and needs a watch per directory; a line reaches the loop
 * at most poll_ms after it is written.
 *
 * Each file keeps the part of a line read so far in a buffer of max_line bytes allocated
 * at start. Records go into the thread's buffer as a header, the text, a NUL, and padding
 * to 8 bytes; a line is written only whole, so a full buffer leaves the file's offset at
 * the start of the line that did not fit.
 */
#include "collect/logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/fault.h"
#include "core/log.h"

#define READ_CHUNK   65536
#define COUNT_CHUNK  (1u << 20)
#define BUFFER_MIN   (1u << 20)
#define REC_TOO_LONG 1u

struct rec_head {
    uint32_t file;
    uint32_t flags;
    uint64_t line;
    uint64_t len;
};

struct file {
    char name[LOGTAIL_NAME_MAX];
    char *path;
    size_t max_line;
    /* the thread's own */
    int fd;
    dev_t dev;
    ino_t ino;
    uint64_t offset;
    uint64_t line; /* the number of the line being read */
    char *partial; /* max_line bytes */
    size_t partial_len;
    bool skipping; /* inside a line too long to keep */
    bool fragment; /* the end of a line begun before we started: dropped */
    bool seen;     /* looked at once: a file found later is read from its start */
    bool path_gone_said;
    enum logtail_state state; /* as last set in st */
    char said[160];           /* the error last set in st */
    /* shared, under the lock */
    struct logtail_stats st;
};

struct logtail {
    unsigned n;
    struct file files[LOGTAIL_MAX_FILES];
    int64_t poll_ms;
    void (*wake)(void *);
    void *wake_arg;
    char *rbuf;  /* READ_CHUNK bytes, the thread's */
    bool queued; /* records were added this cycle */

    pthread_mutex_t lock; /* the fill buffer, the stats, stop */
    pthread_cond_t cond;
    char *fill;
    size_t fill_len;
    char *spare; /* the loop's */
    size_t cap;
    bool stop;
    bool started;
    pthread_t thread;
};

const char *logtail_state_name(enum logtail_state s)
{
    static const char *const names[] = {"starting", "ok", "missing", "error"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "unknown";
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

struct logtail *logtail_new(const struct logtail_opts *o)
{
    if (!o || o->n_files > LOGTAIL_MAX_FILES || (o->n_files && !o->files))
        return NULL;
    struct logtail *t = vigil_calloc(1, sizeof *t);
    if (!t)
        return NULL;
    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cond, &ca);
    pthread_condattr_destroy(&ca);
    t->poll_ms = o->poll_ms > 0 ? o->poll_ms : 100;
    t->wake = o->wake;
    t->wake_arg = o->wake_arg;
    size_t cap = o->buffer_bytes ? o->buffer_bytes : BUFFER_MIN;
    bool ok = true;
    for (unsigned i = 0; i < o->n_files; i++) {
        struct file *f = &t->files[i];
        const struct logtail_file_opts *fo = &o->files[i];
        snprintf(f->name, sizeof f->name, "%s", fo->name ? fo->name : "");
        f->fd = -1;
        f->max_line = fo->max_line ? fo->max_line : 65536;
        f->path = fo->path ? vigil_strdup(fo->path) : NULL;
        f->partial = vigil_malloc(f->max_line);
        f->line = 1;
        ok = ok && f->path && f->partial;
        t->n = i + 1;
        size_t need = pad8(sizeof(struct rec_head) + f->max_line + 1);
        if (cap < need)
            cap = need;
    }
    t->cap = cap;
    t->rbuf = vigil_malloc(READ_CHUNK);
    t->fill = vigil_malloc(cap);
    t->spare = vigil_malloc(cap);
    if (!ok || !t->rbuf || !t->fill || !t->spare) {
        logtail_free(t);
        return NULL;
    }
    return t;
}

static void *run(void *arg);

int logtail_start(struct logtail *t)
{
    int rc = pthread_create(&t->thread, NULL, run, t);
    if (rc)
        return vigil_errno(rc);
    t->started = true;
    return 0;
}

void logtail_free(struct logtail *t)
{
    if (!t)
        return;
    if (t->started) {
        pthread_mutex_lock(&t->lock);
        t->stop = true;
        pthread_cond_signal(&t->cond);
        pthread_mutex_unlock(&t->lock);
        pthread_join(t->thread, NULL);
    }
    for (unsigned i = 0; i < t->n; i++) {
        if (t->files[i].fd >= 0)
            close(t->files[i].fd);
        free(t->files[i].path);
        free(t->files[i].partial);
    }
    free(t->rbuf);
    free(t->fill);
    free(t->spare);
    pthread_cond_destroy(&t->cond);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* --- the hand-over ------------------------------------------------------------------- */

/* Appends one record made of two pieces of text; false when the buffer has no room. */
static bool put(struct logtail *t, unsigned file, uint64_t line, bool too_long, const char *a,
                size_t alen, const char *b, size_t blen)
{
    size_t len = alen + blen;
    size_t need = pad8(sizeof(struct rec_head) + len + 1);
    pthread_mutex_lock(&t->lock);
    bool fits = t->fill_len + need <= t->cap;
    if (fits) {
        char *p = t->fill + t->fill_len;
        struct rec_head h = {file, too_long ? REC_TOO_LONG : 0, line, len};
        memcpy(p, &h, sizeof h);
        p += sizeof h;
        if (alen)
            memcpy(p, a, alen);
        if (blen)
            memcpy(p + alen, b, blen);
        p[len] = '\0';
        t->fill_len += need;
        struct logtail_stats *st = &t->files[file].st;
        st->lines++;
        st->too_long += too_long;
    }
    pthread_mutex_unlock(&t->lock);
    t->queued = t->queued || fits;
    return fits;
}

bool logtail_take(struct logtail *t, struct logtail_chunk *c)
{
    pthread_mutex_lock(&t->lock);
    char *mine = t->spare;
    t->spare = t->fill;
    c->data = t->spare;
    c->len = t->fill_len;
    c->pos = 0;
    t->fill = mine;
    t->fill_len = 0;
    pthread_cond_signal(&t->cond); /* a thread waiting for room may go on */
    pthread_mutex_unlock(&t->lock);
    return c->len > 0;
}

bool logtail_next(struct logtail_chunk *c, struct logtail_rec *r)
{
    if (c->pos + sizeof(struct rec_head) > c->len)
        return false;
    struct rec_head h;
    memcpy(&h, c->data + c->pos, sizeof h);
    r->file = h.file;
    r->too_long = h.flags & REC_TOO_LONG;
    r->line = h.line;
    r->len = (size_t)h.len;
    r->text = c->data + c->pos + sizeof h;
    c->pos += pad8(sizeof h + r->len + 1);
    return true;
}

void logtail_stats(struct logtail *t, unsigned i, struct logtail_stats *out)
{
    pthread_mutex_lock(&t->lock);
    *out = t->files[i].st;
    pthread_mutex_unlock(&t->lock);
}

unsigned logtail_count(const struct logtail *t)
{
    return t ? t->n : 0;
}

const char *logtail_name(const struct logtail *t, unsigned i)
{
    return t->files[i].name;
}

const char *logtail_path(const struct logtail *t, unsigned i)
{
    return t->files[i].path;
}

/* --- following one file -------------------------------------------------------------- */

static void set_state(struct logtail *t, struct file *f, enum logtail_state s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_state(struct logtail *t, struct file *f, enum logtail_state s, const char *fmt, ...)
{
    char text[sizeof f->st.error] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    bool same = f->state == s && strcmp(f->said, text) == 0;
    f->state = s;
    memcpy(f->said, text, sizeof text);
    pthread_mutex_lock(&t->lock);
    f->st.state = s;
    memcpy(f->st.error, text, sizeof text);
    f->st.offset = f->offset;
    f->st.line = f->line;
    pthread_mutex_unlock(&t->lock);
    if (same)
        return;
    /* said once per change; the log names the path, /health (which anyone may read) not */
    if (s == LOGTAIL_OK)
        log_info("logfile", "%s: following '%s'", f->name, f->path);
    else
        log_warn("logfile", "%s: '%s': %s", f->name, f->path, text);
}

static void sync_position(struct logtail *t, struct file *f)
{
    pthread_mutex_lock(&t->lock);
    f->st.offset = f->offset;
    f->st.line = f->line;
    pthread_mutex_unlock(&t->lock);
}

static void count(struct logtail *t, uint64_t *counter)
{
    pthread_mutex_lock(&t->lock);
    (*counter)++;
    pthread_mutex_unlock(&t->lock);
}

static void restart_at_zero(struct file *f)
{
    f->offset = 0;
    f->line = 1;
    f->partial_len = 0;
    f->skipping = false;
    f->fragment = false;
}

/* A file there when the daemon started is followed from its end: its lines are counted so
 * that the next line gets the file's own number. */
static int seek_end(struct logtail *t, struct file *f, uint64_t size)
{
    uint64_t lines = 0, off = 0;
    char last = '\n';
    while (off < size) {
        size_t want = size - off < READ_CHUNK ? (size_t)(size - off) : READ_CHUNK;
        ssize_t n = pread(f->fd, t->rbuf, want, (off_t)off);
        if (n < 0)
            return vigil_errno(errno);
        if (n == 0)
            break;
        for (const char *p = t->rbuf; (p = memchr(p, '\n', (size_t)(t->rbuf + n - p))); p++)
            lines++;
        last = t->rbuf[n - 1];
        off += (uint64_t)n;
    }
    f->offset = off;
    f->line = lines + 1;
    f->fragment = last != '\n'; /* the rest of that line, when it comes, is not a line */
    return 0;
}

static bool open_file(struct logtail *t, struct file *f)
{
    bool at_start = !f->seen;
    f->seen = true;
    f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        if (e == ENOENT)
            set_state(t, f, LOGTAIL_MISSING, "the file does not exist");
        else
            set_state(t, f, LOGTAIL_ERROR, "cannot open: %s", strerror(e));
        return false;
    }
    struct stat st;
    if (fstat(f->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        set_state(t, f, LOGTAIL_ERROR, "not a regular file");
        close(f->fd);
        f->fd = -1;
        return false;
    }
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    restart_at_zero(f);
    int rc = at_start ? seek_end(t, f, (uint64_t)st.st_size) : 0;
    if (rc < 0) {
        set_state(t, f, LOGTAIL_ERROR, "cannot read: %s", vigil_strerror(rc));
        close(f->fd);
        f->fd = -1;
        return false;
    }
    f->path_gone_said = false;
    set_state(t, f, LOGTAIL_OK, NULL);
    return true;
}

/* A complete line: the part kept so far and seg. False when the buffer is full. */
static bool line_done(struct logtail *t, unsigned i, const char *seg, size_t len)
{
    struct file *f = &t->files[i];
    if (f->fragment) {
        f->fragment = false;
        f->line++;
        return true;
    }
    bool too_long = f->skipping || f->partial_len + len > f->max_line;
    if (too_long) {
        if (!put(t, i, f->line, true, NULL, 0, NULL, 0))
            return false;
    } else if (!put(t, i, f->line, false, f->partial, f->partial_len, seg, len)) {
        return false;
    }
    f->partial_len = 0;
    f->skipping = false;
    f->line++;
    return true;
}

/* The start of a line whose end has not been read yet. */
static void line_part(struct file *f, const char *seg, size_t len)
{
    if (f->fragment || f->skipping)
        return;
    if (f->partial_len + len > f->max_line) {
        f->skipping = true;
        f->partial_len = 0;
        return;
    }
    memcpy(f->partial + f->partial_len, seg, len);
    f->partial_len += len;
}

/* Reads file i to its end. Returns 1 when the buffer filled up, 0 at the end, < 0 on a
 * read error. */
static int read_on(struct logtail *t, unsigned i)
{
    struct file *f = &t->files[i];
    for (;;) {
        ssize_t n = pread(f->fd, t->rbuf, READ_CHUNK, (off_t)f->offset);
        if (n < 0)
            return vigil_errno(errno);
        if (n == 0)
            return 0;
        size_t pos = 0;
        while (pos < (size_t)n) {
            const char *nl = memchr(t->rbuf + pos, '\n', (size_t)n - pos);
            if (!nl) {
                line_part(f, t->rbuf + pos, (size_t)n - pos);
                break;
            }
            size_t len = (size_t)(nl - (t->rbuf + pos));
            if (!line_done(t, i, t->rbuf + pos, len)) {
                f->offset += pos;
                return 1;
            }
            pos += len + 1;
        }
        f->offset += (uint64_t)n;
    }
}

/* What happened at the path since the file was opened: 1 rotated (another file there),
 * 0 the same file, -1 nothing there. */
static int path_changed(const struct file *f)
{
    struct stat st;
    if (stat(f->path, &st) < 0)
        return -1;
    return st.st_dev != f->dev || st.st_ino != f->ino;
}

/* Follows file i as far as it goes now. Returns true when the buffer is full. */
static bool follow(struct logtail *t, unsigned i)
{
    struct file *f = &t->files[i];
    for (int reopen = 0; reopen < 2; reopen++) {
        if (f->fd < 0 && !open_file(t, f))
            return false;
        struct stat st;
        if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size < f->offset) {
            restart_at_zero(f); /* truncated (copytruncate, or `> file`) */
            count(t, &f->st.truncations);
        }
        int rc = read_on(t, i);
        if (rc < 0)
            set_state(t, f, LOGTAIL_ERROR, "cannot read: %s", vigil_strerror(rc));
        else if (f->state == LOGTAIL_ERROR)
            set_state(t, f, LOGTAIL_OK, NULL);
        else
            sync_position(t, f);
        if (rc != 0)
            return rc > 0;
        int changed = path_changed(f);
        if (changed < 0 && !f->path_gone_said) {
            f->path_gone_said = true;
            set_state(t, f, LOGTAIL_MISSING, "removed; following the open file");
        }
        if (changed == 0 && f->path_gone_said) {
            f->path_gone_said = false; /* the same file is back under its name */
            set_state(t, f, LOGTAIL_OK, NULL);
        }
        if (changed <= 0)
            return false;
        /* rotated: the old file is read to its end; a last line without its newline is
         * still a line */
        if (f->partial_len && !f->skipping && !f->fragment &&
            !put(t, i, f->line, false, f->partial, f->partial_len, NULL, 0))
            return true;
        close(f->fd);
        f->fd = -1;
        count(t, &f->st.rotations);
    }
    return false;
}

bool logtail_cycle(struct logtail *t)
{
    bool full = false;
    t->queued = false;
    for (unsigned i = 0; i < t->n; i++)
        full = follow(t, i) || full;
    if (t->queued && t->wake)
        t->wake(t->wake_arg);
    return full;
}

static void *run(void *arg)
{
    struct logtail *t = arg;
    pthread_mutex_lock(&t->lock);
    while (!t->stop) {
        pthread_mutex_unlock(&t->lock);
        bool full = logtail_cycle(t);
        int64_t due = clock_mono_ns() + t->poll_ms * 1000000;
        struct timespec ts = {.tv_sec = due / 1000000000, .tv_nsec = due % 1000000000};
        pthread_mutex_lock(&t->lock);
        /* full: on as soon as the loop has taken the buffer; else at the next poll */
        while (!t->stop && !(full && t->fill_len == 0) &&
               pthread_cond_timedwait(&t->cond, &t->lock, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}
