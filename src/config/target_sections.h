/*
 * target_sections: the option tables and entry callbacks of [inference "NAME"] and
 * [cluster "NAME"], as config.c lists them among its section kinds. Not API outside
 * src/config (see target_config.h for the data).
 */
#ifndef VIGIL_TARGET_SECTIONS_H
#define VIGIL_TARGET_SECTIONS_H

#include "config/option.h"
#include "config/target_config.h"

extern const struct opt inference_opts[IK_NKEYS];
extern const struct opt cluster_opts[CK_NKEYS];

/* Find or add the entry for [inference "id"] / [cluster "id"]; the first one the file names
 * replaces the built-in target. NULL with a message when the name is bad or the table full. */
void *inference_entry(struct config *c, const char *id, char *err, size_t errlen);
void *cluster_entry(struct config *c, const char *id, char *err, size_t errlen);
/* Record the line of the section's header (o NULL) or of key o. */
void inference_at_line(void *entry, const struct opt *o, int line);
void cluster_at_line(void *entry, const struct opt *o, int line);

#endif
