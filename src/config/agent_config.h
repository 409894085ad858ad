/*
 * agent_config: the [agents] section (limits of agent telemetry: what one ingest body may
 * hold and how much vigil tracks) and the [logfile "NAME"] sections (NDJSON files of agent
 * events that vigil tails). Part of struct config: plain data, copied with it.
 */
#ifndef VIGIL_AGENT_CONFIG_H
#define VIGIL_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct agents_conf {
    unsigned max_events;      /* events in one body */
    unsigned max_depth;       /* JSON nesting of one event */
    size_t max_id_bytes;      /* ids and names */
    size_t max_text_bytes;    /* message and error texts */
    size_t max_context_bytes; /* an event's context, as compact JSON */
    unsigned max_sessions;    /* active sessions tracked */
    unsigned max_requests;    /* requests in flight tracked */
    unsigned max_projects;
    unsigned max_tools;
    int64_t idle_ms;  /* sessions and requests unheard of this long expire */
    int64_t stale_ms; /* a project's run report older than this is stale */
};

#define LOGFILE_CONF_MAX      16
#define LOGFILE_CONF_NAME_MAX 64 /* NUL included; letters, digits, '_' and '-' */
#define LOGFILE_CONF_PATH_MAX 512

/* The keys of [logfile "NAME"], in the order of logfile_opts. */
enum logfile_key { LK_ENABLED, LK_PATH, LK_MAX_LINE, LK_NKEYS };

struct logfile_conf {
    char name[LOGFILE_CONF_NAME_MAX];
    bool enabled;
    char path[LOGFILE_CONF_PATH_MAX]; /* required */
    size_t max_line_bytes;            /* a longer line is skipped and reported */
    int header_line;                  /* where the section and each key were, for messages */
    int line[LK_NKEYS];
};

struct logfile_confs {
    unsigned n;
    struct logfile_conf files[LOGFILE_CONF_MAX];
};

/* Checks what needs the whole section (a path is given). Messages name file:line when the
 * section came from file. 0 or -VIGIL_EINVAL. */
int logfile_conf_validate(const struct logfile_confs *l, const char *file, char *err,
                          size_t errlen);
/* Writes every [logfile] section as INI, for check-config. */
void logfile_conf_print(const struct logfile_confs *l, FILE *out);
/* True when a and b tail the same files the same way. */
bool logfile_conf_same(const struct logfile_confs *a, const struct logfile_confs *b);

#endif
