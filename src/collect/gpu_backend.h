/*
 * gpu_backend: what gpu.c composes, one backend per vendor (nvtop's struct gpu_vendor idea,
 * without the function table since there are two and they differ in how they open), plus
 * the small file helpers they share. Not API: only gpu.c and the backends include this.
 *
 * A backend's open() either returns a working backend that has found at least one GPU, or
 * fails with a reason in words; collect() appends its devices to a sample and reports the
 * first problem worth degrading the collector's state for.
 */
#ifndef VIGIL_GPU_BACKEND_H
#define VIGIL_GPU_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collect/collector.h"
#include "collect/gpu.h"
#include "collect/gpu_procs.h"

/* Reads at most cap - 1 bytes of path into buf and NUL-terminates it. Returns the number of
 * bytes read, or a negative vigil error (vigil_errno for a failed open or read). */
ssize_t gpu_read_file(const char *path, char *buf, size_t cap);

/* Reads a file holding one unsigned integer (decimal, or hex with 0x). 0, -VIGIL_EINVAL for
 * other contents, or the error from gpu_read_file. */
int gpu_read_u64(const char *path, uint64_t *out);

/* Copies at most len bytes of src, stopping at a NUL, into dst of size n, NUL-terminated;
 * a trailing newline is dropped. */
void gpu_copy(char *dst, size_t n, const char *src, size_t len);

/* Resets d for a new reading: every figure invalid, no processes. */
void gpu_device_reset(struct gpu_device *d);

/* Sorts procs by memory, largest first (pid breaks ties), and keeps at most GPU_MAX_PROCS
 * of them in d. */
void gpu_device_set_procs(struct gpu_device *d, struct gpu_process *procs, size_t n);

/* --- NVIDIA, through NVML loaded at run time (gpu_nvml.c) ------------------------------- */

struct gpu_nvml;

/* Loads the library (path, or the default names when NULL), initialises it and finds the
 * GPUs. 0 with *out set; -VIGIL_ENOENT (no library), -VIGIL_ENOTSUP (no driver or no GPU)
 * or -VIGIL_ENOMEM with the reason in words in reason. */
int gpu_nvml_open(const char *path, struct gpu_nvml **out, char *reason, size_t n);

/* Appends this backend's GPUs to out and sets its version fields. Writes the first problem
 * (a lost GPU, a call failing other than "not supported") into problem if problem is still
 * empty. */
void gpu_nvml_collect(struct gpu_nvml *g, struct gpu_sample *out, struct gpu_procs *procs,
                      char *problem, size_t n);

/* nvmlShutdown(), dlclose(), free. NULL is a no-op. */
void gpu_nvml_close(struct gpu_nvml *g);

/* --- AMD, through the amdgpu sysfs files (gpu_amd.c) ------------------------------------ */

struct gpu_amd;

/* Scans <sysfs>/class/drm for amdgpu cards. 0 with *out set; -VIGIL_ENOTSUP (no AMD GPU)
 * or -VIGIL_ENOMEM with the reason in words. */
int gpu_amd_open(const struct collector_env *env, struct gpu_amd **out, char *reason, size_t n);

/* Appends the cards to out, now_ns paces the process scan. */
void gpu_amd_collect(struct gpu_amd *a, int64_t now_ns, struct gpu_sample *out,
                     struct gpu_procs *procs, char *problem, size_t n);

void gpu_amd_close(struct gpu_amd *a);

#endif
