/*
 * snapshot_agents: the agent part of `vigil snapshot`. Agent figures live in the running
 * daemon (they come from what agents posted to it), so the command asks its
 * /api/v1/agents; without a daemon it says so instead.
 */
#ifndef VIGIL_SNAPSHOT_AGENTS_H
#define VIGIL_SNAPSHOT_AGENTS_H

#include <stdio.h>

#include "config/config.h"
#include "core/jsonw.h"

struct snapshot_agents;

/* Asks the daemon the configuration names (a short timeout). NULL only when out of memory. */
struct snapshot_agents *snapshot_agents_fetch(const struct config *cfg);
void snapshot_agents_free(struct snapshot_agents *sa);

/* Writes "agents": the daemon's document, or null with "agents_error" saying why, into the
 * open object w. */
void snapshot_agents_json(const struct snapshot_agents *sa, struct jsonw *w);
/* Writes the agents section of the table. */
void snapshot_agents_table(const struct snapshot_agents *sa, FILE *out);

#endif
