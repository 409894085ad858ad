/*
 * agent_sections: the option tables of [agents] and [logfile "NAME"] and the entry
 * callbacks of the latter, as config.c lists them among its section kinds. Not API outside
 * src/config (see agent_config.h for the data).
 */
#ifndef VIGIL_AGENT_SECTIONS_H
#define VIGIL_AGENT_SECTIONS_H

#include "config/agent_config.h"
#include "config/option.h"

#define AGENTS_NOPTS 11

extern const struct opt agents_opts[AGENTS_NOPTS];
extern const struct opt logfile_opts[LK_NKEYS];

/* Find or add the entry for [logfile "id"]. NULL with a message when the name is bad or the
 * table full. */
void *logfile_entry(struct config *c, const char *id, char *err, size_t errlen);
/* Record the line of the section's header (o NULL) or of key o. */
void logfile_at_line(void *entry, const struct opt *o, int line);

#endif
