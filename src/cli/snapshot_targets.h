/*
 * snapshot_targets: the inference and cluster part of `vigil snapshot`, as a table and as
 * the "inference" and "cluster" members of its JSON, from a scraper the command polled
 * itself (scraper_cycle; no daemon needed).
 */
#ifndef VIGIL_SNAPSHOT_TARGETS_H
#define VIGIL_SNAPSHOT_TARGETS_H

#include <stdio.h>

#include "collect/scraper.h"
#include "core/jsonw.h"

/* Writes "inference":[...],"cluster":[...] into the open object w (as /api/v1/inference and
 * /api/v1/cluster list them). */
void snapshot_targets_json(const struct scraper *s, struct jsonw *w);
/* Writes the two tables; nothing when there are no targets. */
void snapshot_targets_table(const struct scraper *s, FILE *out);

#endif
