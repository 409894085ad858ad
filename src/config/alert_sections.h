/*
 * alert_sections: the option tables and entry callbacks of [alert "NAME"] and
 * [notify "NAME"], as config.c lists them among its section kinds. Not API outside
 * src/config (see alert_config.h for the data).
 */
#ifndef VIGIL_ALERT_SECTIONS_H
#define VIGIL_ALERT_SECTIONS_H

#include "config/alert_config.h"
#include "config/option.h"

extern const struct opt alert_rule_opts[ARK_NKEYS];
extern const struct opt notify_opts[NK_NKEYS];

/* Find or add the entry for [alert "id"] / [notify "id"]; NULL with a message when the
 * name is bad or the table is full. */
void *alert_rule_entry(struct config *c, const char *id, char *err, size_t errlen);
void *notify_entry(struct config *c, const char *id, char *err, size_t errlen);
/* Record the line of the section's header (o NULL) or of key o. */
void alert_rule_at_line(void *entry, const struct opt *o, int line);
void notify_at_line(void *entry, const struct opt *o, int line);

#endif
