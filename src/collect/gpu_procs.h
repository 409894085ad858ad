/*
 * gpu_procs: who a GPU process is. For a pid, its short name (/proc/<pid>/comm) and the
 * model it serves, found in its own command line or, failing that, in one of its ancestors'
 * (vLLM's GPU work runs in worker processes whose command lines name no model; the server
 * above them does). Ancestors are followed through the ppid in /proc/<pid>/stat, at most
 * GPU_PROCS_MAX_DEPTH levels up.
 *
 * Lookups are cached per pid so that a steady set of GPU processes costs no file reads per
 * cycle: an entry lives while its pid is looked up every cycle (a pid that skips one is
 * forgotten, so a reused pid is never mistaken for its predecessor) and is read again after
 * GPU_PROCS_TTL_NS, since a process may rename itself. The cache is sized at creation; no
 * allocation afterwards.
 */
#ifndef VIGIL_GPU_PROCS_H
#define VIGIL_GPU_PROCS_H

#include <stdint.h>

#include "collect/gpu.h"
#include "collect/target_models.h"

#define GPU_PROCS_MAX_DEPTH 8                     /* ancestors looked at, the process apart */
#define GPU_PROCS_TTL_NS    (30LL * 1000000000LL) /* cached names are read again after this */
#define GPU_PROCS_SLOTS     256                   /* pids cached; more are looked up uncached */

struct gpu_procs;

/* Returns a new cache reading under procfs (copied), or NULL when out of memory. Free it with
 * gpu_procs_free(). */
struct gpu_procs *gpu_procs_new(const char *procfs);
void gpu_procs_free(struct gpu_procs *p);

/* Names models from inference targets on this host first (tm, borrowed; NULL: none): a
 * process, or an ancestor, that listens on a target's port serves that target's model;
 * the command line is the fallback. Set before the first cycle. */
void gpu_procs_set_models(struct gpu_procs *p, struct target_models *tm);

/* Starts a collection cycle at monotonic time now_ns: the pids not looked up during the
 * previous cycle are forgotten. */
void gpu_procs_begin(struct gpu_procs *p, int64_t now_ns);

/* Fills proc->comm and proc->model for proc->pid, from the cache when it can. A process
 * that cannot be read gets empty names; pid 0 (a process in a namespace NVML cannot see
 * into) is not looked up. */
void gpu_procs_fill(struct gpu_procs *p, struct gpu_process *proc);

/* The same, never cached: reads the files now. Returns 0, or -VIGIL_ENOENT when the process
 * has no readable comm (gone, or not visible). */
int gpu_procs_read(struct gpu_procs *p, uint32_t pid, struct gpu_process *proc);

#endif
