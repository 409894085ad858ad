/*
 * logtail: the thread that follows NDJSON log files of agent events ([logfile "NAME"]
 * sections). Each file is followed from its end as it was when the daemon started (a file
 * that appears later, or replaces a rotated one, is read from its start), through rotation
 * (the path names a new inode: the old file is read to its end first) and truncation (the
 * file became shorter than what was read: read again from its start). Complete lines are
 * handed to the event loop with the file's own line numbers; a line longer than the file's
 * max_line is skipped and handed over as a "too long" record, so the loop counts it as a
 * bad line the way an ingest batch does.
 *
 * Hand-over: two fixed buffers. The thread appends records to one under a short mutex and
 * wakes the loop; the loop swaps it with the other, which it has finished with, and reads
 * the records without the lock. When the thread's buffer is full it stops reading (the file
 * waits on disk, nothing is dropped) until the loop takes it.
 */
#ifndef VIGIL_LOGTAIL_H
#define VIGIL_LOGTAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOGTAIL_MAX_FILES 16
#define LOGTAIL_NAME_MAX  64

struct logtail_file_opts {
    const char *name; /* copied */
    const char *path; /* copied */
    size_t max_line;  /* bytes of one line, without its newline */
};

struct logtail_opts {
    const struct logtail_file_opts *files; /* n_files of them (at most LOGTAIL_MAX_FILES) */
    unsigned n_files;
    int64_t poll_ms;         /* how often a file at its end is looked at again; 100 */
    size_t buffer_bytes;     /* each of the two buffers; 0: 1 MiB (and room for a line) */
    void (*wake)(void *arg); /* called after new lines were queued (any thread) */
    void *wake_arg;
};

enum logtail_state {
    LOGTAIL_STARTING, /* not looked at yet */
    LOGTAIL_OK,       /* open and followed */
    LOGTAIL_MISSING,  /* the path does not exist (yet, or any more) */
    LOGTAIL_ERROR,    /* it cannot be opened or read: see error */
};

/* "starting", "ok", "missing", "error". */
const char *logtail_state_name(enum logtail_state s);

struct logtail_stats {
    enum logtail_state state;
    char error[160];    /* the last problem, "" when none */
    uint64_t lines;     /* complete lines handed over */
    uint64_t too_long;  /* lines skipped for their length (also in lines) */
    uint64_t rotations; /* a new file at the path */
    uint64_t truncations;
    uint64_t offset; /* bytes read in the current file */
    uint64_t line;   /* the number the next line will have */
};

/* One line as handed over: text is NUL-terminated and lives until the next logtail_take. */
struct logtail_rec {
    unsigned file; /* index in the options' order */
    bool too_long; /* text is empty: the line was longer than max_line */
    uint64_t line; /* the file's own line number, from 1 */
    const char *text;
    size_t len; /* without the newline (a CR before it is kept) */
};

/* Lines taken at once by the loop; walk them with logtail_next(). */
struct logtail_chunk {
    const char *data;
    size_t len, pos;
};

struct logtail;

/* Returns a new, stopped tailer, or NULL when out of memory or the options are bad. */
struct logtail *logtail_new(const struct logtail_opts *opts);
/* Starts the thread. 0 or a negative error. */
int logtail_start(struct logtail *t);
/* Stops and joins the thread (if started) and frees t. NULL is a no-op. */
void logtail_free(struct logtail *t);

/* Reads every file as far as it can (or until the buffer is full) once, on the calling
 * thread; the thread calls this, tests may call it instead of starting the thread. Returns
 * true when the buffer filled up before every file was at its end. */
bool logtail_cycle(struct logtail *t);

/* The consumer (the loop): takes the lines queued since the last call. The previous
 * chunk's records are invalid from here on. False when there were none. */
bool logtail_take(struct logtail *t, struct logtail_chunk *c);
/* The next record of c, or false at its end. */
bool logtail_next(struct logtail_chunk *c, struct logtail_rec *r);

/* Any thread: file i's state and counters. */
void logtail_stats(struct logtail *t, unsigned i, struct logtail_stats *out);
unsigned logtail_count(const struct logtail *t);
const char *logtail_name(const struct logtail *t, unsigned i);
const char *logtail_path(const struct logtail *t, unsigned i);

#endif
