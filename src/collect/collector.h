/*
 * collector: the interface every host collector implements, one source each (nvtop's
 * struct gpu_vendor, SQLite's versioned method structs). A collector reads files under the
 * roots it is given, never a hard-coded /proc, keeps its own state (previous counters,
 * open files) in the object create() returns, and fills only its own part of a
 * host_sample. Collectors run on the sampler thread, never on the event loop.
 */
#ifndef VIGIL_COLLECTOR_H
#define VIGIL_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "collect/host.h"

#define COLLECTOR_OPS_VERSION 1

struct collector_env {
    const char *procfs; /* borrowed; e.g. "/proc" */
    const char *sysfs;  /* borrowed; e.g. "/sys" */
};

struct collector_ops {
    int version;      /* COLLECTOR_OPS_VERSION */
    const char *name; /* "cpu", "memory", ...: the name shown in /health */
    /* Returns a new state object (free it with destroy), or NULL when out of memory.
     * Must not fail because a file is missing: collect() reports that. */
    void *(*create)(const struct collector_env *env);
    /* Reads the source once and fills this collector's part of out. Returns 0, or a
     * negative vigil error with a message in git's style in err ("cannot open
     * '/proc/stat': No such file or directory"); on error the part is marked invalid. */
    int (*collect)(void *state, int64_t mono_ns, struct host_sample *out, char *err, size_t errlen);
    void (*destroy)(void *state);
};

extern const struct collector_ops collector_cpu;
extern const struct collector_ops collector_memory;
extern const struct collector_ops collector_disk;
extern const struct collector_ops collector_network;
extern const struct collector_ops collector_load;

#endif
