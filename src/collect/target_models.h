/*
 * target_models: which process serves which model, as the scraper learns it from inference
 * targets on this host (the model_name its metrics give, and the process listening on its
 * port), for the GPU thread to name the model on the GPUs that process or its descendants
 * use. Shared by those two threads: a short mutex around a small table, held for a copy.
 */
#ifndef VIGIL_TARGET_MODELS_H
#define VIGIL_TARGET_MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TARGET_MODELS_MAX 32 /* one per inference target */

struct target_models;

/* Returns a new empty table, or NULL. */
struct target_models *target_models_new(void);
void target_models_free(struct target_models *tm);

/* Records that slot's target (0..TARGET_MODELS_MAX-1) is served by pid with model (copied,
 * cut at 128 bytes); pid 0 or an empty model clears the slot. */
void target_models_set(struct target_models *tm, unsigned slot, uint32_t pid, const char *model);
/* Copies into model (n bytes) the model served by pid, if a target says so. */
bool target_models_find(struct target_models *tm, uint32_t pid, char *model, size_t n);

#endif
