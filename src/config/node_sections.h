/*
 * node_sections: the option table and entry callbacks of [node "NAME"], as config.c lists
 * them among its section kinds. Not API outside src/config (see node_config.h for the data).
 */
#ifndef VIGIL_NODE_SECTIONS_H
#define VIGIL_NODE_SECTIONS_H

#include "config/node_config.h"
#include "config/option.h"

extern const struct opt node_opts[NDK_NKEYS];

/* Find or add the entry for [node "id"]; NULL with a message when the name is bad, is the
 * hub's own ("local"), or the table is full. */
void *node_entry(struct config *c, const char *id, char *err, size_t errlen);
/* Record the line of the section's header (o NULL) or of key o. */
void node_at_line(void *entry, const struct opt *o, int line);

#endif
