/*
 * agent_sections: [agents] and [logfile "NAME"] on the config's option table. [agents] is a
 * plain section whose values live in struct config's `agents`; a [logfile] entry is found
 * or added by its name, and its lines are remembered so that the check that needs the
 * whole section (a path is given) can name file and line.
 */
#include "config/agent_sections.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "core/err.h"
#include "parse/ingest.h"

#define SECOND 1000LL
#define MINUTE (60 * SECOND)
#define HOUR   (60 * MINUTE)
#define DAY    (24 * HOUR)
#define KIB    1024LL
#define MIB    (1024 * KIB)

#define AG(f)  offsetof(struct config, agents.f), sizeof(((struct config *)0)->agents.f)
#define LOG(f) offsetof(struct logfile_conf, f), sizeof(((struct logfile_conf *)0)->f)

const struct opt agents_opts[AGENTS_NOPTS] = {
    {"max_events", "VIGIL_AGENTS_MAX_EVENTS", "agents-max-events", OPT_UINT, AG(max_events), 0, 1,
     1000000, "5000", "events in one ingest body (lines or array elements)"},
    {"max_depth", "VIGIL_AGENTS_MAX_DEPTH", "agents-max-depth", OPT_UINT, AG(max_depth), 0, 2, 64,
     "16", "JSON nesting of one event, the event itself being level 1"},
    {"max_id_bytes", "VIGIL_AGENTS_MAX_ID_BYTES", "agents-max-id-bytes", OPT_SIZE, AG(max_id_bytes),
     0, 8, INGEST_ID_CEIL, "128", "bytes of an id or name"},
    {"max_text_bytes", "VIGIL_AGENTS_MAX_TEXT_BYTES", "agents-max-text-bytes", OPT_SIZE,
     AG(max_text_bytes), 0, 16, INGEST_TEXT_CEIL, "1KiB", "bytes of a message or error text"},
    {"max_context_bytes", "VIGIL_AGENTS_MAX_CONTEXT_BYTES", "agents-max-context-bytes", OPT_SIZE,
     AG(max_context_bytes), 0, 16, INGEST_CONTEXT_CEIL, "2KiB",
     "bytes of an event's context, as compact JSON"},
    {"max_sessions", "VIGIL_AGENTS_MAX_SESSIONS", "agents-max-sessions", OPT_UINT, AG(max_sessions),
     0, 16, 1 << 20, "4096", "active sessions tracked; beyond, the longest idle is evicted"},
    {"max_requests", "VIGIL_AGENTS_MAX_REQUESTS", "agents-max-requests", OPT_UINT, AG(max_requests),
     0, 16, 1 << 20, "4096", "requests in flight tracked; beyond, the longest idle is evicted"},
    {"max_projects", "VIGIL_AGENTS_MAX_PROJECTS", "agents-max-projects", OPT_UINT, AG(max_projects),
     0, 1, 4096, "64", "projects with a perf_metrics record"},
    {"max_tools", "VIGIL_AGENTS_MAX_TOOLS", "agents-max-tools", OPT_UINT, AG(max_tools), 0, 1,
     65536, "256", "distinct tools counted one by one"},
    {"idle_expiry", "VIGIL_AGENTS_IDLE_EXPIRY", "agents-idle-expiry", OPT_DURATION, AG(idle_ms), 0,
     SECOND, 7 * DAY, "30m", "sessions and requests unheard of this long expire"},
    {"stale", "VIGIL_AGENTS_STALE", "agents-stale", OPT_DURATION, AG(stale_ms), 0, SECOND, DAY,
     "10s", "a project whose last run report is older than this is stale"},
};

const struct opt logfile_opts[LK_NKEYS] = {
    [LK_ENABLED] = {"enabled", NULL, NULL, OPT_BOOL, LOG(enabled), 0, 0, 0, "true",
                    "false stops tailing this file"},
    [LK_PATH] = {"path", NULL, NULL, OPT_STRING, LOG(path), 0, 0, 0, "",
                 "the NDJSON file to follow (required)"},
    [LK_MAX_LINE] = {"max_line_bytes", NULL, NULL, OPT_SIZE, LOG(max_line_bytes), 0, 256, 16 * MIB,
                     "64KiB", "a longer line is skipped and reported"},
};

static bool name_valid(const char *id)
{
    if (id[0] == '\0' || strlen(id) >= LOGFILE_CONF_NAME_MAX)
        return false;
    for (const char *p = id; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok)
            return false;
    }
    return true;
}

void *logfile_entry(struct config *c, const char *id, char *err, size_t errlen)
{
    struct logfile_confs *l = &c->logfiles;
    char shown[48];
    if (!name_valid(id)) {
        config_err_set(err, errlen, "bad logfile name '%s' (use letters, digits, '_' and '-')",
                       config_echo(shown, sizeof shown, id));
        return NULL;
    }
    for (unsigned i = 0; i < l->n; i++)
        if (strcmp(l->files[i].name, id) == 0)
            return &l->files[i];
    if (l->n == LOGFILE_CONF_MAX) {
        config_err_set(err, errlen, "too many [logfile] sections (at most %d)", LOGFILE_CONF_MAX);
        return NULL;
    }
    struct logfile_conf *e = &l->files[l->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", id);
    for (size_t i = 0; i < LK_NKEYS; i++) {
        /* a default that does not parse is a bug in the table */
        if (logfile_opts[i].def != NULL &&
            config_opt_set(e, &logfile_opts[i], logfile_opts[i].def, NULL) < 0)
            abort();
    }
    return e;
}

void logfile_at_line(void *entry, const struct opt *o, int line)
{
    struct logfile_conf *e = entry;
    if (o == NULL)
        e->header_line = line;
    else
        e->line[o - logfile_opts] = line;
}

int logfile_conf_validate(const struct logfile_confs *l, const char *file, char *err, size_t errlen)
{
    for (unsigned i = 0; i < l->n; i++) {
        const struct logfile_conf *e = &l->files[i];
        if (e->path[0])
            continue;
        if (file && file[0] && e->header_line > 0)
            config_err_set(err, errlen, "%s:%d: section [logfile \"%s\"] has no 'path'", file,
                           e->header_line, e->name);
        else
            config_err_set(err, errlen, "section [logfile \"%s\"] has no 'path'", e->name);
        return -VIGIL_EINVAL;
    }
    return 0;
}

void logfile_conf_print(const struct logfile_confs *l, FILE *out)
{
    for (unsigned i = 0; i < l->n; i++) {
        const struct logfile_conf *e = &l->files[i];
        fprintf(out, "\n[logfile \"%s\"]\nenabled = %s\npath = %s\n", e->name,
                e->enabled ? "true" : "false", e->path);
        if (e->max_line_bytes % MIB == 0)
            fprintf(out, "max_line_bytes = %zuMiB\n", e->max_line_bytes / (size_t)MIB);
        else if (e->max_line_bytes % KIB == 0)
            fprintf(out, "max_line_bytes = %zuKiB\n", e->max_line_bytes / (size_t)KIB);
        else
            fprintf(out, "max_line_bytes = %zu\n", e->max_line_bytes);
    }
}

bool logfile_conf_same(const struct logfile_confs *a, const struct logfile_confs *b)
{
    if (a->n != b->n)
        return false;
    for (unsigned i = 0; i < a->n; i++) {
        const struct logfile_conf *x = &a->files[i], *y = &b->files[i];
        if (strcmp(x->name, y->name) != 0 || x->enabled != y->enabled ||
            strcmp(x->path, y->path) != 0 || x->max_line_bytes != y->max_line_bytes)
            return false;
    }
    return true;
}
