/*
 * projects: per project, the seed's live perf_metrics record. The run state and token
 * counts come from the agent's `run` events; the CPU, memory and GPU figures of the run's
 * pid are measured by the daemon and handed in through projects_set_usage(). Bounded in
 * number: when the table is full, a new project evicts the one reported least recently
 * (counted). A record is stale when its last run report is older than the stale time.
 * Single owner: not thread-safe.
 */
#ifndef VIGIL_PROJECTS_H
#define VIGIL_PROJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agents/table.h"
#include "parse/ingest.h"

struct jsonw;

#define PROJECT_KEY_SIZE (INGEST_ID_CEIL + 1)

/* What the daemon measured for a run's pid and its children. Each group has its own flag:
 * an unknown figure is shown as null, never as zero. */
struct project_usage {
    bool has_cpu;
    double cpu_percent; /* of one core, as top shows it: 250 is two and a half cores */
    bool has_memory;
    uint64_t mem_used_bytes;  /* resident */
    uint64_t mem_total_bytes; /* the host's */
    bool gpu_available;       /* a GPU collector answered for this pid */
    bool has_gpu_percent;
    double gpu_percent;
    bool has_vram;
    uint64_t vram_used_bytes;  /* by the pid and its children */
    uint64_t vram_total_bytes; /* of the GPUs they use */
};

struct project {
    char name[PROJECT_KEY_SIZE]; /* the table's key: first */
    enum ingest_run_status status;
    bool has_pid;
    int64_t pid;
    bool has_started_at;
    int64_t started_at_ms;
    char run_id[PROJECT_KEY_SIZE]; /* "" when not reported */
    bool has_tokens;
    bool has_current_run;
    bool has_total_session;
    uint64_t tokens_current_run;
    uint64_t tokens_total_session;
    int64_t report_ms;   /* the last run report's own time ("ts") */
    int64_t received_ms; /* vigil's time when it arrived: staleness runs from here */
    bool has_usage;
    struct project_usage usage;
    int64_t usage_ms; /* when usage was measured */
};

struct projects {
    struct table t;
    uint64_t evicted;
};

/* A running project's pid, for the daemon to measure. */
struct project_pid {
    char name[PROJECT_KEY_SIZE];
    int64_t pid;
};

/* Room for max projects (1..2^24). 0, -VIGIL_EINVAL or -VIGIL_ENOMEM. */
int projects_init(struct projects *p, unsigned max);
void projects_release(struct projects *p);

/*
 * Applies a run report made at ts_ms and received at now_ms. The report replaces the run
 * state and tokens as a whole (a field it leaves out becomes unknown). Measured usage is
 * kept while the pid stays the same and the run is not stopped, and dropped otherwise.
 * -VIGIL_E2BIG for a project name longer than the record holds.
 */
int projects_report(struct projects *p, const struct ingest_run *run, int64_t ts_ms,
                    int64_t now_ms);

/* Sets the measured usage of project name's run, measured at now_ms for pid. -VIGIL_ENOENT
 * when the project is unknown or its pid is no longer pid (the run changed meanwhile). */
int projects_set_usage(struct projects *p, const char *name, int64_t pid,
                       const struct project_usage *u, int64_t now_ms);

/* Fills out with up to max projects that have a pid and are running or paused; returns how
 * many. */
size_t projects_pids(const struct projects *p, struct project_pid *out, size_t max);

const struct project *projects_find(const struct projects *p, const char *name);

static inline unsigned projects_count(const struct projects *p)
{
    return table_count(&p->t);
}

/*
 * Writes one perf_metrics record in the seed's shape: {"timestamp","timestamp_ms",
 * "project","run":{"status","pid","started_at","started_at_ms","run_id"},"tokens":
 * {"current_run","total_session","available"},"cpu":{"percent"},"memory":{"used_gb",
 * "total_gb","percent"},"gpu":{"available","percent","vram_used_gb","vram_total_gb"},
 * "stale"}. Sizes in GiB (2^30 bytes); percents 0..100 (CPU per core, so above 100 with
 * several cores busy). Unknown figures are null.
 */
void projects_encode_one(const struct project *pr, int64_t now_ms, int64_t stale_ms,
                         struct jsonw *w);
/* Writes {"name": perf_metrics, ...}, least recently reported first. */
void projects_encode(const struct projects *p, int64_t now_ms, int64_t stale_ms, struct jsonw *w);

#endif
